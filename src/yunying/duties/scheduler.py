"""The worker's side of duties: materialise each period's occurrences ahead of time, hand open ones to whoever
holds the seat now, and deliver them — arrival (pre-filled where the system holds the content), the reminder
before the due moment, the overdue notice and the escalation after it.

Everything here is idempotent and safe with several workers at once: an occurrence exists once per
(duty, period, seat) by a unique constraint (rows are inserted with conflicts ignored), and each notice is
claimed by a conditional update of its ``*_at`` column before it is sent, so only one worker sends it."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.calendar import UnitCalendar, unit_calendar
from yunying.duties import notices
from yunying.duties.cards import occurrence_card_sync, occurrences_cards_sync
from yunying.duties.due import Due, DueSettings, due_compute
from yunying.duties.models import Duty, Event, Occurrence, Status
from yunying.duties.recurrence import SCHEDULED, Period, Rule, periods
from yunying.duties.seats import OrgSnapshot, Seat, duty_seats, seat_now
from yunying.duties.seed import setting
from yunying.forms.models import FormVersion
from yunying.org.models import OrgUnit

log = logging.getLogger(__name__)
BATCH = 500
TICK_LIMIT = 300
RECONCILE_DAYS = 92  # open occurrences due further back stay with whom they were (history, not work)  # notices sent per kind per tick (the next tick goes on)


@dataclass
class Calendars:
    """Each unit's working calendar, read once per run."""

    units: dict[int, OrgUnit] = field(default_factory=dict)
    found: dict[int | None, UnitCalendar] = field(default_factory=dict)

    def of(self, unit_id: int | None) -> UnitCalendar:
        if unit_id not in self.found:
            if unit_id is not None and unit_id not in self.units:
                self.units.update(OrgUnit.objects.in_bulk())
            self.found[unit_id] = unit_calendar(self.units.get(unit_id) if unit_id is not None else None)
        return self.found[unit_id]


def due_settings(duty: Duty) -> DueSettings:
    return DueSettings(
        due_time=duty.due_time,
        holiday_shift=duty.holiday_shift,
        lead_days=duty.lead_days,
        remind_before_hours=duty.remind_before_hours,
        escalate_after_hours=duty.escalate_after_hours,
    )


def form_version_for(duty: Duty) -> FormVersion | None:
    return (
        FormVersion.objects.filter(definition_id=duty.form_id, is_published=True).order_by("-number").first()
    )


def occurrence_build(
    *, duty: Duty, period: Period, seat: Seat, due: Due, version: FormVersion, now: dt.datetime
) -> Occurrence:
    return Occurrence(
        duty=duty,
        period_key=period.key,
        period_start=period.start,
        period_end=period.end,
        slot=seat.slot,
        unit_id=seat.unit_id,
        position_id=seat.position_id,
        subject_id=seat.subject_id,
        assignee_id=seat.assignee_id,
        assignee_position_id=seat.assignee_position_id,
        assignee_unit_id=seat.assignee_unit_id,
        form_version=version,
        due_on=due.due_on,
        due_at=due.due_at,
        available_at=due.available_at,
        remind_at=due.remind_at,
        escalate_at=due.escalate_at,
        provisional=due.provisional,
        data=dict(duty.initial or {}),
        created_at=now,
    )


@dataclass
class Materialised:
    created: int = 0
    periods: int = 0
    skipped: list[str] = field(default_factory=list)  # duties that could not run, with why


