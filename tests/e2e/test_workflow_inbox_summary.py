"""Inbox rows say what a request is about: the 管理部主任 sees store, total and first item of each
物料申购 in the inbox (desktop and phone), finds one by an item's name, and bulk-approves knowing what."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]


def _requests() -> None:
    from yunying.accounts.models import User
    from yunying.org.models import Appointment
    from yunying.workflow.services import instance_start

    store = User.objects.get(username="store01")
    seat = Appointment.objects.filter(employee__user=store).select_related("unit").first()
    assert seat is not None
    for name, price, qty in (("牛腩", "45", 4), ("一次性手套", "12", 3)):
        instance_start(
            actor=store,
            key="purchase",
            data={
                "store": seat.unit.code,
                "reason": "周末备货",
                "items": [
                    {"name": name, "qty": qty, "unit": "箱", "price": price},
                    {"name": "保鲜膜", "qty": 1, "unit": "箱", "price": "8"},
                ],
            },
        )


def test_inbox_rows_show_the_summary_fields(page: Any, browser: Any, live_server: Any) -> None:
    _requests()
    login(page, "mgmt")
    page.goto("/workflow/inbox/?tab=todo&q=牛腩")
    rows = page.get_by_test_id("inbox-item")
    assert rows.count() == 1
    summary = rows.first.get_by_test_id("inbox-summary").inner_text()
    assert "申购门店" in summary and "¥188.00" in summary and "牛腩 等 2 项" in summary
    page.goto("/workflow/inbox/?tab=todo&q=一次性手套")
    assert page.get_by_test_id("inbox-item").count() == 1
    page.goto("/workflow/inbox/?tab=todo")
    assert page.get_by_test_id("inbox-summary").count() >= 2
    screenshot(page, "wf-inbox-summary-desktop")
    page.locator("[data-testid=inbox-item]", has_text="牛腩").get_by_test_id("bulk-check").check()
    page.once("dialog", lambda dialog: dialog.accept())  # bulk approval asks for confirmation first
    page.get_by_test_id("bulk-approve").click()
    page.get_by_test_id("message").first.wait_for()
    assert "已同意 1 项" in page.content()
    page.goto("/workflow/inbox/?tab=done")
    done = page.locator("[data-testid=inbox-item]", has_text="牛腩")
    assert "¥188.00" in done.get_by_test_id("inbox-summary").inner_text()

    phone = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    mobile = phone.new_page()
    try:
        login(mobile, "mgmt")
        mobile.goto("/workflow/inbox/?tab=todo&q=一次性手套")
        row = mobile.get_by_test_id("inbox-item").first
        assert "¥44.00" in row.get_by_test_id("inbox-summary").inner_text()
        box = row.bounding_box()
        assert box is not None and box["width"] <= 390
        screenshot(mobile, "wf-inbox-summary-phone")
    finally:
        phone.close()
