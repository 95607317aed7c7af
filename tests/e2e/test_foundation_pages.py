"""Log in as three roles, open the org chart, switch language, add a store, meet the region rule."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, nav, screenshot

pytestmark = [pytest.mark.e2e]


def test_roles_see_their_own_home_and_navigation(page):
    login(page, "gm")
    assert page.get_by_test_id("stat-stores").inner_text() == "17"
    assert page.locator("[data-nav=regions]").count() == 1
    screenshot(page, "home-gm")
    page.get_by_test_id("current-user").click()
    page.get_by_test_id("logout").click()

    login(page, "area1")
    assert page.get_by_test_id("stat-stores").inner_text() == "4"
    assert page.locator("[data-nav=regions]").count() == 0
    page.get_by_test_id("current-user").click()
    page.get_by_test_id("logout").click()

    login(page, "staff01")
    assert page.locator("text=陆家嘴店").first.is_visible()
    assert page.locator("[data-nav=import]").count() == 0
    screenshot(page, "home-staff01")


def test_org_chart_draws_the_tree_in_chinese(page):
    login(page, "mgmt")
    nav(page, "chart")
    chart = page.get_by_test_id("org-chart")
    for name in ("示例餐饮连锁", "运营中心", "运营管理部", "浦东区域", "闵行区域", "苏州区域", "杭州西湖店"):
        assert chart.locator(f"text={name}").first.is_visible(), name
    assert chart.locator(".org-node.kind-store").count() == 17
    screenshot(page, "org-chart")


def test_area_manager_chart_is_limited_to_region(page):
    login(page, "area1")
    nav(page, "chart")
    chart = page.get_by_test_id("org-chart")
    assert chart.locator(".org-node.kind-store").count() == 4
    assert chart.locator("text=苏州区域").count() == 0


def test_language_switch_sticks(page):
    login(page, "ops")
    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state()
    assert page.locator("[data-nav=chart]").inner_text() == "Org chart"
    page.goto("/org/stores/")
    assert page.locator("h2.page-title").inner_text() == "Stores"
    # After logging out and in again, English stays.
    page.get_by_test_id("current-user").click()
    page.get_by_test_id("logout").click()
    login(page, "ops")
    assert page.locator("[data-nav=chart]").inner_text() == "Org chart"
    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state()
    assert page.locator("[data-nav=chart]").inner_text() == "组织架构"


def test_add_store_to_region_and_region_rule_error(page):
    login(page, "mgmt")
    nav(page, "stores")
    form = page.get_by_test_id("add-store")
    form.locator("[name=code]").fill("S90")
    form.locator("[name=name]").fill("浦东新店")
    form.locator("[name=area]").fill("上海浦东")
    form.locator("[name=region]").select_option("R01")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/org/stores/S90/")
    assert page.get_by_test_id("store-region").inner_text() == "浦东区域"
    assert page.get_by_test_id("vacant").count() == 7  # a new store: every standard position vacant
    screenshot(page, "store-new")

    # Moving a store out of the 4-store region 苏州? No: R01 now has 5; R01 back to 4 is fine, below is not.
    page.goto("/org/stores/S01/")
    page.get_by_test_id("move-store").locator("[name=region]").select_option("")
    page.get_by_test_id("move-store").locator("button").click()
    expect(page.get_by_test_id("message").first).to_contain_text("门店的区域已调整")
    page.goto("/org/stores/S02/")
    page.get_by_test_id("move-store").locator("[name=region]").select_option("")
    page.get_by_test_id("move-store").locator("button").click()
    expect(page.get_by_test_id("message").first).to_contain_text("少于组建区域所需的 4 家")
    assert page.get_by_test_id("store-region").inner_text() == "浦东区域"

    # Forming a region from too few stores is refused with the rule's message.
    nav(page, "regions")
    form = page.get_by_test_id("add-region")
    form.locator("[name=code]").fill("R09")
    form.locator("[name=name]").fill("杭州区域")
    form.locator("[name=area]").fill("杭州")
    form.locator("label:has-text('S16')").click()
    form.locator("button").click()
    expect(page.get_by_test_id("message").first).to_contain_text("至少需要同一地区的 4 家门店")
    screenshot(page, "region-rule-error")
