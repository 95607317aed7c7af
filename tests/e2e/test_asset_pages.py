"""The asset register clicked through: list → filter → card → history, on a desktop and on a phone;
the import reports a bad row and writes nothing; the export downloads the list in scope."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import login, nav, screenshot

pytestmark = [pytest.mark.e2e]


def _moved_code() -> str:
    from yunying.assets.models import AssetEvent, AssetEventKind

    return AssetEvent.objects.get(kind=AssetEventKind.MOVED).asset.code


def test_store_manager_sees_their_assets_and_a_card_with_history(page):
    login(page, "store02")
    nav(page, "assets")
    table = page.get_by_test_id("asset-table")
    assert "FA-S02-001" in table.inner_text() and "FA-S01-001" not in table.inner_text()
    moved = _moved_code()
    assert moved in table.inner_text()  # moved from S01 to S02 by a finished request
    page.fill("input[name=q]", moved)
    page.get_by_test_id("asset-filters").locator("button").click()
    page.wait_for_url(f"**/assets/?q={moved}*")
    rows = page.get_by_test_id("asset-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("a").click()
    page.wait_for_url(f"**/assets/{moved}/")
    assert "世纪公园店" in page.get_by_test_id("asset-store").inner_text()
    history = page.get_by_test_id("asset-history").inner_text()
    assert "异动" in history and "陆家嘴店 → 世纪公园店" in history and "建档" in history
    assert "存放位置：" in history
    assert "#" in history  # the request that moved it
    screenshot(page, "asset-card")
    # Another store's asset is not found.
    assert page.goto("/assets/FA-S03-001/").status == 404


def test_manager_filters_written_off_and_changes_a_state(page):
    login(page, "mgmt")
    page.goto("/assets/?state=written_off")
    rows = page.get_by_test_id("asset-table").locator("tbody tr")
    assert rows.count() == 1 and "已报损" in rows.first.inner_text()
    screenshot(page, "asset-list")
    page.goto("/assets/FA-S05-001/")
    form = page.get_by_test_id("asset-state-form")
    form.locator("[name=state]").select_option("repairing")
    form.locator("[name=note]").fill("压缩机异响，送修")
    form.locator("button").click()
    expect(page.get_by_test_id("message").first).to_contain_text("已更新")
    history = page.get_by_test_id("asset-history").inner_text()
    assert "状态变更" in history and "维修中" in history and "送修" in history and "mgmt" in history
    page.goto("/assets/")
    with page.expect_download() as download_info:
        page.get_by_test_id("asset-export").click()
    sheet = load_workbook(io.BytesIO(download_info.value.path().read_bytes())).active
    assert sheet.cell(1, 1).value == "资产编码" and sheet.max_row > 190


def test_import_reports_every_bad_row_then_imports(page, tmp_path):
    login(page, "mgmt")
    page.goto("/assets/import/")

    def upload(rows: list[list[object]]) -> None:
        book = Workbook()
        book.active.append(["资产编码", "资产名称", "类别", "门店编码", "存放位置", "购置日期", "购置金额"])
        for row in rows:
            book.active.append(row)
        path = tmp_path / "assets.xlsx"
        buffer = io.BytesIO()
        book.save(buffer)
        path.write_bytes(buffer.getvalue())
        page.set_input_files("input[name=file]", str(path))
        page.get_by_test_id("asset-import-form").locator("button").click()

    upload([["FA-NEW-1", "展示冷柜", "制冷设备", "S01", "前厅", "2025-05-01", 4200],
            ["FA-NEW-2", "餐椅", "家具", "S99", "", "2025-13-01", 100]])  # fmt: skip
    errors = page.get_by_test_id("import-errors").inner_text()
    assert "门店编码" in errors and "购置日期" in errors
    page.goto("/assets/?q=FA-NEW")
    assert "没有资产" in page.get_by_test_id("asset-table").inner_text()
    page.goto("/assets/import/")
    upload([["FA-NEW-1", "展示冷柜", "制冷设备", "S01", "前厅", "2025-05-01", 4200]])
    assert "导入成功" in page.get_by_test_id("message").first.inner_text()
    page.goto("/assets/FA-NEW-1/")
    assert "展示冷柜" in page.content()


def test_asset_pages_on_a_phone(browser, live_server, demo):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(15000)
    phone = context.new_page()
    try:
        login(phone, "store01")
        phone.goto("/assets/")
        assert phone.get_by_test_id("asset-table").locator("tbody tr").count() >= 10
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 400
        screenshot(phone, "asset-list-phone")
        phone.goto("/assets/FA-S01-001/")
        assert "变更记录" in phone.content()
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 400  # nothing forces the page wider than the phone
        screenshot(phone, "asset-card-phone")
    finally:
        context.close()
