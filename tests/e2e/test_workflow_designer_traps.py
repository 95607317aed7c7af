"""The designer without traps, in a real browser: a task drawn from the palette is a user task, clicking
the selected element keeps it selected, the condition builder offers a choice field's options by their
labels and writes their stored values, and deploy refuses a condition written with a label, naming the
allowed values."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from tests.e2e.test_workflow_designer import click_shape, finish_label, pad, selected, set_field

pytestmark = [pytest.mark.e2e]


def _repair_form() -> None:
    from yunying.forms.services import form_definition_create, form_version_publish

    definition = form_definition_create(
        actor=None,
        key="repair_request",
        name="日常维修",
        fields=[
            {"key": "item", "type": "text", "label_zh": "维修项目", "required": True},
            {
                "key": "urgency",
                "type": "choice",
                "label_zh": "紧急程度",
                "required": True,
                "choices": [{"value": "urgent", "label_zh": "紧急"}, {"value": "normal", "label_zh": "普通"}],
            },
        ],
    )
    form_version_publish(actor=None, definition=definition)


def _type_of(page: Any, element_id: str) -> str:
    return str(page.evaluate("id => window.yunyingModeler.get('elementRegistry').get(id).type", element_id))


def test_designer_without_traps(page: Any) -> None:
    from yunying.workflow.models import ProcessDefinition

    _repair_form()
    login(page, "mgmt")
    page.goto("/workflow/designer/new/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()

    # The palette's task tool starts drawing a user task (a plain task would run with nobody).
    page.locator('.djs-palette [data-action="create.task"]').click()
    drawing = page.evaluate(
        """() => { const c = window.yunyingModeler.get('dragging').context();
                   return c ? c.data.context.shape.type : ''; }"""
    )
    assert drawing == "bpmn:UserTask"
    page.keyboard.press("Escape")
    # Clicking the selected element again keeps it selected (and its properties shown).
    click_shape(page, "Task_1")
    click_shape(page, "Task_1")
    assert page.get_by_test_id("properties-panel").locator("[data-section=task]").is_visible()

    # Task_1 fills the repair form; a gateway after it routes on the urgency.
    click_shape(page, "Task_1")
    set_field(page, "prop-form", "repair_request")
    click_shape(page, "EndEvent_1")
    pad(page, "delete")
    click_shape(page, "Task_1")
    pad(page, "append.gateway")
    finish_label(page)
    gateway = selected(page)
    pad(page, "append.append-task")
    finish_label(page)
    urgent_task = selected(page)
    assert _type_of(page, urgent_task) == "bpmn:UserTask"
    set_field(page, "prop-name", "加急处理")
    page.get_by_test_id("prop-assignee-kind").select_option("position")
    page.get_by_test_id("prop-assignee-position").select_option("GM")
    flow = page.evaluate(
        """([g, t]) => window.yunyingModeler.get('elementRegistry').filter(e => e.type === 'bpmn:SequenceFlow'
             && e.businessObject.sourceRef.id === g && e.businessObject.targetRef.id === t)[0].id""",
        [gateway, urgent_task],
    )
    page.evaluate("id => window.yunyingDesigner.select(id)", flow)
    page.get_by_test_id("cond-field").select_option("urgency")
    options = page.get_by_test_id("cond-value").locator("option").all_inner_texts()
    assert options == ["紧急（urgent）", "普通（normal）"]
    page.get_by_test_id("cond-value").select_option(label="紧急（urgent）")
    page.get_by_test_id("cond-insert").click()
    assert page.get_by_test_id("prop-condition").input_value() == "urgency == 'urgent'"
    screenshot(page, "designer-condition-builder")

    # Written by hand with the label: deploy refuses it and names the values.
    set_field(page, "prop-condition", "urgency == '紧急'")
    page.fill("#id_key", "repair-urgent")
    page.fill("#id_name", "加急维修")
    page.get_by_test_id("deploy").click()
    refusal = page.get_by_test_id("deploy-refusal")
    expect(refusal).to_contain_text("urgent（紧急）")
    screenshot(page, "designer-choice-refused")
    assert not ProcessDefinition.objects.filter(key="repair-urgent").exists()
