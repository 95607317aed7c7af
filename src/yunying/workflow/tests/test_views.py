"""Workflow pages through the test client: inbox, start, task actions, instance, monitor, simulator."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from yunying.workflow import services
from yunying.workflow.tests.conftest import open_tasks, task_for

pytestmark = pytest.mark.django_db


def _client(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def test_start_then_approve_through_pages(client: Any, deploy: Any, chain: Any) -> None:
    deploy("review.bpmn", key="review", title="费用申请")
    c = _client(client, chain.users["store_a1"])
    page = c.get(reverse("workflow:definitions"))
    assert page.status_code == 200 and "费用申请" in page.content.decode()
    form_page = c.get(reverse("workflow:start", args=["review"]))
    assert 'name="f_amount"' in form_page.content.decode()
    bad = c.post(reverse("workflow:start", args=["review"]), {"f_amount": "abc", "f_reason": "x"})
    assert bad.status_code == 200 and "请输入数字" in bad.content.decode()
    done = c.post(reverse("workflow:start", args=["review"]), {"f_amount": "88", "f_reason": "灯管"})
    assert done.status_code == 302
    instance_url = done["Location"]
    assert "费用申请" in c.get(instance_url).content.decode()

    c.force_login(chain.users["area_a"])
    inbox = c.get(reverse("workflow:inbox"))
    body = inbox.content.decode()
    assert (
        inbox.status_code == 200 and "区域经理审批" in body and 'data-testid="nav-badge-wf-inbox">1<' in body
    )
    [task] = open_tasks(chain.users["store_a1"].workflow_instances.get())
    page = c.get(reverse("workflow:task", args=[task.pk]))
    assert 'data-testid="approve"' in page.content.decode()
    resp = c.post(
        reverse("workflow:task", args=[task.pk]), {"action": "approve", "comment": "同意", "f_opinion": "ok"}
    )
    assert resp.status_code == 302
    again = c.post(reverse("workflow:task", args=[task.pk]), {"action": "approve"}, follow=True)
    assert "已被处理" in again.content.decode()
    hist = c.get(instance_url).content.decode()
    assert "已通过" in hist and "同意" in hist


def test_inbox_tabs_search_and_htmx(client: Any, deploy: Any, chain: Any) -> None:
    deploy("review.bpmn", key="review")
    made = [
        services.instance_start(
            actor=chain.users["store_a1"], key="review", data={"amount": "5", "reason": reason}
        )
        for reason in ("冰柜", "灯管")
    ]
    c = _client(client, chain.users["store_a1"])
    started = c.get(reverse("workflow:inbox"), {"tab": "started"}).content.decode()
    assert started.count('data-testid="inbox-item"') == 2
    c.force_login(chain.users["area_a"])
    partial = c.get(reverse("workflow:inbox"), {"tab": "todo", "q": f"#{made[0].pk}"}, HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert "<html" not in text and text.count('data-testid="inbox-item"') == 1


def test_bulk_approve_page(client: Any, deploy: Any, chain: Any) -> None:
    deploy("review.bpmn", key="review")
    insts = [
        services.instance_start(
            actor=chain.users["store_a1"], key="review", data={"amount": "5", "reason": "r"}
        )
        for _ in range(2)
    ]
    c = _client(client, chain.users["area_a"])
    ids = [task_for(i, "area_a").pk for i in insts]
    c.post(reverse("workflow:bulk"), {"task": ids})
    for i in insts:
        i.refresh_from_db()
        assert i.status == "completed"


def test_outsiders_get_404_and_monitor_needs_rights(client: Any, deploy: Any, chain: Any) -> None:
    deploy("review.bpmn", key="review")
    inst = services.instance_start(
        actor=chain.users["store_a1"], key="review", data={"amount": "5", "reason": "r"}
    )
    c = _client(client, chain.users["area_b"])
    assert c.get(reverse("workflow:instance", args=[inst.pk])).status_code == 404
    assert c.get(reverse("workflow:task", args=[task_for(inst, "area_a").pk])).status_code == 404
    assert c.get(reverse("workflow:monitor")).status_code == 403
    c.force_login(chain.users["mgmt"])
    page = c.get(reverse("workflow:monitor"))
    assert page.status_code == 200 and "区域经理审批" in page.content.decode()


def test_simulator_page(client: Any, chain: Any) -> None:
    c = _client(client, chain.users["mgmt"])
    page = c.get(reverse("workflow:authority"), {"process": "purchase", "unit": "A1", "f_total": "500"})
    body = page.content.decode()
    assert page.status_code == 200 and "分级审批" in body and "gm" in body and "高于 300 元" in body


def test_withdraw_and_remind_buttons(client: Any, deploy: Any, chain: Any) -> None:
    deploy("review.bpmn", key="review")
    inst = services.instance_start(
        actor=chain.users["store_a1"], key="review", data={"amount": "5", "reason": "r"}
    )
    c = _client(client, chain.users["store_a1"])
    body = c.get(reverse("workflow:instance", args=[inst.pk])).content.decode()
    assert 'data-testid="withdraw"' in body and 'data-testid="remind"' in body
    c.post(reverse("workflow:instance-act", args=[inst.pk]), {"action": "remind"})
    c.post(reverse("workflow:instance-act", args=[inst.pk]), {"action": "withdraw"})
    inst.refresh_from_db()
    assert inst.status == "withdrawn" and inst.events.filter(action="remind").exists()


def test_delegations_page_sets_and_ends(client: Any, chain: Any) -> None:
    from yunying.workflow.models import Delegation

    c = _client(client, chain.users["area_a"])
    url = reverse("workflow:delegations")
    c.post(url, {"to_user": "supervisor", "starts_on": "2020-01-01"})
    [d] = Delegation.objects.filter(from_user=chain.users["area_a"])
    page = c.get(url).content.decode()
    assert 'data-testid="end-delegation"' in page
    resp = c.post(url, {"end": str(d.pk)}, follow=True)
    assert "委托已结束。" in resp.content.decode()
    d.refresh_from_db()
    assert not d.is_active
    assert 'data-testid="end-delegation"' not in resp.content.decode() and "已结束" in resp.content.decode()


def test_delegations_page_refuses_bad_input_and_changes_nothing(client: Any, chain: Any) -> None:
    from yunying.workflow.models import Delegation

    c = _client(client, chain.users["area_a"])
    url = reverse("workflow:delegations")
    chain.users["nobody"].is_active = False
    chain.users["nobody"].save(update_fields=["is_active"])
    bad = [
        ({"to_user": "supervisor", "ends_on": "2026-13-40"}, "请输入有效的日期"),
        ({"to_user": "nobody"}, "找不到用户"),
        ({"to_user": "no-such-user"}, "找不到用户"),
        (
            {"to_user": "supervisor", "starts_on": "2026-05-02", "ends_on": "2026-05-01"},
            "结束日期不能早于开始日期",
        ),
    ]
    for data, message in bad:
        response = c.post(url, data, follow=True)
        assert response.status_code == 200 and message in response.content.decode(), data
    assert not Delegation.objects.exists()


def test_simulator_names_a_chosen_person_only_within_scope(client: Any, deploy: Any, chain: Any) -> None:
    """A `chosen:` field's login typed into the simulator does not reveal who is behind it to someone
    who may not see that person: "选择的人员" instead of their name."""
    from yunying.workflow.tests.conftest import single_xml

    deploy("single.bpmn", key="picked", xml=single_xml("chosen:approver"))
    for key, name in (("area_b", "闵行区域经理"), ("staff_a1", "陆家嘴服务员")):
        chain.users[key].employee.name = name
        chain.users[key].employee.save()
    c = _client(client, chain.users["store_a1"])
    url = reverse("workflow:authority")
    outside = chain.users["area_b"]  # another region's manager
    page = c.get(url, {"process": "picked", "f_approver": outside.username}).content.decode()
    assert "选择的人员" in page
    assert outside.display_name not in page
    inside = chain.users["staff_a1"]  # a waiter of the viewer's own store
    page = c.get(url, {"process": "picked", "f_approver": inside.username}).content.decode()
    assert inside.display_name in page and "选择的人员" not in page
    # someone who sees everything sees the name
    c = _client(client, chain.users["mgmt"])
    page = c.get(url, {"process": "picked", "f_approver": outside.username}).content.decode()
    assert outside.display_name in page
