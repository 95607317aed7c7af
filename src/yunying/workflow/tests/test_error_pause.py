"""An instance in error: the open steps of its other branches leave the inboxes (paused) and come back
when it runs again; 重新指派 gives each waiting step its own person (API and monitor)."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.workflow.actions_admin import waiting_steps
from yunying.workflow.models import ProcessInstance, WorkTask
from yunying.workflow.tests.apiclient import Api, who_acted
from yunying.workflow.tests.conftest import read

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, chain: Any) -> Any:
    return lambda user: Api(client, chain.users[user] if isinstance(user, str) else user)


def _inbox(api: Any, user: str, instance_id: int) -> list[str]:
    items = api(user).get("/tasks", limit=200).json()["items"]
    return [t["element_id"] for t in items if t["instance_id"] == instance_id]


def _stopped(api: Any, deployer: Any) -> int:
    resp = api(deployer).deploy("branches-err", [("error_branches.bpmn", read("error_branches.bpmn"))])
    assert resp.status_code == 201, resp.content.decode()
    resp = api("store_a1").post("/instances", {"key": "branches-err", "data": {}})
    iid = int(resp.json()["id"])
    assert _inbox(api, "supervisor", iid) == ["check"]
    api("mgmt").act(iid)  # the review opens 核价 and 核库存: nobody for them, the instance stops
    instance = ProcessInstance.objects.get(pk=iid)
    assert instance.status == "error" and "找不到处理人" in instance.error
    return iid


def test_open_steps_of_other_branches_leave_the_inboxes_and_come_back_on_retry(
    api: Any, deployer: Any, chain: Any
) -> None:
    iid = _stopped(api, deployer)
    # The supervisor's step of the other branch is paused: in no inbox, not actionable.
    assert _inbox(api, "supervisor", iid) == []
    [check] = WorkTask.objects.filter(instance_id=iid, element_id="check")
    assert check.status == "paused"
    acted = api("supervisor").post(f"/tasks/{check.pk}/complete", {"action": "approve"})
    assert acted.status_code == 409 and "流程出错，已暂停" in acted.json()["detail"]
    assert WorkTask.objects.get(pk=check.pk).status == "paused"
    body = api("mgmt").get(f"/instances/{iid}").json()
    [stopped] = [e for e in body["history"] if e["action"] == "stopped"]
    assert stopped["data"] == {"paused": 1}
    # Retry meets the same empty rule: still in error, the step paused again.
    assert api(deployer).post(f"/instances/{iid}/retry", {}).json()["status"] == "error"
    assert _inbox(api, "supervisor", iid) == [] and WorkTask.objects.get(pk=check.pk).status == "paused"
    # Reassigning runs it again: the paused step is back where it was.
    resp = api(deployer).post(f"/instances/{iid}/reassign", {"user": "gm"})
    assert resp.status_code == 200 and resp.json()["status"] == "running"
    assert _inbox(api, "supervisor", iid) == ["check"]
    assert sorted(_inbox(api, "gm", iid)) == ["price", "stock"]


def test_each_waiting_step_may_get_its_own_person(api: Any, deployer: Any, chain: Any) -> None:
    iid = _stopped(api, deployer)
    admin = api(deployer)
    before = WorkTask.objects.filter(instance_id=iid).count()
    # A step that is not waiting, a waiting step left without anybody, an unknown login: refused.
    resp = admin.post(f"/instances/{iid}/reassign", {"steps": {"check": "gm"}, "user": "gm"})
    assert resp.status_code == 422 and "check" in resp.json()["detail"]
    assert "核价（price）、核库存（stock）" in resp.json()["detail"]
    resp = admin.post(f"/instances/{iid}/reassign", {"steps": {"price": "gm"}})
    assert resp.status_code == 422 and "请为步骤“核库存”指定处理人" in resp.json()["detail"]
    resp = admin.post(f"/instances/{iid}/reassign", {"steps": {"price": "gm", "stock": "ghost"}})
    assert resp.status_code == 422 and "ghost" in resp.json()["detail"]
    assert WorkTask.objects.filter(instance_id=iid).count() == before
    assert ProcessInstance.objects.get(pk=iid).status == "error"
    resp = admin.post(
        f"/instances/{iid}/reassign", {"steps": {"price": "gm", "stock": "mgmt"}, "comment": "分开处理"}
    )
    assert resp.status_code == 200 and resp.json()["status"] == "running"
    assert _inbox(api, "gm", iid) == ["price"] and _inbox(api, "mgmt", iid) == ["stock"]
    for user in ("gm", "mgmt", "supervisor"):
        api(user).act(iid)
    assert ProcessInstance.objects.get(pk=iid).status == "completed"
    acted = sorted(who_acted(iid))
    assert ("price", "approved", "gm") in acted and ("stock", "approved", "mgmt") in acted
    assert ("check", "approved", "supervisor") in acted


def test_the_monitor_offers_one_field_per_waiting_step(
    api: Any, deployer: Any, chain: Any, client: Any
) -> None:
    iid = _stopped(api, deployer)
    client.force_login(deployer)
    html = client.get("/workflow/monitor/").content.decode()
    assert 'data-testid="reassign-step-price"' in html and 'data-testid="reassign-step-stock"' in html
    waiting = {t.element_id: t.id for t in waiting_steps(ProcessInstance.objects.get(pk=iid))}
    resp = client.post(
        f"/workflow/monitor/{iid}/",
        {"action": "reassign", f"step:{waiting['price']}": "gm", f"step:{waiting['stock']}": "supervisor"},
    )
    assert resp.status_code == 302
    assert ProcessInstance.objects.get(pk=iid).status == "running"
    assert _inbox(api, "gm", iid) == ["price"]
    assert sorted(_inbox(api, "supervisor", iid)) == ["check", "stock"]


def test_the_page_of_a_paused_step_says_why_it_cannot_be_acted_on(
    api: Any, deployer: Any, chain: Any, client: Any
) -> None:
    iid = _stopped(api, deployer)
    [check] = WorkTask.objects.filter(instance_id=iid, element_id="check")
    client.force_login(chain.users["supervisor"])
    html = client.get(f"/workflow/tasks/{check.pk}/").content.decode()
    assert 'data-testid="task-paused"' in html and 'data-testid="task-form"' not in html
    resp = client.post(f"/workflow/tasks/{check.pk}/", {"action": "approve"})
    assert "流程出错，已暂停" in resp.content.decode()
    assert WorkTask.objects.get(pk=check.pk).status == "paused"
    # Running again, the page offers the step as before.
    api(deployer).post(f"/instances/{iid}/reassign", {"user": "gm"})
    html = client.get(f"/workflow/tasks/{check.pk}/").content.decode()
    assert 'data-testid="task-form"' in html and 'data-testid="task-paused"' not in html
