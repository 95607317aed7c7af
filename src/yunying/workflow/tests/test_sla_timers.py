"""Service levels (working-time due, reminder, overdue, escalation) and BPMN timers fired by the tick:
each once, in the order of their moments, also when the tick comes late."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yunying.notifications.models import Notification
from yunying.workflow import services, timers
from yunying.workflow.errors import DeployRefused
from yunying.workflow.models import InstanceEvent, ProcessInstance
from yunying.workflow.tests.conftest import open_tasks, read, single_xml, task_for
from yunying.workflow.timers import due_work_tick

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
FIRED = ("timer", "sla_remind", "overdue", "escalate")
SLA_KINDS = ("reminder", "overdue", "escalated")  # other notices (e.g. a new task: "assigned") aside


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def fired(instance: ProcessInstance) -> list[tuple[str, str, dt.datetime]]:
    return [
        # (a timer started by a late timer counts from just after that one's moment: microseconds)
        (e.action, e.step, dt.datetime.fromisoformat(e.data["due_moment"]).replace(microsecond=0))
        for e in InstanceEvent.objects.filter(instance=instance, action__in=FIRED).order_by("pk")
    ]


WORKING = (
    ' yunying:due="PT8H" yunying:due-basis="working" yunying:remind-before="PT2H"'
    ' yunying:escalate-after="PT4H" yunying:escalate="reassign"'
)


def test_working_time_due_over_the_spring_festival_reminds_overdue_escalates_once(
    deploy: Any, chain: Any
) -> None:
    deploy("single.bpmn", key="sla", xml=single_xml("user:store_a1", WORKING))
    with time_machine.travel(at(2026, 2, 13, 16), tick=False):  # Friday before the holiday
        instance = services.instance_start(actor=chain.users["area_a"], key="sla", data={})
    task = task_for(instance, "store_a1")
    # Fri 16–18 (2 h) + Saturday 14 Feb, a make-up working day: 9–12, 13–16 (6 h)
    assert task.due_basis == "working"
    assert task.due_at == at(2026, 2, 14, 16)
    assert task.remind_at == at(2026, 2, 14, 14)
    # 4 working hours after: Sat 16–18, then the holiday week, then Tue 24 Feb 9–11
    assert task.escalate_at == at(2026, 2, 24, 11)

    with time_machine.travel(at(2026, 2, 20, 12), tick=False):
        assert due_work_tick() == 2  # reminder and overdue notice; no escalation during the holiday
    with time_machine.travel(at(2026, 2, 24, 12), tick=False):
        assert due_work_tick() == 1
        assert due_work_tick() == 0
    assert [a for a, _s, _d in fired(instance)] == ["sla_remind", "overdue", "escalate"]
    task.refresh_from_db()
    assert task.assignee == chain.users["area_a"]  # reassigned to the store manager's superior
    kinds = sorted(
        Notification.objects.filter(task=task, kind__in=SLA_KINDS).values_list("kind", "recipient__username")
    )
    assert kinds == [("escalated", "area_a"), ("overdue", "store_a1"), ("reminder", "store_a1")]


def test_the_clock_pauses_while_the_step_is_returned(deploy: Any, chain: Any) -> None:
    xml = read("review.bpmn").replace(b'yunying:due="P1D"', b'yunying:due="PT8H" yunying:due-basis="working"')
    deploy("review.bpmn", key="review", xml=xml)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):  # Monday
        instance = services.instance_start(
            actor=chain.users["store_a1"], key="review", data={"amount": "1500", "reason": "冰柜"}
        )
    assert task_for(instance, "area_a").due_at == at(2026, 3, 10, 10)
    with time_machine.travel(at(2026, 3, 9, 12), tick=False):  # 2 working hours used
        services.task_return(
            actor=chain.users["area_a"],
            task_id=task_for(instance, "area_a").pk,
            to="requester",
            comment="补充",
        )
    [resubmit] = open_tasks(instance)
    with time_machine.travel(at(2026, 3, 11, 10), tick=False):  # Wednesday: 6 working hours left
        services.task_resubmit(
            actor=chain.users["store_a1"], task_id=resubmit.pk, data={"amount": "1500", "reason": "补"}
        )
    assert task_for(instance, "area_a").due_at == at(2026, 3, 11, 17)


def test_bad_service_level_is_refused_at_deploy(deploy: Any) -> None:
    with pytest.raises(DeployRefused) as exc:
        deploy("single.bpmn", key="bad", xml=single_xml("user:gm", ' yunying:due="8 hours"'))
    assert "8 hours" in str(exc.value.problems if hasattr(exc.value, "problems") else exc.value)
    with pytest.raises(DeployRefused):
        deploy("single.bpmn", key="bad2", xml=single_xml("user:gm", ' yunying:escalate="fire"'))


@pytest.mark.parametrize("scan_batch", [timers.SCAN_BATCH, 2, 1])
def test_a_late_tick_fires_timers_and_service_levels_once_in_order(
    deploy: Any, chain: Any, scan_batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also when the tick reads the due service levels a few at a time (the timers between them)."""
    monkeypatch.setattr(timers, "SCAN_BATCH", scan_batch)
    deploy("timers.bpmn", key="timers")
    with time_machine.travel(at(2026, 3, 9, 9), tick=False):
        instance = services.instance_start(actor=chain.users["area_a"], key="timers", data={})
        instance.refresh_from_db()
        assert instance.timer_due_at == at(2026, 3, 9, 11)
        assert due_work_tick() == 0
    with time_machine.travel(at(2026, 3, 10, 22), tick=False):  # the worker was away for 37 hours
        assert due_work_tick() == 7
        assert due_work_tick() == 0
    # as if on time: the wait ends at 11:00; the step opens then (due 15:00, reminder 14:00, escalation
    # 17:00), its cycle timer fires at 14:00 and 17:00, and the one-day timer at 11:00 the next day
    assert fired(instance) == [
        ("timer", "等两小时", at(2026, 3, 9, 11)),
        ("sla_remind", "处理", at(2026, 3, 9, 14)),
        ("timer", "每三小时", at(2026, 3, 9, 14)),
        ("overdue", "处理", at(2026, 3, 9, 15)),
        ("escalate", "处理", at(2026, 3, 9, 17)),
        ("timer", "每三小时", at(2026, 3, 9, 17)),
        ("timer", "一天未处理", at(2026, 3, 10, 11)),
    ]
    [late] = open_tasks(instance)
    assert late.element_id == "late" and late.assignee == chain.users["gm"]
    assert late.created_at <= at(2026, 3, 10, 22)


