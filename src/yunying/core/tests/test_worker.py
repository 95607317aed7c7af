"""A task enqueued by the web process is executed by a real worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from huey.contrib.djhuey import HUEY

from yunying.core.models import TaskProbe
from yunying.core.tasks import worker_probe

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["YUNYING_DATA_DIR"] = str(settings.DATA_DIR)
    env["YUNYING_HUEY_IMMEDIATE"] = "0"
    db = connection.settings_dict
    if settings.DATABASE_IS_POSTGRES:
        user = db.get("USER") or "postgres"
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{db['NAME']}"
    else:
        env.pop("DATABASE_URL", None)
        env["YUNYING_SQLITE_PATH"] = str(db["NAME"])
    return env


@pytest.fixture
def real_queue():
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


def test_task_from_web_process_runs_in_worker_process(real_queue, tmp_path: Path):
    token = uuid.uuid4().hex
    result = worker_probe(token)  # enqueued, not run here
    assert not TaskProbe.objects.filter(token=token).exists()
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        _run_worker_until_done(result, token, log)


def _run_worker_until_done(result, token: str, log) -> None:  # type: ignore[no-untyped-def]
    worker = subprocess.Popen(
        [sys.executable, "-m", "yunying.cli", "worker", "--workers", "1"],
        env=_worker_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        pid = result.get(blocking=True, timeout=180)  # a waiting bound, not a speed check: loaded CI machines
        deadline = time.monotonic() + 30
        while not TaskProbe.objects.filter(token=token).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        probe = TaskProbe.objects.get(token=token)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert pid == worker.pid == probe.worker_pid
    assert pid != os.getpid()
