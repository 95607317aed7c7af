"""Real POS exports: order lines summed to product-days and store-days, a title line above the header, ¥ amounts,
US dates, float noise — each generated, imported through the real path and cross-checked against pandas."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from yunying.analytics import services
from yunying.analytics.factories import CategoryFactory, ProductFactory, generate_order_lines
from yunying.analytics.models import (
    ImportSource,
    Product,
    SalesDay,
    SalesProductDay,
    SalesStoreDay,
    SalesStoreProductMonth,
)
from yunying.analytics.tests.conftest import run_file
from yunying.core.errors import DomainError

PRODUCTS = ["P01", "P02", "P03", "P04", "P05"]


def _lines_frame(lines):
    df = pd.DataFrame([line.__dict__ for line in lines])
    df["date"] = df["time"].dt.date
    df["channel"] = df["channel"].map({"堂食": "dine_in", "外带": "takeaway", "外卖": "delivery"})
    return df


def _csv(header, rows, *, title: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in title or []:
        writer.writerow([line])
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _products_in_db():
    return {
        (r.store.code, r.date, r.product.code): (r.qty, r.amount)
        for r in SalesProductDay.objects.select_related("store", "product")
    }


def _check_against_pandas(df):
    """Product-days and store-days in the database equal pandas' sums (tickets = distinct ticket ids)."""
    expected = df.groupby(["store_code", "date", "product_code"]).agg(
        qty=("qty", "sum"), amount=("amount", "sum")
    )
    got = _products_in_db()
    assert len(got) == len(expected)
    for (store, day, product), row in expected.iterrows():
        qty, amount = got[(store, day, product)]
        assert qty == Decimal(int(row["qty"]))
        assert amount == Decimal(f"{row['amount']:.2f}"), (store, day, product, row["amount"], amount)
    by_channel = df.groupby(["store_code", "date", "channel"]).agg(
        net_sales=("amount", "sum"), tickets=("ticket_id", "nunique")
    )
    days = {(d.store.code, d.date, d.channel): d for d in SalesDay.objects.select_related("store")}
    assert len(days) == len(by_channel)
    for (store, day, channel), row in by_channel.iterrows():
        fact = days[(store, day, channel)]
        assert fact.net_sales == Decimal(f"{row['net_sales']:.2f}")
        assert fact.tickets == row["tickets"]
    per_day = df.groupby(["store_code", "date"]).agg(
        net_sales=("amount", "sum"), tickets=("ticket_id", "nunique")
    )
    for (store, day), row in per_day.iterrows():
        total = SalesStoreDay.objects.get(store__code=store, date=day)
        assert abs(float(total.net_sales) - row["net_sales"]) < 0.011
        assert total.tickets == row["tickets"]


def test_order_lines_are_summed_to_product_days_and_store_days(chain, ops):
    for code in PRODUCTS[:3]:
        ProductFactory(code=code)
    lines = generate_order_lines(stores=["A1", "A2", "B1"], products=PRODUCTS, start=date(2025, 3, 1), days=5)
    df = _lines_frame(lines)
    assert df.duplicated(["store_code", "date", "product_code"]).any()  # several lines per product-day
    assert any("99999999" in repr(x) for x in df["amount"])  # float noise in the file
    header = [
        "门店编码",
        "单号",
        "下单时间",
        "菜品编码",
        "菜品名称",
        "数量",
        "单价",
        "金额",
        "渠道",
        "支付方式",
    ]
    rows = [
        [
            line.store_code,
            line.ticket_id,
            line.time.strftime("%Y-%m-%d %H:%M:%S"),
            line.product_code,
            line.product_name,
            line.qty,
            line.price,
            repr(line.amount),
            line.channel,
            "微信",
        ]
        for line in lines
    ]
    result = run_file(ops, _csv(header, rows), "lines.csv")
    assert result.kind == "lines"
    assert result.status == "done", result.errors[:5]
    assert result.rows == len(lines)
    _check_against_pandas(df)
    assert Product.objects.get(code="P05").name == "菜品P05"  # new products created from the name column
    month = SalesStoreProductMonth.objects.filter(store__code="A1", month=date(2025, 3, 1))
    expected = df[df.store_code == "A1"].groupby("product_code")["amount"].sum().round(2)
    assert {m.product.code: float(m.amount) for m in month.select_related("product")} == pytest.approx(
        expected.to_dict(), abs=0.001
    )


