"""A store's time zone on its page, and today() in a form the browser fills, both on the company's day."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]


def test_store_time_zone_is_shown_checked_and_saved(page):
    login(page, "mgmt")
    page.goto("/org/stores/S01/")
    assert page.get_by_test_id("store-zone").inner_text() == "Asia/Shanghai（沿用上级）"
    opened = page.get_by_test_id("store-opened").inner_text()
    assert opened[:2] == "20"
    edit = page.get_by_test_id("edit-store")
    edit.locator("summary").click()
    edit.locator("[name=time_zone]").fill("Asia/Beijing")
    edit.locator("button.btn-primary").click()
    expect(page.get_by_test_id("edit-store")).to_contain_text("“Asia/Beijing”不是有效的时区名称")
    assert page.get_by_test_id("store-zone").inner_text() == "Asia/Shanghai（沿用上级）"
    edit = page.get_by_test_id("edit-store")
    edit.locator("[name=time_zone]").fill("Asia/Urumqi")
    edit.locator("button.btn-primary").click()
    expect(page.get_by_test_id("message").first).to_contain_text("门店信息已保存")
    assert page.get_by_test_id("store-zone").inner_text() == "Asia/Urumqi"
    assert page.get_by_test_id("store-opened").inner_text() == opened  # the date input kept its value
    screenshot(page, "store-time-zone")


def test_today_in_a_form_is_the_company_day_just_after_midnight(page):
    from yunying.forms.tests.factories import field, version_with

    version_with(field("day", "computed", expression="str(today())"), definition__key="company-day")
    # 00:30 on 12-01 in Shanghai; the UTC date is still 11-30.
    page.clock.set_fixed_time(dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC))
    login(page, "store01")
    page.goto("/forms/company-day/fill/")
    assert page.locator("[data-yy-computed=day] output").inner_text() == "2026-12-01"
    screenshot(page, "form-company-day")
