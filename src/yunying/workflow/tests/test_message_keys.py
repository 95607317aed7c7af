"""Messages correlated by key: ``POST /api/workflow/messages`` ``{name, key, data}`` reaches the one
instance waiting for that message with that value of the diagram's correlation key; unknown or
ambiguous keys are refused naming what was looked for, and nothing moves."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.workflow.models import MessageWait, ProcessInstance
from yunying.workflow.tests.apiclient import Api, who_acted
from yunying.workflow.tests.conftest import read

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, chain: Any) -> Any:
    return lambda user: Api(client, chain.users[user] if isinstance(user, str) else user)


def _start(api: Any, order_no: Any) -> int:
    resp = api("store_a1").post("/instances", {"key": "paid-by-key", "data": {"order_no": order_no}})
    assert resp.status_code == 201, resp.content.decode()
    return int(resp.json()["id"])


def test_a_message_reaches_the_instance_with_its_key(api: Any, deployer: Any) -> None:
    admin = api(deployer)
    resp = admin.deploy("paid-by-key", [("message_key.bpmn", read("message_key.bpmn"))])
    assert resp.status_code == 201, resp.content.decode()
    first, second, third = _start(api, "A-1"), _start(api, "A-2"), _start(api, "A-2")
    numeric = _start(api, 1001)
    paid = {"name": "payment_received", "key": "A-1", "data": {"paid_amount": 88}}
    # Nobody waits yet (the orders are not confirmed): refused, saying what is missing.
    resp = admin.post("/messages", paid)
    assert (
        resp.status_code == 404
        and "没有流程实例在按关联键等待消息“payment_received”" in resp.json()["detail"]
    )
    for iid in (first, second, third, numeric):
        api("supervisor").act(iid)
    assert MessageWait.objects.filter(instance_id=first).values_list("name", "key").get() == (
        "payment_received",
        "A-1",
    )
    assert api("store_a1").post("/messages", paid).status_code == 403
    resp = admin.post("/messages", {**paid, "key": "A-9"})
    assert resp.status_code == 404
    assert resp.json()["detail"] == "没有流程实例在等待关联键为“A-9”的消息“payment_received”。"
    resp = admin.post("/messages", {**paid, "key": "A-2"})
    assert resp.status_code == 409 and resp.json()["code"] == "ambiguous"
    assert f"#{second}、#{third}" in resp.json()["detail"]
    assert admin.post("/messages", {**paid, "key": ""}).status_code == 422
    # Nothing moved; then the right key moves exactly its instance on.
    assert all(ProcessInstance.objects.get(pk=i).current_steps == "" for i in (first, second, third))
    resp = admin.post("/messages", paid)
    assert resp.status_code == 200 and resp.json()["id"] == first
    [line] = [e for e in resp.json()["history"] if e["action"] == "message"]
    assert line["data"] == {"name": "payment_received", "data": {"paid_amount": 88}, "key": "A-1"}
    assert not MessageWait.objects.filter(instance_id=first).exists()
    api("mgmt").act(first)
    assert who_acted(first) == [("order", "approved", "supervisor"), ("ship", "approved", "mgmt")]
    # A number in the data is its text; a cancelled instance no longer waits, so A-2 is one instance.
    assert admin.post("/messages", {**paid, "key": "1001"}).json()["id"] == numeric
    assert admin.post(f"/instances/{second}/cancel", {}).json()["status"] == "cancelled"
    assert not MessageWait.objects.filter(instance_id=second).exists()
    assert admin.post("/messages", {**paid, "key": "A-2"}).json()["id"] == third
    assert ProcessInstance.objects.get(pk=third).current_steps == "管理部发货"


def test_a_correlation_key_that_is_no_data_name_is_refused_at_deploy(api: Any, deployer: Any) -> None:
    xml = read("message_key.bpmn").replace(b'correlationKey="=order_no"', b'correlationKey="=order.no + 1"')
    resp = api(deployer).deploy("bad-key", [("message_key.bpmn", xml)])
    assert resp.status_code == 422
    assert resp.json()["problems"] == [
        {
            "id": "msg_paid",
            "message": "消息“payment_received”的关联键“=order.no + 1”必须是流程数据中的一个字段名。",
        }
    ]
    xml = read("message_key.bpmn").replace(
        b'<bpmn:message id="msg_paid" name="payment_received">',
        b'<bpmn:message id="msg_paid" name="payment_received" yunying:correlationKey="order_no">',
    )
    resp = api(deployer).deploy("yy-key", [("message_key.bpmn", xml)])
    assert resp.status_code == 201, resp.content.decode()
