"""Visit planning: adding and removing plans (scope, dates, duplicates), planned/done/overdue, each store's
coverage of the half months, the proposal that fills the gaps spreading the load, and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from yunying.core import clock
from yunying.core.errors import Conflict, DomainError, PermissionDenied
from yunying.inspections import planning
from yunying.inspections.factories import small_template
from yunying.inspections.models import PlannedVisit, Visit, VisitStatus

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda zone=None: TODAY)
    return TODAY


def _visited(store, inspector, day, version):
    return Visit.objects.create(
        store=store,
        version=version,
        inspector=inspector,
        visited_on=day,
        status=VisitStatus.SUBMITTED,
        score=90,
    )


def test_plans_are_checked_and_get_their_status(chain, today):
    version = small_template()
    area_a = chain.users["area_a"]
    store = chain.stores_a[0]
    with pytest.raises(PermissionDenied):
        planning.plan_add(actor=area_a, store=chain.stores_b[0], planned_on=today)
    with pytest.raises(PermissionDenied):
        planning.plan_add(actor=chain.users["store_a1"], store=store, planned_on=today)
    with pytest.raises(DomainError, match="过去"):
        planning.plan_add(actor=area_a, store=store, planned_on=today - dt.timedelta(days=1))
    with pytest.raises(DomainError, match="一年"):
        planning.plan_add(actor=area_a, store=store, planned_on=today + dt.timedelta(days=400))
    first = planning.plan_add(actor=area_a, store=store, planned_on=today, template=version.template)
    with pytest.raises(Conflict):
        planning.plan_add(actor=area_a, store=store, planned_on=today)
    later = planning.plan_add(actor=area_a, store=chain.stores_a[1], planned_on=dt.date(2026, 12, 20))
    assert planning.plan_statuses([first, later]) == {first.pk: "planned", later.pk: "planned"}
    _visited(store, area_a, today, version)
    assert planning.plan_statuses([first])[first.pk] == "done"
    with pytest.raises(Conflict):
        planning.plan_remove(actor=area_a, plan=first)
    # a day later the second plan's store still has no visit on 12-20 → overdue once the day has passed
    PlannedVisit.objects.filter(pk=later.pk).update(planned_on=dt.date(2026, 12, 1))
    later.refresh_from_db()
    assert planning.plan_statuses([later])[later.pk] == "overdue"
    planning.plan_remove(actor=area_a, plan=later)
    assert not PlannedVisit.objects.filter(pk=later.pk).exists()


def test_the_proposal_covers_every_store_once_per_half_month_and_spreads_the_load(chain, today):
    version = small_template()
    area_a = chain.users["area_a"]  # 4 stores
    _visited(chain.stores_a[0], area_a, dt.date(2026, 12, 2), version)  # the first half month is covered
    created = planning.plan_propose(actor=area_a, month=today)
    by_half: dict[int, list[PlannedVisit]] = {1: [], 2: []}
    for plan in created:
        by_half[1 if plan.planned_on.day <= 15 else 2].append(plan)
        assert plan.planned_on >= today and plan.proposed
    assert sorted(p.store.code for p in by_half[1]) == ["A2", "A3", "A4"]
    assert sorted(p.store.code for p in by_half[2]) == ["A1", "A2", "A3", "A4"]
    assert len({p.planned_on for p in by_half[2]}) == 4  # one store a day, not all on the 16th
    assert planning.plan_propose(actor=area_a, month=today) == []  # nothing missing any more
    month = planning.month_plan(user=area_a, month=today)
    assert not any(row.short for row in month.coverage)
    assert month.counts["planned"] == 7
    with pytest.raises(DomainError):
        planning.plan_propose(actor=area_a, month=dt.date(2026, 11, 1))


def test_the_plan_api(chain, today):
    small_template()
    client = Client()
    client.force_login(chain.users["area_a"])
    created = client.post(
        "/api/inspections/plans",
        {"store": "A1", "date": "2026-12-10", "template": "mini", "announced": True},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "planned" and created.json()["template"] == "mini"
    past = client.post(
        "/api/inspections/plans", {"store": "A1", "date": "2026-12-01"}, content_type="application/json"
    )
    assert past.status_code == 400 or past.status_code == 422
    month = client.get("/api/inspections/plans?month=2026-12").json()
    assert [p["store"] for p in month["plans"]] == ["A1"] and month["visits_per_period"] == 1
    assert {c["store"] for c in month["coverage"]} == {"A1", "A2", "A3", "A4"}
    assert client.get("/api/inspections/plans?month=12-2026").status_code in (400, 422)
    proposed = client.post(
        "/api/inspections/plans/propose", {"month": "2026-12"}, content_type="application/json"
    )
    assert proposed.status_code == 201 and len(proposed.json()) == 7
    assert client.delete(f"/api/inspections/plans/{created.json()['id']}").status_code == 204
    store = Client()
    store.force_login(chain.users["store_a1"])
    assert (
        store.get("/api/inspections/plans?month=2026-12").status_code == 403
    )  # unannounced stays unannounced
