"""Inspection dashboards: per-store monthly averages over six months, the month's top failing items per store and
the visit-weighted average per region — over the stores the user may see only."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from yunying.inspections import dashboards
from yunying.inspections.factories import small_template
from yunying.inspections.models import Finding, Visit, VisitStatus

pytestmark = pytest.mark.django_db


def _visit(store, version, inspector, day: dt.date, score: str, failed: tuple[str, ...] = ()) -> Visit:
    visit = Visit.objects.create(
        store=store,
        version=version,
        inspector=inspector,
        status=VisitStatus.SUBMITTED,
        visited_on=day,
        score=Decimal(score),
    )
    for title in failed:
        Finding.objects.create(
            visit=visit, store=store, item_key=title, section_title="s", item_title=title, due_on=day
        )
    return visit


def test_trend_heat_map_and_regions_follow_scope(chain):
    version = small_template()
    who = chain.users["supervisor"]
    a1, a2, b1 = chain.stores_a[0], chain.stores_a[1], chain.stores_b[0]
    _visit(a1, version, who, dt.date(2026, 6, 3), "70", ("地面清洁", "灭火器"))
    _visit(a1, version, who, dt.date(2026, 6, 20), "80", ("地面清洁",))
    _visit(a2, version, who, dt.date(2026, 6, 5), "95", ("灭火器",))
    _visit(a1, version, who, dt.date(2026, 2, 5), "60")
    _visit(a1, version, who, dt.date(2026, 1, 5), "10")  # the first of the six months
    _visit(a1, version, who, dt.date(2025, 12, 31), "5")  # seven months back: outside the trend
    _visit(b1, version, who, dt.date(2026, 6, 9), "50", ("地面清洁",))
    Visit.objects.create(  # a draft never counts
        store=b1, version=version, inspector=who, status=VisitStatus.DRAFT, visited_on=dt.date(2026, 6, 9)
    )

    board = dashboards.dashboard(user=chain.users["mgmt"], month=dt.date(2026, 6, 17))
    assert board.months[0] == dt.date(2026, 1, 1) and board.months[-1] == dt.date(2026, 6, 1)
    assert board.trend[a1.pk] == [Decimal("10.0"), Decimal("60.0"), None, None, None, Decimal("75.0")]
    assert board.items == ["地面清洁", "灭火器"]
    assert board.failures == {(0, a1.pk): 2, (0, b1.pk): 1, (1, a1.pk): 1, (1, a2.pk): 1}
    regions = {r.name: r for r in board.regions}
    assert (regions["浦东区域"].visits, regions["浦东区域"].average) == (3, Decimal("81.7"))
    assert (regions["闵行区域"].visits, regions["闵行区域"].average) == (1, Decimal("50.0"))
    assert regions["运营管理部"].average is None  # the direct store had no visit
    assert board.regions[0].name == "浦东区域"
    for option in board.charts.values():
        json.loads(option)

    area_b = dashboards.dashboard(user=chain.users["area_b"], month=dt.date(2026, 6, 1))
    assert set(area_b.trend) == {s.pk for s in chain.stores_b}
    assert area_b.items == ["地面清洁"] and area_b.failures == {(0, b1.pk): 1}
    assert [r.name for r in area_b.regions] == ["闵行区域"]
    assert dashboards.dashboard(user=chain.users["nobody"], month=dt.date(2026, 6, 1)).stores == []


def test_the_heat_map_keeps_the_top_items(chain):
    version = small_template()
    store = chain.stores_a[0]
    titles = tuple(f"项目{i:02d}" for i in range(dashboards.TOP_ITEMS + 5))
    _visit(store, version, chain.users["supervisor"], dt.date(2026, 6, 3), "40", titles)
    _visit(store, version, chain.users["supervisor"], dt.date(2026, 6, 4), "40", titles[-2:])
    board = dashboards.dashboard(user=chain.users["gm"], month=dt.date(2026, 6, 1))
    assert len(board.items) == dashboards.TOP_ITEMS
    assert board.items[:2] == [titles[-2], titles[-1]]
