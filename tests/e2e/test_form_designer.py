"""Design a small form by drag and drop, meet a definition error, publish it, then fill it in (an invalid
value, then a valid one); fill the shipped 物料申购 form with live row amounts and totals."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, nav, screenshot

pytestmark = [pytest.mark.e2e]


def add_field(page, field_type: str) -> None:
    """Drag a field type from the palette to the end of the canvas."""
    page.drag_and_drop(f"[data-testid=palette] [data-type={field_type}]", "[data-testid=canvas]")


def set_prop(page, prop: str, value: str) -> None:
    page.fill(f"[data-testid=properties] [data-prop={prop}]", value)


def test_design_publish_and_fill_a_form(page):
    login(page, "mgmt")
    nav(page, "forms")
    page.fill("#id_key", "shop_repair")
    page.fill("#id_name", "门店报修")
    page.fill("#id_name_en", "Store repair")
    page.click("[data-testid=form-create] button[type=submit]")
    page.wait_for_url("**/forms/shop_repair/design/")

    add_field(page, "text")
    card = page.locator("[data-field-card]").first
    assert card.get_attribute("data-key") == "text_1"
    set_prop(page, "key", "problem")
    set_prop(page, "label_zh", "故障描述")
    set_prop(page, "label_en", "What is broken")
    page.check("[data-testid=properties] [data-prop=required]")

    add_field(page, "number")
    set_prop(page, "key", "qty")
    set_prop(page, "label_zh", "数量")
    set_prop(page, "min", "1")

    add_field(page, "computed")
    set_prop(page, "key", "double")
    set_prop(page, "label_zh", "双倍")
    set_prop(page, "expression", "qty * price")
    # Reorder: drag the computed field above the number field.
    page.drag_and_drop(
        "[data-field-card][data-key=double]",
        "[data-field-card][data-key=qty]",
        target_position={"x": 40, "y": 4},
    )
    assert page.locator("[data-field-card]").evaluate_all("els => els.map(e => e.dataset.key)") == [
        "problem",
        "double",
        "qty",
    ]

    page.click("[data-testid=save-draft]")
    errors = page.get_by_test_id("definition-errors")
    errors.wait_for()
    assert "表达式有误：unknown name 'price'" in errors.inner_text()
    assert "表达式有误" in page.locator("[data-testid=properties]").inner_text()
    screenshot(page, "form-designer-error")

    set_prop(page, "expression", "qty * 2")
    page.click("[data-testid=save-draft]")
    page.get_by_test_id("designer-message").filter(has_text="已保存草稿 v1").wait_for()
    assert not page.get_by_test_id("definition-errors").is_visible()

    page.click("[data-testid=tab-preview]")
    preview = page.get_by_test_id("preview")
    preview.locator("text=故障描述").wait_for()
    preview.locator("input[name='preview-qty']").fill("21")
    assert preview.locator("[data-yy-computed=double] output").inner_text() == "42"
    screenshot(page, "form-designer-preview")

    page.click("[data-testid=publish]")
    page.get_by_test_id("designer-message").filter(has_text="已发布 v1").wait_for()
    assert "已发布" in page.locator("[data-testid=versions] [data-version='1']").inner_text()
    screenshot(page, "form-designer-published")

    page.goto("/forms/shop_repair/fill/")
    page.fill("input[name=qty]", "0")
    page.click("[data-testid=fill-submit]")
    expect(page.locator("[data-yy-error=problem]")).to_have_text("此项必填。")
    assert page.locator("[data-yy-error=qty]").inner_text() == "不能小于 1。"
    screenshot(page, "form-fill-invalid")

    page.fill("input[name=problem]", "冷柜不制冷")
    page.fill("input[name=qty]", "3")
    page.click("[data-testid=fill-submit]")
    result = page.get_by_test_id("fill-result")
    result.wait_for()
    assert "冷柜不制冷" in result.inner_text()
    assert page.locator("[data-yy-value=double]").inner_text() == "6"


def test_purchase_form_rows_and_live_totals(page):
    login(page, "store01")
    page.goto("/forms/material_purchase/fill/")
    page.select_option("select[name=store]", index=1)
    page.fill("textarea[name=reason]", "周末备货")
    page.fill("input[name='items[0].name']", "高筋面粉")
    page.fill("input[name='items[0].qty']", "10")
    page.select_option("select[name='items[0].unit']", "袋")
    page.fill("input[name='items[0].price']", "85")
    page.click("[data-yy-add-row=items]")
    page.fill("input[name='items[1].name']", "大豆油")
    page.fill("input[name='items[1].qty']", "2")
    page.select_option("select[name='items[1].unit']", "桶")
    page.fill("input[name='items[1].price']", "abc")
    page.click("[data-yy-add-row=items]")
    page.locator("tr[data-yy-row]").nth(2).locator("button[aria-label]").click()  # remove the empty third row
    expect(page.locator("tr[data-yy-row]")).to_have_count(2)
    assert page.locator("[data-yy-cell=amount] output").first.inner_text() == "850.00"
    page.click("[data-testid=fill-submit]")
    expect(page.locator("[data-yy-error='items[1].price']")).to_have_text("请输入数字。")
    screenshot(page, "form-purchase-invalid")

    page.fill("input[name='items[1].price']", "120.5")
    assert page.locator("[data-yy-computed=total] output").inner_text() == "1,091.00"
    assert page.locator("tfoot [data-yy-total=amount]").inner_text() == "1,091.00"
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "form-purchase-phone")
    page.click("[data-testid=fill-submit]")
    result = page.get_by_test_id("fill-result")
    result.wait_for()
    assert re.search(r"¥1,091\.00", result.inner_text())
    screenshot(page, "form-purchase-valid")
