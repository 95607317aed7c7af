"""The approval center (审批中心): a 店长 finds a process by searching the gallery, starts it, sees it first
under 最近使用 and in 我的申请 with where it waits, and opens the printable request sheet."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]


def test_gallery_search_my_requests_and_print_sheet(page: Any) -> None:
    login(page, "store01")
    page.goto("/workflow/")
    assert page.get_by_test_id("gallery-category").count() >= 2
    page.get_by_test_id("gallery-search").fill("申购")
    page.wait_for_function("() => !document.querySelector('[data-testid=card-repair]')")
    page.get_by_test_id("start-purchase").click()
    page.wait_for_url("**/processes/purchase/start/")
    page.fill("#id_title", "S01 吸管补货")
    page.fill("#yy-f_reason", "吸管用完")
    page.fill("#yy-f_items-0-name", "吸管")
    page.fill("#yy-f_items-0-qty", "3")
    page.locator("#yy-f_items-0-unit").select_option("箱")
    page.fill("#yy-f_items-0-price", "20")
    page.get_by_test_id("submit-start").click()
    page.wait_for_url("**/workflow/instances/*/")

    page.goto("/workflow/")
    page.get_by_test_id("recent-purchase").wait_for()
    screenshot(page, "approval-center-gallery")
    page.get_by_test_id("tab-mine").click()
    page.wait_for_url("**tab=mine**")
    row = page.get_by_test_id("my-request").filter(has_text="S01 吸管补货")
    assert (
        "管理部" in row.get_by_test_id("waiting").inner_text() or row.get_by_test_id("waiting").inner_text()
    )
    screenshot(page, "approval-center-mine")
    row.get_by_role("link", name="打印申请单").click()
    page.wait_for_url("**/print/")
    sheet = page.get_by_test_id("request-sheet")
    assert "物料申购申请单" in sheet.inner_text() and "吸管" in sheet.inner_text()
    assert "发起" in page.get_by_test_id("sheet-trail").inner_text()
    screenshot(page, "approval-center-sheet")
    page.emulate_media(media="print")
    assert page.locator(".yy-sheet-tools").is_hidden()
    screenshot(page, "approval-center-sheet-print")
