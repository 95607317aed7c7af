"""Reads of a store's day, always through the caller's scope (``yunying.org.scope``): a store outside it
is not found."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from yunying.analytics.selectors import store_day_sales
from yunying.core import clock
from yunying.core.calendar import UnitCalendar, unit_calendar, unit_calendars
from yunying.core.errors import DomainError
from yunying.org.models import Appointment, Employee, OrgUnit, Store, UnitKind
from yunying.org.scope import scope_for, stores_visible_to
from yunying.org.selectors import store_get
from yunying.storeday.models import (
    Handover,
    MorningMeeting,
    RosterDuty,
    RosterSwap,
    Routine,
    SlotRecord,
    SwapStatus,
)
from yunying.storeday.slots import ATTENTION, Slot, slots_of

TOP = 5
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def day_checked(day: dt.date) -> dt.date:
    """A date a store's day can be about (2000–2100); anything else is refused with a message."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DomainError(
            _("日期须在 %(first)s 到 %(last)s 之间。")
            % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            field="date",
        )
    return day


@dataclass
class StoreDay:
    store: OrgUnit
    date: dt.date
    today: dt.date
    closed: bool
    closed_note: str
    slots: list[Slot]
    meeting: MorningMeeting | None
    handovers: list[Handover]
    duty_manager: Employee | None
    attention: list[Slot] = field(default_factory=list)


def store_for(*, user: Any, code: str) -> Store:
    """The store if the user may see it; NotFound otherwise (also for a person outside the store)."""
    return store_get(user=user, code=code)


def routines_for(store: OrgUnit) -> list[Routine]:
    """The store's routines: the company defaults, each replaced by the store's own row of the same key."""
    rows = Routine.objects.filter(Q(store__isnull=True) | Q(store=store))
    by_key: dict[str, Routine] = {}
    for row in sorted(rows, key=lambda r: r.store_id is not None):
        by_key[row.key] = row
    found = [r for r in by_key.values() if r.is_active]
    return sorted(found, key=lambda r: (r.starts_at, r.sort_order, r.key))


def day_closed(store: OrgUnit, day: dt.date, calendar: UnitCalendar | None = None) -> tuple[bool, str]:
    """Whether the business calendar says the store does not open on ``day`` (a year whose holidays are
    unknown does not close a store: stores open unless told otherwise). ``calendar``: the store's, when
    the caller read it already (:func:`yunying.core.calendar.unit_calendars` for many stores)."""
    found = (calendar or unit_calendar(store)).day(day)
    if found.working is False:
        return True, found.label or found.reason_label
    if (store.opened_on and day < store.opened_on) or (store.closed_on and day >= store.closed_on):
        return True, ""
    return False, ""


def slots_for(store: OrgUnit, day: dt.date, *, now: dt.datetime | None = None) -> list[Slot]:
    records = {
        r.routine_key: r
        for r in SlotRecord.objects.filter(store=store, date=day).select_related("done_by__employee")
    }
    return slots_of(routines_for(store), day, store.zone, records, now or clock.now())


def duty_manager(store: OrgUnit, day: dt.date) -> Employee | None:
    duty = RosterDuty.objects.filter(store=store, date=day).select_related("manager").first()
    return duty.manager if duty else None


def store_day(*, user: Any, code: str, day: dt.date | None = None) -> StoreDay:
    store = store_for(user=user, code=code)
    today = store.today
    day = day_checked(day or today)
    closed, note = day_closed(store, day)
    slots = [] if closed else slots_for(store, day)
    handovers = list(
        Handover.objects.filter(store=store, date=day)
        .select_related("handed_by__employee", "received_by__employee")
        .prefetch_related("items")
        .order_by("created_at", "pk")
    )
    return StoreDay(
        store=store,
        date=day,
        today=today,
        closed=closed,
        closed_note=note,
        slots=slots,
        meeting=MorningMeeting.objects.filter(store=store, date=day)
        .select_related("held_by__employee")
        .first(),
        handovers=handovers,
        duty_manager=duty_manager(store, day),
        attention=[s for s in slots if s.state in ATTENTION and s.record is None],
    )


# -- the board: late and missed slots of the stores a person sees ----------------------------------


@dataclass(frozen=True)
class AttentionRow:
    store: OrgUnit
    slot: Slot


MAX_BOARD_STORES = 1000


def attention_board(
    *, user: Any, day: dt.date | None = None, now: dt.datetime | None = None
) -> list[AttentionRow]:
    """Today's late and missed slots (still not done) of every store the user sees, worst first."""
    now = now or clock.now()
    stores = list(stores_visible_to(user).filter(closed_on__isnull=True).order_by("code")[:MAX_BOARD_STORES])
    return attention_rows(stores, day=day, now=now)


