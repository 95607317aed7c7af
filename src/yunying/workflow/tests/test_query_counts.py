"""Query budgets of the hot paths: starting an instance, approving a step, listing the inbox.

The budgets are what the code needs today (the same on SQLite and PostgreSQL, savepoints included);
a change that adds a query per action or a query per inbox row fails here."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from yunying.workflow import services
from yunying.workflow.models import Delegation, InboxCard, InstanceEvent, WorkTask
from yunying.workflow.tests.conftest import open_tasks, single_xml

pytestmark = pytest.mark.django_db

TIERED = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="t">
  <bpmn:process id="tiered" name="tiered" isExecutable="true">
    <bpmn:startEvent id="start" yunying:fields="amount:money:amount"/>
    <bpmn:userTask id="mgmt_review" name="mgmt" yunying:assignee="position:MGMT-HEAD"/>
    <bpmn:exclusiveGateway id="tier" default="f_gm"/>
    <bpmn:userTask id="ops_review" name="ops" yunying:assignee="position:OPS-MGR"/>
    <bpmn:userTask id="gm_review" name="gm" yunying:assignee="position:GM"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="mgmt_review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="mgmt_review" targetRef="tier"/>
    <bpmn:sequenceFlow id="f_low" sourceRef="tier" targetRef="end">
      <bpmn:conditionExpression>amount &lt; 200</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_ops" sourceRef="tier" targetRef="ops_review">
      <bpmn:conditionExpression>amount &gt;= 200 and amount &lt;= 300</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_gm" sourceRef="tier" targetRef="gm_review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="ops_review" targetRef="end"/>
    <bpmn:sequenceFlow id="f4" sourceRef="gm_review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""

# the definition (with its latest version's id; the version row, the start form, the requester's unit,
# scope, name and seats are memoised per process); in one transaction (savepoint/release: 2): the
# instance (written once, with the engine's state), task, history (one INSERT), inbox cards (one
# INSERT), the notifications of the action (one INSERT: preferences, policy settings, delegators,
# kinds, robots, the step's holders: memoised per process)
START_BUDGET = 8
# savepoint; the instance, found through the task and locked; the task with the instance's open rows
# (locked, read once; who may act is decided from them); the step; the next step's task; instance,
# history (one INSERT), the inbox card (one card for one: rewritten in place, one UPDATE), the
# notifications of the action (one INSERT), release. No savepoint of its own unless a system step runs.
APPROVE_BUDGET = 10
# as an approval, plus the steps it may go back to; the open rows are the ones read with the lock; to
# the requester: their task (due in the unit's working hours: a memoised calendar) instead of the step's
RETURN_BUDGET = 11
# as an approval without the step's own task row (the form is the start form)
RESUBMIT_BUDGET = 10
# the shipped 物料申购 of the demo chain over its three tiers (start, 管理部审核, 分级审批 or the
# automatic 终审, 抄送 to the supervisor in one INSERT … ON CONFLICT DO NOTHING, the purchase order in
# the guard's savepoint, and 采购部's notification with the others of the action), per instance
PURCHASE_BUDGET = 30
INBOX_BUDGET = (
    5  # session, user, seats, groups, one page of cards (no COUNT when it fits): not one more per row
)


@pytest.fixture
def tiered(deploy: Any, ops: Any) -> Any:
    version = deploy("tiered.bpmn", key="tiered", xml=TIERED)
    return version


@pytest.fixture
def demo(db: Any) -> None:
    from tests.snapshots import demo_chain

    demo_chain()


def _start(chain: Any, amount: str = "500") -> Any:
    return services.instance_start(actor=chain.users["store_a1"], key="tiered", data={"amount": amount})


def _approve(instance: Any, user: Any) -> None:
    [task] = open_tasks(instance)
    services.task_approve(actor=user, task_id=task.pk)


def _warm(chain: Any) -> None:
    """One request through every action: the per-process caches (parsed definition, permissions,
    holders, the unit's calendar) are warm, as in a running server."""
    instance = _start(chain)
    _approve(instance, chain.users["mgmt"])
    [task] = open_tasks(instance)
    services.task_return(actor=chain.users["gm"], task_id=task.pk, to="requester", comment="改")
    [task] = open_tasks(instance)
    services.task_resubmit(actor=chain.users["store_a1"], task_id=task.pk)
    _approve(instance, chain.users["mgmt"])
    _approve(instance, chain.users["gm"])


def test_start_and_approve_stay_within_their_query_budgets(
    tiered: Any, chain: Any, ops: Any, django_assert_max_num_queries: Any
) -> None:
    _warm(chain)
    with django_assert_max_num_queries(START_BUDGET):
        instance = _start(chain)
    [task] = open_tasks(instance)
    with django_assert_max_num_queries(APPROVE_BUDGET):  # → the 总经理 step (one more assignment)
        services.task_approve(actor=chain.users["mgmt"], task_id=task.pk)
    [task] = open_tasks(instance)
    assert task.element_id == "gm_review" and task.assignee == chain.users["gm"]
    with django_assert_max_num_queries(APPROVE_BUDGET):  # → the end
        services.task_approve(actor=chain.users["gm"], task_id=task.pk)
    instance.refresh_from_db()
    assert instance.status == "completed" and instance.current_steps == ""
    actions = list(InstanceEvent.objects.filter(instance=instance).values_list("action", flat=True))
    assert actions == ["start", "assigned", "approve", "assigned", "approve", "completed"]


def test_the_start_writes_the_instance_once_and_an_approval_rewrites_the_card_in_place(
    tiered: Any, chain: Any, ops: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _warm(chain)
    with CaptureQueriesContext(connection) as captured:
        instance = _start(chain)
    writes = [
        q["sql"].split(" ")[0] for q in captured.captured_queries if "workflow_processinstance" in q["sql"]
    ]
    assert writes == ["INSERT"]  # with the engine's state: no UPDATE after it
    instance.refresh_from_db()
    assert instance.status == "running" and instance.current_steps == "mgmt" and instance.state
    [card] = InboxCard.objects.filter(kind="approval", group_ref=str(instance.pk))
    [task] = open_tasks(instance)
    assert card.ref == str(task.pk) and card.url == f"/workflow/tasks/{task.pk}/"
    from yunying.notifications.models import Notification

    note = Notification.objects.get(instance=instance, kind="assigned")
    assert note.task_id == task.pk and note.url == f"/workflow/tasks/{task.pk}/"
    services.task_approve(actor=chain.users["mgmt"], task_id=task.pk)  # → 总经理: one card for one
    [after] = InboxCard.objects.filter(kind="approval", group_ref=str(instance.pk))
    [task] = open_tasks(instance)
    assert after.pk == card.pk and after.ref == str(task.pk) and after.step == "gm"
    assert after.assignee_id == chain.users["gm"].pk and after.url == f"/workflow/tasks/{task.pk}/"


def test_return_and_resubmit_stay_within_their_query_budgets(
    tiered: Any, chain: Any, ops: Any, django_assert_max_num_queries: Any
) -> None:
    _warm(chain)
    instance = _start(chain)
    _approve(instance, chain.users["mgmt"])
    [task] = open_tasks(instance)
    with django_assert_max_num_queries(RETURN_BUDGET):  # 总经理 → back to 管理部
        services.task_return(actor=chain.users["gm"], task_id=task.pk, to="mgmt_review", comment="再核")
    [task] = open_tasks(instance)
    assert task.element_id == "mgmt_review" and task.assignee == chain.users["mgmt"]
    _approve(instance, chain.users["mgmt"])
    [task] = open_tasks(instance)
    with django_assert_max_num_queries(RETURN_BUDGET):  # 总经理 → back to the requester
        services.task_return(actor=chain.users["gm"], task_id=task.pk, to="requester", comment="改")
    [task] = open_tasks(instance)
    assert task.kind == "resubmit" and task.assignee == chain.users["store_a1"]
    instance.refresh_from_db()
    assert instance.current_steps == "退回修改" and instance.waiting_for_requester
    with django_assert_max_num_queries(RESUBMIT_BUDGET):
        services.task_resubmit(actor=chain.users["store_a1"], task_id=task.pk)
    [task] = open_tasks(instance)
    assert task.element_id == "mgmt_review"
    instance.refresh_from_db()
    assert instance.current_steps == "mgmt" and not instance.waiting_for_requester
    cards = InboxCard.objects.filter(kind="approval", group_ref=str(instance.pk))
    assert list(cards.values_list("ref", "assignee_id")) == [(str(task.pk), chain.users["mgmt"].pk)]
    actions = list(InstanceEvent.objects.filter(instance=instance).values_list("action", flat=True))
    assert actions[-3:] == ["return", "assigned", "resubmit"]  # the step reopens first


def test_the_shipped_purchase_stays_within_its_query_budget(demo: None) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yunying.accounts.models import User
    from yunying.purchasing.models import PurchaseOrder

    store01 = User.objects.get(username="store01")

    def run(price: str) -> int:
        data = {
            "store": "S01",
            "reason": "补货",
            "items": [{"name": "食用油", "qty": 1, "unit": "桶", "price": price}],
        }
        with CaptureQueriesContext(connection) as captured:
            instance = services.instance_start(actor=store01, key="purchase", data=data)
        count = len(captured.captured_queries)
        while tasks := open_tasks(instance):
            actor = tasks[0].assignee
            with CaptureQueriesContext(connection) as captured:
                services.task_approve(actor=actor, task_id=tasks[0].pk)
            count += len(captured.captured_queries)
        instance.refresh_from_db()
        assert instance.status == "completed" and PurchaseOrder.objects.filter(instance=instance).exists()
        return count

    for price in ("150", "250", "500"):  # warm: one of each tier
        run(price)
    counts = {price: run(price) for price in ("150", "250", "500")}
    assert sum(counts.values()) / len(counts) <= PURCHASE_BUDGET, counts


def test_memoised_holders_follow_appointments_and_users(tiered: Any, chain: Any) -> None:
    from yunying.org.factories import person_with_login
    from yunying.org.models import Appointment

    _start(chain)  # the holders of MGMT-HEAD are memoised
    unit = Appointment.objects.filter(employee__user=chain.users["mgmt"]).get().unit
    person_with_login("mgmt2", "MGMT-HEAD", unit)  # a second holder: offered to both (或签)
    [task] = open_tasks(_start(chain))
    assert task.assignee is None
    assert {u.username for u in task.candidate_users.all()} == {"mgmt", "mgmt2"}
    leaving = chain.users["mgmt"]
    leaving.is_active = False
    leaving.save()
    [task] = open_tasks(_start(chain))
    assert task.assignee is not None and task.assignee.username == "mgmt2"


def test_history_keeps_its_order_and_times(tiered: Any, chain: Any) -> None:
    instance = _start(chain, "250")
    _approve(instance, chain.users["mgmt"])
    events = list(InstanceEvent.objects.filter(instance=instance).order_by("pk"))
    assert [e.action for e in events] == ["start", "assigned", "approve", "assigned"]
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert [e.step for e in events] == ["", "mgmt", "mgmt", "ops"]
    assert events[1].task_id == events[2].task_id and events[3].task is not None
    assert events[3].task.element_id == "ops_review"


def test_a_failed_action_writes_no_history(tiered: Any, chain: Any) -> None:
    instance = _start(chain)
    [task] = open_tasks(instance)
    before = InstanceEvent.objects.filter(instance=instance).count()
    with pytest.raises(Exception, match="处理人"):  # not this user's task
        services.task_approve(actor=chain.users["gm"], task_id=task.pk)
    assert InstanceEvent.objects.filter(instance=instance).count() == before
    assert WorkTask.objects.get(pk=task.pk).status == "open"


@pytest.mark.parametrize("delegated", [False, True])
def test_inbox_list_query_count_does_not_grow_with_rows(
    tiered: Any, chain: Any, client: Any, django_assert_max_num_queries: Any, delegated: bool
) -> None:
    reader = chain.users["mgmt"]
    if delegated:  # 委托: the tasks go to the supervisor on the department head's behalf
        reader = chain.users["supervisor"]
        Delegation.objects.create(from_user=chain.users["mgmt"], to_user=reader, starts_on=date.today())
    for _i in range(12):
        _start(chain)
    client.force_login(reader)
    with django_assert_max_num_queries(INBOX_BUDGET):
        resp = client.get("/api/workflow/tasks", {"limit": 50})
    assert resp.status_code == 200 and resp.json()["count"] == 12
    items = resp.json()["items"]
    assert {item["step"] for item in items} == {"mgmt"}
    assert {item["on_behalf_of"] for item in items} == {"mgmt" if delegated else None}


def test_a_step_that_stops_the_instance_on_approval_leaves_no_current_step(deploy: Any, chain: Any) -> None:
    xml = single_xml("user:area_a").replace(
        b'yunying:assignee="user:gm"', b'yunying:assignee="user:ghost" yunying:ifEmpty="stop"'
    )
    deploy("single.bpmn", key="single", xml=xml)
    instance = services.instance_start(actor=chain.users["store_a1"], key="single", data={})
    instance.refresh_from_db()
    assert instance.current_steps == "处理"
    _approve(instance, chain.users["area_a"])
    instance.refresh_from_db()
    assert instance.status == "error" and "ghost" in instance.error
    assert instance.current_steps == "" and open_tasks(instance) == []
    actions = list(instance.events.order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["start", "assigned", "approve", "stopped"]


PARALLEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="t">
  <bpmn:process id="checks" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:userTask id="late" name="late" yunying:assignee="user:area_a" yunying:due="P2D"/>
    <bpmn:userTask id="none1" name="none1" yunying:assignee="user:area_b"/>
    <bpmn:userTask id="soon" name="soon" yunying:assignee="user:gm" yunying:due="PT1H"/>
    <bpmn:userTask id="none2" name="none2" yunying:assignee="user:gm"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:userTask id="final" name="final" yunying:assignee="user:mgmt"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split"/>
    <bpmn:sequenceFlow id="f1" sourceRef="split" targetRef="late"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="none1"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="soon"/>
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="none2"/>
    <bpmn:sequenceFlow id="f5" sourceRef="late" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="none1" targetRef="join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="soon" targetRef="join"/>
    <bpmn:sequenceFlow id="f8" sourceRef="none2" targetRef="join"/>
    <bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="final"/>
    <bpmn:sequenceFlow id="f10" sourceRef="final" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _current_in_db(instance: Any) -> str:
    from yunying.workflow.runtime import refresh_current

    fresh = type(instance).objects.get(pk=instance.pk)
    stored = fresh.current_steps
    refresh_current(fresh)  # what a query over the open rows gives
    assert stored == fresh.current_steps
    return stored


def test_current_steps_follow_the_database_order(deploy: Any, chain: Any) -> None:
    """Steps without a due time (default due hours 0) sort where the database puts NULLs."""
    from yunying.core.models import Setting

    Setting.objects.update_or_create(key="workflow.default_due_hours", defaults={"value": 0})
    deploy("checks.bpmn", key="checks", xml=PARALLEL)
    instance = services.instance_start(actor=chain.users["store_a1"], key="checks", data={})
    current = _current_in_db(instance)
    assert set(current.split("、")) == {"late", "none1", "soon", "none2"}
    by_name = {t.name: t for t in open_tasks(instance)}
    services.task_add_signer(
        actor=chain.users["area_a"], task_id=by_name["late"].pk, user=chain.users["supervisor"], mode="before"
    )
    _current_in_db(instance)
    services.task_approve(actor=chain.users["area_b"], task_id=by_name["none1"].pk)
    assert "none1" not in _current_in_db(instance)
    services.task_approve(actor=chain.users["gm"], task_id=by_name["soon"].pk)
    services.task_approve(actor=chain.users["gm"], task_id=by_name["none2"].pk)
    _current_in_db(instance)
    signer = next(t for t in open_tasks(instance) if t.kind == "signer")
    services.task_approve(actor=chain.users["supervisor"], task_id=signer.pk)
    assert _current_in_db(instance) == "late"
    services.task_approve(actor=chain.users["area_a"], task_id=by_name["late"].pk)
    assert _current_in_db(instance) == "final"


def test_the_other_candidate_gets_already_handled_not_not_found(deploy: Any, chain: Any) -> None:
    """或签: once one holder acted, the other one is told the task is handled (also in a race, where
    their visibility check may run after the first one's commit)."""
    from yunying.core.errors import Conflict, NotFound

    deploy("single.bpmn", key="single", xml=single_xml("position:AREA-MGR"))
    instance = services.instance_start(actor=chain.users["store_a1"], key="single", data={})
    [task] = open_tasks(instance)
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    with pytest.raises(Conflict) as caught:
        services.task_approve(actor=chain.users["area_b"], task_id=task.pk)
    assert caught.value.code == "already_handled"
    with pytest.raises(NotFound):  # someone never offered the task still cannot learn it exists
        services.task_approve(actor=chain.users["staff_a1"], task_id=task.pk)


def test_delegates_of_several_people_in_one_query(chain: Any, django_assert_num_queries: Any) -> None:
    from yunying.workflow.assignment import delegate_for, delegates_for

    people = [chain.users[u] for u in ("gm", "mgmt", "area_a", "area_b", "store_a1")]
    with django_assert_num_queries(1):
        assert delegates_for(people, definition_id=None) == dict.fromkeys((u.pk for u in people), None)
    Delegation.objects.create(
        from_user=chain.users["area_b"], to_user=chain.users["supervisor"], starts_on=date.today()
    )
    Delegation.objects.create(
        from_user=chain.users["supervisor"], to_user=chain.users["gm"], starts_on=date.today()
    )
    Delegation.objects.create(
        from_user=chain.users["mgmt"], to_user=chain.users["mgmt"], starts_on=date.today()
    )
    found = delegates_for(people, definition_id=None)
    assert found == {u.pk: delegate_for(u, definition_id=None) for u in people}
    assert found[chain.users["area_b"].pk] == chain.users["gm"]  # followed along the chain


def test_candidates_of_a_shared_step_follow_their_delegations(deploy: Any, chain: Any) -> None:
    Delegation.objects.create(
        from_user=chain.users["area_b"], to_user=chain.users["supervisor"], starts_on=date.today()
    )
    deploy("single.bpmn", key="single", xml=single_xml("position:AREA-MGR"))
    instance = services.instance_start(actor=chain.users["store_a1"], key="single", data={})
    [task] = open_tasks(instance)
    assert task.assignee is None
    assert {u.username for u in task.candidate_users.all()} == {"area_a", "supervisor"}
    services.task_approve(actor=chain.users["supervisor"], task_id=task.pk)
    assert WorkTask.objects.get(pk=task.pk).acted_by == chain.users["supervisor"]
