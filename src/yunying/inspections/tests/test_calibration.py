"""Scoring calibration: deviations from peers on the same store, checklist and month; the flag needs enough
comparable visits and a deviation reaching the threshold; visits without a peer only count in the
distribution; the page and the API for the management department only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from yunying.core.settings_store import setting_set
from yunying.inspections.calibration import calibration_compute
from yunying.inspections.factories import small_template
from yunying.inspections.models import Visit, VisitStatus

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 10, 1)


def _visit(store, inspector, day, version, raw):
    return Visit.objects.create(
        store=store,
        version=version,
        inspector=inspector,
        visited_on=day,
        status=VisitStatus.SUBMITTED,
        raw_score=Decimal(raw),
        score=Decimal(raw),
    )


@pytest.fixture
def scored(chain):
    version = small_template()
    supervisor, area_a = chain.users["supervisor"], chain.users["area_a"]
    for n, store in enumerate(chain.stores_a[:3]):
        _visit(store, supervisor, MONTH + dt.timedelta(days=n), version, 70)
        _visit(store, area_a, MONTH + dt.timedelta(days=n + 5), version, 92)
    _visit(chain.stores_a[3], area_a, MONTH, version, 60)  # no peer there: distribution only
    _visit(chain.stores_a[0], area_a, dt.date(2026, 9, 3), version, 99)  # another month: no peer either
    return chain


def test_deviation_and_flags(scored):
    result = calibration_compute(user=scored.users["mgmt"], month=MONTH)
    by_name = {i.username: i for i in result.inspectors}
    area, supervisor = by_name["area_a"], by_name["supervisor"]
    assert area.comparable == 3 and area.deviation == Decimal("22.0") and area.flagged
    assert area.direction == "lenient" and area.visits == 5 and area.low == 60 and area.high == 99
    assert (
        supervisor.deviation == Decimal("-22.0") and supervisor.flagged and supervisor.direction == "strict"
    )
    setting_set(key="inspections.calibration_min_visits", value=4)
    assert not any(i.flagged for i in calibration_compute(user=scored.users["mgmt"], month=MONTH).inspectors)
    setting_set(key="inspections.calibration_min_visits", value=3)
    setting_set(key="inspections.calibration_threshold", value=25)
    assert not calibration_compute(user=scored.users["mgmt"], month=MONTH).flagged
    setting_set(key="inspections.calibration_months", value=1)
    assert calibration_compute(user=scored.users["mgmt"], month=MONTH).start == MONTH


def test_scope_and_access(scored):
    area_b = calibration_compute(user=scored.users["area_b"], month=MONTH)
    assert area_b.inspectors == []  # none of region B's stores were visited
    client = Client()
    client.force_login(scored.users["mgmt"])
    body = client.get("/api/quality/calibration?month=2026-10").json()
    assert [i["inspector"] for i in body["inspectors"] if i["flagged"]] == ["area_a", "supervisor"]
    page = client.get("/inspections/quality/?month=2026-10")
    assert page.status_code == 200 and "偏松" in page.content.decode()
    other = Client()
    other.force_login(scored.users["supervisor"])
    assert other.get("/api/quality/calibration?month=2026-10").status_code == 403
    assert "评分校准" not in other.get("/inspections/quality/?month=2026-10").content.decode()
