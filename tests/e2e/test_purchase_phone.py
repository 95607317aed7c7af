"""A 店长 on a phone (390×844) asks for materials: the store is already hers, the 明细 rows are cards,
one 附件 field; the 管理部 returns it from a phone, she corrects and resubmits, the 管理部 approves; the
approved request lands as a purchase order in 采购部's queue, which exports to Excel."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e]

TITLE = "S01 手套补货"
PHONE = {"width": 390, "height": 844}


def _login(page: Any, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "yunying-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _open_task(page: Any) -> None:
    page.goto(f"/workflow/inbox/?q={TITLE}")
    page.locator("[data-testid=task-link]", has_text=TITLE).first.click()


def test_purchase_request_on_a_phone_becomes_a_purchase_order(page: Any) -> None:
    page.set_viewport_size(PHONE)
    _login(page, "store01")
    page.goto("/workflow/processes/purchase/start/")
    assert page.locator("#yy-f_store").input_value() == "S01"  # her own store, nothing to pick
    assert page.locator("input[type=file]").count() == 1  # one 附件 field
    page.fill("#id_title", TITLE)
    page.fill("#yy-f_reason", "一次性手套用完")
    page.fill("#yy-f_items-0-name", "一次性手套")
    page.fill("#yy-f_items-0-qty", "2")
    page.locator("#yy-f_items-0-unit").select_option("箱")
    page.fill("#yy-f_items-0-price", "45")
    row = page.locator("[data-yy-row]").first
    box = row.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]  # a card, not a table wider than the phone
    name_cell = page.locator("[data-yy-cell=name]").first.bounding_box()
    price_cell = page.locator("[data-yy-cell=price]").first.bounding_box()
    assert name_cell and price_cell and price_cell["y"] > name_cell["y"]  # cells stacked, not side by side
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "purchase-phone-start")
    page.get_by_test_id("submit-start").click()
    expect(page.get_by_test_id("instance-status")).to_have_text("进行中")

    _login(page, "mgmt")
    _open_task(page)
    assert "一次性手套" in page.get_by_test_id("instance-data").inner_text()
    page.get_by_test_id("comment").fill("请注明规格")
    page.get_by_test_id("return-to").select_option("requester")
    screenshot(page, "purchase-phone-return")
    page.get_by_test_id("return").click()
    page.get_by_test_id("message").first.wait_for()
    assert "已退回" in page.get_by_test_id("message").first.inner_text()

    _login(page, "store01")
    _open_task(page)
    page.fill("#yy-f_items-0-name", "一次性丁腈手套（M）")
    page.get_by_test_id("comment").fill("已注明")
    page.get_by_test_id("resubmit").click()

    _login(page, "mgmt")
    _open_task(page)
    page.get_by_test_id("comment").fill("同意")
    screenshot(page, "purchase-phone-approve")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("message").first).to_contain_text("已同意")

    from yunying.purchasing.models import PurchaseOrder

    order = PurchaseOrder.objects.get(instance__title=TITLE)
    assert str(order.total) == "90.00"

    _login(page, "buyer")
    page.goto("/purchasing/")
    item = page.get_by_test_id(f"po-{order.number}")
    assert "一次性丁腈手套（M）" in item.inner_text()
    assert "¥90.00" in item.inner_text()
    screenshot(page, "purchase-orders-phone")
    page.set_viewport_size({"width": 1400, "height": 900})
    screenshot(page, "purchase-orders-desktop")
    with page.expect_download() as download:
        page.get_by_test_id("po-export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