def occurrences_materialise(
    *, start: dt.date, end: dt.date, duties: list[Duty] | None = None, snapshot: OrgSnapshot | None = None
) -> Materialised:
    """Create the occurrences of every active scheduled duty whose periods' base days lie in start..end
    (at most about three years per call). Existing ones are left alone; running it again creates nothing."""
    today, now = clock.today(), clock.now()
    snap = snapshot or OrgSnapshot()
    calendars = Calendars()
    result = Materialised()
    wanted = (
        duties if duties is not None else list(Duty.objects.filter(is_active=True, cadence__in=SCHEDULED))
    )
    for duty in wanted:
        version = form_version_for(duty)
        if version is None:
            result.skipped.append(f"{duty.key}: {_('表单没有已发布的版本')}")
            continue
        position_ids = list(duty.positions.values_list("pk", flat=True))
        settings = due_settings(duty)
        rule = Rule.of(duty)
        found = periods(rule, start, end)
        result.periods += len(found)
        existing = set(
            Occurrence.objects.filter(duty=duty, period_key__in=[p.key for p in found]).values_list(
                "period_key", "slot"
            )
        )
        rows: list[Occurrence] = []
        seats_on: dict[dt.date, list[Seat]] = {}
        for period in found:
            on = min(period.base, today)
            if on not in seats_on:
                seats_on[on] = duty_seats(snap, duty, position_ids, on)
            for seat in seats_on[on]:
                if (period.key, seat.slot) in existing:
                    continue
                due = due_compute(period, settings, calendars.of(seat.calendar_unit_id))
                rows.append(
                    occurrence_build(duty=duty, period=period, seat=seat, due=due, version=version, now=now)
                )
        for i in range(0, len(rows), BATCH):
            Occurrence.objects.bulk_create(rows[i : i + BATCH], ignore_conflicts=True)
        if rows:  # what this run added (rows another run inserted meanwhile were ignored)
            keys = [p.key for p in found]
            result.created += Occurrence.objects.filter(duty=duty, period_key__in=keys).count() - len(
                existing
            )
    return result


def materialise_window() -> tuple[dt.date, dt.date]:
    today = clock.today()
    return (
        today - dt.timedelta(days=int(setting("duties.catch_up_days"))),
        today + dt.timedelta(days=int(setting("duties.horizon_days"))),
    )


def due_recompute_provisional(*, limit: int = BATCH) -> int:
    """Occurrences computed while their year's holidays were unknown, computed again now (those not yet
    arrived; a due moment people have seen is not moved)."""
    calendars = Calendars()
    changed = 0
    rows = list(
        Occurrence.objects.filter(
            provisional=True, arrived_at__isnull=True, status=Status.OPEN
        ).select_related("duty")[:limit]
    )
    for occ in rows:
        period = _period_of(occ)
        due = due_compute(period, due_settings(occ.duty), calendars.of(occ.assignee_unit_id or occ.unit_id))
        if due.provisional:
            continue
        Occurrence.objects.filter(pk=occ.pk, provisional=True).update(
            due_on=due.due_on,
            due_at=due.due_at,
            available_at=due.available_at,
            remind_at=due.remind_at,
            escalate_at=due.escalate_at,
            provisional=False,
        )
        changed += 1
    return changed


def _period_of(occ: Occurrence) -> Period:
    rule = Rule.of(occ.duty)
    for period in periods(rule, occ.period_start, occ.period_end):
        if period.key == occ.period_key:
            return period
    return Period(occ.period_key, occ.period_start, occ.period_end, occ.due_on, "")


# -- succession ---------------------------------------------------------------------------------------


def occurrence_hand_over(occ: Occurrence, seat: Seat | None, *, actor: Any = None, now: dt.datetime) -> bool:
    """Give an open occurrence to whoever holds its seat now (or cancel it when the seat is gone).
    Returns whether anything changed. The caller holds the row (select_for_update)."""
    if seat is None:
        occ.status = Status.CANCELLED
        occ.save(update_fields=["status"])
        Event.objects.create(
            occurrence=occ,
            action=Event.Action.CANCELLED,
            actor=actor,
            at=now,
            comment=_("考评对象或任职者已离任。"),
        )
        occurrence_card_sync(occ)
        return True
    if seat.assignee_id == occ.assignee_id:
        return False
    before = occ.assignee
    occ.assignee_id = seat.assignee_id
    occ.assignee_position_id = seat.assignee_position_id
    occ.assignee_unit_id = seat.assignee_unit_id
    occ.save(update_fields=["assignee", "assignee_position", "assignee_unit"])
    occ.refresh_from_db(fields=["assignee"])
    Event.objects.create(
        occurrence=occ,
        action=Event.Action.HANDED_OVER,
        actor=actor,
        at=now,
        data={"from": before.name if before else "", "to": occ.assignee.name if occ.assignee else ""},
        comment=(
            _("岗位变动，移交给 %(name)s。") % {"name": occ.assignee.name}
            if occ.assignee
            else _("岗位空缺，暂无人承办。")
        ),
    )
    occurrence_card_sync(occ)
    if occ.arrived_at is not None and occ.assignee is not None:
        notices.handed_over(occ)
    return True


