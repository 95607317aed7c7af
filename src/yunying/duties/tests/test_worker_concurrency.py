"""Two real ``yunying worker`` processes materialise and deliver the same duties at once (each catches up
when it starts, then both take queued runs in parallel): every occurrence exists once, arrives once and is
announced once. On PostgreSQL with Redis (``make test``'s second half) the test checks that the two workers'
runs overlapped; on SQLite both still start and catch up together."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from yunying.core import clock
from yunying.core.tests.test_worker import _worker_env, real_queue  # noqa: F401
from yunying.duties.factories import duty_make
from yunying.duties.models import Event, Occurrence
from yunying.duties.recurrence import Rule, periods
from yunying.duties.scheduler import materialise_window
from yunying.duties.seats import OrgSnapshot, duty_seats
from yunying.duties.tasks import duties_tick_task
from yunying.notifications.models import Notification
from yunying.org.factories import EmployeeFactory, StoreFactory, UserFactory, appoint

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
RUNS = 4


def _start(log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "yunying.cli", "worker", "--workers", "1"],
        env=_worker_env(),
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["started"] < b["finished"] and b["started"] < a["finished"]


def test_two_workers_at_once_create_and_announce_each_occurrence_once(
    real_queue: Any,  # noqa: F811
    ops_chain: Any,
    tmp_path: Path,
) -> None:
    for i in range(16):  # enough seats that a run takes a while
        store = StoreFactory(code=f"W{i:02d}", area="浦东", parent=ops_chain.region_a)
        appoint(EmployeeFactory(name=f"店长W{i}", user=UserFactory(username=f"w{i}")), "STORE-MGR", store)
    duties = [
        duty_make(key="t_store_weekly", positions=("STORE-MGR",), cadence="weekly", weekday=2, lead_days=3),
        duty_make(key="t_eval", positions=("STORE-MGR",), cadence="monthly", day="last_working",
                  assign_to="superior", lead_days=5),
        duty_make(key="t_plan", positions=("MGMT-HEAD",), cadence="weekly", weekday=4, lead_days=2),
    ]  # fmt: skip
    queued = [duties_tick_task() for _ in range(RUNS)]  # waiting in the queue before any worker is up
    log = tmp_path / "workers.log"
    workers = [_start(log), _start(log)]
    try:
        results = [r.get(blocking=True, timeout=180) for r in queued]
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.wait(timeout=30)
    pids = {r["pid"] for r in results}
    assert pids <= {p.pid for p in workers}
    if settings.REDIS_URL:  # a Redis queue hands tasks out at once; SQLite's queue is polled
        assert pids == {p.pid for p in workers}, (pids, log.read_text()[-3000:])
        by_pid = [[r for r in results if r["pid"] == p.pid] for p in workers]
        # both workers were materialising and delivering at the same time
        assert any(_overlap(a, b) for a in by_pid[0] for b in by_pid[1]), results

    start, end = materialise_window()
    snap, today = OrgSnapshot(), clock.today()
    for duty in duties:
        positions = list(duty.positions.values_list("pk", flat=True))
        expected = {
            (p.key, s.slot)
            for p in periods(Rule.of(duty), start, end)
            for s in duty_seats(snap, duty, positions, min(p.base, today))
        }
        got = list(Occurrence.objects.filter(duty=duty).values_list("period_key", "slot"))
        assert len(got) == len(set(got)) == len(expected), duty.key
        assert set(got) == expected
    arrived = Occurrence.objects.filter(arrived_at__isnull=False)
    assert arrived.count() > 100
    assert Event.objects.filter(action="arrived").count() == arrived.count()
    for occ in arrived.select_related("assignee__user"):
        assert occ.events.filter(action="arrived").count() == 1
    announced = Notification.objects.filter(kind="assigned", url__startswith="/duties/o/")
    assert announced.count() == arrived.filter(assignee__user__isnull=False).count()
    assert len(set(announced.values_list("url", flat=True))) == announced.count()
    overdue = Occurrence.objects.filter(overdue_at__isnull=False).count()
    assert Event.objects.filter(action="overdue").count() == overdue
