"""The stored calendar (hours inherited down the tree, overrides by specificity) and its API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from yunying.core.calendar import OPEN_DAILY, OVERRIDE, unit_calendar
from yunying.core.calendar_services import calendar_override_save, working_hours_save
from yunying.core.errors import DomainError, PermissionDenied
from yunying.core.models import CalendarOverride, CalendarYear

pytestmark = pytest.mark.django_db

MAR9 = dt.datetime(2026, 3, 9, 11, tzinfo=dt.UTC)


def _admin(chain):  # type: ignore[no-untyped-def]
    user = chain.users["gm"]
    user.is_superuser = True
    user.save()
    return user


def test_hours_inherit_down_the_tree_and_stores_override(chain):
    admin = _admin(chain)
    working_hours_save(
        actor=admin,
        unit_code="",
        opens_at=dt.time(9),
        closes_at=dt.time(18),
        break_starts_at=dt.time(12),
        break_ends_at=dt.time(13),
    )
    working_hours_save(
        actor=admin, unit_code="RA", opens_at=dt.time(10), closes_at=dt.time(22), every_day=True
    )
    working_hours_save(
        actor=admin, unit_code="A2", opens_at=dt.time(7), closes_at=dt.time(14), every_day=True
    )
    office, a1, a2, b1 = (
        unit_calendar(u) for u in (chain.mgmt, chain.stores_a[0], chain.stores_a[1], chain.stores_b[0])
    )
    assert office.hours.opens == dt.time(9) and not office.hours.every_day
    assert a1.hours.opens == dt.time(10) and a1.hours.every_day  # from its region
    assert a2.hours.closes == dt.time(14)  # its own
    assert b1.hours.opens == dt.time(9)  # company default
    assert a1.day(dt.date(2026, 3, 7)).reason == OPEN_DAILY  # a Saturday


def test_overrides_most_specific_wins(chain):
    admin = _admin(chain)
    day = dt.date(2026, 3, 10)
    calendar_override_save(actor=admin, date=day, working=False, note="公司团建")
    calendar_override_save(actor=admin, date=day, working=True, note="A1 照常营业", unit_code="A1")
    assert unit_calendar(chain.stores_a[0]).day(day).working is True
    assert unit_calendar(chain.stores_a[1]).day(day).working is False
    assert unit_calendar(chain.stores_a[1]).day(day).label == "公司团建"
    calendar_override_save(actor=admin, date=day, working=False, note="改期")  # same row, changed
    assert CalendarOverride.objects.filter(date=day, unit__isnull=True).get().note == "改期"
    with pytest.raises(DomainError):
        calendar_override_save(actor=admin, date=day, working=False, note="  ")
    with pytest.raises(PermissionDenied):
        calendar_override_save(actor=chain.users["store_a1"], date=day, working=False, note="x")


def test_working_days_api(chain):
    client = Client()
    client.force_login(chain.users["mgmt"])
    CalendarOverride.objects.create(date=dt.date(2026, 2, 13), unit=None, working=False, note="年会")
    r = client.get("/api/calendar/working-days", {"from": "2026-02-12", "to": "2026-02-24"})
    assert r.status_code == 200, r.content
    days = {d["date"]: d for d in r.json()["days"]}
    assert len(days) == 13
    assert days["2026-02-12"]["working"] is True and days["2026-02-12"]["reason"] == "workday"
    assert days["2026-02-13"]["reason"] == OVERRIDE and days["2026-02-13"]["label"] == "年会"
    assert days["2026-02-14"] | {"date": ""} == {
        "date": "",
        "working": True,
        "reason": "makeup_workday",
        "reason_label": "调休上班",
        "label": "春节",
    }
    assert days["2026-02-17"]["working"] is False and days["2026-02-17"]["reason"] == "holiday"
    assert days["2026-02-24"]["working"] is True
    # the store's own calendar (in scope)
    r = client.get("/api/calendar/working-days", {"from": "2026-03-01", "to": "2026-03-01", "unit": "A1"})
    assert r.status_code == 200 and r.json()["unit"] == "A1"


def test_working_days_api_reports_unknown_years(chain):
    client = Client()
    client.force_login(chain.users["mgmt"])
    last = client.get("/api/calendar/working-days", {"from": "2026-01-01", "to": "2026-01-01"}).json()[
        "known_years"
    ][1]
    y = last + 1
    r = client.get("/api/calendar/working-days", {"from": f"{y}-01-01", "to": f"{y}-01-05"})
    assert r.status_code == 200
    assert {d["working"] for d in r.json()["days"]} == {None}
    assert {d["reason"] for d in r.json()["days"]} == {"unknown_year"}
    CalendarYear.objects.create(year=y)
    days = client.get("/api/calendar/working-days", {"from": f"{y}-01-01", "to": f"{y}-01-05"}).json()["days"]
    assert {d["working"] for d in days} <= {True, False}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-01-01"}, "from"),
        ({"from": "2026-13-01", "to": "2026-01-01"}, "from"),
        ({"from": "2026-01-05", "to": "2026-01-01"}, "to"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "to"),
    ],
)
def test_working_days_api_bad_input(chain, params, field):
    client = Client()
    client.force_login(chain.users["mgmt"])
    r = client.get("/api/calendar/working-days", params)
    assert r.status_code == 422
    assert r.json()["field"] == field and r.json()["detail"]


def test_working_days_api_unit_out_of_scope_is_404(chain):
    client = Client()
    client.force_login(chain.users["store_a1"])
    r = client.get("/api/calendar/working-days", {"from": "2026-01-01", "to": "2026-01-02", "unit": "B1"})
    assert r.status_code == 404