def occurrences_reconcile(*, snapshot: OrgSnapshot | None = None, ids: list[int] | None = None) -> int:
    """Hand every open occurrence to whoever holds its seat today (succession), and every submitted one to
    whoever reviews it today (:func:`reviewers_reconcile`); returns how many moved."""
    snap = snapshot or OrgSnapshot()
    today, now = clock.today(), clock.now()
    since = today - dt.timedelta(days=RECONCILE_DAYS)
    qs = Occurrence.objects.filter(status__in=(Status.OPEN, Status.RETURNED), due_on__gte=since)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    moved = 0
    candidates = []
    for occ in qs.only("pk", "slot", "unit_id", "position_id", "subject_id", "assignee_id").iterator():
        seat = seat_now(snap, occ, today)
        if seat is None or seat.assignee_id != occ.assignee_id:
            candidates.append(occ.pk)
    for pk in candidates:
        with transaction.atomic():
            locked = (
                Occurrence.objects.select_for_update(of=("self",))
                .select_related("assignee", "duty")
                .filter(pk=pk)
                .first()
            )
            if locked is None or locked.status not in (Status.OPEN, Status.RETURNED):
                continue
            moved += int(occurrence_hand_over(locked, seat_now(snap, locked, today), now=now))
    return moved + reviewers_reconcile(snapshot=snap, ids=ids)


def _reviewer_now(snap: OrgSnapshot, occ: Occurrence, today: dt.date) -> int | None:
    from yunying.duties.seats import reviewer_for

    found = reviewer_for(
        snap,
        reviewer_position_id=occ.duty.reviewer_position_id,
        unit_id=occ.assignee_unit_id or occ.unit_id,
        assignee_position_id=occ.assignee_position_id,
        on=today,
    )
    return None if found == occ.assignee_id else found


def reviewers_reconcile(*, snapshot: OrgSnapshot | None = None, ids: list[int] | None = None) -> int:
    """Submitted occurrences whose reviewer left the reviewing seat go to whoever reviews now (their inbox
    card with them, history line 移交, a notice); returns how many moved."""
    from yunying.org.models import Employee

    snap = snapshot or OrgSnapshot()
    today, now = clock.today(), clock.now()
    qs = Occurrence.objects.filter(
        status=Status.SUBMITTED, due_on__gte=today - dt.timedelta(days=RECONCILE_DAYS)
    ).select_related("duty")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    candidates = [
        (occ.pk, found)
        for occ in qs.iterator()
        if (found := _reviewer_now(snap, occ, today)) is not None and found != occ.reviewer_id
    ]
    moved = 0
    for pk, reviewer_id in candidates:
        with transaction.atomic():
            occ = (
                Occurrence.objects.select_for_update(of=("self",))
                .select_related("duty", "assignee", "reviewer", "subject", "unit")
                .filter(pk=pk, status=Status.SUBMITTED)
                .first()
            )
            if occ is None or occ.reviewer_id == reviewer_id:
                continue
            before = occ.reviewer.name if occ.reviewer else ""
            occ.reviewer = Employee.objects.select_related("user").get(pk=reviewer_id)
            occ.save(update_fields=["reviewer"])
            Event.objects.create(
                occurrence=occ,
                action=Event.Action.HANDED_OVER,
                at=now,
                data={"from": before, "to": occ.reviewer.name, "reviewer": True},
                comment=_("审阅人变动，改由 %(name)s 审阅。") % {"name": occ.reviewer.name},
            )
            occurrence_card_sync(occ)
            notices.submitted(occ)
            moved += 1
    return moved


# -- delivery -----------------------------------------------------------------------------------------


def _claim(pk: int, column: str, now: dt.datetime, extra: Q | None = None) -> bool:
    qs = Occurrence.objects.filter(pk=pk, **{f"{column}__isnull": True})
    if extra is not None:
        qs = qs.filter(extra)
    return qs.update(**{column: now}) == 1


