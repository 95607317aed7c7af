"""Actions in harder places: parallel branches, countersign (multi-instance), added signers, queues,
或签, delegation, withdraw, remind, bulk approve and the empty-assignee rules."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from yunying.core.errors import Conflict, PermissionDenied
from yunying.notifications.models import Notification
from yunying.workflow import services
from yunying.workflow.inbox import InboxFilters, inbox_tasks, todo_count
from yunying.workflow.models import ProcessInstance, WorkTask
from yunying.workflow.tests.conftest import open_tasks, single_xml, task_for

pytestmark = pytest.mark.django_db


def _start(
    chain: Any, key: str, data: dict[str, Any] | None = None, who: str = "store_a1"
) -> ProcessInstance:
    return services.instance_start(actor=chain.users[who], key=key, data=data or {})


def _approve(chain: Any, instance: ProcessInstance, username: str, **kw: Any) -> None:
    services.task_approve(actor=chain.users[username], task_id=task_for(instance, username).pk, **kw)


# ---------------------------------------------------------------- parallel branches
def test_return_inside_a_branch_rewinds_only_that_branch(deploy: Any, chain: Any) -> None:
    deploy("branches.bpmn", key="branches")
    inst = _start(chain, "branches")
    _approve(chain, inst, "mgmt")
    _approve(chain, inst, "area_a")  # A1 done; A2 (gm) and B1 (supervisor) open
    assert {t.element_id for t in open_tasks(inst)} == {"a2", "b1"}
    services.task_return(actor=chain.users["gm"], task_id=task_for(inst, "gm").pk, to="a1", comment="重核")
    assert {t.element_id for t in open_tasks(inst)} == {"a1", "b1"}  # branch B untouched
    b1 = task_for(inst, "supervisor")
    _approve(chain, inst, "supervisor")
    b1.refresh_from_db()
    assert b1.status == "completed"
    _approve(chain, inst, "area_a")
    _approve(chain, inst, "gm")
    inst.refresh_from_db()
    assert inst.status == "completed"


def test_return_before_the_split_discards_both_branches(deploy: Any, chain: Any) -> None:
    deploy("branches.bpmn", key="branches")
    inst = _start(chain, "branches")
    _approve(chain, inst, "mgmt")
    services.task_return(
        actor=chain.users["supervisor"], task_id=task_for(inst, "supervisor").pk, to="prepare", comment="重做"
    )
    assert [t.element_id for t in open_tasks(inst)] == ["prepare"]


def test_withdraw_only_before_anyone_acts(deploy: Any, chain: Any) -> None:
    deploy("branches.bpmn", key="branches")
    inst = _start(chain, "branches")
    services.instance_withdraw(actor=chain.users["store_a1"], instance_id=inst.pk)
    inst.refresh_from_db()
    assert inst.status == "withdrawn" and open_tasks(inst) == []
    other = _start(chain, "branches")
    _approve(chain, other, "mgmt")
    with pytest.raises(Conflict, match="不能撤回"):
        services.instance_withdraw(actor=chain.users["store_a1"], instance_id=other.pk)
    with pytest.raises(PermissionDenied):
        services.instance_withdraw(actor=chain.users["mgmt"], instance_id=other.pk)


# ---------------------------------------------------------------- countersign (multi-instance)
def test_countersign_all_and_return_from_one_part(deploy: Any, chain: Any) -> None:
    deploy("signers.bpmn", key="signers")
    inst = _start(chain, "signers", {"signers": ["area_a", "area_b", "supervisor"]})
    _approve(chain, inst, "mgmt")
    parts = open_tasks(inst)
    assert sorted(t.assignee.username for t in parts) == ["area_a", "area_b", "supervisor"]
    assert sorted(t.sequence for t in parts) == [0, 1, 2]
    _approve(chain, inst, "area_a")
    services.task_return(
        actor=chain.users["area_b"], task_id=task_for(inst, "area_b").pk, to="first", comment="重做"
    )
    assert [t.element_id for t in open_tasks(inst)] == ["first"]  # the whole countersign restarts
    _approve(chain, inst, "mgmt")
    for user in ("area_a", "area_b", "supervisor"):
        _approve(chain, inst, user)
    inst.refresh_from_db()
    assert inst.status == "completed"


def test_add_signer_on_one_countersign_part(deploy: Any, chain: Any) -> None:
    deploy("signers.bpmn", key="signers")
    inst = _start(chain, "signers", {"signers": ["area_a", "area_b"]})
    _approve(chain, inst, "mgmt")
    services.task_add_signer(
        actor=chain.users["area_a"], task_id=task_for(inst, "area_a").pk, user="gm", mode="after"
    )
    _approve(chain, inst, "area_b")
    inst.refresh_from_db()
    assert inst.status == "running"  # waits for the signer added to area_a's part
    _approve(chain, inst, "gm")
    inst.refresh_from_db()
    assert inst.status == "completed"


# ---------------------------------------------------------------- added signers (加签)
@pytest.mark.parametrize("mode", ["before", "after", "parallel"])
def test_add_signer_modes(deploy: Any, chain: Any, mode: str) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    inst = _start(chain, "single")
    task = task_for(inst, "area_a")
    signer = services.task_add_signer(
        actor=chain.users["area_a"], task_id=task.pk, user="supervisor", mode=mode
    )
    task.refresh_from_db()
    assert task.status == {"before": "on_hold", "after": "completed", "parallel": "open"}[mode]
    _approve(chain, inst, "supervisor")
    signer.refresh_from_db()
    assert signer.status == "completed"
    if mode != "after":
        assert [t.element_id for t in open_tasks(inst)] == ["step"]
        _approve(chain, inst, "area_a")
    assert [t.element_id for t in open_tasks(inst)] == ["after"]
    actions = list(inst.events.values_list("action", flat=True))
    assert "add_signer" in actions


def test_signer_rejection_rejects_the_request(deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    inst = _start(chain, "single")
    services.task_add_signer(
        actor=chain.users["area_a"], task_id=task_for(inst, "area_a").pk, user="gm", mode="parallel"
    )
    services.task_reject(actor=chain.users["gm"], task_id=task_for(inst, "gm").pk, comment="不同意")
    inst.refresh_from_db()
    assert inst.status == "rejected" and open_tasks(inst) == []


# ---------------------------------------------------------------- queues, 或签, delegation
def test_queue_claim(deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("queue:position:SUPERVISOR@D-MGMT"))
    inst = _start(chain, "single")
    [task] = open_tasks(inst)
    assert task.assignee is None and todo_count(chain.users["supervisor"]) == 1
    with pytest.raises(PermissionDenied, match="接收"):
        services.task_approve(actor=chain.users["supervisor"], task_id=task.pk)
    services.task_claim(actor=chain.users["supervisor"], task_id=task.pk)
    with pytest.raises(Conflict):
        services.task_claim(actor=chain.users["supervisor"], task_id=task.pk)
    services.task_approve(actor=chain.users["supervisor"], task_id=task.pk)
    assert [t.element_id for t in open_tasks(inst)] == ["after"]
    with pytest.raises(Conflict):
        services.instance_withdraw(actor=chain.users["store_a1"], instance_id=inst.pk)


def test_any_one_of_several_holders(deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("position:AREA-MGR"))
    inst = _start(chain, "single")
    [task] = open_tasks(inst)
    assert sorted(task.candidate_users.values_list("username", flat=True)) == ["area_a", "area_b"]
    assert todo_count(chain.users["area_b"]) == 1
    services.task_approve(actor=chain.users["area_b"], task_id=task.pk)
    with pytest.raises(Conflict):
        services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    assert todo_count(chain.users["area_a"]) == 0


def test_delegation_applies_at_assignment(deploy: Any, chain: Any) -> None:
    services.delegation_create(
        actor=chain.users["area_a"], to_user=chain.users["supervisor"], starts_on=date(2020, 1, 1)
    )
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    inst = _start(chain, "single")
    [task] = open_tasks(inst)
    assert task.assignee == chain.users["supervisor"] and task.on_behalf_of == chain.users["area_a"]
    services.task_approve(actor=chain.users["supervisor"], task_id=task.pk)
    event = inst.events.get(action="approve")
    assert event.actor == chain.users["supervisor"] and event.on_behalf_of == chain.users["area_a"]


@pytest.mark.parametrize(("rule", "expect"), [("skip", "after"), ("head", "step"), ("stop", None)])
def test_empty_resolution_rules(deploy: Any, chain: Any, rule: str, expect: str | None) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("user:ghost", f' yunying:ifEmpty="{rule}"'))
    inst = _start(chain, "single")
    inst.refresh_from_db()
    if expect is None:
        assert inst.status == "error" and "ghost" in inst.error
        assert Notification.objects.filter(kind="alert", recipient=chain.users["store_a1"]).exists()
    else:
        assert [t.element_id for t in open_tasks(inst)] == [expect]
        if rule == "head":
            assert open_tasks(inst)[0].assignee == chain.users["mgmt"]


# ---------------------------------------------------------------- remind, bulk, inbox
def test_remind_notifies_and_is_rate_limited(
    deploy: Any, chain: Any, django_capture_on_commit_callbacks: Any
) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    inst = _start(chain, "single")
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.instance_remind(actor=chain.users["store_a1"], instance_id=inst.pk)
    assert [n.recipient.username for n in rows] == ["area_a"]
    assert Notification.objects.get(pk=rows[0].pk).delivered_at is not None  # Huey runs immediately in tests
    with pytest.raises(Conflict):
        services.instance_remind(actor=chain.users["store_a1"], instance_id=inst.pk)
    with pytest.raises(PermissionDenied):
        services.instance_remind(actor=chain.users["area_a"], instance_id=inst.pk)


def test_bulk_approve_and_inbox_order(deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    instances = [_start(chain, "single") for _ in range(3)]
    tasks, total = inbox_tasks(user=chain.users["area_a"], tab="todo", filters=InboxFilters())
    assert total == 3 and [t.instance_id for t in tasks] == [i.pk for i in instances]
    results = services.tasks_bulk_approve(
        actor=chain.users["area_a"], task_ids=[t.pk for t in tasks] + [tasks[0].pk]
    )
    assert [r["ok"] for r in results] == [True, True, True, False]
    assert todo_count(chain.users["area_a"]) == 0 and todo_count(chain.users["gm"]) == 3
    _done, n_done = inbox_tasks(user=chain.users["area_a"], tab="done", filters=InboxFilters())
    assert n_done == 3
    assert WorkTask.objects.filter(outcome="approved").count() == 3
