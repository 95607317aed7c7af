"""The issue's "done means" in one chain: 管理部 designs a small process in the modeler (a published start
form, the region's 区域经理 as approver, a condition on a form field, who may start it) and deploys it; a
店长 starts it with its form; the 区域经理 returns it from the inbox, the 店长 resubmits, the 区域经理
approves; the instance page shows the coloured diagram and the history. A waiter may not start it.
Then the multi-instance panel (会签 / 或签 / 依次审批) writes a step that deploys and runs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, nav, screenshot
from tests.e2e.test_workflow_designer import append_user_task, click_shape, finish_label, pad, selected, shape

pytestmark = [pytest.mark.e2e]

TITLE = "S01 面粉补货"
KEY = "designed-purchase"


def set_field(page: Any, test_id: str, value: str) -> None:
    field = page.get_by_test_id(test_id)
    field.fill(value)
    field.press("Tab")


def logout(page: Any) -> None:
    page.get_by_test_id("current-user").click()
    page.get_by_test_id("logout").click()


def open_my_task(page: Any, tab: str = "todo") -> None:
    page.goto(f"/workflow/inbox/?tab={tab}&q={TITLE}")
    page.locator("[data-testid=task-link]", has_text=TITLE).first.click()


def connect(page: Any, source: str, target: str) -> None:
    click_shape(page, source)
    pad(page, "connect")
    box = shape(page, target).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.down()
    page.mouse.up()


def flows_from(page: Any, source: str) -> dict[str, str]:
    flows = page.evaluate(
        """() => window.yunyingModeler.get('elementRegistry')
             .filter(e => e.type === 'bpmn:SequenceFlow')
             .map(e => [e.id, e.businessObject.sourceRef.id, e.businessObject.targetRef.id])"""
    )
    return {target: fid for fid, src, target in flows if src == source}


def design(page: Any) -> dict[str, str]:
    login(page, "mgmt")
    nav(page, "designer")
    page.get_by_test_id("new-process").click()
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()

    # The start form: the published 物料申购 form, picked from the list.
    click_shape(page, "StartEvent_1")
    set_field(page, "prop-name", "提交申购")
    page.get_by_test_id("prop-form-pick").select_option("material_purchase")
    assert page.get_by_test_id("prop-form").input_value() == "material_purchase"

    # The first step: the 区域经理 of the store's region.
    click_shape(page, "Task_1")
    set_field(page, "prop-name", "区域经理审批")
    page.get_by_test_id("prop-assignee-kind").select_option("region")
    page.get_by_test_id("prop-assignee-position").select_option("AREA-MGR")
    assert page.get_by_test_id("prop-assignee").input_value() == "region:AREA-MGR"
    set_field(page, "prop-due-amount", "24")

    # A gateway: purchases over 2000 yuan also go to 管理部; the rest end.
    click_shape(page, "EndEvent_1")
    pad(page, "delete")
    click_shape(page, "Task_1")
    pad(page, "append.gateway")
    finish_label(page)
    gateway = selected(page)
    set_field(page, "prop-name", "超过 2000 元？")
    mgmt_step = append_user_task(page, gateway, "管理部审批")
    page.get_by_test_id("prop-assignee-kind").select_option("position")
    page.get_by_test_id("prop-assignee-position").select_option("MGMT-HEAD")
    click_shape(page, gateway)
    pad(page, "append.end-event")
    finish_label(page)
    end = selected(page)
    connect(page, mgmt_step, end)
    by_target = flows_from(page, gateway)
    assert set(by_target) == {mgmt_step, end}

    page.evaluate("id => window.yunyingDesigner.select(id)", by_target[mgmt_step])
    known = page.get_by_test_id("known-fields").inner_text()
    assert "total（合计金额（元））" in known and "items（物料明细）" in known
    set_field(page, "prop-condition", "total > 2000")
    page.evaluate("id => window.yunyingDesigner.select(id)", by_target[end])
    page.get_by_test_id("prop-default").check()

    # The process type: who may start it (店长 of 浦东区域), its icon and category.
    page.fill("#id_key", KEY)
    page.fill("#id_name", "门店物料申购")
    page.fill("#id_category", "采购")
    page.get_by_test_id("process-icon").select_option("shopping-cart")
    page.get_by_test_id("starter-positions").select_option(["STORE-MGR"])
    page.get_by_test_id("starter-units").select_option(["R01"])
    page.locator("[data-bpmn-designer]").scroll_into_view_if_needed()
    page.evaluate("id => window.yunyingDesigner.select(id)", by_target[mgmt_step])
    screenshot(page, "designed-process-modeler")
    page.get_by_test_id("deploy").click()
    page.wait_for_url(f"**/workflow/designer/{KEY}/versions/")
    assert "已部署“门店物料申购”第 1 版" in page.get_by_test_id("message").first.inner_text()
    logout(page)
    return {"gateway": gateway, "mgmt": mgmt_step, "end": end}


def test_design_deploy_start_return_resubmit_approve(page: Any) -> None:
    from yunying.workflow.models import ProcessDefinition, ProcessInstance

    ids = design(page)
    definition = ProcessDefinition.objects.get(key=KEY)
    assert definition.icon == "shopping-cart" and definition.category == "采购"
    assert [p.code for p in definition.starter_positions.all()] == ["STORE-MGR"]
    xml = definition.versions.get().bpmn_xml
    assert 'yunying:form="material_purchase"' in xml and 'yunying:assignee="region:AREA-MGR"' in xml

    # The 店长 of S01 (浦东区域) starts it with its form.
    login(page, "store01")
    nav(page, "wf-start")
    assert page.get_by_test_id(f"icon-{KEY}").inner_text() == "购"
    page.get_by_test_id(f"start-{KEY}").click()
    page.fill("#id_title", TITLE)
    page.select_option("select[name=f_store]", "S01")
    page.fill("[name=f_reason]", "周末备货")
    if page.locator("input[name='f_items[0].name']").count() == 0:
        page.click("[data-yy-add-row=items]")
    page.fill("input[name='f_items[0].name']", "高筋面粉")
    page.fill("input[name='f_items[0].qty']", "10")
    page.select_option("select[name='f_items[0].unit']", "袋")
    page.fill("input[name='f_items[0].price']", "85")
    screenshot(page, "designed-process-start")
    page.get_by_test_id("submit-start").click()
    expect(page.get_by_test_id("instance-status")).to_have_text("进行中")
    assert "区域经理审批" in page.get_by_test_id("open-tasks").inner_text()
    instance = ProcessInstance.objects.get(definition__key=KEY)
    assert instance.unit is not None and instance.unit.code == "S01"
    assert instance.data["total"] == "850.00"
    logout(page)

    # The 区域经理 returns it to the requester from the inbox.
    login(page, "area1")
    nav(page, "wf-inbox")
    page.get_by_test_id("inbox-search").fill("面粉")
    page.get_by_test_id("inbox-search").press("Enter")
    page.wait_for_url("**q=*")
    assert page.get_by_test_id("inbox-item").count() == 1
    page.locator("[data-testid=task-link]", has_text=TITLE).click()
    expect(page.get_by_test_id("instance-data")).to_contain_text("周末备货")
    page.get_by_test_id("comment").fill("单价偏高，请重新询价")
    page.get_by_test_id("return-to").select_option("requester")
    page.get_by_test_id("return").click()
    expect(page.get_by_test_id("message").first).to_contain_text("已退回")
    logout(page)

    # The 店长 corrects the price and resubmits.
    login(page, "store01")
    open_my_task(page)
    assert page.get_by_test_id("resubmit").is_visible()
    page.fill("input[name='f_items[0].price']", "80")
    page.get_by_test_id("comment").fill("已重新询价")
    page.get_by_test_id("resubmit").click()
    logout(page)

    # The 区域经理 approves; 800 yuan is not over 2000, so the request is done.
    login(page, "area1")
    open_my_task(page)
    assert "800" in page.get_by_test_id("instance-data").inner_text()
    page.get_by_test_id("comment").fill("同意")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("message").first).to_contain_text("已同意")
    open_my_task(page, "done")
    page.click("text=流程详情")
    assert page.get_by_test_id("instance-status").inner_text() == "已通过"
    history = page.get_by_test_id("history").inner_text()
    for word in ("发起", "退回", "单价偏高，请重新询价", "重新提交", "同意"):
        assert word in history, word
    page.locator("[data-bpmn-viewer][data-import-state='ok']").wait_for()
    for element_id in ("StartEvent_1", "Task_1", ids["gateway"], ids["end"]):
        assert "yy-state-completed" in (shape(page, element_id).get_attribute("class") or ""), element_id
    assert "yy-state" not in (shape(page, ids["mgmt"]).get_attribute("class") or "")
    page.wait_for_timeout(500)
    screenshot(page, "designed-process-instance")
    logout(page)

    # A waiter may not start it: not on the start page, and a clear refusal at its address.
    login(page, "staff01")
    nav(page, "wf-start")
    assert page.get_by_test_id(f"start-{KEY}").count() == 0
    page.goto(f"/workflow/processes/{KEY}/start/")
    assert "您不能发起“门店物料申购”：仅限 岗位：店长；单位：浦东区域（含下属单位） 发起。" in (
        page.get_by_test_id("message").first.inner_text()
    )


@pytest.mark.parametrize(
    ("mode", "sequential", "condition"),
    [("all", "false", ""), ("any", "false", "approved"), ("sequential", "true", "")],
)
def test_multi_instance_in_the_panel(page: Any, mode: str, sequential: str, condition: str) -> None:
    """会签 / 或签 / 依次审批 by the assignee rule (both 区域经理 of 闵行 and 浦东 …) written by the panel."""
    from yunying.accounts.models import User
    from yunying.workflow.models import OPEN_STATUSES, ProcessVersion
    from yunying.workflow.services import instance_start, task_approve

    login(page, "mgmt")
    page.goto("/workflow/designer/new/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    click_shape(page, "Task_1")
    set_field(page, "prop-name", "区域经理会签")
    page.get_by_test_id("prop-assignee-kind").select_option("position")
    page.get_by_test_id("prop-assignee-position").select_option("AREA-MGR")
    page.get_by_test_id("prop-mi-mode").select_option(mode)
    set_field(page, "prop-mi-count", "3")
    assert page.get_by_test_id("prop-mi-condition").input_value() == condition
    marker = "sequential" if mode == "sequential" else "parallel"
    assert shape(page, "Task_1").locator(f"[data-marker={marker}]").count() == 1
    page.fill("#id_key", f"mi-{mode}")
    page.fill("#id_name", "区域经理会签")
    screenshot(page, f"designed-multi-instance-{mode}")
    page.get_by_test_id("deploy").click()
    page.wait_for_url(f"**/workflow/designer/mi-{mode}/versions/")
    xml = ProcessVersion.objects.get(definition__key=f"mi-{mode}").bpmn_xml
    assert f'<bpmn:multiInstanceLoopCharacteristics isSequential="{sequential}">' in xml or (
        sequential == "false" and "<bpmn:multiInstanceLoopCharacteristics>" in xml
    )
    assert re.search(r"<bpmn:loopCardinality[^>]*>3</bpmn:loopCardinality>", xml), xml
    done = re.search(r"<bpmn:completionCondition[^>]*>(.*)</bpmn:completionCondition>", xml)
    assert (done.group(1) if done else "") == condition

    # It runs: one part per 区域经理 (three in the demo), in parallel or one after another.
    store01 = User.objects.get(username="store01")
    instance = instance_start(actor=store01, key=f"mi-{mode}")
    parts = list(instance.tasks.filter(status__in=OPEN_STATUSES).order_by("pk"))
    assert len(parts) == (1 if mode == "sequential" else 3)
    assert parts[0].assignee is not None and parts[0].assignee.username == "area1"
    task_approve(actor=parts[0].assignee, task_id=parts[0].pk)
    instance.refresh_from_db()
    left = list(instance.tasks.filter(status__in=OPEN_STATUSES))
    assert len(left) == {"all": 2, "any": 0, "sequential": 1}[mode]
    if mode == "sequential":
        assert left[0].assignee is not None and left[0].assignee.username == "area2"
    assert instance.status == ("completed" if mode == "any" else "running")


def test_approvers_from_a_list_field_round_trip(page: Any) -> None:
    """The panel's "list of people in the data" source (loopDataInputRef) is written and kept by name
    when a diagram is opened again (bpmn-js would drop the unresolved reference)."""
    from yunying.workflow.designer_views import starting_diagram

    login(page, "mgmt")
    page.goto("/workflow/designer/new/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    click_shape(page, "Task_1")
    page.get_by_test_id("prop-mi-mode").select_option("sequential")
    page.get_by_test_id("prop-mi-source").select_option("field")
    set_field(page, "prop-mi-field", "approvers")
    assert page.get_by_test_id("prop-assignee").input_value() == "chosen:approvers"
    xml = page.evaluate("() => window.yunyingDesigner.xml()")
    assert re.search(r"<bpmn:loopDataInputRef>approvers</bpmn:loopDataInputRef>", xml), xml
    assert 'isSequential="true"' in xml
    # A diagram from elsewhere with a data input reference keeps it through open and save.
    other = starting_diagram().replace(
        "<bpmn:outgoing>Flow_2</bpmn:outgoing>\n    </bpmn:userTask>",
        "<bpmn:outgoing>Flow_2</bpmn:outgoing><bpmn:multiInstanceLoopCharacteristics>"
        "<bpmn:loopDataInputRef>signers</bpmn:loopDataInputRef>"
        "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>",
    )
    assert "signers" in other
    assert page.evaluate("xml => window.yunyingDesigner.open(xml)", other)
    page.evaluate("() => window.yunyingDesigner.select('Task_1')")
    assert page.get_by_test_id("prop-mi-mode").input_value() == "all"
    assert page.get_by_test_id("prop-mi-field").input_value() == "signers"
    saved = page.evaluate("() => window.yunyingDesigner.xml()")
    assert "<bpmn:loopDataInputRef>signers</bpmn:loopDataInputRef>" in saved
