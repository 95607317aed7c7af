"""One definition of each figure: 同店 year-on-year is the same on the weekly and the monthly page; pickers reach
all imported history; a product is never both a retire and a promote candidate; an area manager cannot pick the
stores the department runs directly."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from yunying.analytics import selectors
from yunying.analytics.factories import ProductFactory
from yunying.analytics.reports.monthly import monthly_report
from yunying.analytics.reports.products import product_report
from yunying.analytics.reports.weekly import weekly_report
from yunying.analytics.tests.conftest import run_file
from yunying.core.errors import NotFound
from yunying.org.models import Store

STORE_HEADER = "store_code,date,net_sales,tickets\n"


def _days(store: str, first: date, last: date, amount: int) -> str:
    rows, day = [], first
    while day <= last:
        rows.append(f"{store},{day.isoformat()},{amount},1\n")
        day += timedelta(days=1)
    return "".join(rows)


def test_weekly_and_monthly_year_on_year_are_both_like_for_like(chain, ops):
    """A1 traded in both years; A2 only this year (its history was never imported): both pages compare A1
    alone, so both say +100 % — not one page −x % and the other +y %."""
    Store.objects.filter(code__in=["A1", "A2"]).update(opened_on=date(2018, 1, 1))
    this_year = (date(2025, 12, 1), date(2025, 12, 31))
    last_year = (date(2024, 12, 1), date(2024, 12, 31))
    text = (
        STORE_HEADER
        + _days("A1", *last_year, 100)
        + _days("A1", *this_year, 200)
        + _days("A2", *this_year, 5000)
    )
    assert run_file(ops, text.encode(), "yoy.csv").status == "done"
    month = monthly_report(user=ops, month=date(2025, 12, 1), with_charts=False)
    assert month.total.yoy_pct == 100.0
    week = weekly_report(user=ops, week=date(2025, 12, 8), with_charts=False)
    assert week.total.yoy_pct == 100.0
    assert [r.yoy_pct for r in week.regions if r.code == "RA"] == [100.0]


def test_month_and_week_pickers_reach_all_history(chain, ops, client):
    Store.objects.filter(code="A1").update(opened_on=date(2018, 1, 1))
    text = (
        STORE_HEADER
        + _days("A1", date(2019, 3, 1), date(2019, 3, 3), 10)
        + _days("A1", date(2025, 12, 1), date(2025, 12, 2), 10)
    )
    assert run_file(ops, text.encode(), "old.csv").status == "done"
    client.force_login(ops)
    page = client.get("/analytics/monthly/?month=2019-03&region=RA").content.decode()
    assert '<option value="2019-03" selected>' in page  # the asked month is the one selected
    assert '<option value="2019-03"' in client.get("/analytics/monthly/").content.decode()
    weeks = selectors.week_options(user=ops, selected=date(2025, 12, 1))
    assert date(2019, 2, 25) in weeks and weeks[0] == date(2025, 12, 1)


def test_area_manager_cannot_pick_the_stores_run_directly(chain, client):
    area = chain.users["area_a"]
    assert not selectors.has_direct_stores(user=area)
    with pytest.raises(NotFound):
        selectors.report_stores(user=area, region="-")
    client.force_login(area)
    page = client.get("/analytics/monthly/").content.decode()
    assert 'value="-"' not in page
    assert client.get("/analytics/monthly/?region=-").status_code == 404


def test_a_product_is_never_both_retire_and_promote_candidate(chain, ops):
    """NICHE sells in one store only (few stores, class C) but sells very well there: promote, not retire."""
    for code in ("P1", "P2", "P3", "P4", "NICHE", "DOG"):
        ProductFactory(code=code)
    rows = ["store_code,date,product_code,qty,amount"]
    stores = ["A1", "A2", "A3", "A4", "B1", "B2"]
    for month in (date(2025, 10, 1), date(2025, 11, 1)):
        for s in stores:
            for p, amount in (("P1", 9000), ("P2", 8000), ("P3", 7000), ("P4", 6000)):
                rows.append(f"{s},{month.isoformat()},{p},1,{amount}")
        rows.append(f"A1,{month.isoformat()},NICHE,1,8000")
        rows.append(f"A2,{month.isoformat()},DOG,1,{50 if month.month == 10 else 10}")
    assert run_file(ops, ("\n".join(rows) + "\n").encode(), "mix.csv").status == "done"
    report = product_report(user=ops, month=date(2025, 11, 1), with_charts=False)
    retire = {p.code for p in report.retire}
    promote = {p.code for p in report.promote}
    assert not retire & promote
    assert "NICHE" in promote and "DOG" in retire
    assert {p.code: p.abc for p in report.products}["NICHE"] == "C"
    assert Decimal(sum(p.amount for p in report.products)) > 0


def test_a_difference_between_store_and_product_totals_is_shown(chain, ops, client):
    ProductFactory(code="P1")
    stores = STORE_HEADER + "A1,2025-11-03,100,1\nA2,2025-11-03,80,1\n"
    products = "store_code,date,product_code,qty,amount\nA1,2025-11-03,P1,1,100\nA2,2025-11-03,P1,1,70\n"
    products += "A3,2025-11-03,P1,1,5\n"
    for text in (stores, products):
        assert run_file(ops, text.encode(), "t.csv").status == "done"
    report = monthly_report(user=ops, month=date(2025, 11, 1), with_charts=False)
    found = {m.store.code: (m.store_total, m.product_total, m.difference) for m in report.mismatches}
    # A3 has no store total: its total is its products summed (shown as such), not a mismatch.
    assert found == {"A2": (Decimal("80"), Decimal("70"), Decimal("10"))}
    assert [s.store.code for s in report.stores if s.derived_days] == ["A3"]
    client.force_login(ops)
    page = client.get("/analytics/monthly/?month=2025-11").content.decode()
    assert 'data-testid="totals-mismatches"' in page and 'data-mismatch-store="A2"' in page
    assert 'data-testid="derived-note"' in page
