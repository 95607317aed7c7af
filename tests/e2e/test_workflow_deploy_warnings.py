"""The designer shows a diagram's warnings before it is deployed: a Camunda export with assignees as
camunda attributes, ignored attributes and a plain task; nothing is stored until the confirmation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]

BPMN = Path(__file__).resolve().parents[2] / "src/yunying/workflow/tests/bpmn/camunda_export.bpmn"


def test_designer_shows_warnings_before_it_deploys(page: Any) -> None:
    from yunying.workflow.models import ProcessDefinition

    login(page, "admin")
    page.goto("/workflow/designer/new/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    page.set_input_files("[data-role=upload]", str(BPMN))
    page.wait_for_function("() => window.yunyingModeler.get('elementRegistry').get('plain')")
    page.fill("#id_key", "camunda-export")
    page.fill("#id_name", "外部导出")
    page.get_by_test_id("deploy").click()
    warnings = page.get_by_test_id("warning-list")
    expect(warnings).to_be_visible()
    text = warnings.inner_text()
    assert "已忽略的属性：camunda:class" in text and "会自动完成" in text and "user:mgmt" in text
    assert not ProcessDefinition.objects.filter(key="camunda-export").exists()
    screenshot(page, "wf-designer-warnings")
    page.get_by_test_id("confirm-deploy").click()
    page.wait_for_url("**/designer/camunda-export/versions/")
    version = ProcessDefinition.objects.get(key="camunda-export").versions.get()
    assert (
        version.spec["warnings"] and version.spec["properties"]["by_login"]["yunying:assignee"] == "user:mgmt"
    )


def test_designer_deploys_a_called_process_from_a_second_file(page: Any) -> None:
    from yunying.workflow.models import ProcessDefinition

    login(page, "admin")
    page.goto("/workflow/designer/new/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    page.set_input_files("[data-role=upload]", str(BPMN.parent / "call_main.bpmn"))
    page.wait_for_function("() => window.yunyingModeler.get('elementRegistry').get('call')")
    page.fill("#id_key", "call-main")
    page.fill("#id_name", "主流程")
    page.get_by_test_id("extra-bpmn").set_input_files(str(BPMN.parent / "call_sub.bpmn"))
    page.get_by_test_id("deploy").click()
    page.wait_for_url("**/designer/call-main/versions/")
    version = ProcessDefinition.objects.get(key="call-main").versions.get()
    assert version.process_id == "call_main" and "call_sub" in version.bpmn_extra[0]


def test_designer_asks_which_process_of_a_file_to_deploy(page: Any, tmp_path: Path) -> None:
    # A Camunda Modeler collaboration with two executable processes: the deploy dialog offers both.
    from yunying.workflow.models import ProcessDefinition

    xml = (BPMN.parent / "call_not_executable.bpmn").read_text(encoding="utf-8")
    both = tmp_path / "both.bpmn"
    both.write_text(xml.replace('isExecutable="false"', 'isExecutable="true"'), encoding="utf-8")
    login(page, "admin")
    page.goto("/workflow/designer/new/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    assert page.get_by_test_id("process-choice").is_hidden()  # one process: nothing to choose
    page.set_input_files("[data-role=upload]", str(both))
    page.wait_for_function("() => window.yunyingModeler.get('elementRegistry').get('Activity_quote')")
    choice = page.get_by_test_id("process-choice")
    choice.wait_for(state="visible")
    options = choice.locator("option").all_inner_texts()
    assert options[1:] == ["设备报修（Process_repair）", "报价（Process_quote）"]
    page.fill("#id_name", "设备报修")
    page.get_by_test_id("deploy").click()  # not chosen: refused, naming the candidates
    refusal = page.get_by_test_id("deploy-refusal")
    expect(refusal).to_contain_text("Process_repair")
    expect(refusal).to_contain_text("Process_quote")
    expect(page.get_by_test_id("process-choice").locator("option")).to_have_text(
        ["请选择（文件中有多个流程）", "设备报修（Process_repair）", "报价（Process_quote）"]
    )
    page.get_by_test_id("process-choice").select_option("Process_repair")
    page.get_by_test_id("deploy").click()
    expect(page.get_by_test_id("warning-list")).to_be_visible()
    expect(page.get_by_test_id("process-choice")).to_have_value("Process_repair")
    screenshot(page, "wf-designer-process-choice")
    page.get_by_test_id("confirm-deploy").click()
    page.wait_for_url("**/designer/process_repair/versions/")
    version = ProcessDefinition.objects.get(key="process_repair").versions.get()
    assert version.process_id == "Process_repair"
    # Editing it again keeps the choice.
    page.goto("/workflow/designer/process_repair/edit/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    expect(page.get_by_test_id("process-choice")).to_have_value("Process_repair")


def test_designer_asks_for_a_choice_once_a_second_pool_is_made_executable(page: Any) -> None:
    # One executable process and one only called: deployed without a question. Ticking "executable"
    # on the second pool in the properties panel makes two candidates: the dialog lists them.
    from yunying.workflow.models import ProcessDefinition

    login(page, "admin")
    page.goto("/workflow/designer/new/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    page.set_input_files("[data-role=upload]", str(BPMN.parent / "call_not_executable.bpmn"))
    page.wait_for_function("() => window.yunyingModeler.get('elementRegistry').get('Activity_quote')")
    choice = page.get_by_test_id("process-choice")
    expect(choice).to_be_hidden()
    page.evaluate(
        "() => { const m = window.yunyingModeler;"
        " m.get('selection').select(m.get('elementRegistry').get('Participant_quote')); }"
    )
    panel = page.get_by_test_id("properties-panel")
    expect(panel.locator("[data-field=process-id]")).to_have_value("Process_quote")
    executable = panel.locator("[data-field=process-executable]")
    expect(executable).not_to_be_checked()
    executable.check()
    expect(choice).to_be_visible()
    expect(choice.locator("option")).to_have_text(
        ["请选择（文件中有多个流程）", "设备报修（Process_repair）", "报价（Process_quote）"]
    )
    choice.select_option("Process_quote")
    screenshot(page, "wf-designer-pool-executable")
    page.fill("#id_key", "quote")
    page.fill("#id_name", "报价")
    page.get_by_test_id("deploy").click()
    confirm = page.get_by_test_id("confirm-deploy")
    page.wait_for_function(
        "() => location.pathname.endsWith('/versions/') || !!document.querySelector('[data-testid=confirm-deploy]')"
    )
    if confirm.count():
        confirm.click()
    page.wait_for_url("**/designer/quote/versions/")
    version = ProcessDefinition.objects.get(key="quote").versions.get()
    assert version.process_id == "Process_quote"
    # Editing it again keeps the choice.
    page.goto("/workflow/designer/quote/edit/")
    page.locator("[data-bpmn-designer][data-ready='1']").wait_for()
    expect(choice).to_have_value("Process_quote")
