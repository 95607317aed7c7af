"""Events from outside and from steps: a message correlated through the API, a BPMN error and an
escalation thrown by a step and caught by the diagram; driven to the end through the API."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.workflow.tests.apiclient import Api, who_acted
from yunying.workflow.tests.conftest import read

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, chain: Any) -> Any:
    return lambda user: Api(client, chain.users[user] if isinstance(user, str) else user)


def _deploy_and_start(api: Any, deployer: Any, name: str) -> int:
    key = name.replace("_", "-")
    resp = api(deployer).deploy(key, [(f"{name}.bpmn", read(f"{name}.bpmn"))])
    assert resp.status_code == 201, resp.content.decode()
    started = api("store_a1").post("/instances", {"key": key, "data": {}})
    assert started.status_code == 201, started.content.decode()
    return int(started.json()["id"])


def test_a_message_from_outside_moves_the_instance_on(api: Any, deployer: Any) -> None:
    iid = _deploy_and_start(api, deployer, "message_wait")
    api("supervisor").act(iid)
    body = api(deployer).get(f"/instances/{iid}").json()
    assert body["status"] == "running" and body["open_tasks"] == []  # waiting for the message
    admin = api(deployer)
    wrong = admin.post(f"/instances/{iid}/messages", {"name": "refund"})
    assert wrong.status_code == 409 and "payment_received" in wrong.json()["detail"]
    assert api("store_a1").post(f"/instances/{iid}/messages", {"name": "payment_received"}).status_code == 403
    resp = admin.post(
        f"/instances/{iid}/messages", {"name": "payment_received", "data": {"paid_amount": 5000}}
    )
    assert resp.status_code == 200, resp.content.decode()
    assert [t["element_id"] for t in resp.json()["open_tasks"]] == ["ship_gm"]
    [line] = [e for e in resp.json()["history"] if e["action"] == "message"]
    assert line["data"] == {"name": "payment_received", "data": {"paid_amount": 5000}}
    api("gm").act(iid)
    assert who_acted(iid) == [("order", "approved", "supervisor"), ("ship_gm", "approved", "gm")]
    assert admin.get(f"/instances/{iid}").json()["status"] == "completed"


def test_a_step_throws_an_error_the_diagram_catches(api: Any, deployer: Any) -> None:
    iid = _deploy_and_start(api, deployer, "error_events")
    area = api("area_a")
    task = area.my_task(iid)
    missing = area.post(
        f"/tasks/{task['id']}/complete", {"action": "throw", "event": "error", "code": "FIRE"}
    )
    assert missing.status_code == 422 and "FIRE" in missing.json()["detail"]
    area.act(iid, "throw", event="error", code="BROKEN", comment="压缩机坏了")
    api("supervisor").act(iid)
    assert who_acted(iid) == [("inspect", "error:BROKEN", "area_a"), ("repair", "approved", "supervisor")]
    body = api(deployer).get(f"/instances/{iid}").json()
    assert body["status"] == "completed" and body["task_states"]["end_repaired"] == "COMPLETED"
    assert [e["data"] for e in body["history"] if e["action"] == "throw"] == [
        {"kind": "error", "code": "BROKEN"}
    ]


def test_a_non_interrupting_escalation_keeps_the_step_open(api: Any, deployer: Any) -> None:
    iid = _deploy_and_start(api, deployer, "error_events")
    api("area_a").act(iid, "throw", event="escalation", code="LATE")
    body = api(deployer).get(f"/instances/{iid}").json()
    assert sorted(t["element_id"] for t in body["open_tasks"]) == ["inspect", "tell_gm"]
    api("gm").act(iid)
    api("area_a").act(iid)
    assert who_acted(iid) == [("tell_gm", "approved", "gm"), ("inspect", "approved", "area_a")]
    assert api(deployer).get(f"/instances/{iid}").json()["status"] == "completed"


def test_a_boundary_message_cancels_the_step_and_the_history_says_so(api: Any, deployer: Any) -> None:
    iid = _deploy_and_start(api, deployer, "error_events")
    resp = api(deployer).post(f"/instances/{iid}/messages", {"name": "store_closed"})
    assert resp.status_code == 200 and resp.json()["status"] == "completed"
    [line] = [e for e in resp.json()["history"] if e["action"] == "step_cancelled"]
    assert line["step"] == "区域巡检" and "取消" in line["comment"]
    assert api("area_a").get("/tasks").json()["count"] == 0
