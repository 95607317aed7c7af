"""The operations manager imports a POS export of order lines with a title line above the header and US dates:
the preview finds the header, shows the dates it cannot read, reads them once the format is chosen, and the
import sums the lines. A file with errors shows them grouped, with an Excel download of all of them."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]


def _lines_csv(day: date) -> bytes:
    us = day.strftime("%m/%d/%Y")
    rows = [
        "门店销售明细报表（导出时间 2026-01-05 09:00）",
        "店号,小票号,销售时间,品项编码,品项名称,数量,单价,实收金额",
        f"S01,T001,{us} 11:02,Q001,招牌牛肉面,2,¥28.00,¥56.00",
        f"S01,T001,{us} 11:02,Q002,酸梅汤,1,¥6.50,¥6.50",
        f"S01,T002,{us} 12:15,Q001,招牌牛肉面,1,¥28.00,¥28.00",
        f'S01,T003,{us} 18:40,Q002,酸梅汤,3,¥6.50,"¥1,019.50"',
    ]
    return ("\n".join(rows) + "\n").encode("utf-8-sig")


def test_order_lines_with_a_title_row_and_us_dates(page):
    from yunying.analytics.models import SalesDay, SalesProductDay

    day = date.today() - timedelta(days=20)
    login(page, "ops")
    page.goto("/analytics/import/")
    page.set_input_files(
        "[data-testid=sales-file]",
        files=[{"name": "收银明细.csv", "mimeType": "text/csv", "buffer": _lines_csv(day)}],
    )
    page.get_by_test_id("sales-upload-submit").click()
    expect(page.get_by_test_id("header-detected")).to_contain_text("第 2 行")
    assert page.get_by_test_id("kind").input_value() == "lines"
    assert page.get_by_test_id("map-ticket_id").input_value() == "小票号"
    if day.day > 12:  # 02/20/2026 cannot be a day-first date: the preview says so before the import
        assert page.get_by_test_id("preview-problems").is_visible()
    screenshot(page, "analytics-import-lines-preview-problems")
    page.get_by_test_id("date-format").select_option(value="%m/%d/%Y")
    page.get_by_test_id("refresh-preview").click()
    expect(page.get_by_test_id("preview-ok")).to_be_visible()
    assert page.get_by_test_id("preview-day").first.inner_text() == day.isoformat()
    screenshot(page, "analytics-import-lines-preview")
    page.get_by_test_id("start-import").click()
    message = page.get_by_test_id("import-message")
    message.wait_for()
    assert page.get_by_test_id("import-progress").get_attribute("data-status") == "done"
    screenshot(page, "analytics-import-lines-done")
    noodles = SalesProductDay.objects.get(store__code="S01", date=day, product__code="Q001")
    assert (noodles.qty, str(noodles.amount)) == (3, "84.00")
    dine_in = SalesDay.objects.get(store__code="S01", date=day)
    assert (str(dine_in.net_sales), dine_in.tickets) == ("1110.00", 3)


def test_a_single_store_export_is_filed_under_the_chosen_store(page):
    from yunying.analytics.models import SalesProductDay

    day = date.today() - timedelta(days=15)
    rows = ["小票号,销售时间,品项编码,品项名称,数量,实收金额"]
    rows += [f"T1,{day} 11:02,Q001,招牌牛肉面,2,56.00", f"T2,{day} 12:30,Q001,招牌牛肉面,1,28.00"]
    login(page, "ops")
    page.goto("/analytics/import/")
    page.set_input_files(
        "[data-testid=sales-file]",
        files=[{"name": "单店导出.csv", "mimeType": "text/csv", "buffer": ("\n".join(rows) + "\n").encode()}],
    )
    page.get_by_test_id("sales-upload-submit").click()
    page.get_by_test_id("kind").select_option(value="lines")
    page.get_by_test_id("refresh-preview").click()
    expect(page.get_by_test_id("preview-missing")).to_be_visible()  # no store column, no store chosen
    page.get_by_test_id("fixed-store").select_option(value="S02")
    page.get_by_test_id("refresh-preview").click()
    expect(page.get_by_test_id("preview-ok")).to_be_visible()
    assert "门店（整个文件）" in page.get_by_test_id("preview").inner_text()
    screenshot(page, "analytics-import-single-store")
    page.get_by_test_id("start-import").click()
    page.get_by_test_id("import-message").wait_for()
    assert page.get_by_test_id("import-progress").get_attribute("data-status") == "done"
    noodles = SalesProductDay.objects.get(date=day, product__code="Q001")
    assert (noodles.store.code, noodles.qty) == ("S02", 3)


def test_errors_are_grouped_and_downloadable(page):
    login(page, "ops")
    page.goto("/analytics/import/")
    rows = ["store_code,date,product_code,product_name,qty,amount"]
    rows += [f"S01,2020-01-{d:02d},NOPE{d},,1,10" for d in range(1, 8)]
    rows += ["S01,2020-01-09,Q001,面,abc,10", "X99,2020-01-10,Q001,面,1,10", "X98,2020-01-11,Q001,面,1,10"]
    page.set_input_files(
        "[data-testid=sales-file]",
        files=[{"name": "坏文件.csv", "mimeType": "text/csv", "buffer": ("\n".join(rows) + "\n").encode()}],
    )
    page.get_by_test_id("sales-upload-submit").click()
    page.get_by_test_id("start-import").click()
    page.get_by_test_id("import-errors").wait_for()
    assert page.get_by_test_id("import-progress").get_attribute("data-status") == "failed"
    screenshot(page, "analytics-import-errors")
    groups = page.get_by_test_id("error-group")
    assert groups.count() == 3, page.get_by_test_id("import-errors").inner_text()
    assert page.get_by_test_id("error-group-count").first.inner_text() == "7"
    assert "第 2 行、第 3 行" in groups.first.inner_text()
    screenshot(page, "analytics-import-errors")
    with page.expect_download() as download_info:
        page.get_by_test_id("errors-download").click()
    from openpyxl import load_workbook

    download = download_info.value
    assert download.suggested_filename.endswith("errors.xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
    assert sheet.max_row == 1 + 10
