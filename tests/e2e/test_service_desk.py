"""The service desk: 总务维修 sees the open repairs with their SLA clocks (one overdue), filters by cause,
switches the figures to months; on a phone the queue is cards. The operations manager reads the complaints
queue with each customer's phone masked (she does not handle them)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, nav, screenshot

pytestmark = [pytest.mark.e2e]


def test_repair_queue_filters_and_figures(page: Any) -> None:
    login(page, "maint")
    nav(page, "servicedesk")
    page.wait_for_url("**/servicedesk/")
    tickets = page.get_by_test_id("ticket")
    assert tickets.count() >= 3  # its queue, its claimed job, the one waiting for the store
    assert "已超时" in page.get_by_test_id("tickets").inner_text()  # the oven waiting since last week
    page.wait_for_function("() => document.querySelectorAll('[data-chart-mounted]').length === 2")
    screenshot(page, "service-desk-repairs")
    page.get_by_test_id("desk-cause").select_option("cold")  # submits itself
    page.wait_for_url("**cause=cold**")
    assert all("制冷设备" in row for row in page.get_by_test_id("ticket").all_inner_texts())
    page.get_by_test_id("period-month").click()
    page.wait_for_url("**period=month**")
    assert page.get_by_test_id("by-cause").inner_text().count("制冷设备") == 1
    page.get_by_test_id("kind-customer_complaint").click()
    page.wait_for_url("**kind=customer_complaint**")
    expect(page.get_by_test_id("desk-not-deployed")).to_have_count(0)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/servicedesk/?kind=repair")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, "service-desk-phone")


def test_complaints_queue_masks_the_customer_phone(page: Any) -> None:
    login(page, "ops")
    page.goto("/servicedesk/?kind=customer_complaint")
    expect(page.get_by_test_id("ticket").first).to_be_visible()
    text = page.get_by_test_id("tickets").inner_text()
    assert "****" in text and not re.search(r"1\d{10}", text)
    screenshot(page, "service-desk-complaints")
