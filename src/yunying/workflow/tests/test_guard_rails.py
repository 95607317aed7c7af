"""Guard rails (each a policy setting): no approving one's own request, reasons for 驳回/退回, a scoped
person picker with no default, confirmations, and a task waiting for a 加签 saying whom it waits for."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from yunying.core.errors import DomainError, PermissionDenied
from yunying.core.models import Setting
from yunying.workflow import services
from yunying.workflow.people import person_search
from yunying.workflow.tests.apiclient import Api
from yunying.workflow.tests.conftest import open_tasks, single_xml, task_for

pytestmark = pytest.mark.django_db


def _set(key: str, value: Any) -> None:
    Setting.objects.update_or_create(key=key, defaults={"value": value})


def _own(deploy: Any, chain: Any, assignee: str = "user:store_a1") -> Any:
    deploy("single.bpmn", key="own", xml=single_xml(assignee))
    return services.instance_start(actor=chain.users["store_a1"], key="own", data={})


def _review(deploy: Any, chain: Any) -> Any:
    deploy("review.bpmn", key="review")
    return services.instance_start(
        actor=chain.users["store_a1"], key="review", data={"amount": "88", "reason": "冰柜"}
    )


def test_a_requester_never_approves_their_own_request(deploy: Any, chain: Any) -> None:
    instance = _own(deploy, chain)
    task = task_for(instance, "store_a1")
    with pytest.raises(PermissionDenied) as refused:
        services.task_approve(actor=chain.users["store_a1"], task_id=task.pk)
    assert "自己发起的申请" in str(refused.value)
    [result] = services.tasks_bulk_approve(actor=chain.users["store_a1"], task_ids=[task.pk])
    assert result["ok"] is False and "自己发起的申请" in result["detail"]
    with pytest.raises(PermissionDenied):  # 加签 "after" approves now: refused the same way
        services.task_add_signer(actor=chain.users["store_a1"], task_id=task.pk, user="area_a", mode="after")
    task.refresh_from_db()
    assert task.status == "open"
    services.task_transfer(actor=chain.users["store_a1"], task_id=task.pk, to_user="area_a", comment="请审批")
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    assert [t.element_id for t in open_tasks(instance)] == ["after"]  # on to the next step


def test_own_request_rule_is_a_policy_and_requester_steps_are_theirs(deploy: Any, chain: Any) -> None:
    named = _own(deploy, chain, assignee="requester")  # the diagram gives the step to the requester
    services.task_approve(actor=chain.users["store_a1"], task_id=task_for(named, "store_a1").pk)
    assert [t.element_id for t in open_tasks(named)] == ["after"]
    _set("workflow.forbid_self_approval", False)
    relaxed = services.instance_start(actor=chain.users["store_a1"], key="own", data={})
    services.task_approve(actor=chain.users["store_a1"], task_id=task_for(relaxed, "store_a1").pk)
    assert [t.element_id for t in open_tasks(relaxed)] == ["after"]


def test_bulk_approve_page_says_why_own_requests_are_refused(client: Any, deploy: Any, chain: Any) -> None:
    instance = _own(deploy, chain)
    client.force_login(chain.users["store_a1"])
    done = client.post(reverse("workflow:bulk"), {"task": [task_for(instance, "store_a1").pk]}, follow=True)
    assert "不能审批自己发起的申请" in done.content.decode()
    instance.refresh_from_db()
    assert instance.status == "running"


@pytest.mark.parametrize(("action", "setting"), [("reject", "reject"), ("return", "return")])
def test_reject_and_return_need_a_reason(deploy: Any, chain: Any, action: str, setting: str) -> None:
    instance = _review(deploy, chain)
    task = task_for(instance, "area_a")
    act = {
        "reject": lambda comment: services.task_reject(
            actor=chain.users["area_a"], task_id=task.pk, comment=comment
        ),
        "return": lambda comment: services.task_return(
            actor=chain.users["area_a"], task_id=task.pk, to="requester", comment=comment
        ),
    }[action]
    for blank in ("", "   "):
        with pytest.raises(DomainError) as refused:
            act(blank)
        assert refused.value.code == "reason_required" and "理由" in str(refused.value)
    task.refresh_from_db()
    assert task.status == "open"
    _set(f"workflow.{setting}_needs_reason", "false")
    act("")
    task.refresh_from_db()
    assert task.status == "completed"


def test_api_refuses_a_reasonless_reject(client: Any, deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    area = Api(client, chain.users["area_a"])
    task = area.my_task(instance.pk)
    refused = area.post(f"/tasks/{task['id']}/complete", {"action": "reject"})
    assert refused.status_code == 422 and refused.json()["code"] == "reason_required"
    assert "理由" in refused.json()["detail"]


def test_person_picker_is_scoped_and_searchable(client: Any, deploy: Any, chain: Any) -> None:
    store = chain.users["store_a1"]
    names = {p.username for p in person_search(store, "")}
    assert {"staff_a1", "area_a", "mgmt", "supervisor", "gm"} <= names  # own store and the units above
    assert "area_b" not in names and "store_a1" not in names
    assert [p.username for p in person_search(store, "area")] == ["area_a"]
    [area] = person_search(store, "area_a")
    assert "区域经理" in area.positions or area.positions  # named with their seat
    client.force_login(store)
    answer = client.get(reverse("workflow:people"), {"q": "area"}).content.decode()
    assert 'value="area_a"' in answer and "area_b" not in answer
    assert "没有找到" in client.get(reverse("workflow:people"), {"q": "area_b"}).content.decode()
    _set("workflow.picker_scope", "all")
    assert "area_b" in {p.username for p in person_search(store, "area")}


def test_transfer_outside_the_picker_is_refused_and_needs_a_person(deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    task = task_for(instance, "area_a")
    with pytest.raises(DomainError) as nobody:
        services.task_transfer(actor=chain.users["area_a"], task_id=task.pk, to_user="")
    assert "请选择人员" in str(nobody.value)
    deploy("single.bpmn", key="own", xml=single_xml("user:store_a1"))
    own = services.instance_start(actor=chain.users["staff_a1"], key="own", data={})
    with pytest.raises(DomainError):  # a store manager cannot hand work to another region's manager
        services.task_transfer(
            actor=chain.users["store_a1"], task_id=task_for(own, "store_a1").pk, to_user="area_b"
        )
    assert task_for(own, "store_a1")


def test_task_page_has_no_preset_person_and_asks_before_acting(client: Any, deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    client.force_login(chain.users["area_a"])
    page = client.get(reverse("workflow:task", args=[task_for(instance, "area_a").pk])).content.decode()
    assert '<select class="form-select" name="user"' not in page and "系统管理员" not in page
    assert 'data-testid="person-search"' in page
    assert page.count("data-confirm=") == 2  # 驳回, 转交
    assert 'data-require="comment"' in page and 'data-require="user"' in page
    _set("workflow.confirm_actions", False)
    page = client.get(reverse("workflow:task", args=[task_for(instance, "area_a").pk])).content.decode()
    assert "data-confirm=" not in page


def test_withdraw_and_bulk_approve_ask_first(client: Any, deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    client.force_login(chain.users["store_a1"])
    page = client.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    assert "确定撤回该申请吗" in page
    client.force_login(chain.users["area_a"])
    inbox = client.get(reverse("workflow:inbox")).content.decode()
    assert "确定同意所选的全部申请吗" in inbox


def test_task_waiting_for_a_signer_says_whom(client: Any, deploy: Any, chain: Any) -> None:
    instance = _review(deploy, chain)
    task = task_for(instance, "area_a")
    services.task_add_signer(
        actor=chain.users["area_a"], task_id=task.pk, user="supervisor", mode="before", comment="请先看"
    )
    client.force_login(chain.users["area_a"])
    page = client.get(reverse("workflow:task", args=[task.pk])).content.decode()
    assert "等待加签" in page and "supervisor" in page and "已由 — 于" not in page
    assert [t.assignee.username for t in open_tasks(instance)] == ["area_a", "supervisor"]
