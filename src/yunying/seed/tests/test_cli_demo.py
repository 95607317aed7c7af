"""The console script on a fresh data directory: `yunying demo --no-serve` builds the demo chain."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.worker
@pytest.mark.django_db
def test_demo_command_creates_database_and_is_deterministic(tmp_path: Path):
    yunying = str(Path(sys.executable).parent / "yunying")
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "YUNYING_SQLITE_PATH"}
    }
    env["YUNYING_DATA_DIR"] = str(tmp_path / "data")
    first = subprocess.run(
        [yunying, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    assert "17 stores" in first.stdout and "yunying-demo" in first.stdout
    for login in ("gm", "ops", "mgmt", "supervisor", "area1", "store01", "staff01"):
        assert login in first.stdout
    database = tmp_path / "data" / "yunying.sqlite3"
    assert database.exists() and (tmp_path / "data" / "secret_key").exists()
    with sqlite3.connect(database) as conn:
        names = conn.execute("select name from org_employee order by employee_no").fetchall()
        codes = conn.execute("select code from org_orgunit where kind='store' order by code").fetchall()
    assert [c for (c,) in codes][:3] == ["S01", "S02", "S03"] and len(codes) == 17
    again = subprocess.run(
        [yunying, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0 and "already loaded" in again.stdout

    # Same seed, another database: the same people (the demo chain the other tests load in-process).
    from tests.snapshots import demo_chain

    from yunying.org.models import Employee

    demo_chain()
    assert list(Employee.objects.order_by("employee_no").values_list("name")) == names
