"""The monthly table rendered in one pass (`reports.rows`) is what the template rendered cell by cell: the same
rows, attributes and cells, every text escaped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from yunying.analytics.formatting import amount, pct_badge, percent
from yunying.analytics.reports.monthly import RegionLine, StoreLine, TotalsMismatch
from yunying.analytics.reports.rows import mismatch_rows, monthly_table_body
from yunying.analytics.selectors import StoreInfo

# The template the page rendered the rows with (before `reports.rows`), the derived-days badge included; its
# bare `&region` written `&amp;region` (a parser may read `&reg` there, browsers do not: the same link).
TEMPLATE = """{% load i18n analytics_format %}{% with m=month %}{% for r in regions %}
    <tbody x-data="disclosure({% if region %}true{% else %}false{% endif %})">
      <tr class="fw-bold" data-region="{{ r.code }}"><td><a href="#" @click.prevent="toggle" data-testid="region-toggle">{{ r.name }}</a>
        <a class="ms-2 small fw-normal d-print-none" href="?month={{ m }}&amp;region={{ r.code }}">{% translate "仅看该区域" %}</a></td>
        <td class="num">{{ r.rank|default:"—" }}</td><td class="num">{{ r.sales|amount }}</td><td class="num">{{ r.tickets|amount }}</td><td class="num">{{ r.avg_ticket|default:"—" }}</td>
        <td class="num">{{ r.mom_pct|pct }}</td><td class="num">{{ r.yoy_pct|pct }}</td>
        <td class="num">{{ r.target|amount|default:"—" }}</td><td class="num">{{ r.attainment_pct|percent }}</td></tr>
      {% for s in r.stores %}
      <tr x-show="open" x-cloak data-store="{{ s.store.code }}"><td class="ps-4"><a href="{{ store_url|fill:s.store.code }}?month={{ m }}">{{ s.store.name }}</a> <span class="text-secondary small">{{ s.store.code }}</span>{% if s.derived_days %} <span class="badge bg-azure-lt" title="{% translate "没有导入门店日销售：门店合计由商品明细汇总得出" %}" data-testid="derived-store">{% translate "商品汇总" %}</span>{% endif %}</td>
        <td class="num">{{ s.rank|default:"—" }}</td><td class="num">{{ s.sales|amount }}</td><td class="num">{{ s.tickets|amount }}</td><td class="num">{{ s.avg_ticket|default:"—" }}</td>
        <td class="num">{{ s.mom_pct|pct }}</td><td class="num" data-testid="yoy">{{ s.yoy_pct|pct }}</td>
        <td class="num">{{ s.target|amount|default:"—" }}</td><td class="num">{{ s.attainment_pct|percent }}</td></tr>
      {% endfor %}
    </tbody>
    {% endfor %}{% endwith %}"""
MISMATCHES = """{% load i18n analytics_format %}{% for x in mismatches %}<tr data-testid="mismatch" data-mismatch-store="{{ x.store.code }}"><td>{{ x.store.name }} <span class="text-secondary small">{{ x.store.code }}</span></td>
      <td class="num">{% if x.store_total is None %}{% translate "未导入" %}{% else %}{{ x.store_total|amount:2 }}{% endif %}</td><td class="num">{{ x.product_total|amount:2 }}</td><td class="num">{{ x.difference|amount:2 }}</td></tr>{% endfor %}"""
STORE_URL = "/analytics/stores/-code-/"
NASTY = "<b>门店&\"甲'</b>"


class _Cells(HTMLParser):
    """The markup as a list of (tag, attributes) and texts, whitespace between tags left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[Any] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items.append((tag, tuple(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.items.append(("/" + tag,))

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            self.items.append(text)


def _cells(html: str) -> list[Any]:
    parser = _Cells()
    parser.feed(html)
    parser.close()
    return parser.items


def _store(pk: int, code: str, name: str, region: str = "R&1") -> StoreInfo:
    return StoreInfo(pk, code, name, region, f"区域<{region}>", date(2020, 1, 1), None)


def _report() -> list[RegionLine]:
    a = StoreLine(
        store=_store(1, 'A&1"x', NASTY),
        sales=Decimal("123456.78"),
        tickets=1234,
        last_month=Decimal("100000"),
        last_year=Decimal("130000"),
        target=Decimal("150000"),
        days=30,
        rank=1,
        derived_days=3,
    )
    b = StoreLine(store=_store(2, "B 2/3", "门店乙"), sales=Decimal("0.00"), tickets=5, days=2, rank=2)
    c = StoreLine(store=_store(3, "C3", "门店丙"))  # no sales at all: dashes
    region = RegionLine(code="R&1", name='区域<一>&"', stores=[a, b, c], rank=1, days=30)
    region.sales, region.tickets, region.target = a.sales, a.tickets + b.tickets, a.target
    region.last_month, region.last_year = Decimal("123456.78"), Decimal("200000")
    empty = RegionLine(code="-", name="管理部直管", stores=[])
    return [region, empty]


@pytest.mark.parametrize("region", ["", "R&1"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_one_pass_body_is_what_the_template_rendered(region: str, language: str) -> None:
    regions = _report()
    with translation.override(language):
        context = {"regions": regions, "store_url": STORE_URL, "month": "2025-04", "region": region}
        expected = Template(TEMPLATE).render(Context(context))
        got = monthly_table_body(regions, store_url=STORE_URL, month="2025-04", region=region)
    assert _cells(got) == _cells(expected)
    assert got.count("<tr") == 5 and got.count("<tbody") == 2


def test_store_and_region_texts_are_escaped() -> None:
    got = monthly_table_body(_report(), store_url=STORE_URL, month="2025-04", region="")
    assert NASTY not in got and '区域<一>&"' not in got
    assert "&lt;b&gt;门店&amp;&quot;甲&#x27;&lt;/b&gt;" in got
    assert 'data-store="A&amp;1&quot;x"' in got
    assert 'href="/analytics/stores/A%261%22x/?month=2025-04"' in got  # the code quoted into the URL
    assert 'href="/analytics/stores/B%202%2F3/?month=2025-04"' in got
    assert "区域&lt;一&gt;&amp;&quot;" in got and 'data-region="R&amp;1"' in got
    assert "<script" not in monthly_table_body(
        [RegionLine(code="x", name="<script>alert(1)</script>", stores=[])],
        store_url=STORE_URL,
        month="2025-04",
        region="",
    )


def test_mismatch_rows_are_what_the_template_rendered() -> None:
    mismatches = [
        TotalsMismatch(_store(1, "A&1", NASTY), Decimal("1000.50"), Decimal("1200.25")),
        TotalsMismatch(_store(2, "B2", "门店乙"), None, Decimal("12345.6")),
    ]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            expected = Template(MISMATCHES).render(Context({"mismatches": mismatches}))
            got = mismatch_rows(mismatches)
        assert _cells(got) == _cells(expected)
    assert NASTY not in got and "&lt;b&gt;" in got and "-199.75" in got and "12,345.60" in got


def test_number_formats() -> None:
    assert amount(Decimal("1234567.891")) == "1,234,568" and amount(1234.5, 2) == "1,234.50"
    assert amount(None) == "" and amount("x") == "x"
    assert percent(99.95) == "100.0%" and percent(None) == "—" and percent(-0.01) == "0.0%"
    assert pct_badge(3.25) == '<span class="up">+3.3%</span>'
    assert pct_badge(-1.0) == '<span class="down">-1.0%</span>'
    assert pct_badge(None) == '<span class="text-secondary">—</span>'


@pytest.fixture
def imported(chain: Any, ops: Any, client: Any) -> Any:
    from yunying.analytics.factories import ProductFactory
    from yunying.analytics.tests.conftest import run_file

    ProductFactory(code="P1")
    rows = ["store_code,date,product_code,qty,amount"]
    rows += [f"{s},2025-04-{d:02d},P1,2,{10 * d}" for s in ("A1", "A2", "B1") for d in range(1, 31)]
    assert run_file(ops, "\n".join(rows).encode(), "p.csv").status == "done"
    client.force_login(ops)
    return client


def test_a_second_view_takes_the_table_and_the_pickers_from_the_cache(imported: Any) -> None:
    first = imported.get("/analytics/monthly/?month=2025-04").content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = imported.get("/analytics/monthly/?month=2025-04").content.decode()
    part = 'data-testid="filters"'  # the page from the pickers on (the head has a new CSRF token)
    assert again.split(part)[1] == first.split(part)[1]
    assert 'data-testid="month-select"' in again and 'data-testid="region-select"' in again
    assert 'data-store="A1"' in again and 'data-region="RA"' in again
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "analytics_sales" not in read and "'region'" not in read, read  # no figures, no picker look-ups


def _product_totals_agree() -> dict[tuple[int, date], Decimal]:
    """The store-month product totals are the product months summed, row for row."""
    from django.db.models import Sum

    from yunying.analytics.models import SalesStoreProductMonth, SalesStoreProductTotal

    summed = {
        (r["store_id"], r["month"]): r["amount"]
        for r in SalesStoreProductMonth.objects.values("store_id", "month").annotate(amount=Sum("amount"))
    }
    kept = {(t.store_id, t.month): t.amount for t in SalesStoreProductTotal.objects.all()}
    assert kept == summed and kept
    return kept


def test_store_product_totals_follow_every_product_import(chain: Any, ops: Any) -> None:
    from yunying.analytics import aggregates
    from yunying.analytics.factories import ProductFactory
    from yunying.analytics.models import SalesStoreProductTotal
    from yunying.analytics.tests.conftest import run_file
    from yunying.analytics.tests.test_weekly_products import _weekly_export
    from yunying.org.models import Store

    for code in ("P1", "P2", "W01", "W02", "W03"):
        ProductFactory(code=code)
    rows = ["store_code,date,product_code,qty,amount"]
    rows += [
        f"{s},2025-04-{d:02d},{p},1,{d}" for s in ("A1", "A2") for d in (1, 15, 30) for p in ("P1", "P2")
    ]
    assert run_file(ops, "\n".join(rows).encode(), "p.csv").status == "done"
    a1 = Store.objects.get(code="A1").pk
    assert _product_totals_agree()[(a1, date(2025, 4, 1))] == Decimal("92.00")
    content, _frame = _weekly_export()  # weekly rows, one week apportioned to two months
    assert run_file(ops, content, "products-weekly.csv").status == "done"
    _product_totals_agree()
    again = ["store_code,date,product_code,qty,amount", "A1,2025-04-01,P1,1,5"]  # A1's 1 April again
    assert run_file(ops, "\n".join(again).encode(), "again.csv").status == "done"
    assert _product_totals_agree()[(a1, date(2025, 4, 1))] == Decimal("95.00")  # the day replaced: 92 - 2 + 5
    SalesStoreProductTotal.objects.all().delete()
    aggregates.recompute_all()  # the repair tool rebuilds them too
    _product_totals_agree()


def _day_totals_agree() -> dict[date, Decimal]:
    """The all-stores day totals are the store-days summed, day for day."""
    from django.db.models import Sum

    from yunying.analytics.models import SalesDayTotal, SalesStoreDay

    summed = dict(SalesStoreDay.objects.values_list("date").annotate(s=Sum("net_sales")).order_by())
    kept = dict(SalesDayTotal.objects.values_list("date", "net_sales"))
    assert kept == summed and kept
    return kept


def test_day_totals_follow_every_store_day_import(chain: Any, ops: Any) -> None:
    from yunying.analytics import aggregates
    from yunying.analytics.factories import ProductFactory
    from yunying.analytics.models import SalesDayTotal
    from yunying.analytics.reports.monthly import daily_series
    from yunying.analytics.tests.conftest import run_file
    from yunying.org.models import Store

    ProductFactory(code="P1")
    days = ["store_code,date,net_sales,tickets,customers,channel"]
    days += [f"{s},2025-04-{d:02d},{100 * d},5,6,堂食" for s in ("A1", "A2", "B1") for d in (1, 2, 30)]
    assert run_file(ops, "\n".join(days).encode(), "days.csv").status == "done"
    assert _day_totals_agree()[date(2025, 4, 2)] == Decimal("600.00")
    again = ["store_code,date,net_sales,tickets,customers,channel", "A1,2025-04-02,50,5,6,堂食"]
    assert run_file(ops, "\n".join(again).encode(), "again.csv").status == "done"
    assert _day_totals_agree()[date(2025, 4, 2)] == Decimal("450.00")
    # Product lines of a store without a store total: its day's total is its products summed.
    products = ["store_code,date,product_code,qty,amount", "B2,2025-05-03,P1,2,77"]
    assert run_file(ops, "\n".join(products).encode(), "p.csv").status == "done"
    assert _day_totals_agree()[date(2025, 5, 3)] == Decimal("77.00")
    every = list(Store.objects.values_list("pk", flat=True))
    for month in (date(2025, 4, 1), date(2025, 5, 1)):
        kept = daily_series(ids=None, month=month, months=2)
        assert kept == daily_series(ids=every, month=month, months=2) and kept
    SalesDayTotal.objects.all().delete()
    aggregates.recompute_all()  # the repair tool rebuilds them too
    _day_totals_agree()
