"""Report figures against an independent pandas computation on generated data: a store opened mid-year,
missing days, returns, and a re-import that replaces part of the data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from yunying.analytics.factories import ProductFactory, generate_sales, product_csv, store_csv
from yunying.analytics.periods import add_months
from yunying.analytics.reports.monthly import monthly_report
from yunying.analytics.reports.products import product_report
from yunying.analytics.reports.weekly import weekly_report
from yunying.analytics.tests.conftest import run_file
from yunying.org.models import Store

START, END = date(2024, 1, 1), date(2025, 6, 30)
MONTH = date(2025, 5, 1)


@pytest.fixture
def loaded(chain, ops):
    Store.objects.filter(code="B5").update(opened_on=date(2024, 7, 16))  # new in mid-2024: no 2024-05
    opened = {s.code: s.opened_on for s in Store.objects.all()}
    products = [ProductFactory(code=f"X{i:02d}").code for i in range(12)]
    stores, items = generate_sales(stores=opened, products=products, start=START, end=END, seed=7)
    for rows, to_csv in ((stores, store_csv), (items, product_csv)):
        result = run_file(ops, to_csv(rows).encode(), "all.csv")  # type: ignore[operator]
        assert result.status == "done", result.errors[:5]
    # Re-import May 2025 for A-stores with different figures: replaces, never adds.
    stores2, items2 = generate_sales(
        stores={k: v for k, v in opened.items() if k.startswith("A")},
        products=products,
        start=date(2025, 5, 1),
        end=date(2025, 5, 31),
        seed=99,
        missing_rate=0,
    )
    for rows, to_csv in ((stores2, store_csv), (items2, product_csv)):
        result = run_file(ops, to_csv(rows).encode(), "again.csv")  # type: ignore[operator]
        assert result.status == "done"
        assert result.replaced > 0
    replaced = {(r.store_code, r.date) for r in stores2}
    final_stores = [r for r in stores if (r.store_code, r.date) not in replaced] + stores2
    replaced_p = {(r.store_code, r.date) for r in items2}
    final_items = [r for r in items if (r.store_code, r.date) not in replaced_p] + items2
    sdf = pd.DataFrame([r.__dict__ for r in final_stores])
    sdf["month"] = pd.to_datetime(sdf["date"]).dt.to_period("M")
    sdf["net_sales"] = sdf["net_sales"].astype(float)
    pdf = pd.DataFrame([r.__dict__ for r in final_items])
    pdf["month"] = pd.to_datetime(pdf["date"]).dt.to_period("M")
    pdf["qty"], pdf["amount"] = pdf["qty"].astype(float), pdf["amount"].astype(float)
    return sdf, pdf, opened


def _close(a, b, tol=0.011):
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= tol


def test_monthly_matches_pandas(loaded, ops):
    sdf, _pdf, _opened = loaded
    per = sdf.groupby(["store_code", "month"]).agg(sales=("net_sales", "sum"), tickets=("tickets", "sum"))
    report = monthly_report(user=ops, month=MONTH)
    period = pd.Period(MONTH, "M")
    ranked = per.xs(period, level="month")["sales"].rank(ascending=False, method="min")
    assert len(report.stores) == 10
    for line in report.stores:
        code = line.store.code
        expected = per.loc[(code, period)]
        assert _close(line.sales, expected["sales"]), code
        assert line.tickets == expected["tickets"]
        assert _close(line.avg_ticket, round(expected["sales"] / expected["tickets"], 2)), code
        last = per.loc[(code, period - 1), "sales"]
        assert _close(line.mom_pct, round((expected["sales"] - last) / last * 100, 1), 0.051), code
        if code == "B5":
            assert line.yoy_pct is None  # opened after May 2024: no year-on-year
        else:
            ly = per.loc[(code, period - 12), "sales"]
            assert _close(line.yoy_pct, round((expected["sales"] - ly) / ly * 100, 1), 0.051), code
        assert line.rank == int(ranked[code])
    assert _close(report.total.sales, sdf[sdf["month"] == period]["net_sales"].sum(), 0.05)
    regions = {r.code: r for r in report.regions}
    region_a = per.xs(period, level="month").filter(like="A", axis=0)["sales"].sum()
    assert _close(regions["RA"].sales, region_a, 0.05)
    # The region's year-on-year is like-for-like: B5 (no last year) is left out of both sides.
    region_b = per.xs(period, level="month").loc[["B1", "B2", "B3", "B4"], "sales"].sum()
    region_b_ly = per.xs(period - 12, level="month").loc[["B1", "B2", "B3", "B4"], "sales"].sum()
    assert _close(regions["RB"].yoy_pct, round((region_b - region_b_ly) / region_b_ly * 100, 1), 0.051)


def test_products_match_pandas(loaded, ops):
    _sdf, pdf, _opened = loaded
    period = pd.Period(MONTH, "M")
    this = (
        pdf[pdf["month"] == period]
        .groupby("product_code")
        .agg(qty=("qty", "sum"), amount=("amount", "sum"), stores=("store_code", "nunique"))
    )
    last = pdf[pdf["month"] == period - 1].groupby("product_code")["amount"].sum()
    total = this["amount"].sum()
    ordered = this.sort_values("amount", ascending=False)
    cumulative_before = ordered["amount"].cumsum().shift(fill_value=0) / total * 100
    expected_abc = {c: ("A" if v < 80 else "B" if v < 95 else "C") for c, v in cumulative_before.items()}
    report = product_report(user=ops, month=MONTH)
    assert {p.code for p in report.products} == set(this.index)
    for p in report.products:
        row = this.loc[p.code]
        assert _close(p.qty, row["qty"], 0.001) and _close(p.amount, row["amount"], 0.05), p.code
        assert p.stores == row["stores"]
        assert _close(p.share_pct, round(row["amount"] / total * 100, 1), 0.051)
        assert p.abc == expected_abc[p.code], p.code
        assert _close(p.change_pct, round((row["amount"] - last[p.code]) / last[p.code] * 100, 1), 0.051)


def test_weekly_matches_pandas(loaded, ops):
    sdf, _pdf, _opened = loaded
    sdf["week"] = pd.to_datetime(sdf["date"]).dt.to_period("W-SUN").dt.start_time.dt.date
    week = date(2025, 5, 12)
    per = sdf.groupby(["store_code", "week"])["net_sales"].sum()
    report = weekly_report(user=ops, week=week)
    for line in report.stores:
        assert _close(line.sales, per.get((line.code, week), 0.0), 0.05), line.code
        previous = per.get((line.code, week - timedelta(weeks=1)))
        expected = round((per[(line.code, week)] - previous) / previous * 100, 1) if previous else None
        assert _close(line.wow_pct, expected, 0.051), line.code
    ranked = sorted(report.stores, key=lambda s: -s.sales)
    assert [s.code for s in report.top] == [s.code for s in ranked[:5]]


def test_returns_reduce_quantities(loaded, ops):
    _sdf, pdf, _opened = loaded
    assert (pdf["qty"] < 0).any()  # the generated data has returns
    period = pd.Period(add_months(MONTH, -1), "M")
    expected = pdf[pdf["month"] == period]["qty"].sum()
    report = product_report(user=ops, month=add_months(MONTH, -1))
    assert _close(sum((p.qty for p in report.products), Decimal(0)), expected, 0.001)


def test_store_days_match_pandas_after_reimport(loaded, ops):
    """SalesStoreDay (what the daily and weekday charts read) equals the facts summed per store and day,
    channels split, the replaced May days counted once; the month and week totals are its sums."""
    from yunying.analytics.models import SalesStoreDay, SalesStoreMonth, SalesStoreWeek

    sdf, _pdf, _opened = loaded
    per_day = sdf.groupby(["store_code", "date"]).agg(sales=("net_sales", "sum"), tickets=("tickets", "sum"))
    by_channel = sdf.pivot_table(
        index=["store_code", "date"], columns="channel", values="net_sales", aggfunc="sum"
    )
    rows = SalesStoreDay.objects.values_list(
        "store__code", "date", "net_sales", "tickets", "sales_dine_in", "sales_takeaway", "sales_delivery"
    )
    assert len(rows) == len(per_day)
    for code, day, sales, tickets, dine_in, takeaway, delivery in rows:
        expected = per_day.loc[(code, day)]
        assert _close(sales, expected["sales"]) and tickets == expected["tickets"], (code, day)
        channels = by_channel.loc[(code, day)].fillna(0)
        assert _close(dine_in, channels["dine_in"]) and _close(delivery, channels.get("delivery", 0))
        assert _close(takeaway, channels.get("takeaway", 0)), (code, day)
    period = pd.Period(MONTH, "M")
    months = sdf.groupby(["store_code", "month"]).agg(sales=("net_sales", "sum"), days=("date", "nunique"))
    for code, sales, days in SalesStoreMonth.objects.filter(month=MONTH).values_list(
        "store__code", "net_sales", "days"
    ):
        assert (
            _close(sales, months.loc[(code, period), "sales"], 0.05)
            and days == months.loc[(code, period), "days"]
        )
    sdf["week"] = pd.to_datetime(sdf["date"]).dt.to_period("W-SUN").dt.start_time.dt.date
    weeks = sdf.groupby(["store_code", "week"])["net_sales"].sum()
    stored = SalesStoreWeek.objects.values_list("store__code", "week", "net_sales")
    assert len(stored) == len(weeks)
    for code, week, sales in stored:
        assert _close(sales, weeks[(code, week)], 0.05), (code, week)


def test_monthly_daily_and_weekday_charts_match_pandas(loaded, ops):
    import json

    sdf, _pdf, _opened = loaded
    period = pd.Period(MONTH, "M")
    month_rows = sdf[sdf["month"] == period]
    daily = month_rows.groupby("date")["net_sales"].sum()
    report = monthly_report(user=ops, month=MONTH)
    chart = json.loads(report.charts["daily"])
    this_month = chart["series"][0]["data"]
    for day, value in daily.items():
        assert _close(this_month[day.day - 1], value, 0.05), day
    weekday = daily.groupby([d.weekday() for d in daily.index]).mean()
    bars = json.loads(report.charts["weekday"])["series"][0]["data"]
    for index, value in weekday.items():
        assert _close(bars[index], value, 0.05), index
    # A region's charts read only its stores.
    region = monthly_report(user=ops, month=MONTH, region="RB")
    region_daily = month_rows[month_rows["store_code"].str.startswith("B")].groupby("date")["net_sales"].sum()
    series = json.loads(region.charts["daily"])["series"][0]["data"]
    for day, value in region_daily.items():
        assert _close(series[day.day - 1], value, 0.05), day


def test_rebuilding_every_aggregate_changes_nothing(loaded, ops):
    """What the imports maintained store-period by store-period equals a rebuild from the facts."""
    from yunying.analytics import aggregates
    from yunying.analytics.models import (
        SalesStoreDay,
        SalesStoreMonth,
        SalesStoreProductMonth,
        SalesStoreWeek,
    )

    def snapshot():
        return [
            sorted(
                SalesStoreDay.objects.values_list(
                    "store_id", "date", "net_sales", "tickets", "sales_delivery"
                )
            ),
            sorted(
                SalesStoreMonth.objects.values_list(
                    "store_id", "month", "net_sales", "days", "sales_takeaway"
                )
            ),
            sorted(SalesStoreWeek.objects.values_list("store_id", "week", "net_sales", "days")),
            sorted(
                SalesStoreProductMonth.objects.values_list("store_id", "month", "product_id", "qty", "amount")
            ),
        ]

    before = snapshot()
    aggregates.recompute_all()
    assert snapshot() == before
