"""A 店长 starts a small process (a form and a condition), the 区域经理 returns it once from the inbox,
the 店长 corrects and resubmits it, the 区域经理 approves it; the history and the diagram show it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, nav, screenshot

pytestmark = [pytest.mark.e2e]

BPMN = Path(__file__).resolve().parents[2] / "src/yunying/workflow/tests/bpmn/review.bpmn"


def _deploy() -> None:
    from yunying.accounts.models import User
    from yunying.workflow.services import definition_deploy

    definition_deploy(
        actor=User.objects.get(username="mgmt"), key="expense", name="费用申请", bpmn_xml=BPMN.read_bytes()
    )


TITLE = "冷柜压缩机维修"


def _open_my_task(page: Any, tab: str = "todo") -> None:
    page.goto(f"/workflow/inbox/?tab={tab}&q={TITLE}")
    page.locator("[data-testid=task-link]", has_text=TITLE).first.click()


def _logout(page: Any) -> None:
    page.get_by_test_id("current-user").click()
    page.get_by_test_id("logout").click()


def test_start_return_resubmit_approve(page: Any) -> None:
    _deploy()
    login(page, "store01")
    nav(page, "wf-start")
    page.get_by_test_id("start-expense").click()
    page.fill("#id_title", TITLE)
    page.fill("#id_f_amount", "800")
    page.fill("#id_f_reason", "冷柜压缩机更换")
    screenshot(page, "wf-start-form")
    page.get_by_test_id("submit-start").click()
    expect(page.get_by_test_id("instance-status")).to_have_text("进行中")
    assert "区域经理审批" in page.get_by_test_id("open-tasks").inner_text()
    _logout(page)

    login(page, "area1")
    badge = page.get_by_test_id("nav-badge-wf-inbox")
    assert int(badge.inner_text()) >= 1
    nav(page, "wf-inbox")
    assert page.get_by_test_id("inbox-item").count() >= 2  # the demo's request and ours
    page.get_by_test_id("inbox-search").fill("冷柜")
    page.get_by_test_id("inbox-search").press("Enter")
    page.wait_for_url("**q=*")
    assert page.get_by_test_id("inbox-item").count() == 1
    screenshot(page, "wf-inbox-area1")
    page.locator("[data-testid=task-link]", has_text=TITLE).click()
    expect(page.get_by_test_id("instance-data")).to_contain_text("冷柜压缩机更换")
    page.get_by_test_id("comment").fill("请补充报价单")
    page.get_by_test_id("return-to").select_option("requester")
    screenshot(page, "wf-task-area1")
    page.get_by_test_id("return").click()
    page.get_by_test_id("message").first.wait_for()
    assert "已退回" in page.get_by_test_id("message").first.inner_text()
    _logout(page)

    login(page, "store01")
    _open_my_task(page)
    assert page.get_by_test_id("resubmit").is_visible()
    page.fill("#id_f_amount", "760")
    page.fill("#id_f_reason", "冷柜压缩机更换（报价单见附件）")
    page.get_by_test_id("comment").fill("已补充")
    page.get_by_test_id("resubmit").click()
    _logout(page)

    login(page, "area1")
    _open_my_task(page)
    assert "760" in page.get_by_test_id("instance-data").inner_text()
    page.get_by_test_id("comment").fill("同意更换")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("message").first).to_contain_text("已同意")
    _open_my_task(page, "done")
    page.click("text=流程详情")
    assert page.get_by_test_id("instance-status").inner_text() == "已通过"
    history = page.get_by_test_id("history").inner_text()
    for word in ("发起", "退回", "重新提交", "同意", "请补充报价单", "同意更换"):
        assert word in history, word
    page.wait_for_timeout(800)  # the diagram viewer draws asynchronously
    screenshot(page, "wf-instance-done")


def test_inbox_on_a_phone(page: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "mgmt")
    page.goto("/workflow/inbox/")
    assert page.get_by_test_id("inbox-item").count() >= 2
    screenshot(page, "wf-inbox-phone-mgmt")
    page.goto("/workflow/monitor/")
    assert page.get_by_test_id("running").is_visible()
    screenshot(page, "wf-monitor-phone")