def test_a_withdrawn_request_fires_nothing_more(deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="sla", xml=single_xml("user:area_a", WORKING))
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        instance = services.instance_start(actor=chain.users["store_a1"], key="sla", data={})
        services.instance_withdraw(actor=chain.users["store_a1"], instance_id=instance.pk)
    deploy("timers.bpmn", key="timers")
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        timed = services.instance_start(actor=chain.users["store_a1"], key="timers", data={})
        services.instance_withdraw(actor=chain.users["store_a1"], instance_id=timed.pk)
    with time_machine.travel(at(2026, 3, 20, 10), tick=False):
        assert due_work_tick() == 0
    assert fired(instance) == [] and fired(timed) == []


def test_a_delegated_task_reminds_the_delegate_and_escalates_to_the_delegators_superior(
    deploy: Any, chain: Any
) -> None:
    deploy("single.bpmn", key="sla", xml=single_xml("user:store_a1", WORKING.replace("reassign", "notify")))
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        services.delegation_create(
            actor=chain.users["store_a1"], to_user=chain.users["staff_a1"], starts_on=dt.date(2026, 3, 9)
        )
        instance = services.instance_start(actor=chain.users["area_a"], key="sla", data={})
    task = task_for(instance, "staff_a1")
    assert task.on_behalf_of == chain.users["store_a1"]
    assert task.due_at == at(2026, 3, 10, 10)  # 8 working hours, whoever holds it
    with time_machine.travel(at(2026, 3, 10, 15), tick=False):
        assert due_work_tick() == 3
    sent = sorted(
        Notification.objects.filter(task=task, kind__in=SLA_KINDS).values_list("kind", "recipient__username")
    )
    assert sent == [("escalated", "area_a"), ("overdue", "staff_a1"), ("reminder", "staff_a1")]


