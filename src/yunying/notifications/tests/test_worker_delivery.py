"""A notification raised in a web request's transaction is delivered by a real ``yunying worker``
process after commit (SQLite queue, or Redis when REDIS_URL is set), once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from yunying.core.tests.test_worker import _worker_env
from yunying.notifications import services
from yunying.notifications.models import Delivery, DeliveryState
from yunying.notifications.tests.receiver import receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_sends_the_outbox_after_commit(admin: Any, held_queue: Any, tmp_path: Path) -> None:
    with receiver() as hook:
        services.robot_save(
            actor=admin,
            name="门店群",
            platform="dingtalk",
            url=hook.url,
            secret="SECworker",
            kinds=["escalated"],
        )
        with transaction.atomic():
            services.notify([], kind="escalated", message="S01 冷库维修 已升级到管理部")
            assert len(held_queue) == 0  # nothing is queued before commit
        assert len(held_queue) == 1 and hook.requests == []
        env = _worker_env()
        env["YUNYING_ROBOT_ALLOW_HTTP_LOOPBACK"] = "1"
        with (tmp_path / "worker.log").open("w") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "yunying.cli", "worker", "--workers", "1"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                deadline = time.monotonic() + 60
                while not Delivery.objects.filter(state=DeliveryState.SENT).exists():
                    assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-2000:]
                    time.sleep(0.2)
            finally:
                worker.terminate()
                worker.wait(timeout=20)
    [got] = hook.requests
    assert "S01 冷库维修 已升级到管理部" in got.body["markdown"]["text"] and got.query["sign"]
    assert Delivery.objects.get().attempts == 1
