"""Inspection dashboards in the browser: the management department opens them from the quality page and sees
the score trend, the failure heat map and the region comparison drawn; an area manager sees only their region."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from yunying.core import clock
from yunying.inspections import quality

pytestmark = [pytest.mark.e2e]


def test_dashboards_from_the_quality_page(page: Any) -> None:
    last = quality.previous_month(quality.month_start(clock.today()))
    login(page, "mgmt")
    page.goto(f"/inspections/quality/?month={last:%Y-%m}")
    page.get_by_test_id("dashboard-link").click()
    page.wait_for_url("**/inspections/dashboard/**")
    for chart in ("chart-trend", "chart-heat", "chart-regions"):
        expect(page.get_by_test_id(chart).locator("canvas").first).to_be_visible()
    regions = page.get_by_test_id("regions").locator("tbody tr")
    assert regions.count() >= 2
    assert "浦东" in page.get_by_test_id("regions").inner_text()
    expect(page.locator(".nav-link.active, .active", has_text="巡店看板").first).to_be_visible()
    screenshot(page, "inspection-dashboard")

    page.context.clear_cookies()
    login(page, "area1")
    page.goto(f"/inspections/dashboard/?month={last:%Y-%m}")
    expect(page.get_by_test_id("chart-trend").locator("canvas").first).to_be_visible()
    names = page.get_by_test_id("regions").locator("tbody tr td:first-child").all_inner_texts()
    assert names == ["浦东区域"], names
    trend = page.get_by_test_id("chart-trend").get_attribute("data-chart") or ""
    assert "S01" in trend and "S12" not in trend