def occurrences_arrive(*, now: dt.datetime | None = None, limit: int = TICK_LIMIT, chunk: int = 50) -> int:
    """Occurrences whose moment to appear has come: pre-filled, put in the inbox, announced once. A chunk
    at a time, in one transaction: each claimed by its ``arrived_at``, and the chunk's inbox cards written
    together (one DELETE, one INSERT)."""
    from yunying.duties.prefill import prefill_occurrence

    now = now or clock.now()
    pks = list(
        Occurrence.objects.filter(status=Status.OPEN, arrived_at__isnull=True, available_at__lte=now)
        .order_by("available_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for i in range(0, len(pks), chunk):
        with transaction.atomic():
            claimed = [pk for pk in pks[i : i + chunk] if _claim(pk, "arrived_at", now)]
            if not claimed:
                continue
            arrived = list(
                Occurrence.objects.filter(pk__in=claimed)
                .select_related("duty", "assignee__user", "reviewer", "unit", "subject")
                .order_by("available_at", "pk")
            )
            for occ in arrived:
                if occ.duty.prefill and not occ.prefilled:
                    prefill_occurrence(occ)
                notices.arrived(occ)
            Event.objects.bulk_create(
                [Event(occurrence=occ, action=Event.Action.ARRIVED, at=now) for occ in arrived]
            )
            occurrences_cards_sync(arrived)
            sent += len(arrived)
    return sent


def occurrences_remind(*, now: dt.datetime | None = None, limit: int = TICK_LIMIT) -> int:
    now = now or clock.now()
    base = Occurrence.objects.filter(
        status__in=(Status.OPEN, Status.RETURNED), first_submitted_at__isnull=True, arrived_at__isnull=False
    )
    sent = 0
    reminders = base.filter(reminded_at__isnull=True, remind_at__lte=now, due_at__gt=now)
    for pk in list(reminders.order_by("remind_at").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            if _claim(pk, "reminded_at", now):
                occ = Occurrence.objects.select_related("duty", "assignee__user").get(pk=pk)
                Event.objects.create(occurrence=occ, action=Event.Action.REMINDED, at=now)
                notices.reminder(occ)
                sent += 1
    for pk in list(
        base.filter(overdue_at__isnull=True, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    ):
        with transaction.atomic():
            if _claim(pk, "overdue_at", now):
                occ = Occurrence.objects.select_related("duty", "assignee__user").get(pk=pk)
                Event.objects.create(occurrence=occ, action=Event.Action.OVERDUE, at=now)
                notices.overdue(occ)
                sent += 1
    late = base.filter(escalated_at__isnull=True, escalate_at__lte=now)
    for pk in list(late.order_by("escalate_at").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            if _claim(pk, "escalated_at", now):
                occ = Occurrence.objects.select_related("duty", "assignee__user", "unit").get(pk=pk)
                to = notices.escalated(occ)
                Event.objects.create(
                    occurrence=occ,
                    action=Event.Action.ESCALATED,
                    at=now,
                    data={"to": [u.username for u in to]},
                )
                sent += 1
    return sent


@dataclass
class TickResult:
    created: int = 0
    moved: int = 0
    arrived: int = 0
    notices: int = 0
    recomputed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def duties_schedule() -> TickResult:
    """Materialise the window ahead, recompute provisional due moments, hand occurrences to successors."""
    start, end = materialise_window()
    snap = OrgSnapshot()
    result = TickResult()
    result.created = occurrences_materialise(start=start, end=end, snapshot=snap).created
    result.recomputed = due_recompute_provisional()
    result.moved = occurrences_reconcile(snapshot=snap)
    return result


def duties_deliver() -> TickResult:
    """Arrivals, reminders, overdue notices and escalations due by now."""
    return TickResult(arrived=occurrences_arrive(), notices=occurrences_remind())


def duties_tick() -> TickResult:
    """Both: what a worker does when it starts, and what tests call."""
    result = duties_schedule()
    delivered = duties_deliver()
    result.arrived, result.notices = delivered.arrived, delivered.notices
    return result