def test_order_lines_with_a_title_row_yen_amounts_and_us_dates(chain, ops):
    """A Chinese POS title line above the header, ¥ and 元 in the amounts, thousands separators, US dates:
    the header row is found, the date format is chosen once for the source, and the figures agree."""
    lines = generate_order_lines(
        stores=["A1", "B2"], products=PRODUCTS, start=date(2025, 2, 26), days=6, seed=3
    )
    df = _lines_frame(lines)
    header = ["店号", "小票号", "销售时间", "品项编码", "品项名称", "数量", "售价", "实收金额"]
    rows = []
    for i, line in enumerate(lines):
        amount = f"¥{line.amount:,.2f}" if i % 3 else f"{line.amount:.2f}元"
        rows.append(
            [
                line.store_code,
                line.ticket_id,
                line.time.strftime("%m/%d/%Y %H:%M"),
                line.product_code,
                line.product_name,
                line.qty,
                f"￥{line.price}",
                amount,
            ]
        )
    content = _csv(header, rows, title=["门店销售明细报表 2025-02-26 至 2025-03-03"])
    df["channel"] = "dine_in"
    upload = services.sales_import_upload(actor=ops, filename="title.csv", chunks=[content])
    preview = services.sales_import_preview(sales_import=upload)
    assert preview.header_row == 2 and preview.header_detected and preview.kind == "lines"
    assert preview.problem_count > 0  # 02/26/2025 cannot be read without the format
    us = services.sales_import_preview(sales_import=upload, options={"date_format": "%m/%d/%Y"})
    assert us.problem_count == 0
    assert us.checked[0].day == lines[0].time.date().isoformat()
    services.sales_import_confirm(
        actor=ops,
        sales_import=upload,
        kind="lines",
        mapping=us.mapping,
        options={"date_format": "%m/%d/%Y"},
        save_as="美式POS",
    )
    result = services.sales_import_execute(import_id=upload.pk)
    assert result.status == "done", result.errors[:5]
    _check_against_pandas(df)
    source = ImportSource.objects.get(name="美式POS")
    assert source.options == {"header_row": 2, "date_format": "%m/%d/%Y"}
    # The next file of the source: header row and date format come with it.
    again = services.sales_import_upload(actor=ops, filename="next.csv", chunks=[content], source=source)
    preview = services.sales_import_preview(sales_import=again)
    assert preview.header_row == 2 and preview.date_format == "%m/%d/%Y" and preview.problem_count == 0


