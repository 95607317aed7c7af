"""Weekly product exports (商品周销售): kept per store, week and product; summed to store-weeks where no weekly
store total was imported; apportioned to months by days — cross-checked against pandas."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from yunying.analytics import aggregates, services
from yunying.analytics.factories import ProductFactory
from yunying.analytics.models import (
    SalesProductWeek,
    SalesStoreMonth,
    SalesStoreProductMonth,
    SalesStoreWeek,
    SalesWeek,
)
from yunying.analytics.tests.conftest import run_file

MONDAYS = [date(2025, 9, 15) + timedelta(weeks=i) for i in range(5)]  # the week of 29 Sep spans two months
HEADER = ["周次", "周开始日期", "门店编号", "部门", "商品编码", "商品名称", "销量", "销售额(元)"]


def _weekly_export(*, seed: int = 1) -> tuple[bytes, pd.DataFrame]:
    """A weekly product export as a POS writes it: two title lines, Chinese headings, a department and a week
    number column the import does not use, ¥ and thousands separators, float noise, a product sold in two
    departments (two rows of one product-week), and a 合计 row at the end."""
    rows = []
    for i, monday in enumerate(MONDAYS):
        for s, store in enumerate(("A1", "B1")):
            for p, (dept, code, name, price) in enumerate(
                (
                    ("热菜", "W01", "宫保鸡丁", 38.0),
                    ("热菜", "W02", "鱼香肉丝", 32.5),
                    ("饮品", "W03", "酸梅汤", 8.8),
                    ("外卖", "W01", "宫保鸡丁", 38.0),
                )
            ):
                qty = (i + 1) * (s + 2) * (p + seed) + 40
                rows.append([f"第{38 + i}周", monday, store, dept, code, name, qty, qty * price])
    frame = pd.DataFrame(
        rows, columns=["week_no", "monday", "store", "dept", "code", "name", "qty", "amount"]
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["美味餐饮 商品周销售报表"])
    writer.writerow(["导出时间：2025-10-25 09:12", "", "操作员：张三"])
    writer.writerow(HEADER)
    for n, (week_no, monday, store, dept, code, name, qty, amount) in enumerate(rows):
        shown = f"¥{amount:,.2f}" if n % 2 else repr(amount * 1.0000000000000002)  # float noise
        writer.writerow([week_no, monday.strftime("%Y/%m/%d"), store, dept, code, name, qty, shown])
    writer.writerow(["合计", "", "", "", "", "", int(frame.qty.sum()), f"{frame.amount.sum():.2f}"])
    return buffer.getvalue().encode("utf-8-sig"), frame


def test_a_weekly_product_export_is_kept_weekly_and_summed_to_store_weeks(chain, ops, client):
    for code, name in (("W01", "宫保鸡丁"), ("W02", "鱼香肉丝"), ("W03", "酸梅汤")):
        ProductFactory(code=code, name=name)
    content, frame = _weekly_export()
    upload = services.sales_import_upload(actor=ops, filename="周报.csv", chunks=[content])
    preview = services.sales_import_preview(sales_import=upload)
    assert preview.kind == "prod_week" and preview.header_row == 3 and preview.header_detected
    assert preview.mapping["date"] == "周开始日期" and preview.mapping["amount"] == "销售额(元)"
    assert preview.unused == ["周次", "部门"]  # named back, never dropped silently
    assert preview.problem_count == 0
    assert preview.checked[0].day == "2025-09-15 起的一周"
    services.sales_import_confirm(actor=ops, sales_import=upload, kind="prod_week", mapping=preview.mapping)
    result = services.sales_import_execute(import_id=upload.pk)
    assert result.status == "done", result.errors[:5]
    assert result.rows == len(frame)
    assert (
        "未使用的列：周次、部门" in result.message
        and f"合计行未导入：第 {len(frame) + 4} 行" in result.message
    )
    assert "10 个门店周没有门店周销售" in result.message

    weeks = frame.groupby(["store", "monday", "code"]).agg(qty=("qty", "sum"), amount=("amount", "sum"))
    got = {
        (w.store.code, w.date, w.product.code): w
        for w in SalesProductWeek.objects.select_related("store", "product")
    }
    assert len(got) == len(weeks)
    for (store, monday, code), row in weeks.iterrows():
        week = got[(store, monday, code)]
        assert week.qty == Decimal(int(row["qty"])) and week.amount == Decimal(f"{row['amount']:.2f}")
    # The store-weeks are the products summed (no weekly store total was imported).
    store_weeks = frame.groupby(["store", "monday"])["amount"].sum()
    assert SalesWeek.objects.filter(origin="products").count() == len(store_weeks)
    for (store, monday), amount in store_weeks.items():
        assert SalesStoreWeek.objects.get(store__code=store, week=monday).net_sales == Decimal(
            f"{amount:.2f}"
        )
    # Months: each week's days in the month, over 7 — for the products and for the store totals.
    days = pd.DataFrame(
        [
            (s, m + timedelta(days=k), c, r["amount"] / 7)
            for (s, m, c), r in weeks.iterrows()
            for k in range(7)
        ],
        columns=["store", "day", "code", "share"],
    )
    days["month"] = days["day"].map(lambda d: d.replace(day=1))
    for (store, month, code), share in days.groupby(["store", "month", "code"])["share"].sum().items():
        line = SalesStoreProductMonth.objects.get(store__code=store, month=month, product__code=code)
        assert float(line.amount) == pytest.approx(share, abs=0.011)
    for (store, month), share in days.groupby(["store", "month"])["share"].sum().items():
        assert float(SalesStoreMonth.objects.get(store__code=store, month=month).net_sales) == pytest.approx(
            share, abs=0.02
        )
    october = SalesStoreProductMonth.objects.get(
        store__code="A1", month=date(2025, 10, 1), product__code="W01"
    )
    assert october.weekly_days == 5 + 7 * 2  # 1–5 Oct, the weeks of 6 and 13 Oct
    assert SalesStoreMonth.objects.get(store__code="A1", month=date(2025, 9, 1)).weekly_days == 7 * 2 + 2
    months = list(
        SalesStoreProductMonth.objects.order_by("pk").values_list("store", "month", "product", "amount")
    )
    aggregates.recompute_all()  # the repair tool rebuilds the same figures from the facts
    assert sorted(
        SalesStoreProductMonth.objects.values_list("store", "month", "product", "amount")
    ) == sorted(months)

    client.force_login(ops)
    products = client.get("/analytics/products/?month=2025-10").content.decode()
    assert 'data-testid="product-weekly-note"' in products and "按天数分摊" in products
    monthly = client.get("/analytics/monthly/?month=2025-10").content.decode()
    assert 'data-testid="weekly-note"' in monthly


def test_store_totals_and_product_days_win_over_weekly_products(chain, ops):
    """A weekly store total imported replaces the total summed from products, and a re-import of the products
    leaves it; a week with daily store totals gets none summed (its days are its total); product days of the same week are counted instead of the product-week (no double count)."""
    for code in ("W01", "W02", "W03"):
        ProductFactory(code=code)
    store_day = "门店编码,日期,净销售额,单数\nB1,2025-09-16,888.00,12\n".encode()
    assert run_file(ops, store_day, "days.csv").status == "done"
    content, _frame = _weekly_export()
    result = run_file(ops, content, "products-weekly.csv")
    assert result.status == "done" and "9 个门店周没有门店周销售" in result.message  # B1's week has a day
    assert not SalesWeek.objects.filter(store__code="B1", date=MONDAYS[0]).exists()
    assert SalesStoreWeek.objects.get(store__code="B1", week=MONDAYS[0]).net_sales == Decimal("888.00")
    weekly_total = "门店编码,周开始日期,净销售额\nA1,2025-09-17,12345.60\n".encode()
    assert run_file(ops, weekly_total, "weekly.csv").kind == "weekly"
    first = MONDAYS[0]
    total = SalesWeek.objects.get(store__code="A1", date=first)
    assert (total.origin, total.net_sales) == ("imported", Decimal("12345.60"))
    again, _again = _weekly_export(seed=2)
    result = run_file(ops, again, "products-weekly.csv")
    assert result.status == "done" and "8 个门店周没有门店周销售" in result.message
    assert SalesWeek.objects.get(store__code="A1", date=first).net_sales == Decimal("12345.60")
    assert SalesStoreWeek.objects.get(store__code="A1", week=first).net_sales == Decimal("12345.60")
    # Product days in the week of 15 Sep: the days count, the product-week is kept but not counted.
    daily = "门店编码,日期,商品编码,数量,金额\nA1,2025-09-16,W01,3,114.00\n".encode()
    assert run_file(ops, daily, "daily.csv").status == "done"
    september = {
        m.product.code: m
        for m in SalesStoreProductMonth.objects.filter(
            store__code="A1", month=date(2025, 9, 1)
        ).select_related("product")
    }
    weekly = SalesProductWeek.objects.filter(store__code="A1", product__code="W01").exclude(date=first)
    in_september = sum(
        (w.amount * sum(1 for k in range(7) if (w.date + timedelta(days=k)).month == 9) / 7 for w in weekly),
        Decimal(0),
    )
    assert float(september["W01"].amount) == pytest.approx(float(in_september) + 114.0, abs=0.02)
    assert SalesProductWeek.objects.filter(store__code="A1", date=first).count() == 3  # kept


def test_a_summary_row_is_not_data_in_any_kind(chain, ops):
    ProductFactory(code="P1")
    content = "门店编码,日期,商品编码,数量,金额\nA1,2025-03-01,P1,2,20.00\n合计,,,2,20.00\n".encode()
    result = run_file(ops, content)
    assert result.status == "done" and result.rows == 1 and "合计行未导入：第 3 行" in result.message


def test_which_files_are_weekly():
    from yunying.analytics.columns import detect_kind

    saved = {"prod_week": {"date": "周", "product_code": "编码"}}
    assert detect_kind(["门店编码", "周开始日期", "商品编码", "数量", "金额"]) == "prod_week"
    assert detect_kind(["门店编码", "周", "编码", "数量", "金额"], saved) == "prod_week"
    assert (
        detect_kind(["门店编码", "日期", "编码", "数量", "金额"], saved) is None
    )  # not this source's layout
    assert detect_kind(["门店编码", "日期", "商品编码", "数量", "销售额"], saved) == "product"
    assert detect_kind(["门店编码", "周次", "周", "净销售额"]) == "weekly"
