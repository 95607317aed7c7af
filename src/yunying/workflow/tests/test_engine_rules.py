"""Nothing completed without a person, never out of sight, decisions belong to the diagram: diagrams of
tests/bpmn deployed through the API and driven to the end, asserting who acted at every step."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.core.models import Setting
from yunying.workflow.models import InstanceEvent, ProcessInstance
from yunying.workflow.tests.apiclient import Api, who_acted
from yunying.workflow.tests.conftest import read, single_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, chain: Any) -> Any:
    return lambda user: Api(client, chain.users[user] if isinstance(user, str) else user)


def _deploy(api: Any, deployer: Any, key: str, xml: bytes) -> None:
    resp = api(deployer).deploy(key, [(f"{key}.bpmn", xml)])
    assert resp.status_code == 201, resp.content.decode()


def _start(api: Any, key: str, data: dict[str, Any] | None = None, user: str = "store_a1") -> int:
    resp = api(user).post("/instances", {"key": key, "data": data or {}})
    assert resp.status_code == 201, resp.content.decode()
    return int(resp.json()["id"])


def _instance(api: Any, instance_id: int, user: str = "mgmt") -> dict[str, Any]:
    return dict(api(user).get(f"/instances/{instance_id}").json())


def test_steps_with_forms_are_never_skipped_and_one_pure_approval_is(
    api: Any, deployer: Any, chain: Any
) -> None:
    _deploy(api, deployer, "same-person", read("same_person_forms.bpmn"))
    iid = _start(api, "same-person", {"reason": "冰柜维修"})
    mgmt = api("mgmt")
    mgmt.act(iid, data={"note": "看过"})
    assert mgmt.my_task(iid)["element_id"] == "price"  # a form step of the same person: shown
    mgmt.act(iid, data={"amount": "1500"})
    # 签批 is a pure approval right after the same person's own approval: one automatic pass.
    assert api("gm").my_task(iid)["element_id"] == "gm"
    api("gm").act(iid)
    assert who_acted(iid) == [
        ("check", "approved", "mgmt"),
        ("price", "approved", "mgmt"),
        ("sign", "dedup", "mgmt"),
        ("gm", "approved", "gm"),
    ]
    body = _instance(api, iid)
    assert body["status"] == "completed"
    # Each step's submitted data is in the instance, seen by whoever sees the instance.
    assert [(s["element_id"], s["data"]) for s in body["steps"]] == [
        ("check", {"note": "看过"}),
        ("price", {"amount": "1500.00"}),
        ("sign", {}),
        ("gm", {}),
    ]
    assert api("store_a1").get(f"/instances/{iid}").json()["steps"][1]["acted_by"] == "mgmt"
    assert api("staff_a1").get(f"/instances/{iid}").status_code == 404
    [auto] = [e for e in body["history"] if e["action"] == "auto_dedup"]
    assert (
        auto["comment"] == "自动通过：与步骤“管理部核价”的审批人相同" and auto["data"]["same_as"] == "price"
    )


def test_de_duplication_never_runs_around_a_loop(api: Any, deployer: Any, chain: Any) -> None:
    _deploy(api, deployer, "loop", read("loop_same_person.bpmn"))
    iid = _start(api, "loop")
    mgmt = api("mgmt")
    for _round in range(5):  # first, then (second auto on pass 1) first, second, first, second
        mgmt.act(iid)
    assert who_acted(iid) == [
        ("first", "approved", "mgmt"),
        ("second", "dedup", "mgmt"),
        ("first", "approved", "mgmt"),
        ("second", "approved", "mgmt"),
        ("first", "approved", "mgmt"),
        ("second", "approved", "mgmt"),
    ]
    body = _instance(api, iid)
    assert body["status"] == "completed"
    scripts = [e["data"]["set"] for e in body["history"] if e["action"] == "script"]
    assert scripts == [{"rounds": 0}, {"rounds": 1}, {"rounds": 2}, {"rounds": 3}]


def test_purchase_below_200_keeps_one_approval_and_says_why(chain: Any, ops: Any, api: Any) -> None:
    iid = _start(
        api,
        "purchase",
        {
            "store": "A1",
            "reason": "补货",
            "items": [{"name": "保鲜膜", "qty": 1, "unit": "箱", "price": "150"}],
        },
    )
    api("mgmt").act(iid)
    assert who_acted(iid) == [("mgmt_review", "approved", "mgmt"), ("final_decision", "dedup", "mgmt")]
    auto = InstanceEvent.objects.get(instance_id=iid, action="auto_dedup")
    assert auto.comment == "自动通过：与步骤“管理部审核”的审批人相同" and auto.actor == chain.users["mgmt"]
    assert ProcessInstance.objects.get(pk=iid).status == "completed"


def test_an_empty_assignee_is_a_visible_event(api: Any, deployer: Any, chain: Any) -> None:
    _deploy(api, deployer, "nobody", single_xml("chosen:approver"))
    iid = _start(api, "nobody")
    body = _instance(api, iid)
    [line] = [e for e in body["history"] if e["action"] == "empty_assignee"]
    assert "chosen:approver" in line["comment"] and "管理部负责人" in line["comment"]
    assert line["data"] == {"rule": "chosen:approver", "fallback": "head"}
    api("mgmt").act(iid)  # the head decides; the next step (another person) follows
    api("gm").act(iid)
    assert who_acted(iid) == [("step", "approved", "mgmt"), ("after", "approved", "gm")]
    page = api("mgmt").client
    page.force_login(deployer)
    html = page.get("/workflow/monitor/").content.decode()
    assert "找不到处理人" in html and "chosen:approver" in html


def test_a_stopped_step_is_reassigned_from_the_monitor(api: Any, deployer: Any, chain: Any) -> None:
    _deploy(api, deployer, "stop", single_xml('chosen:approver" yunying:ifEmpty="stop'))
    iid = _start(api, "stop")
    body = _instance(api, iid)
    assert body["status"] == "error" and "找不到处理人" in body["error"] and body["open_tasks"] == []
    admin = api(deployer)
    assert admin.post(f"/instances/{iid}/reassign", {"user": "ghost"}).status_code == 422
    assert api("store_a1").post(f"/instances/{iid}/reassign", {"user": "supervisor"}).status_code == 403
    resp = admin.post(f"/instances/{iid}/reassign", {"user": "supervisor", "comment": "临时处理"})
    assert resp.status_code == 200 and resp.json()["status"] == "running"
    api("supervisor").act(iid)
    api("gm").act(iid)
    assert who_acted(iid) == [
        ("step", "stopped", ""),
        ("step", "approved", "supervisor"),
        ("after", "approved", "gm"),
    ]
    assert [e["action"] for e in _instance(api, iid)["history"]][-5:] == [
        "reassign",
        "approve",
        "assigned",
        "approve",
        "completed",
    ]


def test_a_run_away_loop_stops_the_instance_in_error(api: Any, deployer: Any, chain: Any) -> None:
    _deploy(api, deployer, "runaway", read("runaway.bpmn"))
    iid = _start(api, "runaway")
    done = api("mgmt").act(iid)
    assert done["instance_status"] == "error" and "more than 50 automatic steps" in done["instance_error"]
    stored = ProcessInstance.objects.get(pk=iid)
    assert stored.status == "error" and len(stored.state["tasks"]) < 20  # the loop was not stored
    # A lower limit set by the administrator is honoured (never below 20); retry meets it again.
    Setting.objects.update_or_create(key="workflow.max_auto_steps", defaults={"value": 25})
    resp = api(deployer).post(f"/instances/{iid}/retry", {})
    assert resp.status_code == 200 and resp.json()["status"] == "error"
    assert "more than 25 automatic steps" in resp.json()["error"]
    assert (
        api(deployer).post(f"/instances/{iid}/cancel", {"comment": "图有误"}).json()["status"] == "cancelled"
    )
    assert api(deployer).post(f"/instances/{iid}/retry", {}).status_code == 409


def test_a_run_away_at_the_start_is_refused_and_stores_nothing(api: Any, deployer: Any, chain: Any) -> None:
    xml = read("runaway.bpmn").replace(b'targetRef="approve"/>', b'targetRef="spin"/>')
    _deploy(api, deployer, "runaway-start", xml)
    resp = api("store_a1").post("/instances", {"key": "runaway-start", "data": {}})
    assert resp.status_code == 422 and "more than 50 automatic steps" in resp.json()["detail"]
    assert not ProcessInstance.objects.filter(definition__key="runaway-start").exists()


def test_reject_routed_by_the_diagram_and_a_forms_false_stays_false(
    api: Any, deployer: Any, chain: Any
) -> None:
    _deploy(api, deployer, "reject-routed", read("reject_routed.bpmn"))
    iid = _start(api, "reject-routed", {"amount": "300"})
    api("area_a").act(iid, "reject", comment="资料不全")
    body = _instance(api, iid)
    assert body["status"] == "running" and [t["element_id"] for t in body["open_tasks"]] == ["explain"]
    api("supervisor").act(iid, data={"approved": False})  # approve the step, decide "no"
    body = _instance(api, iid)
    assert body["status"] == "completed"
    assert body["task_states"]["end_refused"] == "COMPLETED" and "gm" not in body["task_states"]
    assert who_acted(iid) == [("review", "rejected", "area_a"), ("explain", "approved", "supervisor")]

    # The same diagram, approved all along: the ok branch, and the reserved outcome records it.
    iid = _start(api, "reject-routed", {"amount": "300"})
    api("area_a").act(iid)
    assert _instance(api, iid)["status"] == "completed"
    assert who_acted(iid) == [("review", "approved", "area_a")]


def test_on_reject_values_are_checked_at_deploy(api: Any, deployer: Any) -> None:
    xml = read("reject_routed.bpmn").replace(b'yunying:onReject="route"', b'yunying:onReject="loop"')
    resp = api(deployer).deploy("bad-reject", [("r.bpmn", xml)])
    assert resp.status_code == 422 and "onReject 'loop'" in resp.json()["detail"]


def test_approving_a_return_to_the_requester_is_refused_not_stranded(
    api: Any, deployer: Any, chain: Any
) -> None:
    # Found by the property test: closing the 退回修改 task by "approve" left the request waiting for
    # a resubmission nobody could make.
    _deploy(api, deployer, "back", single_xml("position:MGMT-HEAD"))
    iid = _start(api, "back")
    api("mgmt").act(iid, "return", to="requester", comment="请补充")
    store = api("store_a1")
    task = store.my_task(iid)
    refused = store.post(f"/tasks/{task['id']}/complete", {"action": "approve"})
    assert refused.status_code == 422 and "重新提交" in refused.json()["detail"]
    store.act(iid, "resubmit")
    api("mgmt").act(iid)
    api("gm").act(iid)
    assert _instance(api, iid)["status"] == "completed"
