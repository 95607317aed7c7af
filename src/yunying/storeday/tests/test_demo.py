"""The demo chain's store days: weeks of routines with late and missed slots, meetings, a roster with a
swap, a handover book with an item carried over."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from yunying.org.models import OrgUnit
from yunying.storeday import selectors
from yunying.storeday.demo import storeday_demo_load
from yunying.storeday.factories import at, sales_day
from yunying.storeday.models import Handover, HandoverItem, MorningMeeting, RosterDuty, RosterSwap, SlotRecord

pytestmark = pytest.mark.django_db
NOW = at(dt.date(2026, 12, 2), 16)


def test_demo_store_days_tell_a_story():
    from yunying.seed.demo import demo_load

    with time_machine.travel(NOW, tick=False):
        demo_load(with_sales=False)
        s01 = OrgUnit.objects.get(code="S01")
        SlotRecord.objects.all().delete()
        MorningMeeting.objects.all().delete()
        RosterDuty.objects.all().delete()
        RosterSwap.objects.all().delete()
        Handover.objects.all().delete()
        yesterday = dt.date(2026, 12, 1)
        sales_day(s01, yesterday, {"招牌红烧肉": (40, "1880.00"), "清蒸鲈鱼": (20, "1560.00")}, "15234.00")
        written = storeday_demo_load()
        assert written > 17 * 15 * 3
        states = [s.state for s in selectors.slots_for(OrgUnit.objects.get(code="S05"), yesterday)]
        past = [
            s.state
            for store in OrgUnit.objects.filter(code__in=["S05", "S12"])
            for back in range(1, 20)
            for s in selectors.slots_for(store, yesterday - dt.timedelta(days=back))
        ]
        assert {"done", "late", "missed"} <= set(past) and states
    today_meeting = MorningMeeting.objects.get(store=s01, date=dt.date(2026, 12, 2))
    assert [p["name"] for p in today_meeting.top_products] == ["招牌红烧肉", "清蒸鲈鱼"]
    assert MorningMeeting.objects.count() > 17 * 15
    assert RosterDuty.objects.filter(store=s01).count() == 14
    assert RosterSwap.objects.get().status == "accepted"
    carried = HandoverItem.objects.filter(carried_from__isnull=False)
    assert carried.filter(resolved=False).exists() and carried.filter(resolved=True).exists()
    assert Handover.objects.filter(confirmed_at__isnull=True).count() == 0
