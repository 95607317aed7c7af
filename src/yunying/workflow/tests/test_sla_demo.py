"""The demo chain's calendar and service levels: store hours inherited and overridden, two late requests
reminded, overdue and escalated once."""

from __future__ import annotations

import datetime as dt

import pytest

from yunying.core.calendar import unit_calendar
from yunying.notifications.models import Notification
from yunying.org.models import OrgUnit
from yunying.workflow.models import InstanceEvent
from yunying.workflow.timers import due_work_tick

pytestmark = pytest.mark.django_db


def test_demo_has_hours_overrides_and_late_requests() -> None:
    from tests.snapshots import demo_chain

    demo_chain()
    s01, s05, office = (unit_calendar(OrgUnit.objects.get(code=c)) for c in ("S01", "S05", "D-MGMT"))
    assert (s01.hours.opens, s01.hours.closes, s01.hours.every_day) == (dt.time(10), dt.time(22), True)
    assert s05.hours.opens == dt.time(6, 30)
    assert s05.day(dt.date(2026, 3, 9)).reason == "closed_weekday"  # a Monday
    s03 = unit_calendar(OrgUnit.objects.get(code="S03"))
    assert s03.weekly[4] is not None and s03.weekly[4].overnight  # Fridays until 2 a.m.
    assert office.hours.break_starts == dt.time(12) and not office.hours.every_day
    assert office.day(dt.date(2026, 12, 31)).working is False
    assert unit_calendar(OrgUnit.objects.get(code="S08")).day(dt.date(2026, 12, 8)).working is False

    from yunying.workflow.sla_demo import LATE_TITLES

    fired = InstanceEvent.objects.filter(
        action__in=("sla_remind", "overdue", "escalate"), instance__title__in=LATE_TITLES
    )  # (the demo repair desk's back-dated repairs fire theirs too)
    assert sorted(fired.values_list("instance__title", "action")) == [
        ("S02 保鲜膜采购", "escalate"),
        ("S02 保鲜膜采购", "overdue"),
        ("S02 保鲜膜采购", "sla_remind"),
        ("S03 排烟管道维修", "escalate"),
        ("S03 排烟管道维修", "overdue"),
        ("S03 排烟管道维修", "sla_remind"),
    ]
    assert set(
        Notification.objects.filter(kind="escalated", instance__title__in=LATE_TITLES).values_list(
            "recipient__username", flat=True
        )
    ) == {"ops"}
    assert due_work_tick() == 0
