"""Due work that fails: an SLA item failing with an error that is not the database's is retried with a
growing delay, then given up with the error shown (it does not block the tick or retry every minute);
timer tasks are queued once per instance and moment, and only one tick runs at a time."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from huey.contrib.djhuey import HUEY

from yunying.workflow import services, sla
from yunying.workflow.models import InstanceEvent, WorkTask
from yunying.workflow.tests.conftest import single_xml, task_for
from yunying.workflow.timers import due_work_tick

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def _two_overdue(deploy: Any, chain: Any) -> tuple[WorkTask, WorkTask]:
    deploy("single.bpmn", key="sla", xml=single_xml("user:store_a1", ' yunying:due="PT1H"'))
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        first = services.instance_start(actor=chain.users["area_a"], key="sla", data={}, title="一")
    with time_machine.travel(at(2026, 3, 9, 10, 5), tick=False):
        second = services.instance_start(actor=chain.users["area_a"], key="sla", data={}, title="二")
    return task_for(first, "store_a1"), task_for(second, "store_a1")


def test_a_failing_item_backs_off_then_is_given_up_visibly(
    deploy: Any, chain: Any, settings: Any, monkeypatch: Any, client: Any
) -> None:
    settings.YUNYING_SLA_MAX_ATTEMPTS = 3
    bad, _good = _two_overdue(deploy, chain)
    real = sla.HANDLERS[sla.OVERDUE]

    def overdue(instance: Any, task: WorkTask, moment: Any, now: Any) -> None:
        if task.pk == bad.pk:
            raise RuntimeError("robot template broken")
        real(instance, task, moment, now)

    monkeypatch.setitem(sla.HANDLERS, sla.OVERDUE, overdue)
    with time_machine.travel(at(2026, 3, 9, 12), tick=False):
        assert due_work_tick() == 1  # the good one fires; the bad one does not stop the tick
        assert due_work_tick() == 0  # and is not tried again at once
    bad.refresh_from_db()
    assert bad.sla_attempts == 1 and "robot template broken" in bad.sla_error
    assert bad.sla_retry_at == at(2026, 3, 9, 12, 1)
    with time_machine.travel(at(2026, 3, 9, 12, 1), tick=False):
        due_work_tick()
    bad.refresh_from_db()
    assert bad.sla_attempts == 2 and bad.sla_retry_at == at(2026, 3, 9, 12, 3)  # 2 minutes later
    with time_machine.travel(at(2026, 3, 9, 12, 3), tick=False):
        due_work_tick()
    bad.refresh_from_db()
    assert bad.overdue_notified_at is not None and bad.sla_retry_at is None  # given up
    [event] = InstanceEvent.objects.filter(instance=bad.instance, action="sla_failed")
    assert "多次失败" in event.comment and "robot template broken" in event.comment
    assert event.data["attempts"] == 3
    with time_machine.travel(at(2026, 3, 9, 14), tick=False):
        assert due_work_tick() == 0  # never again
    # the monitor lists the step for the administrator while it is open
    client.force_login(chain.users["mgmt"])
    page = client.get("/workflow/monitor/").content.decode()
    assert 'data-testid="sla-failures"' in page and "robot template broken" in page
    assert f"#{bad.instance_id} 一" in page and f"#{_good.instance_id} 二" not in page
    services.task_approve(actor=chain.users["store_a1"], task_id=bad.pk, data={})
    page = client.get("/workflow/monitor/").content.decode()
    assert 'data-testid="sla-failures"' not in page


def test_a_timer_task_queued_twice_fires_the_timer_once(deploy: Any, chain: Any) -> None:
    from yunying.workflow.tasks import fire_timers

    deploy("timers.bpmn", key="timers")
    with time_machine.travel(at(2026, 3, 9, 9), tick=False):
        instance = services.instance_start(actor=chain.users["area_a"], key="timers", data={})
    with time_machine.travel(at(2026, 3, 9, 11, 0, 30), tick=False):
        assert fire_timers.call_local(instance.pk, key="yunying.fire_timers:test:1") == 1
        assert fire_timers.call_local(instance.pk, key="yunying.fire_timers:test:1") == 0
        assert fire_timers.call_local(instance.pk) == 0
    timers = InstanceEvent.objects.filter(instance=instance, action="timer")
    assert list(timers.values_list("step", flat=True)) == ["等两小时"]


def test_a_timer_task_is_queued_once_per_instance_and_moment() -> None:
    from yunying.workflow.tasks import fire_timers

    key = "yunying.fire_timers:1:100"
    HUEY.immediate = False
    try:
        assert HUEY.put_if_empty(key, "1")
        assert not HUEY.put_if_empty(key, "1")  # a second save of the instance queues nothing
        fire_timers.call_local(1, key=key)  # running it frees the key for a later moment
        assert HUEY.put_if_empty(key, "1")
    finally:
        HUEY.get(key)
        HUEY.flush()
        HUEY.immediate = True


def test_schedule_next_queues_one_task_for_repeated_saves(deploy: Any, chain: Any) -> None:
    from yunying.workflow import timers

    class _Eng:
        pass

    instance = services.instance_start(
        actor=chain.users["area_a"],
        key=deploy("single.bpmn", key="timer-once", xml=single_xml("user:store_a1")).definition.key,
        data={},
    )
    due = at(2030, 1, 1, 9)
    queued: list[Any] = []
    import yunying.workflow.tasks as tasks

    original = tasks.fire_timers.schedule
    tasks.fire_timers.schedule = lambda **kw: queued.append(kw)  # type: ignore[method-assign]
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(timers, "next_timer_due", lambda eng: due)
            for _i in range(3):
                timers.schedule_next(instance, _Eng())  # type: ignore[arg-type]
                for callback in list(_pending_on_commit()):
                    callback()
    finally:
        tasks.fire_timers.schedule = original  # type: ignore[method-assign]
        HUEY.get(queued[0]["kwargs"]["key"]) if queued else None
    assert len(queued) == 1


def _pending_on_commit() -> list[Any]:
    from django.db import connection

    callbacks = [c for _sids, c, *_rest in connection.run_on_commit]
    connection.run_on_commit.clear()
    return callbacks


def test_only_one_tick_runs_at_a_time() -> None:
    from yunying.workflow.tasks import _due_work_lock, _tick_once

    with _due_work_lock:
        assert _tick_once() == 0  # another worker's tick is running: this one is a no-op