def test_a_single_store_export_without_a_store_column(chain, ops):
    """A store's own till exports no store column: the whole file is filed under the store chosen for it, the
    preview shows the added column, and without a choice the missing column is named, nothing imported."""
    lines = generate_order_lines(stores=["B2"], products=PRODUCTS, start=date(2025, 3, 10), days=3, seed=5)
    df = _lines_frame(lines)
    df["channel"] = "dine_in"
    header = ["小票号", "销售时间", "品项编码", "品项名称", "数量", "实收金额"]
    rows = [
        [
            line.ticket_id,
            line.time.strftime("%Y-%m-%d %H:%M"),
            line.product_code,
            line.product_name,
            line.qty,
            f"{line.amount:.2f}",
        ]
        for line in lines
    ]
    upload = services.sales_import_upload(actor=ops, filename="单店.csv", chunks=[_csv(header, rows)])
    plain = services.sales_import_preview(sales_import=upload, kind="lines")
    assert plain.missing == ["store_code"]
    with pytest.raises(DomainError):
        services.sales_import_confirm(actor=ops, sales_import=upload, kind="lines", mapping=plain.mapping)
    with pytest.raises(DomainError) as unknown:
        services.sales_import_confirm(
            actor=ops, sales_import=upload, kind="lines", mapping=plain.mapping, options={"store": "NOPE"}
        )
    assert unknown.value.field == "store"
    one = services.sales_import_preview(sales_import=upload, kind="lines", options={"store": "B2"})
    assert one.missing == [] and one.problem_count == 0 and one.store == "B2"
    assert one.header[-1] == services.fixed_store_heading() and one.rows[0][-1] == "B2"
    services.sales_import_confirm(
        actor=ops, sales_import=upload, kind="lines", mapping=plain.mapping, options={"store": "B2"}
    )
    upload.refresh_from_db()
    assert "store_code" not in upload.mapping and upload.options["store"] == "B2"
    result = services.sales_import_execute(import_id=upload.pk)
    assert result.status == "done", result.errors[:5]
    _check_against_pandas(df)
    assert set(SalesDay.objects.values_list("store__code", flat=True)) == {"B2"}


def test_product_days_with_float_noise_and_currency_marks(chain, ops):
    ProductFactory(code="P01")
    text = (
        "store_code,date,product_code,qty,amount\n"
        "A1,2025-03-01,P01,3,53.849999999999994\n"
        'A1,2025-03-02,P01,1,"¥2,713.849999999999"\n'
        "A1,2025-03-03,P01,1,12.30元\n"
    )
    result = run_file(ops, text.encode(), "noise.csv")
    assert result.status == "done", result.errors
    amounts = sorted(SalesProductDay.objects.values_list("amount", flat=True))
    assert amounts == [Decimal("12.30"), Decimal("53.85"), Decimal("2713.85")]
    bad = "store_code,date,product_code,qty,amount\nA1,2025-03-04,P01,1,10.001\n"
    result = run_file(ops, bad.encode(), "bad.csv")
    assert result.status == "failed" and "2 位小数" in result.errors[0]["message"]


def test_a_one_off_mapping_change_does_not_rewrite_the_source(chain, ops):
    ProductFactory(code="P01")
    source = ImportSource.objects.create(
        name="收银A", mappings={"product": {"amount": "金额"}}, options={"date_format": "%Y-%m-%d"}
    )
    text = "store_code,date,product_code,qty,金额,实收\nA1,2025-03-01,P01,1,10,9\n"
    upload = services.sales_import_upload(actor=ops, filename="a.csv", chunks=[text.encode()], source=source)
    preview = services.sales_import_preview(sales_import=upload)
    mapping = {**preview.mapping, "amount": "实收"}
    services.sales_import_confirm(actor=ops, sales_import=upload, kind="product", mapping=mapping)
    assert services.sales_import_execute(import_id=upload.pk).status == "done"
    assert SalesProductDay.objects.get().amount == Decimal("9")
    source.refresh_from_db()
    assert source.mappings == {"product": {"amount": "金额"}}
    assert source.options == {"date_format": "%Y-%m-%d"}


def test_category_text_equal_to_a_category_code_is_that_category(chain, ops):
    hot = CategoryFactory(code="HOT", name="热菜")
    text = "store_code,date,product_code,product_name,category,qty,amount\nA1,2025-03-01,N1,新菜,HOT,1,10\n"
    result = run_file(ops, text.encode(), "cat.csv")
    assert result.status == "done", result.errors
    assert Product.objects.get(code="N1").category == hot
    text = (
        "store_code,date,product_code,product_name,category,qty,amount\nA1,2025-03-02,N2,又一新菜,凉菜,1,10\n"
    )
    CategoryFactory(code="凉菜", name="冷盘")  # a code equal to the new category's text: a code of its own
    assert run_file(ops, text.encode(), "cat2.csv").status == "done"
    assert Product.objects.get(code="N2").category.code == "凉菜"


