"""The calendars of many units read at once: the same calendar per unit as reading them one by one (hours
inherited up the tree, the nearest override winning, a unit's own zone), in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yunying.core.calendar import unit_calendar, unit_calendars
from yunying.core.models import CalendarOverride, WorkingDays, WorkingHours
from yunying.org.models import Store

pytestmark = pytest.mark.django_db


def test_many_units_read_at_once_equal_each_read_alone(chain: Any, django_assert_max_num_queries: Any):
    WorkingHours.objects.create(unit=chain.region_a, opens_at=dt.time(10), closes_at=dt.time(22),
                                days=WorkingDays.EVERY_DAY, weekly={"0": None})  # fmt: skip
    WorkingHours.objects.create(unit=chain.stores_a[1], opens_at=dt.time(7), closes_at=dt.time(2))
    CalendarOverride.objects.create(date=dt.date(2026, 12, 8), unit=None, working=False, note="公司年会")
    CalendarOverride.objects.create(
        date=dt.date(2026, 12, 8), unit=chain.region_b, working=True, note="照常营业"
    )
    CalendarOverride.objects.create(
        date=dt.date(2026, 12, 8), unit=chain.stores_b[0], working=False, note="装修"
    )
    CalendarOverride.objects.create(
        date=dt.date(2026, 12, 9), unit=chain.stores_b[1], working=False, note="停电"
    )
    store = chain.stores_b[2]
    store.time_zone = "America/New_York"
    store.save(update_fields=["time_zone"])
    stores = list(Store.objects.order_by("code"))
    assert len(stores) == 10
    with django_assert_max_num_queries(4):
        found = unit_calendars([*stores, chain.mgmt])
    for unit in [*stores, chain.mgmt]:
        assert found[unit.pk] == unit_calendar(unit), unit.code
    notes = {s.code: found[s.pk].day(dt.date(2026, 12, 8)).label for s in stores}
    assert notes["A1"] == "公司年会" and notes["B1"] == "装修" and notes["B2"] == "照常营业"
    assert found[chain.stores_a[1].pk].hours.opens == dt.time(7)
    assert found[chain.stores_a[0].pk].day(dt.date(2026, 12, 7)).working is False  # region A: closed Mondays
    assert unit_calendars([]) == {}
