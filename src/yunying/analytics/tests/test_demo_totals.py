"""The demo's store totals are its product lines summed: the mismatch card lists only the two true stories."""

from __future__ import annotations

import datetime as dt

from yunying.analytics.demo import EXPORT_GAP_STORE, PACKING_FEE_STORE, demo_sales_load
from yunying.analytics.models import SalesDay
from yunying.analytics.periods import add_months
from yunying.analytics.reports.monthly import monthly_report
from yunying.org.factories import StoreFactory


def test_the_demo_mismatch_card_shows_only_the_explained_stores(chain, ops):
    for code in ("S01", PACKING_FEE_STORE, EXPORT_GAP_STORE):
        StoreFactory(code=code, area="上海", opened_on=dt.date(2015, 1, 1), parent=chain.region_a)
    end = dt.date(2026, 3, 20)
    demo_sales_load(years=1, end=end)
    last_complete = add_months(end.replace(day=1), -1)
    report = monthly_report(user=ops, month=last_complete, with_charts=False)
    found = {m.store.code: m for m in report.mismatches}
    assert set(found) == {PACKING_FEE_STORE, EXPORT_GAP_STORE}
    assert found[PACKING_FEE_STORE].difference > 0  # the packing fees: takings, no dish
    gap = SalesDay.objects.filter(
        store__code=EXPORT_GAP_STORE, date__in=[dt.date(2026, 2, 10), dt.date(2026, 2, 11)]
    )
    assert found[EXPORT_GAP_STORE].difference == sum(
        d.net_sales for d in gap
    )  # the two days' products missing
    earlier = monthly_report(user=ops, month=add_months(last_complete, -3), with_charts=False)
    assert [m.store.code for m in earlier.mismatches] == [PACKING_FEE_STORE]
