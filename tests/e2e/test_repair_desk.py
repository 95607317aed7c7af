"""The repair desk on a phone: a 店长 scans an asset's QR label (its page opens), taps 报修, finds the
form filled with the asset, adds what is wrong and sends it; the area manager approves, 总务维修 takes the
job from its queue and records the cost, the store confirms the fix. The label sheet prints QR codes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}


def _as(page: Any, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)


def _task(page: Any, title: str) -> None:
    page.goto(f"/workflow/inbox/?q={title}")
    page.locator("[data-testid=task-link]", has_text=title).first.click()


def test_scan_report_dispatch_fix_confirm(page: Any) -> None:
    _as(page, "store01")
    page.goto("/assets/labels/?store=S01&category=cold")
    labels = page.get_by_test_id("label")
    labels.first.wait_for()
    assert page.locator("[data-testid=label] svg").count() == labels.count() >= 1
    screenshot(page, "repair-desk-labels")
    code = labels.first.locator(".yy-label-code").inner_text()

    page.set_viewport_size(PHONE)
    page.goto(f"/assets/{code}/")  # what the label's QR code opens
    page.get_by_test_id("asset-repair").click()  # tap 1
    page.wait_for_url("**/processes/repair/start/**")
    assert page.locator("[name=f_asset_code]").input_value() == code
    assert page.locator("[name=f_equipment]").input_value()
    page.wait_for_function(
        "() => Number(document.querySelector('[name=f_asset_code]').dataset.assetsLoaded) > 0"
    )
    page.locator("[name=f_cause]").select_option("cold")
    page.fill("[name=f_item]", "冷柜不制冷")
    page.locator("[name=f_urgency]").select_option("critical")
    page.fill("[name=f_reason]", "温度一直在 12 度")
    page.fill("[name=f_amount]", "600")
    page.fill("#id_title", "S01 冷柜报修")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "repair-desk-phone-form")
    page.get_by_test_id("submit-start").click()  # tap 2
    expect(page.get_by_test_id("instance-status")).to_have_text("进行中")

    _as(page, "area1")
    _task(page, "S01 冷柜报修")
    page.get_by_test_id("approve").click()
    page.wait_for_url("**/inbox/**")

    _as(page, "maint")
    _task(page, "S01 冷柜报修")
    page.get_by_test_id("claim").click()
    page.get_by_test_id("claim").wait_for(state="detached")
    page.fill("[name=f_cost]", "580")
    page.fill("[name=f_fix_note]", "更换温控器")
    screenshot(page, "repair-desk-dispatch")
    page.get_by_test_id("approve").click()
    page.wait_for_url("**/inbox/**")

    _as(page, "store01")
    _task(page, "S01 冷柜报修")
    page.get_by_test_id("approve").click()
    page.wait_for_url("**/inbox/**")
    page.goto(f"/assets/{code}/")
    assert "在用" in page.get_by_test_id("asset-card").inner_text()
    screenshot(page, "repair-desk-asset-after")
