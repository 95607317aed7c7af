"""The operations calendar at scale: a year of every shipped duty materialised for a chain of 300 stores, and
the completion board of a month, each beside a baseline measured in the same run.

    .venv/bin/python bench/bench_duties.py                  # 300 stores, SQLite and PostgreSQL
    .venv/bin/python bench/bench_duties.py --stores 30      # smaller
    .venv/bin/python bench/bench_duties.py --db sqlite      # one database only

For each database (a SQLite file in --workdir; PostgreSQL at --pg-url), in a fresh child process:
  baseline     the same number of occurrence rows inserted with bulk_create and nothing computed (the floor);
  materialise  `occurrences_materialise` over the year: seats resolved from the organisation, every due
               moment computed on each seat's working calendar (holidays, 调休), rows inserted once;
  again        the same call a second time (idempotent: nothing created);
  board        `board_compile` for one month (all 300 stores, grouped by person, position, store, region):
               median of --runs after a warm-up, beside the bare grouped COUNT query it rests on.
Targets: the year under a minute, the board under a second.

The PostgreSQL database is created and dropped under a name of its own (`--pg-db`, by default
yybench_duties_<pid>); nothing else is touched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from harness import run_child

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2026  # a year whose holidays the calendar knows


def _setup(stores: int) -> Any:
    from yunying.accounts.models import User
    from yunying.org.models import Appointment, Employee, OrgUnit, Position, UnitKind
    from yunying.seed.services import seed_defaults

    seed_defaults()
    positions = {p.code: p for p in Position.objects.all()}
    company = OrgUnit.objects.create(kind=UnitKind.COMPANY, code="BC", name="压测连锁")
    center = OrgUnit.objects.create(kind=UnitKind.CENTER, code="BCTR", name="运营中心", parent=company)
    mgmt = OrgUnit.objects.create(kind=UnitKind.DEPARTMENT, code="D-MGMT", name="运营管理部", parent=center)
    regions = [
        OrgUnit.objects.create(kind=UnitKind.REGION, code=f"BR{r:02d}", name=f"区域{r}", parent=mgmt)
        for r in range(max(1, stores // 10))
    ]
    units = OrgUnit.objects.bulk_create(
        OrgUnit(kind=UnitKind.STORE, code=f"B{s:04d}", name=f"门店{s}", parent=regions[s % len(regions)])
        for s in range(stores)
    )
    seats: list[tuple[str, Any]] = [("OPS-MGR", center), ("MGMT-HEAD", mgmt), ("SUPERVISOR", mgmt)]
    seats += [("AREA-MGR", r) for r in regions]
    for store in units:
        seats += [("STORE-MGR", store), ("FOH-LEAD", store), ("KITCHEN-LEAD", store)]
        seats += [("WAITER", store)] * 3
    users = User.objects.bulk_create(User(username=f"bench{i}") for i in range(len(seats)))
    people = Employee.objects.bulk_create(
        Employee(employee_no=f"B{i:06d}", name=f"员工{i}", user=users[i]) for i in range(len(seats))
    )
    start = dt.date(2020, 1, 1)
    Appointment.objects.bulk_create(
        Appointment(employee=people[i], position=positions[code], unit=unit, started_on=start)
        for i, (code, unit) in enumerate(seats)
    )
    return users[0]  # the operations manager: sees everything


def _baseline(count: int) -> float:
    """Insert ``count`` occurrence rows with nothing computed, then remove them."""
    from django.db import transaction

    from yunying.duties.models import Duty, Occurrence
    from yunying.forms.models import FormVersion

    duty = Duty.objects.first()
    version = FormVersion.objects.filter(definition_id=duty.form_id).first()  # type: ignore[union-attr]
    now = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)
    rows = [
        Occurrence(
            duty=duty,
            period_key=f"b{i}",
            period_start=now.date(),
            period_end=now.date(),
            slot="bench",
            form_version=version,
            due_on=now.date(),
            due_at=now,
            available_at=now,
            created_at=now,
        )
        for i in range(count)
    ]
    t0 = time.perf_counter()
    with transaction.atomic():
        for i in range(0, count, 500):
            Occurrence.objects.bulk_create(rows[i : i + 500])
    elapsed = time.perf_counter() - t0
    Occurrence.objects.filter(slot="bench").delete()
    return elapsed


def _mark_submissions(rng: random.Random) -> None:
    """Two thirds on time, a sixth late, the rest missing — a board with something to count."""
    from yunying.duties.models import Occurrence, Status

    updates = []
    for occ in Occurrence.objects.only("pk", "due_at", "available_at").iterator():
        roll = rng.random()
        if roll < 0.66:
            occ.first_submitted_at = occ.submitted_at = occ.available_at + (occ.due_at - occ.available_at) / 2
        elif roll < 0.83:
            occ.first_submitted_at = occ.submitted_at = occ.due_at + dt.timedelta(hours=rng.randint(1, 60))
        else:
            continue
        occ.status = Status.ACCEPTED
        updates.append(occ)
    Occurrence.objects.bulk_update(updates, ["first_submitted_at", "submitted_at", "status"], batch_size=1000)


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from yunying.duties.board import board_compile
    from yunying.duties.models import Duty, Occurrence
    from yunying.duties.scheduler import occurrences_materialise

    call_command("migrate", verbosity=0, interactive=False)
    user = _setup(args.stores)
    Duty.objects.update(starts_on=dt.date(YEAR, 1, 1), is_active=True)
    result: dict[str, Any] = {"vendor": connection.vendor, "duties": Duty.objects.count()}

    t0 = time.perf_counter()
    done = occurrences_materialise(start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31))
    result["materialise_s"] = time.perf_counter() - t0
    result["rows"] = Occurrence.objects.count()
    result["created"] = done.created
    t0 = time.perf_counter()
    again = occurrences_materialise(start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31))
    result["again_s"] = time.perf_counter() - t0
    result["again_created"] = again.created
    result["baseline_s"] = _baseline(result["rows"])

    _mark_submissions(random.Random(7))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE duties_occurrence")
    month = f"{YEAR}-06"
    for group in ("person", "position", "store", "region"):
        board_compile(user=user, month=month, group=group)  # warm-up
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            board = board_compile(user=user, month=month, group=group)
            times.append(time.perf_counter() - t0)
        result[f"board_{group}_ms"] = statistics.median(times) * 1000
        result[f"board_{group}_lines"] = len(board.lines)
    result["board_due"] = board.total.due
    times = []
    with connection.cursor() as cursor:
        for _ in range(args.runs):
            t0 = time.perf_counter()
            cursor.execute(
                "SELECT assignee_id, COUNT(*) FROM duties_occurrence WHERE due_on BETWEEN %s AND %s "
                "GROUP BY assignee_id",
                [dt.date(YEAR, 6, 1), dt.date(YEAR, 6, 30)],
            )
            cursor.fetchall()
            times.append(time.perf_counter() - t0)
    result["board_baseline_ms"] = statistics.median(times) * 1000
    print("RESULT " + json.dumps(result), flush=True)


def _report(db: str, r: dict[str, Any], total: float) -> None:
    rows = r["rows"]
    print(f"\n== {db} ({r['vendor']}), {r['duties']} duties, run {total:.0f} s")
    print(
        f"materialise a year: {rows:,} occurrences in {r['materialise_s']:.1f} s "
        f"({rows / r['materialise_s']:,.0f}/s)  target < 60 s  "
        f"{'OK' if r['materialise_s'] < 60 else 'SLOW'}"
    )
    print(
        f"  baseline bulk insert of {rows:,} rows: {r['baseline_s']:.1f} s "
        f"({rows / r['baseline_s']:,.0f}/s); materialise is {r['materialise_s'] / r['baseline_s']:.1f}× the baseline"
    )
    print(f"  again (idempotent): {r['again_created']} created in {r['again_s']:.1f} s")
    print(f"board of {YEAR}-06 ({r['board_due']:,} due), median of runs  target < 1000 ms")
    for group in ("person", "position", "store", "region"):
        ms = r[f"board_{group}_ms"]
        print(
            f"  by {group:<8} {ms:8.1f} ms  {r[f'board_{group}_lines']:5} lines  {'OK' if ms < 1000 else 'SLOW'}"
        )
    print(f"  baseline grouped COUNT: {r['board_baseline_ms']:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--pg-db",
        default=f"yybench_duties_{os.getpid()}",
        help="database created (and dropped) for the run; its own name, nothing else is touched",
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-duties")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(f"chain: {args.stores} stores, every shipped duty, the year {YEAR}", flush=True)
    for db in args.db.split(","):
        command = [
            sys.executable,
            __file__,
            "--child",
            "--stores",
            str(args.stores),
            "--runs",
            str(args.runs),
        ]
        result, seconds = run_child(db, command, workdir=args.workdir, pg_url=args.pg_url, pg_db=args.pg_db)
        _report(db, result, seconds)


if __name__ == "__main__":
    main()
