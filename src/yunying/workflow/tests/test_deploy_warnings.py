"""Deploy tells the whole truth: warnings in the API answer, foreign assignees and lanes honoured."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.workflow.models import ProcessDefinition
from yunying.workflow.tests.apiclient import Api, who_acted
from yunying.workflow.tests.conftest import read

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, chain: Any) -> Any:
    return lambda user: Api(client, chain.users[user] if isinstance(user, str) else user)


def _by_element(body: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for w in body["warnings"]:
        out.setdefault(w["id"], []).append(w["message"])
    return out


def test_a_camunda_export_deploys_with_every_warning_and_runs_with_its_people(
    api: Any, deployer: Any, chain: Any
) -> None:
    admin = api(deployer)
    files = [("camunda_export.bpmn", read("camunda_export.bpmn"))]
    checked = admin.deploy("camunda-export", files, check_only="true")
    assert checked.status_code == 200 and checked.json()["stored"] is False
    assert not ProcessDefinition.objects.filter(key="camunda-export").exists()  # nothing stored
    resp = admin.deploy("camunda-export", files)
    assert resp.status_code == 201 and resp.json()["stored"] is True
    assert resp.json()["warnings"] == checked.json()["warnings"]
    w = _by_element(resp.json())
    assert w["by_login"] == [
        "按外部属性或泳道确定处理人：user:mgmt",
        "已忽略的扩展元素：spiffworkflow:preScript",
    ]
    assert w["by_group"] == ["按外部属性或泳道确定处理人：position:GM"]
    assert w["by_users"] == [
        "无法对应到登录名、岗位或用户组，已忽略：candidateUsers 'ghost'",
        "按外部属性或泳道确定处理人：user:supervisor",
    ]
    assert w["by_lane"] == ["按外部属性或泳道确定处理人：position:SUPERVISOR"]
    assert w["nobody"] == [
        "无法对应到登录名、岗位或用户组，已忽略：lane '其他'",
        "步骤“无人步骤”没有处理人规则：到达时转给管理部负责人。",
        "已忽略的属性：camunda:dueDate=“${due}”",
    ]
    assert w["connector"] == [
        "已忽略的属性：camunda:class=“com.example.Notify”",
        "步骤“调用接口”（bpmn:serviceTask）没有处理人，会自动完成；要人处理请改为用户任务。",
    ]
    assert w["plain"] == ["步骤“接任务”（bpmn:task）没有处理人，会自动完成；要人处理请改为用户任务。"]

    iid = int(api("store_a1").post("/instances", {"key": "camunda-export", "data": {}}).json()["id"])
    for user in ("mgmt", "gm", "supervisor", "mgmt"):
        api(user).act(iid)
    assert who_acted(iid) == [
        ("by_login", "approved", "mgmt"),
        ("by_group", "approved", "gm"),
        ("by_users", "approved", "supervisor"),
        ("by_lane", "dedup", "supervisor"),  # a pure approval right after the same person's own
        ("nobody", "approved", "mgmt"),
    ]
    assert api("store_a1").get(f"/instances/{iid}").json()["status"] == "completed"


def test_form_keys_of_other_modelers_name_published_forms_or_are_warned(
    api: Any, deployer: Any, chain: Any
) -> None:
    admin = api(deployer)
    xml = read("camunda_form_keys.bpmn")
    resp = admin.deploy("form-keys", [("forms.bpmn", xml)])
    assert resp.status_code == 201, resp.content.decode()
    w = _by_element(resp.json())
    assert w["start"] == ["按 camunda:formKey 使用已发布的表单“material_purchase”。"]
    assert sorted(w["review"]) == [
        "camunda:formKey=“embedded:app:forms/review.html”不是已发布的运营中台表单的标识，"
        "步骤“管理部审核”将没有表单（请用 yunying:form 指定已发布表单的标识）。",
        "按外部属性或泳道确定处理人：user:mgmt",
    ]
    assert any(m.startswith("zeebe:formKey=“camunda-forms:bpmn:UserTaskForm_1”不是已发布") for m in w["sign"])
    assert not any("已忽略" in m for messages in w.values() for m in messages)
    # The start form is the published one: its data is checked, and its total decides the way.
    bad = api("store_a1").post("/instances", {"key": "form-keys", "data": {"store": "A1"}})
    assert bad.status_code == 422
    items = [{"name": "面粉", "qty": 10, "unit": "袋", "price": "85"}]
    started = api("store_a1").post(
        "/instances", {"key": "form-keys", "data": {"store": "A1", "reason": "面粉", "items": items}}
    )
    assert started.status_code == 201, started.content.decode()
    iid = int(started.json()["id"])
    api("mgmt").act(iid)
    api("gm").act(iid)
    assert who_acted(iid) == [("review", "approved", "mgmt"), ("sign", "approved", "gm")]
    # A name the mapped form does not have is refused as for a yunying:form.
    typo = xml.replace(b"total &gt; 500", b"totl &gt; 500")
    refused = admin.deploy("form-keys-typo", [("forms.bpmn", typo)])
    assert refused.status_code == 422 and "未知字段 'totl'" in refused.json()["detail"]
