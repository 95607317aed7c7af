"""Materialising and delivering occurrences: with the clock frozen at random moments (month ends, leap days,
holidays, 调休; servers in UTC and in Shanghai; a store in New York) every period of the window exists once
per seat, arrivals and notices follow the clock, and a second run changes nothing. A seat nobody holds is
reported, not skipped; a person who leaves hands their open duties to the successor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yunying.core import clock
from yunying.core.errors import Conflict
from yunying.core.tests.company_time import frozen_at
from yunying.duties.factories import duty_make
from yunying.duties.models import Event, Occurrence, Status
from yunying.duties.recurrence import Rule, periods
from yunying.duties.scheduler import (
    duties_tick,
    materialise_window,
    occurrences_materialise,
    occurrences_reconcile,
)
from yunying.duties.seats import OrgSnapshot, duty_seats
from yunying.duties.services import occurrence_submit
from yunying.notifications.models import Notification
from yunying.org.factories import EmployeeFactory, UserFactory, appoint
from yunying.org.models import Appointment

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Moments on both sides of month ends, a leap day, the Spring Festival, National Day and 调休 Saturdays
EDGES = [
    dt.datetime(2024, 2, 28, 16, 30, tzinfo=UTC),  # 29 Feb 2024 00:30 in Shanghai
    dt.datetime(2024, 2, 29, 15, 30, tzinfo=UTC),  # 29 Feb 2024 23:30
    dt.datetime(2025, 12, 31, 16, 30, tzinfo=UTC),  # 1 Jan 2026 00:30
    dt.datetime(2026, 2, 13, 15, 30, tzinfo=UTC),  # eve of the 2026 Spring Festival holidays
    dt.datetime(2026, 2, 28, 1, 0, tzinfo=UTC),  # Saturday 28 Feb 2026, a make-up working day
    dt.datetime(2026, 9, 30, 15, 59, tzinfo=UTC),  # the last minute of September in Shanghai
    dt.datetime(2026, 10, 10, 2, 0, tzinfo=UTC),  # Saturday 10 Oct 2026, a make-up working day
]
INSTANTS = st.one_of(
    st.sampled_from(EDGES),
    st.datetimes(
        min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 11, 20), timezones=st.just(UTC)
    ),
)


@pytest.fixture
def duties(ops_chain: Any) -> Any:
    store = ops_chain.stores_b[0]
    store.time_zone = "America/New_York"  # a second zone, with daylight saving time
    store.save(update_fields=["time_zone"])
    ops_chain.duties = [
        duty_make(key="t_weekly", positions=("MGMT-HEAD",), cadence="weekly", weekday=4, due_time=dt.time(17),
                  lead_days=2, remind_before_hours=4, escalate_after_hours=8),
        duty_make(key="t_monthly", positions=("STORE-MGR",), cadence="monthly", day="last_working",
                  assign_to="superior", lead_days=3, remind_before_hours=2, escalate_after_hours=4),
        duty_make(key="t_half", positions=("SUPERVISOR",), cadence="half_monthly", day="15", second_day="last",
                  holiday_shift="later", lead_days=1),
    ]  # fmt: skip
    for i, store in enumerate([*ops_chain.stores_a, *ops_chain.stores_b, ops_chain.direct]):
        if store.pk != ops_chain.stores_a[0].pk:
            appoint(EmployeeFactory(name=f"店长{i}"), "STORE-MGR", store)
    return ops_chain


def _expected(duty: Any, start: dt.date, end: dt.date, snap: OrgSnapshot) -> set[tuple[str, str]]:
    today = clock.today()
    positions = list(duty.positions.values_list("pk", flat=True))
    return {
        (p.key, seat.slot)
        for p in periods(Rule.of(duty), start, end)
        for seat in duty_seats(snap, duty, positions, min(p.base, today))
    }


@settings(max_examples=14, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instant=INSTANTS, server=st.sampled_from(["UTC", "Asia/Shanghai"]))
def test_every_period_of_the_window_once_per_seat_and_a_second_run_changes_nothing(
    duties: Any, instant: dt.datetime, server: str
):
    with frozen_at(instant, server):
        Occurrence.objects.all().delete()
        Notification.objects.all().delete()
        first = duties_tick()
        now = clock.now()
        start, end = materialise_window()
        snap = OrgSnapshot()
        for duty in duties.duties:
            got = list(Occurrence.objects.filter(duty=duty).values_list("period_key", "slot"))
            assert len(got) == len(set(got))
            assert set(got) == _expected(duty, start, end, snap), duty.key
        for occ in Occurrence.objects.all():
            assert (occ.arrived_at is not None) == (occ.available_at <= now), occ.pk
            assert occ.available_at <= occ.due_at
            assert (occ.overdue_at is not None) == (occ.due_at <= now)
            if occ.escalate_at is not None:
                assert (occ.escalated_at is not None) == (occ.escalate_at <= now)
        assert first.arrived == Occurrence.objects.filter(arrived_at__isnull=False).count()
        notices = Notification.objects.count()
        again = duties_tick()
        assert (again.created, again.arrived, again.notices, again.moved) == (0, 0, 0, 0)
        assert Notification.objects.count() == notices
        assert occurrences_materialise(start=start, end=end).created == 0


def test_due_moments_on_the_seats_own_clock(duties: Any):
    with frozen_at(dt.datetime(2026, 2, 20, 4, tzinfo=UTC), "UTC"):
        occurrences_materialise(start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 31))
    new_york = duties.stores_b[0]
    occ = Occurrence.objects.get(duty__key="t_monthly", period_key="2026-02", unit=new_york)
    # The store's 店长 is evaluated by the 区域经理 of region B, on the region's (Shanghai) office calendar
    assert occ.assignee.user == duties.users["area_b"]
    assert occ.due_on == dt.date(2026, 2, 28)  # the 调休 Saturday
    direct = Occurrence.objects.get(duty__key="t_monthly", period_key="2026-02", unit=duties.direct)
    assert direct.assignee.user == duties.users["mgmt"]  # no 区域经理 above a direct store: the 管理部主任


def test_a_store_in_another_zone_counts_its_own_day(ops_chain: Any):
    store = ops_chain.stores_b[0]
    store.time_zone = "America/New_York"
    store.save(update_fields=["time_zone"])
    duty_make(
        key="t_store_weekly", positions=("STORE-MGR",), cadence="weekly", weekday=0, due_time=dt.time(9)
    )
    appoint(EmployeeFactory(name="纽约店长"), "STORE-MGR", store)
    with frozen_at(dt.datetime(2026, 3, 1, tzinfo=UTC), "UTC"):
        occurrences_materialise(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    ny = Occurrence.objects.get(period_key="2026-W11", unit=store)  # Monday 9 March, after the DST change
    sh = Occurrence.objects.get(period_key="2026-W11", unit=ops_chain.stores_a[0])
    assert ny.due_at == dt.datetime(2026, 3, 9, 13, tzinfo=UTC)  # 09:00 EDT
    assert sh.due_at == dt.datetime(2026, 3, 9, 1, tzinfo=UTC)  # 09:00 in Shanghai


def test_a_position_nobody_holds_gets_vacant_occurrences_the_board_reports(ops_chain: Any):
    from yunying.duties.board import board_compile

    duty_make(key="t_asst", positions=("AREA-ASST",), cadence="monthly", day="10")
    duty_make(key="t_marketing", positions=("MKT-HEAD",), cadence="monthly", day="10")
    with frozen_at(dt.datetime(2026, 5, 20, 4, tzinfo=UTC), "UTC"):
        occurrences_materialise(start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31))
        vacant = Occurrence.objects.filter(period_key="2026-05", assignee__isnull=True)
        assert vacant.filter(duty__key="t_asst").count() == 2  # one per region
        assert vacant.filter(duty__key="t_marketing").count() == 1  # never held anywhere: one seat
        board = board_compile(user=ops_chain.users["ops"], month="2026-05")
        lines = [line for line in board.lines if line.vacant]
        assert len(lines) == 3
        assert all(line.missing == 1 for line in lines)
        marketing = ops_chain.mgmt.parent.children.create(kind="department", code="D-MKT", name="营销部")
        appoint(EmployeeFactory(name="新营销部经理"), "MKT-HEAD", marketing, started_on=dt.date(2026, 5, 20))
        assert occurrences_reconcile() == 1
        taken = Occurrence.objects.get(duty__key="t_marketing", period_key="2026-05")
        assert taken.assignee.name == "新营销部经理"
        assert taken.events.filter(action=Event.Action.HANDED_OVER).exists()


def _successor(chain: Any, on: dt.date) -> Any:
    appointment = Appointment.objects.get(employee__user=chain.users["mgmt"], position__code="MGMT-HEAD")
    appointment.ended_on = on
    appointment.save(update_fields=["ended_on"])
    user = UserFactory(username="mgmt2")
    successor = EmployeeFactory(name="新主任", user=user)
    appoint(successor, "MGMT-HEAD", chain.mgmt, started_on=on)
    return successor


def test_a_person_who_changes_position_hands_open_duties_to_the_successor(ops_chain: Any):
    duty_make(key="t_plan", positions=("MGMT-HEAD",), cadence="weekly", weekday=4, lead_days=5)
    with frozen_at(dt.datetime(2026, 6, 8, 2, tzinfo=UTC), "UTC"):  # Monday 8 June 2026
        duties_tick()
        mine = Occurrence.objects.filter(assignee__user=ops_chain.users["mgmt"], status=Status.OPEN)
        assert mine.count() >= 1
        open_ids = set(mine.values_list("pk", flat=True))
        successor = _successor(ops_chain, clock.today())
        Notification.objects.all().delete()
        assert occurrences_reconcile() == len(open_ids)
        for occ in Occurrence.objects.filter(pk__in=open_ids):
            assert occ.assignee == successor
            event = occ.events.get(action=Event.Action.HANDED_OVER)
            assert event.data["to"] == "新主任"
        arrived = Occurrence.objects.filter(pk__in=open_ids, arrived_at__isnull=False).count()
        assert Notification.objects.filter(recipient__username="mgmt2", kind="assigned").count() == arrived
        assert occurrences_reconcile() == 0


def test_a_submission_after_the_person_left_is_refused_and_the_duty_handed_over(ops_chain: Any):
    duty_make(key="t_plan", positions=("MGMT-HEAD",), cadence="weekly", weekday=4, lead_days=5)
    with frozen_at(dt.datetime(2026, 6, 8, 2, tzinfo=UTC), "UTC"):
        duties_tick()
        occ = Occurrence.objects.filter(
            assignee__user=ops_chain.users["mgmt"], arrived_at__isnull=False
        ).first()
        assert occ is not None
        _successor(ops_chain, clock.today())  # no worker run in between
        with pytest.raises(Conflict) as caught:
            occurrence_submit(
                actor=ops_chain.users["mgmt"], occurrence_id=occ.pk, data={"summary": "本周总结"}
            )
        assert caught.value.code == "left_position"
        assert "新主任" in str(caught.value)
        occ.refresh_from_db()
        assert occ.status == Status.OPEN and occ.data == {} and occ.first_submitted_at is None
        assert occ.assignee.name == "新主任"
        done = occurrence_submit(actor=ops_chain.users["mgmt"].__class__.objects.get(username="mgmt2"),
                                 occurrence_id=occ.pk, data={"summary": "接手后提交"})  # fmt: skip
        assert done.status == Status.SUBMITTED


def test_the_subject_of_a_review_leaving_cancels_it(ops_chain: Any):
    duty_make(key="t_eval", positions=("STORE-MGR",), cadence="monthly", day="last", assign_to="superior")
    with frozen_at(dt.datetime(2026, 6, 8, 2, tzinfo=UTC), "UTC"):
        occurrences_materialise(start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 30))
        occ = Occurrence.objects.get(duty__key="t_eval", subject__user=ops_chain.users["store_a1"])
        appointment = Appointment.objects.get(employee__user=ops_chain.users["store_a1"])
        appointment.ended_on = clock.today()
        appointment.save(update_fields=["ended_on"])
        assert occurrences_reconcile() == 1
        occ.refresh_from_db()
        assert occ.status == Status.CANCELLED
        assert occ.events.get(action=Event.Action.CANCELLED).comment


def test_two_runs_at_once_of_the_same_window_never_duplicate(duties: Any):
    """The unique (duty, period, seat) holds whatever the interleaving: rows already there are skipped,
    rows inserted by another run in between are ignored on conflict."""
    with frozen_at(dt.datetime(2026, 4, 1, 2, tzinfo=UTC), "UTC"):
        start, end = dt.date(2026, 3, 1), dt.date(2026, 5, 31)
        snap = OrgSnapshot()
        occurrences_materialise(start=start, end=end, duties=[duties.duties[0]], snapshot=snap)
        before = Occurrence.objects.count()
        # A run that saw no rows (its read happened before the other run's insert) inserts them all again
        from yunying.duties import scheduler

        original = scheduler.Occurrence.objects.filter

        def blind_filter(*args: Any, **kwargs: Any) -> Any:
            if "period_key__in" in kwargs:
                return Occurrence.objects.none()
            return original(*args, **kwargs)

        scheduler.Occurrence.objects.filter = blind_filter  # type: ignore[method-assign]
        try:
            occurrences_materialise(start=start, end=end, snapshot=snap)
        finally:
            scheduler.Occurrence.objects.filter = original  # type: ignore[method-assign]
        keys = list(Occurrence.objects.values_list("duty_id", "period_key", "slot"))
        assert len(keys) == len(set(keys))
        assert Occurrence.objects.filter(duty=duties.duties[0]).count() == before
