"""Whole deployments through the API: several BPMN files and DMN files in one multipart request, a
``process`` choice for files with several processes, call activities across files."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.workflow.models import ProcessVersion
from yunying.workflow.tests.apiclient import Api, who_acted
from yunying.workflow.tests.conftest import read

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, chain: Any) -> Any:
    return lambda user: Api(client, chain.users[user] if isinstance(user, str) else user)


def _start(api: Any, key: str, data: dict[str, Any] | None = None) -> int:
    resp = api("store_a1").post("/instances", {"key": key, "data": data or {}})
    assert resp.status_code == 201, resp.content.decode()
    return int(resp.json()["id"])


def test_dmn_files_in_the_same_request_are_used(api: Any, deployer: Any) -> None:
    admin = api(deployer)
    alone = admin.deploy("dmn-route", [("dmn_route.bpmn", read("dmn_route.bpmn"))])
    assert alone.status_code == 422 and "approver_login" in alone.content.decode()
    resp = admin.deploy(
        "dmn-route",
        [("dmn_route.bpmn", read("dmn_route.bpmn")), ("approver_login.dmn", read("approver_login.dmn"))],
    )
    assert resp.status_code == 201, resp.content.decode()
    small, big = _start(api, "dmn-route", {"amount": "300"}), _start(api, "dmn-route", {"amount": "3000"})
    api("supervisor").act(small)
    api("gm").act(big)
    assert who_acted(small) == [("approve", "approved", "supervisor")]
    body = api("supervisor").get(f"/instances/{small}").json()
    [decision] = [e for e in body["history"] if e["action"] == "decision"]
    assert decision["step"] == "查审批人" and decision["data"] == {
        "element": "decide",
        "set": {"approver": "supervisor"},
    }
    assert who_acted(big) == [("approve", "approved", "gm")]


def test_call_activity_to_a_process_in_a_second_file(api: Any, deployer: Any) -> None:
    admin = api(deployer)
    alone = admin.deploy("call-main", [("call_main.bpmn", read("call_main.bpmn"))])
    assert alone.status_code == 422 and "call_sub" in alone.content.decode()
    resp = admin.deploy(
        "call-main", [("call_main.bpmn", read("call_main.bpmn")), ("call_sub.bpmn", read("call_sub.bpmn"))]
    )
    assert resp.status_code == 201, resp.content.decode()
    version = ProcessVersion.objects.get(definition__key="call-main")
    assert version.process_id == "call_main" and len(version.bpmn_extra) == 1
    iid = _start(api, "call-main")
    api("area_a").act(iid)
    api("gm").act(iid)
    api("supervisor").act(iid)
    assert who_acted(iid) == [
        ("first", "approved", "area_a"),
        ("sub_step", "approved", "gm"),
        ("last", "approved", "supervisor"),
    ]
    assert api("store_a1").get(f"/instances/{iid}").json()["status"] == "completed"


def test_a_file_with_several_processes_takes_a_process_choice(api: Any, deployer: Any) -> None:
    admin = api(deployer)
    files = [("two.bpmn", read("two_processes.bpmn"))]
    refused = admin.deploy("two", files)
    assert refused.status_code == 422 and "p_alpha" in refused.json()["detail"]
    assert "p_beta" in refused.json()["detail"]
    resp = admin.deploy("two", files, process="p_beta")
    assert resp.status_code == 201 and resp.json()["process_id"] == "p_beta"
    iid = _start(api, "two")
    api("gm").act(iid)
    assert who_acted(iid) == [("b_step", "approved", "gm")]
    unknown = admin.deploy("two", files, process="p_gamma")
    assert unknown.status_code == 422 and "p_gamma" in unknown.json()["detail"]


def test_a_called_process_marked_not_executable_is_callable(api: Any, deployer: Any) -> None:
    # Camunda Modeler's collaboration: the called process says isExecutable="false".
    admin = api(deployer)
    xml = read("call_not_executable.bpmn")
    resp = admin.deploy("repair-quote", [("repair.bpmn", xml)])
    assert resp.status_code == 201, resp.content.decode()
    assert resp.json()["process_id"] == "Process_repair"
    iid = _start(api, "repair-quote")
    api("supervisor").act(iid)
    api("gm").act(iid)
    assert who_acted(iid) == [("Activity_check", "approved", "supervisor"), ("Activity_gm", "approved", "gm")]
    assert api("store_a1").get(f"/instances/{iid}").json()["status"] == "completed"
    # Chosen as the process to start, it is still refused precisely; a called process without a
    # start event (it would do nothing) too.
    chosen = admin.deploy("quote-alone", [("repair.bpmn", xml)], process="Process_quote")
    assert chosen.status_code == 422
    assert "Process_quote" in chosen.json()["detail"] and 'isExecutable="false"' in chosen.json()["detail"]
    no_start = xml.replace(
        b'<bpmn:startEvent id="Event_quote_start">', b'<bpmn:intermediateThrowEvent id="Event_quote_start">'
    ).replace(
        b'</bpmn:startEvent>\n    <bpmn:userTask id="Activity_gm"',
        b'</bpmn:intermediateThrowEvent>\n    <bpmn:userTask id="Activity_gm"',
    )
    refused = admin.deploy("repair-nostart", [("repair.bpmn", no_start)])
    assert refused.status_code == 422 and "Process_quote" in refused.content.decode(), (
        refused.content.decode()
    )


def test_the_designer_is_offered_the_processes_the_deploy_cannot_choose_by_itself() -> None:
    from yunying.workflow.deploy import ProcessChoice, process_choices

    assert [c.id for c in process_choices(read("two_processes.bpmn"))] == ["p_alpha", "p_beta"]
    one_runs = read("call_not_executable.bpmn").decode()
    assert process_choices(one_runs) == []  # one process marked executable: deployed without a question
    both = one_runs.replace('isExecutable="false"', 'isExecutable="true"')
    assert process_choices(both) == [
        ProcessChoice("Process_repair", "设备报修", True),
        ProcessChoice("Process_quote", "报价", True),
    ]
    none = one_runs.replace('isExecutable="true"', 'isExecutable="false"')
    assert process_choices(none) == [] and process_choices(b"<not xml") == []
