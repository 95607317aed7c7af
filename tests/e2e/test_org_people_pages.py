"""People, positions, import/export and the profile page, clicked through as their users would."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import login, nav, screenshot

pytestmark = [pytest.mark.e2e]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_people_search_person_page_appoint_and_end(page):
    login(page, "mgmt")
    nav(page, "people")
    page.fill("input[name=q]", "E0001")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=E0001*")
    rows = page.get_by_test_id("people-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("a").click()
    expect(page.get_by_test_id("appointments")).to_contain_text("示例餐饮连锁")
    # Add a new employee, then appoint them as 收银员 of S16 (whose cashier seat is vacant).
    nav(page, "people")
    page.fill("[name=employee_no]", "E9101")
    page.fill("[name=name]", "林晓雨")
    page.locator("form.card button.btn-primary").click()
    page.wait_for_url("**/org/people/E9101/")
    form = page.locator("form.card").filter(has=page.locator("[name=position]"))
    form.locator("[name=position]").select_option(label="收银员")
    form.locator("[name=unit]").select_option(label="杭州西湖店（S16）")
    form.locator("button.btn-primary").click()
    expect(page.get_by_test_id("message").first).to_contain_text("已任命")
    assert "杭州西湖店" in page.get_by_test_id("appointments").inner_text()
    assert "前厅主管" in page.get_by_test_id("superiors").inner_text() or page.get_by_test_id("superiors")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("appointments").locator("button:has-text('结束任职')").click()
    expect(page.get_by_test_id("message").first).to_contain_text("记录已保留")
    assert "在任" not in page.get_by_test_id("appointments").inner_text()
    screenshot(page, "person")


def test_positions_catalog_shows_superiors(page):
    login(page, "store01")
    nav(page, "positions")
    table = page.get_by_test_id("positions").inner_text()
    assert "区域经理助理" in table and "店长" in table
    row = page.get_by_test_id("positions").locator("tr", has_text="WAITER")
    assert "前厅主管" in row.inner_text()


def test_import_with_a_bad_row_reports_it_then_a_good_file_imports(page, tmp_path):
    login(page, "mgmt")
    nav(page, "import")
    bad = tmp_path / "stores-bad.xlsx"
    bad.write_bytes(
        _xlsx(
            [
                ["门店编码", "门店名称", "所在地区", "区域编码", "开业日期"],
                ["S50", "杭州滨江店", "杭州", "", "2025-03-01"],
                ["S51", "苏州新区店", "苏州", "R01", "2025-13-40"],
            ]
        )
    )
    page.get_by_test_id("import-form").locator("[name=kind]").select_option("stores")
    page.set_input_files("input[name=file]", str(bad))
    page.get_by_test_id("import-form").locator("button").click()
    errors = page.get_by_test_id("import-errors").inner_text()
    assert "开业日期" in errors and "区域编码" in errors and "3" in errors
    screenshot(page, "import-errors")
    page.goto("/org/stores/S50/")
    assert "找不到页面" in page.content()  # nothing of the bad file was written

    good = tmp_path / "stores-good.xlsx"
    good.write_bytes(_xlsx([["门店编码", "门店名称", "所在地区"], ["S50", "杭州滨江店", "杭州"]]))
    page.goto("/org/import/")
    page.get_by_test_id("import-form").locator("[name=kind]").select_option("stores")
    page.set_input_files("input[name=file]", str(good))
    page.get_by_test_id("import-form").locator("button").click()
    expect(page.get_by_test_id("message").first).to_contain_text("导入成功")

    with page.expect_download() as download:
        page.click("text=导出门店")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "S50" in codes and len(codes) == 18


def test_profile_creates_a_token_that_works_on_the_api(page):
    login(page, "area1")
    page.goto("/profile/")
    page.fill("[name=name]", "POS 对接")
    page.locator("button:has-text('创建令牌')").click()
    secret = page.get_by_test_id("new-token").locator("code").inner_text()
    response = page.request.get("/api/org/stores", headers={"Authorization": f"Bearer {secret}"})
    assert response.status == 200
    assert {row["code"] for row in response.json()} == {"S01", "S02", "S03", "S04"}
    screenshot(page, "profile-token")
