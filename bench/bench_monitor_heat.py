"""The monitor's working-time figures per step (count, median, 90th percentile: the heat map) over many
finished instances, and the working-time arithmetic they rest on.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python bench/bench_monitor_heat.py
    .venv/bin/python bench/bench_monitor_heat.py --instances 20000          # SQLite in var/bench-heat

Uses the database it is given (migrated if needed): the rows it adds (``--instances`` finished instances
of one process, each with two finished steps carrying their working time, as the worker's tick stores
it) are inserted in a transaction that is rolled back at the end, so the database is left as it was.
Prints the time of ``step_figures`` (median of 5 after a warm-up, the query plan statistics refreshed
with ANALYZE first) for a manager who sees everything, and the calendar's speed (working time added and
measured per second)."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("YUNYING_DATA_DIR", str(ROOT / "var/bench-heat"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0, interactive=False)
    print(f"database: {connection.vendor}  instances: {args.instances:,}")
    calendar_speed()
    try:
        with transaction.atomic():
            definition, user = _fill(args.instances)
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("ANALYZE workflow_worktask; ANALYZE workflow_processinstance")
            _measure(definition, user, args.runs)
            raise Rollback
    except Rollback:
        print("rows rolled back")


def _fill(n: int):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from yunying.accounts.models import User
    from yunying.workflow.models import ProcessDefinition, ProcessInstance, ProcessVersion, WorkTask

    rng = random.Random(10)
    user = User.objects.create(username="bench-heat-admin", is_superuser=True)
    definition = ProcessDefinition.objects.create(key="bench-heat", name="bench")
    version = ProcessVersion.objects.create(
        definition=definition, number=1, process_id="bench", bpmn_xml="", spec={}
    )
    now = timezone.now()
    t0 = time.perf_counter()
    batch = 5000
    for start in range(0, n, batch):
        size = min(batch, n - start)
        instances = ProcessInstance.objects.bulk_create(
            [
                ProcessInstance(
                    version=version,
                    definition=definition,
                    title=f"bench {start + i}",
                    requester=user,
                    status="completed",
                    started_at=now,
                    ended_at=now,
                )
                for i in range(size)
            ]
        )
        tasks = []
        for inst in instances:
            for element, scale in (("review", 3.0), ("approve", 9.0)):
                tasks.append(
                    WorkTask(
                        instance=inst,
                        element_id=element,
                        name=element,
                        status="completed",
                        outcome="approved",
                        created_at=now,
                        completed_at=now,
                        work_seconds=rng.lognormvariate(0, 0.8) * scale * 3600,
                    )
                )
        WorkTask.objects.bulk_create(tasks, batch_size=5000)
    print(f"inserted {n:,} instances and {2 * n:,} finished steps in {time.perf_counter() - t0:.1f} s")
    return definition, user


def _measure(definition, user, runs: int) -> None:  # type: ignore[no-untyped-def]
    from yunying.workflow.monitor_heat import step_figures

    step_figures(user=user, definition=definition)  # warm-up
    times = []
    figures = []
    for _ in range(runs):
        t0 = time.perf_counter()
        figures = step_figures(user=user, definition=definition)
        times.append(time.perf_counter() - t0)
    print(f"step_figures: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
    for f in figures:
        print(f"  {f.element_id:<8} n={f.count:,}  median={f.median_hours:.2f} h  p90={f.p90_hours:.2f} h")


def calendar_speed() -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from yunying.core.calendar import Hours, UnitCalendar

    cal = UnitCalendar(
        zone=ZoneInfo("Asia/Shanghai"), hours=Hours(dt.time(9), dt.time(18), dt.time(12), dt.time(13))
    )
    rng = random.Random(3)
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    moments = [base + dt.timedelta(minutes=rng.randrange(0, 600 * 24 * 60)) for _ in range(2000)]
    t0 = time.perf_counter()
    for m in moments:
        due = cal.add(m, dt.timedelta(hours=16))
        cal.between(m, due)
    per_second = len(moments) / (time.perf_counter() - t0)
    print(f"calendar: {per_second:,.0f} (add 16 working hours + measure it back) per second")


if __name__ == "__main__":
    main()