def test_a_request_returned_to_its_requester_is_due_in_working_time(deploy: Any, chain: Any) -> None:
    """退回修改: the company's default (48 h) in working hours of the request's unit, not clock hours."""
    from yunying.workflow.models import TaskKind, WorkTask

    deploy("single.bpmn", key="back", xml=single_xml("user:area_a"))
    with time_machine.travel(at(2026, 3, 9, 9), tick=False):  # Monday
        instance = services.instance_start(actor=chain.users["store_a1"], key="back", data={})
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        services.task_return(
            actor=chain.users["area_a"],
            task_id=task_for(instance, "area_a").pk,
            to="requester",
            comment="补照片",
        )
    task = WorkTask.objects.get(instance=instance, kind=TaskKind.RESUBMIT)
    # 48 working hours of 8 (9–18, lunch 12–13) from Monday 10:00: six working days on, Tuesday 17 March
    assert task.due_at == at(2026, 3, 17, 10)
    assert task.remind_at == at(2026, 3, 16, 17)  # 2 working hours before: Mon 17–18 and Tue 9–10
    assert task.escalate_at is None and task.due_basis == "unit"


def test_an_unknown_year_falls_back_to_clock_time_and_says_so(deploy: Any, chain: Any, client: Any) -> None:
    """A working-time limit in a year whose holidays nobody maintains is counted in clock time: the
    step is marked, the request's history says why, and the monitor lists it for the administrator."""
    deploy("single.bpmn", key="far", xml=single_xml("user:store_a1", WORKING))
    with time_machine.travel(at(2040, 3, 5, 10), tick=False):
        instance = services.instance_start(actor=chain.users["area_a"], key="far", data={}, title="远期申请")
    task = task_for(instance, "store_a1")
    assert task.due_basis == "fallback"
    assert task.due_at == at(2040, 3, 5, 18)  # 8 clock hours
    [event] = InstanceEvent.objects.filter(instance=instance, action="sla_clock_time")
    assert "2040 年的节假日安排尚未收录" in event.comment and "自然时间" in event.comment
    client.force_login(chain.users["mgmt"])
    page = client.get("/workflow/monitor/").content.decode()
    assert 'data-testid="clock-fallback"' in page and "远期申请" in page


def test_reassign_escalation_takes_a_task_out_of_a_shared_queue(deploy: Any, chain: Any) -> None:
    """A claimable queue task (the store managers' queue) nobody took in time goes to the queue's superior."""
    from yunying.workflow.models import WorkTask

    xml = single_xml(
        "queue:position:STORE-MGR@A1",
        ' yunying:due="PT1H" yunying:escalate-after="PT1H" yunying:escalate="reassign"',
    )
    deploy("single.bpmn", key="queue-sla", xml=xml)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        instance = services.instance_start(
            actor=chain.users["area_a"], key="queue-sla", data={}, title="排班"
        )
    task = WorkTask.objects.get(instance=instance, status="open")
    assert task.assignee is None and task.candidate_position is not None
    with time_machine.travel(at(2026, 3, 9, 12, 30), tick=False):
        assert due_work_tick() == 2  # overdue, then escalated
    task.refresh_from_db()
    assert task.assignee == chain.users["area_a"]  # the store manager's superior, the area manager
    assert task.candidate_position is None and task.candidate_unit is None
    [event] = InstanceEvent.objects.filter(instance=instance, action="escalate")
    assert event.data["how"] == "reassign" and event.data["to"] == "area_a"
    assert Notification.objects.filter(recipient=chain.users["area_a"], kind="escalated").exists()
