"""Sales dates are the store's own day, "this month" is the company's, and the demo ends the company's
yesterday — at 00:30 and 23:30 in Shanghai, on a UTC server and on a Shanghai one."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.db.models import Max
from django.test import Client

from yunying.analytics import selectors
from yunying.analytics.models import SalesStoreDay
from yunying.analytics.tests.conftest import run_file
from yunying.core.tests.company_time import COMPANY_DAY, MOMENTS, company_time, frozen_at  # noqa: F401
from yunying.org.models import Store

pytestmark = pytest.mark.django_db

YESTERDAY, TOMORROW = COMPANY_DAY - timedelta(days=1), COMPANY_DAY + timedelta(days=1)
HEADER = "store_code,date,net_sales,tickets\n"


def _errors(result) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in result.errors]


@pytest.mark.usefixtures("company_time")
def test_a_sale_dated_today_is_taken_and_one_dated_tomorrow_is_refused(chain, ops):
    rows = f"A1,{YESTERDAY},100,1\nA1,{COMPANY_DAY},100,1\nA2,{COMPANY_DAY},100,1\nA2,{TOMORROW},100,1\n"
    result = run_file(ops, (HEADER + rows).encode(), "today.csv")
    assert _errors(result) == [(5, "date")]
    assert "在今天之后" in result.errors[0]["message"]
    good = run_file(ops, (HEADER + rows.rsplit("A2,", 1)[0]).encode(), "today.csv")
    assert good.status == "done", good.errors
    assert SalesStoreDay.objects.aggregate(d=Max("date"))["d"] == COMPANY_DAY


@pytest.mark.parametrize("server", ["UTC", "Asia/Shanghai"])
def test_each_store_is_checked_on_its_own_day(chain, ops, server):
    """At 23:30 in Shanghai it is already 12-02 in Auckland and still 12-01 07:30 in Los Angeles. A day that
    is fine for the Auckland store must not pass for the others (the fast path included)."""
    Store.objects.filter(code="A2").update(time_zone="Pacific/Auckland")
    Store.objects.filter(code="A3").update(time_zone="America/Los_Angeles")
    rows = "".join(
        f"{code},{day},100,1\n"
        for code, day in [
            ("A2", TOMORROW),  # Auckland's today: learnt by the fast path
            ("A1", TOMORROW),  # Shanghai's tomorrow
            ("A3", TOMORROW),
            ("A3", COMPANY_DAY),  # Los Angeles's today
            ("A1", COMPANY_DAY),
        ]
    )
    with frozen_at(MOMENTS["23:30"], server):
        result = run_file(ops, (HEADER + rows).encode(), "zones.csv")
    assert _errors(result) == [(3, "date"), (4, "date")]
    with frozen_at(MOMENTS["00:30"], server):  # 05:30 on 12-01 in Auckland, 08:30 on 11-30 in Los Angeles
        result = run_file(ops, (HEADER + rows).encode(), "zones.csv")
    assert _errors(result) == [(2, "date"), (3, "date"), (4, "date"), (5, "date")]


@pytest.mark.usefixtures("company_time")
def test_with_no_sales_yet_the_pages_open_on_the_company_month(chain, ops):
    assert selectors.latest_month(user=ops) == dt.date(2026, 12, 1)
    assert selectors.current_month(user=ops) == dt.date(2026, 12, 1)
    assert selectors.latest_complete_week(user=ops) == dt.date(2026, 11, 30)  # the Monday of 12-01
    client = Client()
    client.force_login(ops)
    monthly = client.get("/analytics/monthly/")
    assert monthly.status_code == 200 and monthly.context["month"] == dt.date(2026, 12, 1)
    assert monthly.context["months"][0] == dt.date(2026, 12, 1)
    targets = client.get("/analytics/targets/")
    assert targets.status_code == 200 and targets.context["month"] == dt.date(2027, 1, 1)
    weekly = client.get("/analytics/weekly/")
    assert weekly.status_code == 200 and max(weekly.context["weeks"]) == dt.date(2026, 11, 30)


@pytest.mark.usefixtures("company_time")
def test_sales_through_yesterday_make_last_month_the_latest_complete_one(chain, ops):
    rows = f"A1,{YESTERDAY - timedelta(days=1)},100,1\nA1,{YESTERDAY},100,1\n"
    assert run_file(ops, (HEADER + rows).encode(), "nov.csv").status == "done"
    assert selectors.latest_month(user=ops) == dt.date(2026, 11, 1)
    assert selectors.current_month(user=ops) == dt.date(2026, 11, 1)


@pytest.mark.usefixtures("company_time")
def test_the_demo_history_ends_the_company_yesterday(seeded):
    from yunying.analytics.demo import demo_sales_load
    from yunying.org.factories import StoreFactory

    StoreFactory(code="S01", area="上海", opened_on=COMPANY_DAY - timedelta(days=10))
    assert demo_sales_load(years=1) > 0
    days = SalesStoreDay.objects.aggregate(first=Max("date"))
    assert days["first"] == YESTERDAY
    assert SalesStoreDay.objects.values("date").distinct().count() == 10
