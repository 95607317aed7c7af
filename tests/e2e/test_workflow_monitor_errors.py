"""An instance whose step finds nobody stops in error; the monitor shows the reason and the
administrator gives the step to a person (重新指派), who then finds it in their inbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]

BPMN = Path(__file__).resolve().parents[2] / "src/yunying/workflow/tests/bpmn/single.bpmn"


def _stopped_instance() -> int:
    from yunying.accounts.models import User
    from yunying.workflow import services

    xml = BPMN.read_bytes().replace(
        b'yunying:assignee="ASSIGNEE"', b'yunying:assignee="chosen:approver" yunying:ifEmpty="stop"'
    )
    services.definition_deploy(actor=None, key="stuck", name="无人处理", bpmn_xml=xml)
    instance = services.instance_start(
        actor=User.objects.get(username="store01"), key="stuck", title="找不到人的申请"
    )
    assert instance.status == "error"
    return int(instance.pk)


def test_monitor_reassigns_an_instance_in_error(page: Any) -> None:
    instance_id = _stopped_instance()
    login(page, "admin")
    page.goto("/workflow/monitor/")
    card = page.get_by_test_id(f"error-{instance_id}")
    assert "找不到处理人" in card.get_by_test_id("error-reason").inner_text()
    screenshot(page, "wf-monitor-error")
    card.locator("input[name=user]").fill("area1")
    card.locator("input[name=comment]").fill("区域经理代为处理")
    card.locator("button[value=reassign]").click()
    page.wait_for_url("**/workflow/monitor/")
    assert page.get_by_test_id(f"error-{instance_id}").count() == 0
    page.goto(f"/workflow/instances/{instance_id}/")
    assert page.get_by_test_id("instance-status").inner_text() == "进行中"
    assert "重新指派" in page.content()
    screenshot(page, "wf-monitor-reassigned")


def test_instance_page_shows_step_data_and_script_results(page: Any) -> None:
    from yunying.accounts.models import User
    from yunying.workflow import services
    from yunying.workflow.models import OPEN_STATUSES

    bpmn_dir = BPMN.parent
    services.definition_deploy(
        actor=None,
        key="loop-e2e",
        name="循环复核",
        bpmn_xml=(bpmn_dir / "loop_same_person.bpmn").read_bytes(),
    )
    services.definition_deploy(
        actor=None,
        key="forms-e2e",
        name="同一人多步",
        bpmn_xml=(bpmn_dir / "same_person_forms.bpmn").read_bytes(),
    )
    requester = User.objects.get(username="store01")
    instance = services.instance_start(
        actor=requester, key="forms-e2e", data={"reason": "冰柜"}, title="多步申请"
    )
    mgmt = User.objects.get(username="mgmt")
    for data in ({"note": "看过"}, {"amount": "800"}):
        task = instance.tasks.get(status__in=OPEN_STATUSES)
        services.task_approve(actor=mgmt, task_id=task.pk, data=data)
    looped = services.instance_start(actor=requester, key="loop-e2e", title="循环申请")
    login(page, "mgmt")
    page.goto(f"/workflow/instances/{instance.pk}/")
    steps = page.get_by_test_id("step-data").inner_text()
    assert "管理部核价" in steps and "800.00" in steps and "看过" in steps
    history = page.get_by_test_id("history").inner_text()
    assert "自动通过：与步骤“管理部核价”的审批人相同" in history
    screenshot(page, "wf-instance-step-data")
    page.goto(f"/workflow/instances/{looped.pk}/")
    assert "rounds = 0" in page.get_by_test_id("step-result").first.inner_text()


def test_monitor_gives_each_waiting_step_its_own_person(page: Any) -> None:
    # Two steps find nobody while another branch's step is open: that step is paused (out of the
    # inbox) while the instance is in error; the monitor gives each waiting step its own person.
    from yunying.accounts.models import User
    from yunying.workflow import services
    from yunying.workflow.models import OPEN_STATUSES, WorkTask

    xml = (
        (BPMN.parent / "error_branches.bpmn")
        .read_bytes()
        .replace(b'yunying:assignee="position:SUPERVISOR"', b'yunying:assignee="user:area1"')
        .replace(b'yunying:assignee="position:MGMT-HEAD"', b'yunying:assignee="user:mgmt"')
    )
    services.definition_deploy(actor=None, key="branches-e2e", name="分支出错", bpmn_xml=xml)
    instance = services.instance_start(
        actor=User.objects.get(username="store01"), key="branches-e2e", title="两个步骤没人处理"
    )
    review = instance.tasks.get(element_id="review", status__in=OPEN_STATUSES)
    services.task_approve(actor=User.objects.get(username="mgmt"), task_id=review.pk)
    check = WorkTask.objects.get(instance=instance, element_id="check")
    assert check.status == "paused"
    login(page, "area1")
    page.goto("/workflow/inbox/")
    assert "两个步骤没人处理" not in page.content()
    page.goto(f"/workflow/tasks/{check.pk}/")  # a link kept from before: the page says why, no buttons
    expect(page.get_by_test_id("task-paused")).to_contain_text("流程出错，已暂停")
    expect(page.get_by_test_id("task-form")).to_have_count(0)
    screenshot(page, "wf-task-paused")
    page.context.clear_cookies()
    login(page, "admin")
    page.goto("/workflow/monitor/")
    card = page.get_by_test_id(f"error-{instance.pk}")
    card.get_by_test_id("reassign-step-price").locator("input").fill("area1")
    card.get_by_test_id("reassign-step-stock").locator("input").fill("mgmt")
    screenshot(page, "wf-monitor-reassign-per-step")
    card.locator("button[value=reassign]").click()
    page.wait_for_url("**/workflow/monitor/")
    assert page.get_by_test_id(f"error-{instance.pk}").count() == 0
    open_rows = dict(
        WorkTask.objects.filter(instance=instance, status__in=OPEN_STATUSES).values_list(
            "element_id", "assignee__username"
        )
    )
    assert open_rows == {"check": "area1", "price": "area1", "stock": "mgmt"}
    page.context.clear_cookies()
    login(page, "area1")
    page.goto("/workflow/inbox/")
    assert "两个步骤没人处理" in page.content()
