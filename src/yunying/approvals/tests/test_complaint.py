"""顾客投诉 (customer_complaint) end to end through the API with the demo chain's people, and the customer's
contact masked for everyone who sees the complaint but does not handle it (API answers and pages)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yunying.accounts.models import User
from yunying.notifications.models import Notification
from yunying.workflow.models import WorkTask
from yunying.workflow.tests.apiclient import who_acted

pytestmark = pytest.mark.django_db

PHONE = "13955556666"


def _complaint(**extra: Any) -> dict[str, Any]:
    return {
        "store": "S01",
        "channel": "hotline",
        "category": "food",
        "severity": "normal",
        "description": "顾客反映鱼香肉丝里有头发",
        "customer_name": "张先生",
        "customer_phone": PHONE,
        **extra,
    }


def _start(api: Any, login: str, **extra: Any) -> int:
    resp = api(login).post("/instances", {"key": "customer_complaint", "data": _complaint(**extra)})
    assert resp.status_code == 201, resp.content.decode()
    return int(resp.json()["id"])


def test_happy_path_a_return_and_a_rejection(api: Any) -> None:
    # Happy path: recorded by the store itself, answered, reviewed, the customer called back.
    pk = _start(api, "store01")
    task = api("store01").my_task(pk)
    assert task["element_id"] == "store_response" and task["due_at"]
    api("store01").act(pk, data={"response": "致歉并重做", "remedy": "重做"})
    api("area1").act(pk, data={"opinion": "及时"})
    api("supervisor").act(pk, data={"satisfaction": "满意", "callback_note": "顾客表示理解"})
    done = api("store01").get(f"/instances/{pk}").json()
    assert done["status"] == "completed"
    data = done["data"]
    assert (data["satisfaction"], data["satisfied"], data["remedy"]) == ("满意", True, "重做")
    assert data["store"] == "S01" and data["category"] == "food" and data["severity"] == "normal"
    assert data["closed_at"] and data["response_hours"] is not None
    assert [s for s, _o, _u in who_acted(pk)] == ["store_response", "area_review", "callback"]

    # A return: the area manager sends the answer back to the store, which answers again.
    pk = _start(api, "supervisor", store="S02", severity="serious")
    api("store02").act(pk, data={"response": "致歉", "remedy": "道歉"})
    api("area1").act(pk, action="return", to="store_response", comment="请给出补偿方案")
    assert api("store02").my_task(pk)["element_id"] == "store_response"
    api("store02").act(pk, data={"response": "赠送代金券", "remedy": "赠券", "compensation": "50"})
    api("area1").act(pk)
    # the complaint was recorded by the supervisor, who also calls back (the diagram allows it)
    api("supervisor").act(pk, data={"satisfaction": "不满意"})
    assert api("mgmt").my_task(pk)["element_id"] == "mgmt_review"  # an unhappy customer: escalated
    api("mgmt").act(pk, data={"conclusion": "书面致歉"})
    done = api("supervisor").get(f"/instances/{pk}").json()
    assert done["status"] == "completed" and done["data"]["satisfied"] is False
    assert [o for _s, o, _u in who_acted(pk)][:2] == ["approved", "returned"]

    # A rejection: the area manager finds the complaint unfounded.
    pk = _start(api, "store01", category="billing")
    api("store01").act(pk, data={"response": "核实账单无误", "remedy": "其他"})
    resp = api("area1").post(
        f"/tasks/{api('area1').my_task(pk)['id']}/complete", {"action": "reject", "comment": "经核实不属实"}
    )
    assert resp.status_code == 200
    assert api("store01").get(f"/instances/{pk}").json()["status"] == "rejected"


def test_a_critical_complaint_tells_the_operations_manager_and_the_store_has_a_deadline(api: Any) -> None:
    before = Notification.objects.filter(recipient__username="ops").count()
    pk = _start(api, "supervisor", severity="critical", category="foreign_object")
    assert Notification.objects.filter(recipient__username="ops").count() == before + 1
    message = Notification.objects.filter(recipient__username="ops").latest("pk").message
    assert PHONE not in message
    task = WorkTask.objects.get(instance_id=pk, element_id="store_response")
    assert task.due_at is not None and task.escalate_at is not None and task.escalate_at > task.due_at


ROLES = [
    ("store01", "full"),  # recorded it and answers it
    ("area1", "masked"),  # the store's area manager: reads it once the review is theirs (below)
    ("gm", "masked"),  # sees the whole chain, does not handle it
    ("ops", "masked"),
    ("mgmt", "masked"),
    ("supervisor", "masked"),  # sees the whole chain; handles it only once the callback is theirs
    ("area2", "none"),  # another region
    ("store02", "none"),
    ("staff01", "none"),
]


def test_the_customers_contact_per_role(api: Any) -> None:
    pk = _start(api, "store01")
    for login, sees in ROLES:
        resp = api(login).get(f"/instances/{pk}")
        client = Client()
        client.force_login(User.objects.get(username=login))
        page = client.get(f"/workflow/instances/{pk}/")
        if sees == "none":
            assert resp.status_code == 404 and page.status_code == 404, login
            continue
        assert resp.status_code == 200 and page.status_code == 200, login
        body, html = resp.content.decode(), page.content.decode()
        if sees == "full":
            assert PHONE in body and PHONE in html and "张先生" in html, login
            continue
        assert PHONE not in body and PHONE not in html and "张先生" not in html, login
        data = resp.json()["data"]
        assert (data["customer_phone"], data["customer_name"]) == ("139****6666", "张**"), login
        assert "139****6666" in html, login
        assert data["description"], login  # the rest of the complaint stays readable

    # A position named in the setting reads every complaint's contact (a customer-service desk).
    from yunying.core.settings_store import setting_set

    pk = _start(api, "store01")
    setting_set(key="approvals.complaint_contact_positions", value="GM")
    assert PHONE in api("gm").get(f"/instances/{pk}").content.decode()
    assert PHONE not in api("ops").get(f"/instances/{pk}").content.decode()


def test_a_handler_reads_the_contact_once_a_step_is_theirs_and_afterwards(api: Any) -> None:
    pk = _start(api, "store01")
    assert PHONE not in api("supervisor").get(f"/instances/{pk}").content.decode()
    assert PHONE not in api("area1").get(f"/instances/{pk}").content.decode()
    api("store01").act(pk, data={"response": "致歉", "remedy": "道歉"})
    assert PHONE in api("area1").get(f"/instances/{pk}").content.decode()  # the review is theirs
    api("area1").act(pk)
    assert PHONE in api("area1").get(f"/instances/{pk}").content.decode()  # and stays: they handled it
    body = api("supervisor").get(f"/instances/{pk}").content.decode()
    assert PHONE in body  # the callback is offered to them: they must call the customer
    task = api("supervisor").my_task(pk)
    client = Client()
    client.force_login(User.objects.get(username="supervisor"))
    assert PHONE in client.get(f"/workflow/tasks/{task['id']}/").content.decode()
    client.force_login(User.objects.get(username="gm"))
    assert PHONE not in client.get(f"/workflow/tasks/{task['id']}/").content.decode()
