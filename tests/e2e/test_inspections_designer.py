"""The head of the management department designs a new checklist in the browser (a section, items, a
reference photo, an item added on the way, a mistake shown and fixed) and publishes it; the supervisor
starts a visit on it on a phone and sees the reference photo under the item."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from yunying.inspections.factories import png_bytes

pytestmark = [pytest.mark.e2e]

PNG = png_bytes(rgb=(40, 160, 90))


def test_design_publish_and_see_the_reference_photo_on_the_phone(
    page: Any, browser: Any, live_server: Any
) -> None:
    login(page, "mgmt")
    page.goto("/inspections/templates/")
    page.get_by_test_id("checklist-new").click()
    page.get_by_test_id("design-key").fill("hygiene")
    page.get_by_test_id("design-name").fill("后厨卫生专项检查")
    page.get_by_test_id("design-pass-mark").fill("85")
    section = page.get_by_test_id("design-section-0")
    section.get_by_test_id("section-title").fill("后厨")
    first = page.get_by_test_id("design-item-0-0")
    first.get_by_test_id("item-title").fill("砧板生熟分开、标识清楚")
    first.get_by_test_id("item-critical").check()
    first.get_by_test_id("item-ref-file").set_input_files(
        {"name": "砧板标准.png", "mimeType": "image/png", "buffer": PNG}
    )
    section.get_by_test_id("add-item").click()
    second = page.get_by_test_id("design-item-0-1")
    expect(second).to_be_visible()
    expect(page.get_by_test_id("design-item-0-0").get_by_test_id("item-ref")).to_have_count(1)
    second.get_by_test_id("item-title").fill("地面无积水")
    second.get_by_test_id("item-scoring").select_option("points")
    second.get_by_test_id("item-max").fill("500")  # out of range: refused, nothing published
    page.get_by_test_id("design-publish").click()
    expect(page.get_by_test_id("designer-errors")).to_contain_text("满分")
    page.get_by_test_id("design-item-0-1").get_by_test_id("item-max").fill("5")
    screenshot(page, "insp-designer")
    page.get_by_test_id("design-publish").click()
    page.wait_for_url("**/inspections/templates/hygiene/")
    expect(page.get_by_test_id("photo")).to_have_count(1)
    assert "已发布第 1 版" in page.content()
    screenshot(page, "insp-designer-published")

    phone = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    phone.set_default_timeout(15000)
    mobile = phone.new_page()
    login(mobile, "supervisor")
    mobile.goto("/inspections/")
    mobile.select_option("#new-store", "S01")
    mobile.select_option("#new-template", "hygiene")
    mobile.get_by_test_id("start-visit").click()
    expect(mobile.get_by_test_id("reference-photo")).to_have_count(1)
    mobile.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=reference-photo] img');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    screenshot(mobile, "insp-visit-reference-photo-phone")
    phone.close()
