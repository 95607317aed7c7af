"""预计审批人: the chain a request will take, from the start form's values so far, on the start page, the
request page and the API; only the approvers are named."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from yunying.workflow import services
from yunying.workflow.preview import approver_preview, instance_preview
from yunying.workflow.tests.apiclient import Api
from yunying.workflow.tests.conftest import task_for

pytestmark = pytest.mark.django_db


def _items(price: str) -> list[dict[str, Any]]:
    return [{"name": "保鲜膜", "qty": "1", "unit": "箱", "price": price}]


@pytest.mark.parametrize(
    ("price", "last", "note"),
    [("199.99", "mgmt", True), ("200", "ops", False), ("300", "ops", False), ("300.01", "gm", False)],
)
def test_preview_follows_the_purchase_tiers(chain: Any, ops: Any, price: str, last: str, note: bool) -> None:
    found = approver_preview(
        user=chain.users["store_a1"], key="purchase", data={"store": "A1", "items": _items(price)}
    )
    assert not found.error and found.complete
    assert [s.name for s in found.steps] == ["管理部审核", "分级审批"]
    assert [p.username for p in found.steps[0].people] == ["mgmt"]
    assert [p.username for p in found.steps[1].people] == [last]
    assert bool(found.steps[1].note) is note  # the same approver twice: 自动通过
    assert found.steps[0].people[0].positions  # named with their seat ("运营管理部 管理部主任")


def test_preview_of_a_half_filled_form_still_answers(chain: Any) -> None:
    found = approver_preview(user=chain.users["store_a1"], key="purchase", data={"items": _items("500")})
    assert [p.username for p in found.steps[-1].people] == ["gm"]  # no reason, no store: still a chain


def test_preview_on_the_start_page_and_as_a_fragment(client: Any, chain: Any, ops: Any) -> None:
    client.force_login(chain.users["store_a1"])
    page = client.get(reverse("workflow:start", args=["purchase"])).content.decode()
    assert "预计审批人" in page and reverse("workflow:preview", args=["purchase"]) in page
    query = {
        "f_store": "A1",
        "f_items[0].name": "保鲜膜",
        "f_items[0].qty": "1",
        "f_items[0].unit": "箱",
        "f_items[0].price": "250",
    }
    fragment = client.get(reverse("workflow:preview", args=["purchase"]), query).content.decode()
    assert "<html" not in fragment and 'preview-person">ops<' in fragment
    assert 'preview-person">gm<' not in fragment
    query["f_items[0].price"] = "301"
    fragment = client.get(reverse("workflow:preview", args=["purchase"]), query).content.decode()
    assert 'preview-person">gm<' in fragment and 'preview-person">ops<' not in fragment
    assert "area_b" not in fragment and "staff_a1" not in fragment  # nobody but the approvers


def test_preview_on_the_request_page_marks_handled_steps(client: Any, chain: Any) -> None:
    instance = services.instance_start(
        actor=chain.users["store_a1"],
        key="purchase",
        data={"store": "A1", "reason": "补货", "items": _items("500")},
    )
    services.task_approve(actor=chain.users["mgmt"], task_id=task_for(instance, "mgmt").pk)
    found = instance_preview(instance=instance)
    assert [(s.name, s.done_by) for s in found.steps] == [("管理部审核", "mgmt"), ("分级审批", "")]
    client.force_login(chain.users["store_a1"])
    page = client.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    assert "预计审批人" in page and "已由 mgmt 同意" in page


def test_preview_api(client: Any, chain: Any, ops: Any) -> None:
    api = Api(client, chain.users["store_a1"])
    answer = api.post("/processes/purchase/preview", {"data": {"store": "A1", "items": _items("250")}})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [s["step"] for s in body["steps"]] == ["管理部审核", "分级审批"]
    assert body["steps"][1]["people"][0]["username"] == "ops" and body["complete"] is True
    assert api.post("/processes/no-such/preview", {"data": {}}).status_code == 404
