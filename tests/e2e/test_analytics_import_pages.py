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


def test_a_weekly_product_export_with_a_total_row(page):
    """A store that sends product sales by the week (title lines, Chinese headings, a department column, a 合计
    row): the preview reads it as product-weeks, names the columns it does not use and the total row it skips;
    the product page of a month the weeks reach says the weeks are apportioned by days."""
    from yunying.analytics.models import SalesProductDay, SalesProductWeek
    from yunying.analytics.periods import add_months, week_start

    month = add_months(date.today().replace(day=1), -3)
    first, last = week_start(month), add_months(month, 1) - timedelta(days=1)
    # The store's product days of that month were never exported: its weekly export is all there is.
    SalesProductDay.objects.filter(
        store__code="S01", date__gte=first, date__lte=last + timedelta(days=6)
    ).delete()
    rows = ["美味餐饮 商品周销售报表", "导出时间：2026-01-05 09:00,,操作员：张三"]
    rows.append("周次,周开始日期,门店编号,部门,商品编码,商品名称,销量,销售额(元)")
    monday, n, total = first, 0, 0
    while monday <= last:
        n += 1
        rows.append(f'第{n}周,{monday:%Y/%m/%d},S01,面食,Q001,招牌牛肉面,{100 + n},"¥{(100 + n) * 28:,.2f}"')
        total += (100 + n) * 28
        if n == 1:
            rows.append(f"第{n}周,{monday:%Y/%m/%d},S01,饮品,Q002,酸梅汤,{50 + n},¥{(50 + n) * 6.5:.2f}")
            total += (50 + n) * 6.5
        monday += timedelta(days=7)
    rows.append(f"合计,,,,,,,{total:.2f}")
    login(page, "ops")
    page.goto("/analytics/import/")
    page.set_input_files(
        "[data-testid=sales-file]",
        files=[
            {
                "name": "商品周报.csv",
                "mimeType": "text/csv",
                "buffer": ("\n".join(rows) + "\n").encode("utf-8-sig"),
            }
        ],
    )
    page.get_by_test_id("sales-upload-submit").click()
    expect(page.get_by_test_id("header-detected")).to_contain_text("第 3 行")
    assert page.get_by_test_id("kind").input_value() == "prod_week"
    expect(page.get_by_test_id("prod-week-hint")).to_be_visible()
    expect(page.get_by_test_id("preview-unused")).to_contain_text("周次、部门")
    expect(page.get_by_test_id("preview-ok")).to_be_visible()
    expect(page.get_by_test_id("preview-day").first).to_have_text(f"{first.isoformat()} 起的一周")
    expect(page.get_by_test_id("preview-summary")).to_have_text("合计行，不导入")
    screenshot(page, "analytics-import-product-weeks-preview")
    page.get_by_test_id("start-import").click()
    message = page.get_by_test_id("import-message")
    expect(message).to_contain_text("合计行未导入")
    assert page.get_by_test_id("import-progress").get_attribute("data-status") == "done"
    assert "未使用的列：周次、部门" in message.inner_text()
    screenshot(page, "analytics-import-product-weeks-done")
    assert SalesProductWeek.objects.filter(store__code="S01").count() == n + 1
    page.goto(f"/analytics/products/?month={month:%Y-%m}")
    expect(page.get_by_test_id("product-weekly-note")).to_contain_text("1 家门店本月的商品数据来自商品周销售")
    screenshot(page, "analytics-products-weekly-note")


def test_store_days_split_by_payment_method(page):
    """The day's takings exported one row per payment method: the preview says payments are not kept, and the
    import refuses the repeated store-days with the reason, nothing written."""
    rows = ["门店编码,营业日期,支付方式,营业额,单数"]
    day = date.today() - timedelta(days=30)
    rows += [f"S01,{day},{pay},{100 + i}.50,{3 + i}" for i, pay in enumerate(("微信", "支付宝", "现金"))]
    login(page, "ops")
    page.goto("/analytics/import/")
    page.set_input_files(
        "[data-testid=sales-file]",
        files=[{"name": "收款方式.csv", "mimeType": "text/csv", "buffer": ("\n".join(rows) + "\n").encode()}],
    )
    page.get_by_test_id("sales-upload-submit").click()
    expect(page.get_by_test_id("preview-payment")).to_contain_text("不按支付方式拆分")
    assert page.get_by_test_id("kind").input_value() == "store"
    screenshot(page, "analytics-import-payment-preview")
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("销售额不按支付方式保存")
    assert page.get_by_test_id("import-progress").get_attribute("data-status") == "failed"
    screenshot(page, "analytics-import-payment-refused")
