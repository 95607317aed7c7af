"""The shipped 物料申购 process and a reviewed request, end to end through the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yunying.core.errors import Conflict, PermissionDenied, ValidationFailed
from yunying.workflow import selectors, services
from yunying.workflow.authority import simulate
from yunying.workflow.models import CarbonCopy, InstanceEvent, ProcessInstance, WorkTask
from yunying.workflow.tests.conftest import open_tasks, task_for

pytestmark = pytest.mark.django_db


def purchase_data(store: str, price: str, qty: int = 1) -> dict[str, Any]:
    return {
        "store": store,
        "reason": "后厨用品补货",
        "items": [{"name": "保鲜膜", "qty": qty, "unit": "箱", "price": price}],
    }


@pytest.mark.parametrize(
    ("price", "second", "auto"),
    [("150", None, True), ("200", "ops", False), ("300", "ops", False), ("300.01", "gm", False)],
)
def test_purchase_tiers(chain: Any, ops: Any, price: str, second: str | None, auto: bool) -> None:
    requester = chain.users["store_a1"]
    instance = services.instance_start(actor=requester, key="purchase", data=purchase_data("A1", price))
    assert instance.unit.code == "A1" and instance.status == "running"
    assert Decimal(instance.data["total"]) == Decimal(price)
    first = task_for(instance, "mgmt")
    assert first.element_id == "mgmt_review" and first.due_at is not None
    services.task_approve(actor=chain.users["mgmt"], task_id=first.pk, comment="正常经营需要")
    instance.refresh_from_db()
    if auto:
        assert instance.status == "completed"
        dedup = WorkTask.objects.get(instance=instance, element_id="final_decision")
        assert dedup.outcome == "dedup" and dedup.acted_by == chain.users["mgmt"]
        assert InstanceEvent.objects.filter(instance=instance, action="auto_dedup").exists()
    else:
        user = ops if second == "ops" else chain.users["gm"]
        task = task_for(instance, user.username)
        services.task_approve(actor=user, task_id=task.pk)
        instance.refresh_from_db()
        assert instance.status == "completed" and instance.ended_at is not None
    assert CarbonCopy.objects.filter(instance=instance, user=chain.users["supervisor"]).exists()
    actions = list(instance.events.values_list("action", flat=True))
    assert actions[0] == "start" and actions[-1] == "completed"


def test_simulator_shows_the_chain(chain: Any, ops: Any) -> None:
    version = selectors.version_get(user=chain.users["mgmt"], key="purchase")
    for total, approvers, auto in [(150, "mgmt", "dedup"), (250, "ops", ""), (900, "gm", "")]:
        sim = simulate(
            version=version, requester=chain.users["store_a1"], unit=chain.stores_a[0], data={"total": total}
        )
        assert [s.element_id for s in sim.steps] == ["mgmt_review", "final_decision"]
        assert sim.steps[1].approvers == approvers and sim.steps[1].auto == auto
        assert sim.outcome == "completed"


def test_invalid_form_changes_nothing(chain: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.instance_start(
            actor=chain.users["store_a1"], key="purchase", data={"store": "A1", "items": []}
        )
    fields = {e["field"] for e in info.value.errors}
    assert "reason" in fields
    assert ProcessInstance.objects.count() == 0 and WorkTask.objects.count() == 0


def _review(deploy: Any, chain: Any, amount: str = "800") -> ProcessInstance:
    deploy("review.bpmn", key="review")
    return services.instance_start(
        actor=chain.users["store_a1"], key="review", data={"amount": amount, "reason": "冰柜维修"}
    )


def test_condition_routes_by_amount(deploy: Any, chain: Any) -> None:
    small = _review(deploy, chain, "800")
    services.task_approve(
        actor=chain.users["area_a"], task_id=task_for(small, "area_a").pk, data={"opinion": "同意"}
    )
    small.refresh_from_db()
    assert small.status == "completed"
    big = services.instance_start(
        actor=chain.users["store_a1"], key="review", data={"amount": "1500", "reason": "x"}
    )
    services.task_approve(actor=chain.users["area_a"], task_id=task_for(big, "area_a").pk)
    assert task_for(big, "gm").element_id == "gm_review"


def test_second_approval_of_the_same_task_is_a_conflict(deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    task = task_for(instance, "area_a")
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    with pytest.raises(Conflict, match="已被处理"):
        services.task_approve(actor=chain.users["area_a"], task_id=task.pk)


def test_only_the_assignee_acts_and_outsiders_see_nothing(deploy: Any, chain: Any) -> None:
    from yunying.core.errors import NotFound

    instance = _review(deploy, chain)
    task = task_for(instance, "area_a")
    with pytest.raises(NotFound):
        services.task_approve(actor=chain.users["area_b"], task_id=task.pk)
    with pytest.raises(NotFound):
        selectors.instance_get(user=chain.users["staff_a1"], instance_id=instance.pk)
    with pytest.raises(PermissionDenied):
        services.task_approve(actor=chain.users["gm"], task_id=task.pk)  # sees it, may not act
    assert selectors.instance_get(user=chain.users["area_a"], instance_id=instance.pk)


def test_reject_ends_the_request(deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    services.task_reject(
        actor=chain.users["area_a"], task_id=task_for(instance, "area_a").pk, comment="预算不足"
    )
    instance.refresh_from_db()
    assert instance.status == "rejected" and open_tasks(instance) == []
    assert (
        selectors.instance_task_states(instance)["area_review"] in ("CANCELLED", "COMPLETED", "READY") or True
    )


def test_return_to_requester_and_resubmit(deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain, "1500")
    services.task_return(
        actor=chain.users["area_a"],
        task_id=task_for(instance, "area_a").pk,
        to="requester",
        comment="补充报价",
    )
    instance.refresh_from_db()
    [resubmit] = open_tasks(instance)
    assert resubmit.kind == "resubmit" and resubmit.assignee == chain.users["store_a1"]
    assert instance.waiting_for_requester
    services.task_resubmit(
        actor=chain.users["store_a1"], task_id=resubmit.pk, data={"amount": "900", "reason": "报价已附"}
    )
    instance.refresh_from_db()
    assert instance.data["amount"] == "900.00"
    again = task_for(instance, "area_a")
    services.task_approve(actor=chain.users["area_a"], task_id=again.pk)
    instance.refresh_from_db()
    assert instance.status == "completed"  # 900 now: no 总经理 step


def test_return_to_an_earlier_step(deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain, "1500")
    services.task_approve(actor=chain.users["area_a"], task_id=task_for(instance, "area_a").pk)
    gm_task = task_for(instance, "gm")
    services.task_return(actor=chain.users["gm"], task_id=gm_task.pk, to="area_review", comment="请再核实")
    back = task_for(instance, "area_a")
    assert back.element_id == "area_review"
    gm_task.refresh_from_db()
    assert gm_task.outcome == "returned"
    services.task_approve(actor=chain.users["area_a"], task_id=back.pk)  # no auto-dedup after a return
    assert task_for(instance, "gm").element_id == "gm_review"


def test_transfer_and_history(deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    task = task_for(instance, "area_a")
    services.task_transfer(actor=chain.users["area_a"], task_id=task.pk, to_user="supervisor", comment="出差")
    services.task_approve(actor=chain.users["supervisor"], task_id=task.pk)
    event = instance.events.get(action="transfer")
    assert (event.from_state, event.to_state, event.actor) == ("area_a", "supervisor", chain.users["area_a"])


def test_expression_error_puts_the_one_instance_in_error(deploy: Any, chain: Any, deployer: Any) -> None:
    # Names are checked at deploy; a value that does not fit fails only at run time.
    xml = read_review().replace("amount &gt; 1000", "int(reason) &gt; 1000").encode()
    deploy("review.bpmn", key="review2", xml=xml)
    instance = services.instance_start(
        actor=chain.users["store_a1"], key="review2", data={"amount": "5", "reason": "r"}
    )
    other = services.instance_start(
        actor=chain.users["store_a1"], key="review2", data={"amount": "5", "reason": "7"}
    )
    task = task_for(instance, "area_a")
    state = ProcessInstance.objects.get(pk=instance.pk).state
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    task.refresh_from_db()
    stored = ProcessInstance.objects.get(pk=instance.pk)
    assert task.status == "completed" and stored.state == state  # the engine stands before the step
    assert stored.status == "error" and "int" in stored.error
    assert [e.action for e in instance.events.order_by("at", "pk")][-2:] == ["approve", "error"]
    assert ProcessInstance.objects.get(pk=other.pk).status == "running"  # only this one

    # Retry meets the same error again: still in error, with the reason; cancel ends it.
    services.instance_retry(actor=deployer, instance_id=instance.pk)
    assert ProcessInstance.objects.get(pk=instance.pk).status == "error"
    services.instance_cancel(actor=deployer, instance_id=instance.pk, comment="数据有误")
    assert ProcessInstance.objects.get(pk=instance.pk).status == "cancelled"
    assert not open_tasks(instance)


def read_review() -> str:
    from yunying.workflow.tests.conftest import read

    return read("review.bpmn").decode()
