"""What the bench scripts share: each database measured in a child process of its own, on a fresh database.

A bench runs itself again with ``--child`` for each database named in ``--db`` (``sqlite``, ``postgres``): the
child loads its data, measures and prints one line ``RESULT <json>``; the parent prints the report."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any


def child_env(db: str, *, workdir: Path, pg_url: str, pg_db: str) -> dict[str, str]:
    """The environment of a child on an empty database: PostgreSQL's ``pg_db`` dropped and created again, or
    the SQLite file under ``workdir/db`` removed. Jobs run in-process; no Redis."""
    env = {**os.environ, "YUNYING_DATA_DIR": str(workdir / db), "YUNYING_HUEY_IMMEDIATE": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if db == "postgres":
        drop_database(pg_url, pg_db)
        subprocess.run(["psql", pg_url + "/postgres", "-qc", f"CREATE DATABASE {pg_db}"], check=True)
        env["DATABASE_URL"] = f"{pg_url}/{pg_db}"
    else:
        (workdir / db).mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{workdir / db / 'yunying.sqlite3'}{suffix}").unlink(missing_ok=True)
    return env


def drop_database(pg_url: str, pg_db: str) -> None:
    subprocess.run(["psql", pg_url + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {pg_db}"], check=True)


def run_child(db: str, command: list[str], *, workdir: Path, pg_url: str, pg_db: str) -> tuple[Any, float]:
    """Run ``command`` (the bench's child) on a fresh ``db``; its ``RESULT`` and the seconds it took in all.
    A PostgreSQL database is dropped afterwards."""
    env = child_env(db, workdir=workdir, pg_url=pg_url, pg_db=pg_db)
    t0 = time.perf_counter()
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    if db == "postgres":
        drop_database(pg_url, pg_db)
    if out.returncode != 0:
        print(out.stdout[-2000:], out.stderr[-4000:])
        raise SystemExit(f"{db}: child failed")
    result = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])
    return result, time.perf_counter() - t0
