"""A real ``yunying worker`` process fires due timers, reminders, overdue notices and escalations; stopped
while several fall due, it catches up when started again: each fires exactly once, in order."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from yunying.core.tasks import worker_probe
from yunying.core.tests.test_worker import _worker_env, real_queue  # noqa: F401
from yunying.notifications.models import Notification
from yunying.workflow import services
from yunying.workflow.models import InstanceEvent, ProcessInstance
from yunying.workflow.tasks import fire_timers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
HOUR = 3600
FIRED = ("timer", "sla_remind", "overdue", "escalate")


def _fired(instance: ProcessInstance) -> list[tuple[str, str, dt.datetime]]:
    return [
        (e.action, e.step, dt.datetime.fromisoformat(e.data["due_moment"]).replace(microsecond=0))
        for e in InstanceEvent.objects.filter(instance=instance, action__in=FIRED).order_by("pk")
    ]


class Worker:
    def __init__(self, log: Path, offset_seconds: int) -> None:
        env = _worker_env()
        env["YUNYING_CLOCK_OFFSET_SECONDS"] = str(offset_seconds)
        self.log = log.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "yunying.cli", "worker", "--workers", "1"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def settle(self) -> None:
        """Wait until the worker has run everything queued before now (one worker: first in, first out)."""
        assert worker_probe("settle-" + str(time.monotonic_ns())).get(blocking=True, timeout=60)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def test_stopped_worker_catches_up_each_due_moment_once_in_order(
    real_queue: Any,  # noqa: F811
    deploy: Any,
    chain: Any,
    tmp_path: Path,
) -> None:
    deploy("timers.bpmn", key="timers")
    instance = services.instance_start(actor=chain.users["area_a"], key="timers", data={})
    instance.refresh_from_db()
    started = instance.started_at
    assert instance.timer_due_at is not None
    log = tmp_path / "worker.log"

    worker = Worker(log, 0)  # on time: nothing is due yet
    try:
        worker.settle()
        assert fire_timers(instance.pk).get(blocking=True, timeout=60) == 0
    finally:
        worker.stop()
    assert _fired(instance) == []

    worker = Worker(log, 40 * HOUR)  # stopped while seven moments fell due; started 40 hours later
    try:
        deadline = time.monotonic() + 60
        while len(_fired(instance)) < 7 and time.monotonic() < deadline:
            time.sleep(0.3)
        worker.settle()
        assert fire_timers(instance.pk).get(blocking=True, timeout=60) == 0
    finally:
        worker.stop()

    def h(hours: int) -> dt.datetime:
        return (started + dt.timedelta(hours=hours)).replace(microsecond=0)

    got = _fired(instance)
    assert [(a, s) for a, s, _m in got] == [
        ("timer", "等两小时"),
        ("sla_remind", "处理"),
        ("timer", "每三小时"),
        ("overdue", "处理"),
        ("escalate", "处理"),
        ("timer", "每三小时"),
        ("timer", "一天未处理"),
    ]
    moments = [m for _a, _s, m in got]
    assert moments == sorted(moments)
    tolerance = dt.timedelta(seconds=5)  # the step opens a moment after the start
    expected = [h(2), h(5), h(5), h(6), h(8), h(8), h(26)]
    assert all(abs(m - e) <= tolerance for m, e in zip(moments, expected, strict=True)), moments
    sla_kinds = ("reminder", "overdue", "escalated")  # other notices (a new task: "assigned") aside
    notices = Notification.objects.filter(instance=instance, kind__in=sla_kinds)
    assert sorted(notices.values_list("kind", flat=True)) == ["escalated", "overdue", "reminder"]

    worker = Worker(log, 40 * HOUR)  # started once more: nothing fires twice
    try:
        worker.settle()
        assert fire_timers(instance.pk).get(blocking=True, timeout=60) == 0
    finally:
        worker.stop()
    assert len(_fired(instance)) == 7
    instance.refresh_from_db()
    assert instance.tasks.get(status="open").element_id == "late"
