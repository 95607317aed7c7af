"""The management department downloads the QSC checklist as Excel and uploads it back as the next version;
a sheet with a bad row is refused with the row named and nothing published."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]


def test_checklist_round_trip_through_excel(page: Any, tmp_path: Any) -> None:
    login(page, "mgmt")
    page.goto("/inspections/templates/opening/")
    with page.expect_download() as download_info:
        page.get_by_test_id("checklist-export").click()
    exported = tmp_path / "opening.xlsx"
    download_info.value.save_as(exported)

    book = load_workbook(exported)
    book.active.cell(row=3, column=4).value = ""  # an item without a title
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    page.get_by_test_id("checklist-import").locator("input[type=file]").set_input_files(str(broken))
    page.get_by_test_id("checklist-import").get_by_role("button", name="导入为新版本").click()
    errors = page.get_by_test_id("checklist-import-errors")
    assert "检查项" in errors.inner_text() and "3" in errors.inner_text()
    screenshot(page, "checklist-import-errors")

    page.get_by_test_id("checklist-import").locator("input[type=file]").set_input_files(str(exported))
    page.get_by_test_id("checklist-import").get_by_role("button", name="导入为新版本").click()
    page.wait_for_url("**/inspections/templates/opening/")
    assert "已发布第 2 版" in page.content()
    assert "v2" in page.locator(".page-title").inner_text()
    rows = list(load_workbook(io.BytesIO(exported.read_bytes())).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("分区标识", "分区", "检查项标识", "检查项")