def test_over_long_texts_are_row_errors_and_create_nothing(chain, ops):
    name = "很长的菜名" * 30
    text = f"store_code,date,product_code,product_name,qty,amount\nA1,2025-03-01,N1,{name},1,10\n"
    result = run_file(ops, text.encode(), "long.csv")
    assert result.status == "failed"
    assert result.errors == [
        {"row": 2, "column": "product_name", "message": "最长 100 个字符（现有 150 个）"}
    ]
    assert not Product.objects.filter(code="N1").exists()


def test_weekly_rows_are_kept_weekly_and_apportioned_to_months_by_days(chain, ops, client):
    """Weekly sales by department (several rows per store-week, weeks named by their Friday): stored per
    store-week; a week spanning two months is split by its days; the weekly report shows whole weeks."""
    from yunying.analytics.models import SalesStoreMonth, SalesStoreWeek, SalesWeek
    from yunying.analytics.reports.monthly import monthly_report

    fridays = [date(2025, 9, 12) + timedelta(weeks=i) for i in range(6)]  # the week of Mon 29 Sep spans
    rows = []
    for i, friday in enumerate(fridays):
        for store in ("A1", "B1"):
            for dept, base in (("生鲜", 1000.10), ("熟食", 333.33), ("饮料", 77.7)):
                rows.append([store, dept, friday.strftime("%m/%d/%Y"), f"{base * (i + 1):.2f}"])
    content = _csv(["门店编码", "部门", "周", "净销售额"], rows)
    upload = services.sales_import_upload(actor=ops, filename="weekly.csv", chunks=[content])
    preview = services.sales_import_preview(sales_import=upload, options={"date_format": "%m/%d/%Y"})
    assert preview.kind == "weekly" and preview.problem_count == 0
    services.sales_import_confirm(
        actor=ops,
        sales_import=upload,
        kind="weekly",
        mapping=preview.mapping,
        options={"date_format": "%m/%d/%Y"},
    )
    result = services.sales_import_execute(import_id=upload.pk)
    assert result.status == "done", result.errors[:5]
    df = pd.DataFrame(rows, columns=["store", "dept", "friday", "sales"])
    df["sales"] = df["sales"].astype(float)
    df["monday"] = pd.to_datetime(df["friday"], format="%m/%d/%Y") - pd.to_timedelta(4, unit="D")
    weeks = df.groupby(["store", "monday"])["sales"].sum()
    assert SalesWeek.objects.count() == len(weeks)
    for (store, monday), sales in weeks.items():
        week = SalesStoreWeek.objects.get(store__code=store, week=monday.date())
        assert float(week.net_sales) == pytest.approx(sales, abs=0.005) and week.days == 7
    # Months: each week's days in the month, over 7.
    days = pd.DataFrame(
        [(s, m + pd.Timedelta(days=k), v / 7) for (s, m), v in weeks.items() for k in range(7)],
        columns=["store", "day", "share"],
    )
    days["month"] = days["day"].dt.to_period("M")
    expected = days.groupby(["store", "month"])["share"].sum()
    for (store, month), sales in expected.items():
        got = SalesStoreMonth.objects.get(store__code=store, month=month.to_timestamp().date())
        assert float(got.net_sales) == pytest.approx(sales, abs=0.011)
    september = SalesStoreMonth.objects.get(store__code="A1", month=date(2025, 9, 1))
    assert september.weekly_days == 7 * 3 + 2  # weeks of 8, 15, 22 Sep, and 29–30 Sep
    october = SalesStoreMonth.objects.get(store__code="A1", month=date(2025, 10, 1))
    assert october.weekly_days == 5 + 7 * 2  # 1–5 Oct, weeks of 6 and 13 Oct
    report = monthly_report(user=ops, month=date(2025, 10, 1), with_charts=False)
    assert report.weekly_stores == 2
    client.force_login(ops)
    page = client.get("/analytics/monthly/?month=2025-10").content.decode()
    assert 'data-testid="weekly-note"' in page and "按天数分摊" in page
