"""The workflow HTTP API (Bearer tokens), the security refusals through it, and the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yunying.accounts.services import token_create
from yunying.workflow.models import (
    InstanceEvent,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
    WorkTask,
)
from yunying.workflow.tests.conftest import read, single_xml

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, client: Any, user: Any) -> None:
        self.client = client
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='t')[1]}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/workflow{path}", params, **self.auth)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api/workflow{path}", json.dumps(body or {}), content_type="application/json", **self.auth
        )

    def deploy(self, key: str, xml: bytes, name: str = "测试流程") -> Any:
        files = {"bpmn": SimpleUploadedFile("p.bpmn", xml, content_type="application/xml")}
        return self.client.post("/api/workflow/definitions", {"key": key, "name": name, **files}, **self.auth)


def _rows() -> tuple[int, int, int]:
    return ProcessDefinition.objects.count(), ProcessVersion.objects.count(), InstanceEvent.objects.count()


@pytest.fixture
def api_for(client: Any) -> Any:
    return lambda user: Api(client, user)


def test_deploy_start_act_and_read(api_for: Any, deployer: Any, chain: Any) -> None:
    admin = api_for(deployer)
    resp = admin.deploy("review", read("review.bpmn"), "费用申请")
    assert resp.status_code == 201, resp.content
    assert resp.json()["number"] == 1 and resp.json()["user_tasks"] == ["area_review", "gm_review"]

    store = api_for(chain.users["store_a1"])
    bad = store.post("/instances", {"key": "review", "data": {"amount": "lots"}})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"amount", "reason"}
    assert ProcessInstance.objects.count() == 0
    started = store.post("/instances", {"key": "review", "data": {"amount": "1500", "reason": "冰柜"}})
    assert started.status_code == 201
    body = started.json()
    assert body["status"] == "running" and body["unit"] == "A1"
    assert [t["step"] for t in body["open_tasks"]] == ["区域经理审批"]

    area = api_for(chain.users["area_a"])
    tasks = area.get("/tasks")
    assert tasks.status_code == 200 and tasks.json()["count"] == 1
    task_id = tasks.json()["items"][0]["id"]
    assert area.post(f"/tasks/{task_id}/complete", {"action": "fly"}).status_code == 422
    done = area.post(
        f"/tasks/{task_id}/complete", {"action": "approve", "comment": "同意", "data": {"opinion": "好"}}
    )
    assert done.status_code == 200, done.content.decode()
    assert done.json()["outcome"] == "approved"
    again = area.post(f"/tasks/{task_id}/complete", {"action": "approve"})
    assert again.status_code == 409 and again.json()["code"] == "already_handled"

    gm = api_for(chain.users["gm"])
    gm_task = gm.get("/tasks").json()["items"][0]["id"]
    ret = gm.post(f"/tasks/{gm_task}/complete", {"action": "return", "to": "requester", "comment": "补充"})
    assert ret.status_code == 200
    mine = store.get("/tasks").json()["items"]
    assert [t["kind"] for t in mine] == ["resubmit"]
    store.post(
        f"/tasks/{mine[0]['id']}/complete", {"action": "resubmit", "data": {"amount": "900", "reason": "改"}}
    )
    area_task = area.get("/tasks").json()["items"][0]["id"]
    area.post(f"/tasks/{area_task}/complete", {"action": "approve"})
    detail = store.get(f"/instances/{body['id']}").json()
    assert detail["status"] == "completed"
    assert [h["action"] for h in detail["history"] if h["action"] != "assigned"] == [
        "start",
        "approve",
        "return",
        "resubmit",
        "approve",
        "completed",
    ]
    assert detail["task_states"]["area_review"] == "COMPLETED"


def test_deploy_refusals_through_the_api(api_for: Any, deployer: Any) -> None:
    admin = api_for(deployer)
    before = _rows()
    for name in ("evil_import.bpmn", "evil_subclasses.bpmn"):
        resp = admin.deploy("evil", read(name))
        assert resp.status_code == 422
        problems = resp.json()["problems"]
        assert problems[0]["id"] == "f_ops" and "not allowed" in problems[0]["message"]
    xml = read("parallel.bpmn").replace(
        b'<bpmn:endEvent id="end"/>', b'<bpmn:endEvent id="end"/><bpmn:complexGateway id="cx"/>'
    )
    resp = admin.deploy("cx", xml)
    assert resp.status_code == 422 and resp.json()["elements"][0]["id"] == "cx"
    assert resp.json()["elements"][0]["type"] == "complexGateway"
    assert admin.deploy("broken", b"<bpmn:definitions").status_code == 422
    assert _rows() == before


def test_evil_text_never_runs_even_if_stored(api_for: Any, deployer: Any, chain: Any, tmp_path: Any) -> None:
    """Belt and braces: a condition slipped into a stored version is refused at run time."""
    admin = api_for(deployer)
    admin.deploy("review", read("review.bpmn"))
    version = ProcessVersion.objects.get(definition__key="review")
    text = json.dumps(version.spec).replace(
        "amount > 1000", "__import__('os').system('touch " + str(tmp_path / "x") + "')"
    )
    version.spec = json.loads(text)
    version.save()
    store = api_for(chain.users["store_a1"])
    store.post("/instances", {"key": "review", "data": {"amount": "5", "reason": "r"}})
    area = api_for(chain.users["area_a"])
    task_id = area.get("/tasks").json()["items"][0]["id"]
    resp = area.post(f"/tasks/{task_id}/complete", {"action": "approve"})
    # The instance, not the request, fails: it goes to error with the reason, for the monitor.
    assert resp.status_code == 200 and resp.json()["instance_status"] == "error"
    assert "not allowed" in resp.json()["instance_error"]
    assert not (tmp_path / "x").exists()
    assert WorkTask.objects.get(pk=task_id).status == "completed"  # the decision is kept for a retry


def test_scope_404_claim_withdraw_remind_bulk(api_for: Any, deployer: Any, chain: Any) -> None:
    api_for(deployer).deploy("single", single_xml("queue:position:SUPERVISOR@D-MGMT"))
    store = api_for(chain.users["store_a1"])
    first = store.post("/instances", {"key": "single"}).json()
    second = store.post("/instances", {"key": "single"}).json()
    outsider = api_for(chain.users["area_b"])
    assert outsider.get(f"/instances/{first['id']}").status_code == 404
    assert outsider.post(f"/instances/{first['id']}/withdraw").status_code == 404
    sup = api_for(chain.users["supervisor"])
    queue = sup.get("/tasks").json()["items"]
    assert len(queue) == 2 and all(t["queue"] for t in queue)
    assert outsider.post(f"/tasks/{queue[0]['id']}/claim").status_code == 404
    claimed = sup.post(f"/tasks/{queue[0]['id']}/claim")
    assert claimed.status_code == 200 and claimed.json()["assignee"] == "supervisor"
    assert store.post(f"/instances/{first['id']}/withdraw").status_code == 409
    assert store.post(f"/instances/{second['id']}/remind").json() == {"notified": 1}
    assert store.post(f"/instances/{second['id']}/withdraw").json()["status"] == "withdrawn"
    result = sup.post("/tasks/bulk-approve", {"task_ids": [queue[0]["id"], queue[1]["id"]]}).json()
    assert [r["ok"] for r in result] == [True, False]


def test_openapi_lists_the_workflow_operations(client: Any, chain: Any) -> None:
    client.force_login(chain.users["staff_a1"])  # the API docs are behind login
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/workflow/definitions",
        "/api/workflow/instances",
        "/api/workflow/tasks",
        "/api/workflow/tasks/{task_id}/complete",
        "/api/workflow/instances/{instance_id}",
        "/api/workflow/tasks/{task_id}/claim",
        "/api/workflow/instances/{instance_id}/withdraw",
        "/api/workflow/instances/{instance_id}/remind",
        "/api/workflow/tasks/bulk-approve",
    ):
        assert path in paths, path


def test_delegations_list_create_end(api_for: Any, deploy: Any, chain: Any) -> None:
    """委托 through the API: my delegation takes my new tasks until I end it; others cannot end it."""
    from datetime import timedelta

    from django.utils import timezone

    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    area = api_for(chain.users["area_a"])
    assert area.get("/delegations").json() == []
    bad = area.post("/delegations", {"to_user": "ghost"})
    assert bad.status_code in (400, 422) and "ghost" in bad.json()["detail"]
    to_self = area.post("/delegations", {"to_user": "area_a"})
    assert to_self.status_code in (400, 422) and to_self.json()["detail"] == "不能委托给自己。"
    today = timezone.localdate()
    backwards = area.post(
        "/delegations",
        {"to_user": "supervisor", "starts_on": str(today), "ends_on": str(today - timedelta(days=1))},
    )
    assert backwards.status_code in (400, 422) and backwards.json()["detail"] == "结束日期不能早于开始日期。"

    created = area.post("/delegations", {"to_user": "supervisor", "definition": "single"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["from_user"] == "area_a" and body["to_user"] == "supervisor"
    assert body["starts_on"] == str(today) and body["ends_on"] is None and body["definition"] == "single"
    assert body["is_active"] and body["current"]
    assert [d["id"] for d in area.get("/delegations").json()] == [body["id"]]
    supervisor = api_for(chain.users["supervisor"])
    assert supervisor.get("/delegations").json() == []
    assert [d["id"] for d in supervisor.get("/delegations", received="true").json()] == [body["id"]]

    store = api_for(chain.users["store_a1"])
    first = store.post("/instances", {"key": "single", "data": {}}).json()
    [task] = first["open_tasks"]
    assert task["assignee"] == "supervisor" and task["on_behalf_of"] == "area_a"

    # Only the delegator ends it (others do not even see it); then new tasks come back.
    assert supervisor.post(f"/delegations/{body['id']}/end").status_code == 404
    ended = area.post(f"/delegations/{body['id']}/end")
    assert ended.status_code == 200, ended.content
    assert ended.json()["is_active"] is False and ended.json()["current"] is False
    assert ended.json()["ends_on"] == str(today)
    again = area.post(f"/delegations/{body['id']}/end")
    assert again.status_code == 409 and again.json()["detail"] == "该委托已经结束。"
    second = store.post("/instances", {"key": "single", "data": {}}).json()
    [task] = second["open_tasks"]
    assert task["assignee"] == "area_a" and task["on_behalf_of"] is None


def test_openapi_lists_delegations(client: Any, chain: Any) -> None:
    client.force_login(chain.users["staff_a1"])  # the API docs are behind login
    paths = client.get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/workflow/delegations"]) == {"get", "post"}
    assert "post" in paths["/api/workflow/delegations/{delegation_id}/end"]
