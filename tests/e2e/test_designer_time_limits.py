"""The designer's properties panel writes a step's time limit, its basis, the reminder and the escalation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import login, nav, screenshot
from tests.e2e.test_workflow_designer import click_shape, set_field

pytestmark = [pytest.mark.e2e]


def _attr(page: Any, element_id: str, name: str) -> Any:
    return page.evaluate(
        "([id, name]) => window.yunyingModeler.get('elementRegistry').get(id).businessObject.get(name)",
        [element_id, name],
    )


def test_time_limit_fields_write_the_step_properties(page: Any) -> None:
    login(page, "mgmt")
    nav(page, "designer")
    page.get_by_test_id("new-process").click()
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    click_shape(page, "Task_1")
    set_field(page, "prop-due-amount", "8")
    page.get_by_test_id("prop-due-basis").select_option("working")
    set_field(page, "prop-remind-before", "PT2H")
    set_field(page, "prop-escalate-after", "PT4H")
    page.get_by_test_id("prop-escalate").select_option("reassign")
    assert _attr(page, "Task_1", "yunying:due") == "PT8H"
    assert _attr(page, "Task_1", "yunying:due-basis") == "working"
    assert _attr(page, "Task_1", "yunying:remind-before") == "PT2H"
    assert _attr(page, "Task_1", "yunying:escalate-after") == "PT4H"
    assert _attr(page, "Task_1", "yunying:escalate") == "reassign"
    page.get_by_test_id("prop-due-basis").select_option("")  # back to the company default: no attribute
    assert _attr(page, "Task_1", "yunying:due-basis") in (None, "")
    # selecting another element and coming back shows the stored values
    click_shape(page, "StartEvent_1")
    click_shape(page, "Task_1")
    assert page.get_by_test_id("prop-escalate").input_value() == "reassign"
    assert page.get_by_test_id("prop-remind-before").input_value() == "PT2H"
    screenshot(page, "designer-time-limits")
