"""The operations manager imports a POS file, opens the monthly analysis, drills down region → store, and
edits a target; the area manager sees only their region. Charts must be drawn, Chinese must render."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, nav, screenshot

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def sales(demo: None) -> None:
    from yunying.analytics.demo import demo_sales_load

    demo_sales_load()


def _charts_drawn(page, selector: str = "[data-chart]") -> int:
    page.wait_for_function(
        "sel => [...document.querySelectorAll(sel)].every(el => el.querySelector('canvas'))", arg=selector
    )
    return page.locator(f"{selector} canvas").count()


def test_ops_imports_analyses_and_sets_a_target(page, sales):
    login(page, "ops")
    nav(page, "analytics")
    assert "月业绩分析" in page.locator("h2.page-title").inner_text()
    assert _charts_drawn(page) >= 5
    screenshot(page, "analytics-monthly")
    # Store and product totals agree, but for the two stores whose story explains it (the demo's docstring).
    stores = page.get_by_test_id("mismatch").evaluate_all("rows => rows.map(r => r.dataset.mismatchStore)")
    assert sorted(stores) == ["S04", "S11"]
    page.get_by_test_id("totals-mismatches").scroll_into_view_if_needed()
    screenshot(page, "analytics-monthly-mismatches")

    # Import yesterday's figures of S01 from the POS's own export (Chinese headers, GB18030).
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    csv = (
        "门店编号,营业日期,营业实收(元),账单数,来客数,销售渠道\n"
        f"S01,{yesterday},8888.00,90,200,堂食\nS01,{yesterday},1111.00,30,30,外卖\n"
    ).encode("gb18030")
    page.get_by_test_id("tab-import").click()
    page.set_input_files(
        "[data-testid=sales-file]",
        files=[{"name": "美味POS-日报.csv", "mimeType": "text/csv", "buffer": csv}],
    )
    page.get_by_test_id("sales-source").select_option(label="美味POS")
    page.get_by_test_id("sales-upload-submit").click()
    preview = page.get_by_test_id("preview")
    assert "8888.00" in preview.inner_text()
    assert page.get_by_test_id("kind").input_value() == "store"
    assert page.get_by_test_id("map-net_sales").input_value() == "营业实收(元)"
    screenshot(page, "analytics-import-preview")
    page.get_by_test_id("start-import").click()
    message = page.get_by_test_id("import-message")
    message.wait_for()
    assert "替换 1 个门店日" in message.inner_text()
    screenshot(page, "analytics-import-done")

    # Monthly analysis: region → store drill-down.
    page.goto("/analytics/monthly/")
    page.locator("[data-region=R01] [data-testid=region-toggle]").click()
    store_row = page.locator("[data-store=S01]")
    store_row.wait_for(state="visible")
    store_row.locator("a").first.click()
    page.wait_for_url("**/analytics/stores/S01/**")
    assert "陆家嘴店" in page.locator("h2.page-title").inner_text()
    assert _charts_drawn(page) == 4
    screenshot(page, "analytics-store")
    page.goto("/analytics/stores/S15/")
    assert page.get_by_test_id("store-yoy").inner_text().strip() == "—"  # the new store: no year-on-year

    # Targets: the suggestion is there; set S01's next-month target.
    page.goto("/analytics/targets/")
    row = page.locator("[data-store=S01]")
    assert row.get_by_test_id("suggestion").inner_text().strip() != "—"
    row.get_by_test_id("target-input").fill("456789")
    page.get_by_test_id("save-targets").click()
    expect(page.get_by_test_id("message").first).to_contain_text("指标已保存")
    assert page.locator("[data-store=S01]").get_by_test_id("target-input").input_value() == "456789"
    assert "MAPE" in page.get_by_test_id("backtest").inner_text()
    screenshot(page, "analytics-targets")


def test_reports_render_and_area_manager_is_scoped(page, sales):
    login(page, "ops")
    for path, name in (
        ("/analytics/weekly/", "weekly"),
        ("/analytics/products/", "products"),
        ("/analytics/kpi/", "kpi"),
    ):
        page.goto(path)
        assert _charts_drawn(page) >= 2
        screenshot(page, f"analytics-{name}")
    assert page.get_by_test_id("kpi-pending").count() == 1  # labour; complaints and incidents are real
    assert page.get_by_test_id("kpi-complaints").count() >= 17
    page.get_by_test_id("current-user").click()
    page.get_by_test_id("logout").click()

    login(page, "area1")
    nav(page, "analytics")
    assert page.locator("[data-region]").count() == 1
    assert page.locator("[data-store]").count() == 4
    assert page.get_by_test_id("tab-import").count() == 0
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.reload()
    assert _charts_drawn(page) >= 5
    screenshot(page, "analytics-monthly-phone-area1")
