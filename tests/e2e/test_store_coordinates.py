"""Store coordinates on the org store page: the management department sets them, is told when one is missing,
and clears them; the store manager only reads them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]


def test_set_and_clear_store_coordinates(page: Any) -> None:
    login(page, "mgmt")
    page.goto("/org/stores/S01/")
    card = page.get_by_test_id("store-location")
    expect(card).to_be_visible()
    form = page.get_by_test_id("store-location-form")
    form.get_by_label("纬度").fill("31.2304")
    form.get_by_label("经度").fill("")
    form.get_by_role("button", name="保存坐标").click()
    expect(page.locator(".alert", has_text="同时填写")).to_be_visible()
    form = page.get_by_test_id("store-location-form")
    form.get_by_label("纬度").fill("31.2304")
    form.get_by_label("经度").fill("121.4737")
    form.get_by_role("button", name="保存坐标").click()
    expect(page.locator(".alert", has_text="门店坐标已保存")).to_be_visible()
    expect(page.get_by_test_id("store-location-value")).to_have_text("纬度 31.230400，经度 121.473700")
    screenshot(page, "store-coordinates")

    page.context.clear_cookies()
    login(page, "store01")
    page.goto("/org/stores/S01/")
    expect(page.get_by_test_id("store-location-value")).to_contain_text("31.230400")
    expect(page.get_by_test_id("store-location-form")).to_have_count(0)
