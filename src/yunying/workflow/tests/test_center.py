"""The approval center (审批中心): gallery by category with recent first, my requests with where each waits,
the printable request sheet — selectors, pages and API."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from yunying.workflow import center, services
from yunying.workflow.tests.conftest import task_for

pytestmark = pytest.mark.django_db


def _review(deploy: Any) -> None:
    deploy("review.bpmn", key="review", title="费用申请", category="费用", description="门店零星费用")


def test_gallery_groups_by_category_recent_first_and_searches(deploy: Any, chain: Any) -> None:
    _review(deploy)
    user = chain.users["store_a1"]
    found = center.gallery(user=user)
    categories = [g.category for g in found.groups]
    assert "费用" in categories and found.recent == []
    assert any(d.key == "purchase" for g in found.groups for d in g.definitions)
    services.instance_start(actor=user, key="review", data={"amount": "5", "reason": "灯管"})
    assert [d.key for d in center.gallery(user=user).recent] == ["review"]
    searched = center.gallery(user=user, q="  零星   费用 ")
    assert [d.key for g in searched.groups for d in g.definitions] == ["review"] and searched.recent == []
    assert center.gallery(user=user, q="不存在的流程").count == 0
    assert len(center.gallery(user=user, q="x" * 5000).q) == center.MAX_QUERY


def test_my_requests_say_where_each_waits(deploy: Any, chain: Any) -> None:
    _review(deploy)
    user = chain.users["store_a1"]
    first = services.instance_start(actor=user, key="review", data={"amount": "5", "reason": "灯管"})
    second = services.instance_start(actor=user, key="review", data={"amount": "8", "reason": "冰柜"})
    services.task_complete(
        actor=chain.users["area_a"], task_id=task_for(second, "area_a").pk, action="reject", comment="不需要"
    )
    rows, total = center.my_requests(user=user)
    assert total == 2 and [r.pk for r in rows] == [second.pk, first.pk]
    waiting = {r.pk: r.waiting for r in rows}  # type: ignore[attr-defined]
    assert waiting[second.pk] == []
    [w] = waiting[first.pk]
    assert w.step == "区域经理审批" and chain.users["area_a"].display_name in w.who
    assert [r.pk for r in center.my_requests(user=user, state="rejected")[0]] == [second.pk]
    assert center.my_requests(user=chain.users["area_a"])[1] == 0


def test_my_requests_query_count_is_flat(deploy: Any, chain: Any, django_assert_max_num_queries: Any) -> None:
    _review(deploy)
    user = chain.users["store_a1"]
    for n in range(6):
        services.instance_start(actor=user, key="review", data={"amount": str(n + 1), "reason": "x"})
    with django_assert_max_num_queries(6):
        rows, _total = center.my_requests(user=user)
        assert all(r.waiting for r in rows)  # type: ignore[attr-defined]


def test_center_pages_and_sheet(client: Any, deploy: Any, chain: Any) -> None:
    _review(deploy)
    user = chain.users["store_a1"]
    made = services.instance_start(actor=user, key="review", data={"amount": "5", "reason": "灯管坏了"})
    client.force_login(user)
    body = client.get(reverse("workflow:definitions")).content.decode()
    assert (
        "审批中心" in body
        and 'data-testid="recent-review"' in body
        and 'data-testid="start-purchase"' in body
    )
    part = client.get(reverse("workflow:definitions"), {"q": "费用"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and "费用申请" in part and "start-purchase" not in part
    mine = client.get(reverse("workflow:definitions"), {"tab": "mine"}).content.decode()
    assert "区域经理审批" in mine and chain.users["area_a"].display_name in mine
    sheet = client.get(reverse("workflow:instance-print", args=[made.pk])).content.decode()
    assert "申请单" in sheet and "灯管坏了" in sheet and 'data-testid="sheet-trail"' in sheet
    client.force_login(chain.users["area_b"])
    assert client.get(reverse("workflow:instance-print", args=[made.pk])).status_code == 404


def test_center_api(client: Any, deploy: Any, chain: Any) -> None:
    _review(deploy)
    user = chain.users["store_a1"]
    made = services.instance_start(actor=user, key="review", data={"amount": "5", "reason": "灯管"})
    client.force_login(user)
    gallery = client.get("/api/workflow/center/gallery").json()
    assert gallery["recent"][0]["key"] == "review"
    assert any(p["key"] == "purchase" for g in gallery["groups"] for p in g["processes"])
    mine = client.get("/api/workflow/center/requests", {"state": "running"}).json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == made.pk
    assert mine["items"][0]["waiting"][0]["step"] == "区域经理审批"
    assert client.get("/api/workflow/center/requests", {"state": "nonsense"}).status_code == 422
