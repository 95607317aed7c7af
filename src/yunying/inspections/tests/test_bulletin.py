"""The half-monthly bulletin: periods, ranking, stores not visited, frequent, repeated and red-line
violations, rectification counts, scope; the page and the API."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client

from yunying.core.errors import DomainError
from yunying.inspections import services
from yunying.inspections.bulletin import Period, bulletin_compile
from yunying.inspections.factories import small_template
from yunying.inspections.models import Finding, Visit
from yunying.inspections.tests.test_services import _full


def test_periods():
    assert (Period.parse("2026-02-2").start, Period.parse("2026-02-2").end) == (
        dt.date(2026, 2, 16),
        dt.date(2026, 2, 28),
    )
    assert Period.parse("2026-11-1").end == dt.date(2026, 11, 15)
    assert Period.parse("2026-01-1").previous().key == "2025-12-2"
    assert (
        Period.of(dt.date(2026, 11, 16)).key == "2026-11-2"
        and Period.parse("2026-12-2").next().key == "2027-01-1"
    )
    for bad in ("2026-13-1", "2026-11-3", "2026-11", ""):
        with pytest.raises(DomainError):
            Period.parse(bad)


def _visit(chain, store, day: dt.date, **answers: str) -> Visit:
    supervisor = chain.users["supervisor"]
    visit = services.visit_create(actor=supervisor, store=store, template=small_template_once())
    data = _full(visit)
    for key, value in answers.items():
        data[key]["value"] = value
    services.visit_submit(actor=supervisor, visit=visit, answers=data, idempotency_key=f"k{visit.pk}")
    Visit.objects.filter(pk=visit.pk).update(visited_on=day)
    return Visit.objects.get(pk=visit.pk)


def small_template_once():
    from yunying.inspections.models import ChecklistTemplate

    template = ChecklistTemplate.objects.filter(key="mini").first()
    return template or small_template().template


@pytest.mark.django_db
def test_bulletin_compiles_the_half_month(chain):
    a1, a2 = chain.stores_a[0], chain.stores_a[1]
    _visit(chain, a1, dt.date(2026, 10, 28))  # before the period: door failed
    _visit(chain, a1, dt.date(2026, 11, 3), exit="no")  # door failed again → repeated; red line
    _visit(chain, a2, dt.date(2026, 11, 10), door="yes", floor="5")
    _visit(chain, a2, dt.date(2026, 11, 20))  # next period
    bulletin = bulletin_compile(user=chain.users["supervisor"], period=Period.parse("2026-11-1"))
    assert bulletin.visits == 2
    assert [(line.code, line.rank, line.average) for line in bulletin.visited] == [
        ("A2", 1, Decimal("100.0")),
        ("A1", 2, Decimal("0.0")),
    ]
    assert len(bulletin.not_visited) == 8 and "A3" in {line.code for line in bulletin.not_visited}
    assert [(f.finding.store.code, f.finding.item_key) for f in bulletin.repeated] == [
        ("A1", "door"),
        ("A1", "floor"),
    ]
    assert [(f.finding.item_key, f.repeated) for f in bulletin.critical] == [("exit", False)]
    assert bulletin.frequent[0].count == 1 and bulletin.rectification["total"] == 3
    # Scope: the area manager of region B sees none of it.
    other = bulletin_compile(user=chain.users["area_b"], period=Period.parse("2026-11-1"))
    assert other.visits == 0 and {line.code for line in other.not_visited} == {f"B{i}" for i in range(1, 6)}


@pytest.mark.django_db
def test_bulletin_page_and_api(chain):
    _visit(chain, chain.stores_a[0], dt.date(2026, 11, 3), exit="no")
    client = Client()
    client.force_login(chain.users["store_a1"])
    page = client.get("/inspections/bulletins/2026-11-1/")
    assert page.status_code == 200 and "门店得分排名" in page.text and "安全出口畅通" in page.text
    assert client.get("/inspections/bulletins/2026-13-1/").status_code == 404
    assert client.get("/inspections/bulletins/").status_code == 302
    body = client.get("/api/inspections/bulletins/2026-11-1").json()
    assert body["visits"] == 1 and body["ranking"][0]["store"] == "A1" and body["not_visited"] == []
    assert body["critical"] == [Finding.objects.get(item_key="exit").pk]
    assert client.get("/api/inspections/bulletins/2026-11-9").status_code == 422
    assert len(client.get("/api/inspections/bulletins").json()) == 12
    exported = client.get("/inspections/bulletins/2026-11-1.xlsx")
    assert exported.status_code == 200 and exported["Content-Type"].endswith("spreadsheetml.sheet")
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(exported.content))
    assert workbook.sheetnames[0] == "门店得分排名"
    assert [c.value for c in workbook.worksheets[0][2]][:3] == [1, "A1", chain.stores_a[0].name]
    assert workbook.worksheets[3]["E2"].value == "安全出口畅通"


@pytest.mark.django_db
def test_bulletin_reads_a_fixed_number_of_queries(chain, django_assert_max_num_queries):
    """Stores, visits (with their checklist, never the version's sections), failed answers, findings: the
    same handful of queries however many stores and visits the half month has."""
    for day, store in enumerate([*chain.stores_a, *chain.stores_b], start=1):
        _visit(chain, store, dt.date(2026, 10, 20 + day % 5))
        _visit(chain, store, dt.date(2026, 11, day), exit="no")
    period = Period.parse("2026-11-1")
    bulletin_compile(user=chain.users["supervisor"], period=period)  # the scope is remembered per user
    with django_assert_max_num_queries(5) as captured:
        bulletin = bulletin_compile(user=chain.users["supervisor"], period=period)
    assert not any('"sections"' in query["sql"] for query in captured.captured_queries)
    assert bulletin.visits == 9 and len(bulletin.repeated) == 18 and len(bulletin.critical) == 9
