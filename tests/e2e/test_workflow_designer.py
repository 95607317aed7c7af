"""The process designer in a real browser: draw a small approval in the bpmn-js modeler with the context pad,
set form / assignee / due time / conditions in the properties panel, deploy it, see it listed, deploy a second
version and see the diff of steps; a diagram from another modeler with elements the engine cannot run is
refused with the precise list and nothing is stored."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conformance import MIWG
from tests.e2e.conftest import login, nav, screenshot

pytestmark = [pytest.mark.e2e]


def shape(page: Any, element_id: str) -> Any:
    return page.locator(f'.djs-element.djs-shape[data-element-id="{element_id}"]')


def selected(page: Any) -> str:
    return page.evaluate("() => (window.yunyingModeler.get('selection').get()[0] || {}).id || ''")


def click_shape(page: Any, element_id: str) -> None:
    """Select a shape with a click (clicking the shape already selected keeps it selected)."""
    shape(page, element_id).click()
    assert selected(page) == element_id


def pad(page: Any, action: str) -> None:
    """Click an entry of the bpmn-js context pad of the selected element."""
    page.locator(f'.djs-context-pad.open [data-action="{action}"]').click()


def finish_label(page: Any) -> None:
    """bpmn-js opens label editing on a freshly appended shape; leave it."""
    page.keyboard.press("Escape")


def set_field(page: Any, test_id: str, value: str) -> None:
    field = page.get_by_test_id(test_id)
    field.fill(value)
    field.press("Tab")


def append_user_task(page: Any, source: str, name: str) -> str:
    click_shape(page, source)
    pad(page, "append.append-task")
    finish_label(page)
    task = selected(page)  # appended from the context pad: a user task already, no replace needed
    assert (
        page.evaluate("id => window.yunyingModeler.get('elementRegistry').get(id).type", task)
        == "bpmn:UserTask"
    )
    set_field(page, "prop-name", name)
    return task


def test_design_deploy_and_version_a_process(page: Any) -> None:
    from yunying.workflow.models import ProcessDefinition, ProcessVersion

    definitions_before = ProcessDefinition.objects.count()
    login(page, "mgmt")
    nav(page, "designer")
    page.get_by_test_id("new-process").click()
    designer = page.locator("[data-bpmn-designer][data-ready='1']")
    designer.wait_for()
    # The starting diagram: start → one user task → end.
    for element_id in ("StartEvent_1", "Task_1", "EndEvent_1"):
        assert shape(page, element_id).is_visible()

    # First step: the store manager reviews, with the published 物料申购 form, within 24 hours.
    click_shape(page, "Task_1")
    panel = page.get_by_test_id("properties-panel")
    assert panel.locator("[data-section=task]").is_visible()
    set_field(page, "prop-name", "店长审核")
    set_field(page, "prop-form", "material_purchase")
    page.get_by_test_id("prop-assignee-kind").select_option("store")
    page.get_by_test_id("prop-assignee-position").select_option("STORE-MGR")
    assert page.get_by_test_id("prop-assignee").input_value() == "store:STORE-MGR"
    set_field(page, "prop-due-amount", "24")
    assert page.get_by_test_id("prop-due").input_value() == "PT24H"

    # Replace the end by a gateway with two branches, drawn with the context pad.
    click_shape(page, "EndEvent_1")
    pad(page, "delete")
    click_shape(page, "Task_1")
    pad(page, "append.gateway")
    finish_label(page)
    gateway = selected(page)
    set_field(page, "prop-name", "金额？")
    area = append_user_task(page, gateway, "区域经理审批")
    page.get_by_test_id("prop-assignee-kind").select_option("region")
    page.get_by_test_id("prop-assignee-position").select_option("AREA-MGR")
    gm = append_user_task(page, gateway, "总经理审批")
    page.get_by_test_id("prop-assignee-kind").select_option("position")
    page.get_by_test_id("prop-assignee-position").select_option("GM")
    assert page.get_by_test_id("prop-assignee").input_value() == "position:GM"

    # Both branches end in one end event: append it to one, connect the other with the connect tool.
    click_shape(page, area)
    pad(page, "append.end-event")
    finish_label(page)
    end = selected(page)
    click_shape(page, gm)
    pad(page, "connect")
    box = shape(page, end).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.down()
    page.mouse.up()
    flows = page.evaluate(
        """() => window.yunyingModeler.get('elementRegistry')
             .filter(e => e.type === 'bpmn:SequenceFlow')
             .map(e => [e.id, e.businessObject.sourceRef.id, e.businessObject.targetRef.id])"""
    )
    by_target = {target: fid for fid, source, target in flows if source == gateway}
    assert set(by_target) == {area, gm}
    assert any(source == gm and target == end for _fid, source, target in flows), flows

    # Conditions in the panel: small amounts go to the area manager, everything else (default) to the GM.
    page.evaluate("id => window.yunyingDesigner.select(id)", by_target[area])
    expect(page.get_by_test_id("prop-condition")).to_be_visible()
    set_field(page, "prop-condition", "total < 2000")
    page.evaluate("id => window.yunyingDesigner.select(id)", by_target[gm])
    page.get_by_test_id("prop-default").check()
    expect(page.get_by_test_id("prop-condition")).to_be_disabled()

    page.fill("#id_key", "material-approval")
    page.fill("#id_name", "物料采购审批")
    page.fill("#id_category", "采购")
    page.locator("[data-bpmn-designer]").scroll_into_view_if_needed()
    screenshot(page, "designer-drawn")
    page.get_by_test_id("deploy").click()

    page.wait_for_url("**/workflow/designer/material-approval/versions/")
    assert "已部署“物料采购审批”第 1 版" in page.get_by_test_id("message").first.inner_text()
    page.locator("[data-bpmn-viewer][data-import-state='ok']").wait_for()
    screenshot(page, "designer-versions-v1")

    version = ProcessVersion.objects.get(definition__key="material-approval", number=1)
    xml = version.bpmn_xml
    assert 'yunying:assignee="store:STORE-MGR"' in xml
    assert 'yunying:form="material_purchase"' in xml
    assert 'yunying:due="PT24H"' in xml
    assert 'yunying:assignee="position:GM"' in xml
    assert re.search(r"<bpmn:conditionExpression[^>]*>total &lt; 2000</bpmn:conditionExpression>", xml)
    assert f'default="{by_target[gm]}"' in xml

    page.goto("/workflow/designer/")
    row = page.locator("[data-testid=process-definitions] tr[data-key='material-approval']")
    assert "物料采购审批" in row.inner_text()
    assert row.get_by_test_id("latest-version").inner_text().startswith("第 1 版")

    # A second version: rename a step and change its due time; the diff lists the change.
    row.get_by_role("link", name="编辑").click()
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    click_shape(page, "Task_1")
    assert page.get_by_test_id("prop-form").input_value() == "material_purchase"
    assert page.get_by_test_id("prop-assignee-kind").input_value() == "store"
    set_field(page, "prop-name", "店长初审")
    page.get_by_test_id("prop-due-unit").select_option("D")
    set_field(page, "prop-due-amount", "2")
    page.get_by_test_id("deploy").click()
    page.wait_for_url("**/workflow/designer/material-approval/versions/")
    diff = page.get_by_test_id("version-diff")
    assert "第 1 版 → 第 2 版" in diff.inner_text()
    changed = diff.locator("tr[data-change=changed]", has_text="Task_1")
    assert "店长初审" in changed.inner_text()
    assert "处理时限: PT24H → P2D" in changed.inner_text()
    screenshot(page, "designer-version-diff")
    assert ProcessVersion.objects.filter(definition__key="material-approval").count() == 2
    assert ProcessDefinition.objects.count() == definitions_before + 1


def test_a_diagram_with_unsupported_elements_is_refused_precisely(page: Any) -> None:
    from yunying.workflow.models import ProcessDefinition, ProcessVersion

    versions_before = ProcessVersion.objects.count()
    login(page, "mgmt")
    page.goto("/workflow/designer/new/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    # Travel booking with compensation (MIWG C.6.0): drawn in Trisotech, opened as it is.
    page.set_input_files("[data-role=upload]", str(MIWG / "C.6.0.bpmn"))
    page.wait_for_function(
        "() => window.yunyingModeler.get('elementRegistry').get('_6a5cdbbf-2618-496e-b728-955dc215ef9d')"
    )
    assert page.locator("#id_name").input_value() == "Simple Travel Booking"
    page.fill("#id_key", "travel-booking")
    page.get_by_test_id("deploy").click()

    refusal = page.get_by_test_id("deploy-refusal")
    refusal.wait_for()
    elements = page.get_by_test_id("refused-elements")
    for element_id in (
        "_6a5cdbbf-2618-496e-b728-955dc215ef9d",
        "_99bf4db9-3616-4ed1-a0f8-b8175c3fd46f",
        "_e4b9fa74-efd8-409f-a2e4-ad917df767b4",
        "_8af17ed4-6e13-463b-8333-d397b3002c65",
    ):
        row = elements.locator(f"tr[data-element-id='{element_id}']")
        assert row.locator("td").nth(1).inner_text().startswith("compensateEventDefinition · 补偿事件")
    problems = page.get_by_test_id("refused-problems")
    assert "timer timeDate has no value" in problems.inner_text()
    assert "_87baeef0-f32e-4a93-b802-fdd588aaf729" in problems.inner_text()
    # The diagram is still in the modeler, the refused elements outlined in red.
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    assert page.locator(".djs-element.yy-refused").count() >= 4
    assert (
        shape(page, "_6a5cdbbf-2618-496e-b728-955dc215ef9d").get_attribute("class").count("yy-refused") == 1
    )
    screenshot(page, "designer-refused")
    # Nothing half-deployed.
    assert ProcessDefinition.objects.filter(key="travel-booking").count() == 0
    assert ProcessVersion.objects.count() == versions_before


def test_only_designers_open_the_designer(page: Any) -> None:
    login(page, "staff01")
    assert page.locator("[data-nav=designer]").count() == 0
    response = page.goto("/workflow/designer/")
    assert response is not None and response.status == 403


def test_instance_diagram_is_coloured_by_state(page: Any) -> None:
    """The tracking viewer (workflow/_diagram_viewer.html) on the instance page: done steps green, the
    current step blue, with the legend in Chinese."""
    from yunying.accounts.models import User
    from yunying.workflow.designer_views import starting_diagram
    from yunying.workflow.services import definition_deploy, instance_start

    mgmt = User.objects.get(username="mgmt")
    xml = (
        starting_diagram()
        .replace(
            '<bpmn:startEvent id="StartEvent_1"',
            '<bpmn:startEvent id="StartEvent_1" yunying:fields="amount:money:金额"',
        )
        .replace('yunying:assignee="superior"', 'yunying:assignee="user:mgmt"')
    )
    definition_deploy(actor=mgmt, key="colour-check", name="颜色检查", bpmn_xml=xml.encode())
    instance = instance_start(actor=mgmt, key="colour-check", data={"amount": "120.00"})

    login(page, "mgmt")
    page.goto(f"/workflow/instances/{instance.pk}/")
    viewer = page.locator("[data-bpmn-viewer][data-import-state='ok']")
    viewer.wait_for()
    assert "yy-state-completed" in shape(page, "StartEvent_1").get_attribute("class")
    assert "yy-state-ready" in shape(page, "Task_1").get_attribute("class")
    assert "yy-state" not in shape(page, "EndEvent_1").get_attribute("class")
    legend = page.get_by_test_id("diagram-legend").inner_text()
    for label in ("已完成", "当前待办", "等待中", "出错", "已取消"):
        assert label in legend
    viewer.scroll_into_view_if_needed()
    screenshot(page, "instance-diagram-states")


def test_a_diagram_from_another_modeler_round_trips(page: Any, tmp_path: Path) -> None:
    """Vendor attributes (Camunda) and Yunying extension elements survive opening and saving in the designer;
    the panel shows the Yunying values and points at the Camunda ones."""
    from yunying.workflow.designer_views import starting_diagram

    xml = (
        starting_diagram()
        .replace(
            'xmlns:yunying="http://yunying.dev/schema/bpmn/1.0"',
            'xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        )
        .replace(
            'yunying:assignee="superior">',
            'yunying:assignee="queue:position:SUPERVISOR@D-MGMT" yunying:form="material_purchase"'
            ' camunda:formKey="legacy-form" camunda:assignee="demo">'
            "<bpmn:extensionElements><yunying:properties>"
            '<yunying:property name="note" value="保留"/></yunying:properties></bpmn:extensionElements>',
        )
    )
    path = tmp_path / "camunda.bpmn"
    path.write_text(xml, encoding="utf-8")
    login(page, "mgmt")
    page.goto("/workflow/designer/new/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    page.set_input_files("[data-role=upload]", str(path))
    page.get_by_text("已打开文件： camunda.bpmn").wait_for()
    click_shape(page, "Task_1")
    assert page.get_by_test_id("prop-form").input_value() == "material_purchase"
    assert page.get_by_test_id("prop-assignee-kind").input_value() == "queue"
    assert page.get_by_test_id("prop-assignee-position").input_value() == "SUPERVISOR"
    assert page.get_by_test_id("prop-assignee-unit").input_value() == "D-MGMT"
    foreign = page.locator("[data-field=foreign]")
    assert "camunda:formKey=legacy-form" in foreign.inner_text()
    set_field(page, "prop-assignee", "position:GM|superior")
    assert page.get_by_test_id("prop-assignee-kind").input_value() == "custom"
    saved = page.evaluate("() => window.yunyingDesigner.xml()")
    assert 'camunda:formKey="legacy-form"' in saved
    assert 'camunda:assignee="demo"' in saved
    assert 'yunying:assignee="position:GM|superior"' in saved
    assert '<yunying:property name="note" value="保留" />' in saved