def attention_rows(stores: Sequence[OrgUnit], *, day: dt.date | None, now: dt.datetime) -> list[AttentionRow]:
    """Late or missed slots without a record; the calendar is asked only for stores that have some."""
    _attach_ancestors(stores)
    days = {s.pk: day or clock.business_date(now, s.zone) for s in stores}
    records: dict[tuple[int, dt.date], dict[str, SlotRecord]] = defaultdict(dict)
    for record in SlotRecord.objects.filter(store__in=stores, date__in=set(days.values())).only(
        "store_id", "date", "routine_key", "done_at"
    ):
        records[(record.store_id, record.date)][record.routine_key] = record
    defaults = [r for r in Routine.objects.filter(store__isnull=True)]
    own: dict[int, list[Routine]] = defaultdict(list)
    for row in Routine.objects.filter(store__in=stores):
        own[row.store_id].append(row)  # type: ignore[index]
    late: list[tuple[OrgUnit, list[Slot]]] = []
    for store in stores:
        by_key = {r.key: r for r in defaults} | {r.key: r for r in own.get(store.pk, [])}
        routines = sorted((r for r in by_key.values() if r.is_active), key=lambda r: r.starts_at)
        found = [
            s
            for s in slots_of(routines, days[store.pk], store.zone, records[(store.pk, days[store.pk])], now)
            if s.state in ATTENTION and s.record is None
        ]
        if found:
            late.append((store, found))
    calendars = unit_calendars(store for store, _found in late)  # one read for all of them
    rows: list[AttentionRow] = []
    for store, found in late:
        if not day_closed(store, days[store.pk], calendars[store.pk])[0]:
            rows.extend(AttentionRow(store, s) for s in found)
    return sorted(rows, key=lambda r: (r.slot.state != "missed", r.slot.ends, r.store.code))


def _attach_ancestors(stores: Sequence[OrgUnit]) -> None:
    """Give each store its chain of parents from one query (time zones and calendars walk it)."""
    units = {u.pk: u for u in OrgUnit.objects.only("pk", "parent_id", "kind", "code", "name", "time_zone")}
    for unit in units.values():
        if unit.parent_id in units:
            unit.parent = units[unit.parent_id]
    for store in stores:
        if store.parent_id in units:
            store.parent = units[store.parent_id]


def people_to_alert(store: OrgUnit) -> list[Any]:
    """The store's head (店长) and the head of its region (区域经理): users with an active appointment."""
    units = [store.pk] + ([store.parent_id] if store.parent and store.parent.kind == UnitKind.REGION else [])
    rows = (
        Appointment.objects.active(clock.today(store.zone))
        .filter(
            unit_id__in=units, position__is_head=True, employee__is_active=True, employee__user__isnull=False
        )
        .select_related("employee__user")
    )
    return [row.employee.user for row in rows]


# -- morning meeting: yesterday's sales from analytics -----------------------------------------------


@dataclass(frozen=True)
class SalesOfDay:
    date: dt.date
    amount: Decimal | None
    top: list[dict[str, Any]]

    @property
    def has_data(self) -> bool:
        return self.amount is not None or bool(self.top)


def _quantity(qty: Decimal) -> str:
    """A quantity as people write it: 20, 2.5 (never 2E+1)."""
    return f"{qty.normalize():f}"


def sales_of_day(store: OrgUnit, day: dt.date) -> SalesOfDay:
    """The store's sales on ``day`` and its top five products by amount (empty without sales data), read
    through the analytics app."""
    found = store_day_sales(store_id=store.pk, day=day_checked(day), top=TOP)
    top = [{"name": p.name, "qty": _quantity(p.qty), "amount": str(p.amount)} for p in found.top]
    return SalesOfDay(day, found.amount, top)


# -- handover book -------------------------------------------------------------------------------------


def handover_pending(store: OrgUnit) -> Handover | None:
    return Handover.objects.filter(store=store, confirmed_at__isnull=True).first()


def handover_last_confirmed(store: OrgUnit) -> Handover | None:
    return (
        Handover.objects.filter(store=store, confirmed_at__isnull=False)
        .order_by("-confirmed_at", "-pk")
        .first()
    )


def handover_book(*, store: OrgUnit, limit: int = 30) -> list[Handover]:
    return list(
        Handover.objects.filter(store=store)
        .select_related("handed_by__employee", "received_by__employee")
        .prefetch_related("items")[:limit]
    )


def store_staff_users(store: OrgUnit) -> list[Any]:
    rows = (
        Appointment.objects.active(clock.today(store.zone))
        .filter(unit=store, employee__is_active=True, employee__user__isnull=False)
        .select_related("employee__user", "position")
        .order_by("position__sort_order", "employee__name")
    )
    return [(row.employee.user, row.employee, row.position) for row in rows]


# -- roster ---------------------------------------------------------------------------------------------


def week_of(day: dt.date) -> dt.date:
    return day_checked(day) - dt.timedelta(days=day.weekday())


def duty_managers_eligible(store: OrgUnit) -> list[Employee]:
    """Who may be on duty: the store's head and the leads reporting to the head (店长, 前厅主管, 厨房主管)."""
    rows = (
        Appointment.objects.active(clock.today(store.zone))
        .filter(unit=store, employee__is_active=True)
        .filter(Q(position__is_head=True) | Q(position__superior__is_head=True, position__unit_kind="store"))
        .select_related("employee")
        .order_by("position__sort_order", "employee__name")
    )
    seen: dict[int, Employee] = {}
    for row in rows:
        seen.setdefault(row.employee_id, row.employee)
    return list(seen.values())


def roster_week(store: OrgUnit, monday: dt.date) -> list[tuple[dt.date, Employee | None]]:
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    duties = {
        d.date: d.manager
        for d in RosterDuty.objects.filter(store=store, date__in=days).select_related("manager")
    }
    return [(d, duties.get(d)) for d in days]


def swaps_for(store: OrgUnit, *, around: dt.date, limit: int = 20) -> list[RosterSwap]:
    return list(
        RosterSwap.objects.filter(store=store, date__gte=around - dt.timedelta(days=14))
        .select_related("requester", "other")
        .order_by("status", "-requested_at")[:limit]
    )


def swaps_waiting_for(user: Any) -> int:
    return RosterSwap.objects.filter(other__user=user, status=SwapStatus.REQUESTED).count()


def sees_store(user: Any, store: OrgUnit) -> bool:
    return scope_for(user).sees_unit(store.pk)
