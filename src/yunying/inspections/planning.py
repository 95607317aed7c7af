"""Visit planning (巡店计划): supervisors and area managers put visits on a month calendar; every store in
their scope is to be visited ``inspections.visits_per_period`` times each half month (the bulletin's period,
so the bulletin has no 未巡店 store); Yunying proposes the missing visits, spread over the working days left.

A plan is *done* when the store has a submitted visit in the plan's half month on or after its day, *overdue*
when its day has passed without one, *planned* otherwise."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.calendar import CalendarUnknown, unit_calendar
from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yunying.core.settings_store import setting_get_int
from yunying.inspections.bulletin import Period
from yunying.inspections.models import CONDUCT_PERMISSION, ChecklistTemplate, PlannedVisit, Visit, VisitStatus
from yunying.org.models import OrgUnit, UnitKind
from yunying.org.scope import scope_for, stores_visible_to

PLANNED, DONE, OVERDUE = "planned", "done", "overdue"
MAX_PLANS_PER_DAY = 20
MAX_AHEAD_DAYS = 366


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def visits_per_period() -> int:
    return max(0, min(setting_get_int("inspections.visits_per_period"), 10))


def _check_may_plan(actor: Any, store: OrgUnit) -> None:
    if not actor.has_perm(CONDUCT_PERMISSION):
        raise PermissionDenied(_("您没有巡店检查的权限。"))
    if store.kind != UnitKind.STORE or not scope_for(actor).sees_unit(store.pk):
        raise PermissionDenied(_("该门店不在您的管辖范围内。"))


@transaction.atomic
def plan_add(
    *,
    actor: Any,
    store: OrgUnit,
    planned_on: dt.date,
    template: ChecklistTemplate | None = None,
    announced: bool = False,
    proposed: bool = False,
) -> PlannedVisit:
    """Plan a visit of a store in the actor's scope on a day from today up to a year ahead."""
    _check_may_plan(actor, store)
    today = clock.today()
    if planned_on < today:
        raise DomainError(_("不能把巡店计划排在过去的日期。"), field="date")
    if (planned_on - today).days > MAX_AHEAD_DAYS:
        raise DomainError(_("巡店计划最多排到一年以后。"), field="date")
    if PlannedVisit.objects.filter(inspector=actor, planned_on=planned_on).count() >= MAX_PLANS_PER_DAY:
        raise DomainError(_("同一天最多安排 %(n)d 次巡店。") % {"n": MAX_PLANS_PER_DAY}, field="date")
    try:
        with transaction.atomic():
            return PlannedVisit.objects.create(
                store=store,
                inspector=actor,
                planned_on=planned_on,
                template=template,
                announced=announced,
                proposed=proposed,
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            _("%(date)s 已经安排了 %(store)s 的巡店。")
            % {"date": planned_on.isoformat(), "store": store.name}
        ) from None


@transaction.atomic
def plan_remove(*, actor: Any, plan: PlannedVisit) -> None:
    """Take a plan off the calendar: its inspector (or whoever may plan that store) while it is not done."""
    if plan.inspector_id != actor.pk:
        _check_may_plan(actor, plan.store)
    if plan_statuses([plan])[plan.pk] == DONE:
        raise Conflict(_("已完成的巡店计划不能删除。"))
    plan.delete()


def plan_get(*, user: Any, pk: int) -> PlannedVisit:
    plan = plans_visible_to(user).select_related("store").filter(pk=pk).first()
    if plan is None:
        raise NotFound(_("找不到该巡店计划。"))
    return plan


def plans_visible_to(user: Any) -> Any:
    scope = scope_for(user)
    plans = PlannedVisit.objects.all()
    return plans if scope.everything else plans.filter(store_id__in=scope.unit_ids)


def _visit_days(store_ids: set[int], start: dt.date, end: dt.date) -> dict[int, list[dt.date]]:
    days: dict[int, list[dt.date]] = defaultdict(list)
    rows = Visit.objects.filter(
        store_id__in=store_ids, status=VisitStatus.SUBMITTED, visited_on__gte=start, visited_on__lte=end
    ).values_list("store_id", "visited_on")
    for store_id, day in rows:
        days[store_id].append(day)
    return days


def plan_statuses(plans: list[PlannedVisit]) -> dict[int, str]:
    """Each plan's status (planned, done, overdue) in one query over the visits of their periods."""
    if not plans:
        return {}
    periods = [Period.of(p.planned_on) for p in plans]
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    days = _visit_days({p.store_id for p in plans}, start, end)
    today = clock.today()
    out = {}
    for plan, period in zip(plans, periods, strict=True):
        done = any(plan.planned_on <= d <= period.end for d in days.get(plan.store_id, []))
        out[plan.pk] = DONE if done else (OVERDUE if plan.planned_on < today else PLANNED)
    return out


@dataclass
class CalendarDay:
    day: dt.date
    in_month: bool
    plans: list[tuple[PlannedVisit, str]] = field(default_factory=list)

    @property
    def is_today(self) -> bool:
        return self.day == clock.today()


@dataclass
class Coverage:
    """A store's half months: (period key, needed, planned, done)."""

    store: OrgUnit
    periods: list[tuple[str, int, int, int]]

    @property
    def short(self) -> bool:
        return any(planned + done < needed for _k, needed, planned, done in self.periods)


@dataclass
class MonthPlan:
    month: dt.date
    weeks: list[list[CalendarDay]]
    coverage: list[Coverage]
    counts: dict[str, int]
    needed: int


def month_plan(*, user: Any, month: dt.date) -> MonthPlan:
    """The month's calendar (weeks from Monday) with the plans of the stores the user sees, and each store's
    coverage of the month's two half months (planned and visited against what the rule asks)."""
    month = month_start(month)
    last = month_end(month)
    first_shown = month - dt.timedelta(days=month.weekday())
    last_shown = last + dt.timedelta(days=6 - last.weekday())
    plans = list(
        plans_visible_to(user)
        .filter(planned_on__gte=first_shown, planned_on__lte=last_shown)
        .select_related("store", "inspector", "template")
        .order_by("planned_on", "store__code")[:2000]
    )
    statuses = plan_statuses(plans)
    by_day: dict[dt.date, list[tuple[PlannedVisit, str]]] = defaultdict(list)
    for plan in plans:
        by_day[plan.planned_on].append((plan, statuses[plan.pk]))
    weeks, day = [], first_shown
    while day <= last_shown:
        weeks.append(
            [
                CalendarDay(d, d.month == month.month, by_day.get(d, []))
                for d in (day + dt.timedelta(days=n) for n in range(7))
            ]
        )
        day += dt.timedelta(days=7)
    stores = list(stores_visible_to(user).order_by("sort_order", "code"))
    needed = visits_per_period()
    halves = [Period(month.year, month.month, 1), Period(month.year, month.month, 2)]
    visits = _visit_days({s.pk for s in stores}, month, last)
    planned_open: Counter[tuple[int, str]] = Counter()
    for plan in plans:
        if statuses[plan.pk] != DONE and month <= plan.planned_on <= last:
            planned_open[(plan.store_id, Period.of(plan.planned_on).key)] += 1
    coverage = []
    for store in stores:
        rows = []
        for half in halves:
            done = sum(1 for d in visits.get(store.pk, []) if half.start <= d <= half.end)
            rows.append((half.key, needed, planned_open[(store.pk, half.key)], done))
        coverage.append(Coverage(store, rows))
    counts = Counter(statuses[p.pk] for p in plans if month <= p.planned_on <= last)
    return MonthPlan(month, weeks, coverage, {k: counts.get(k, 0) for k in (PLANNED, DONE, OVERDUE)}, needed)


def _working_days(store: OrgUnit, start: dt.date, end: dt.date) -> list[dt.date]:
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    try:
        cal = unit_calendar(store)
        working = [d for d in days if cal.is_working_day(d)]
    except CalendarUnknown:
        working = [d for d in days if d.weekday() < 5]
    return working or days


@transaction.atomic
def plan_propose(*, actor: Any, month: dt.date) -> list[PlannedVisit]:
    """Add the visits the rule still asks for in the month's half months that have days left (from today):
    for each store in the actor's scope short of ``visits_per_period`` (submitted visits and open plans
    count), a visit on the least-loaded working day left in that half month (ties: the earliest)."""
    if not actor.has_perm(CONDUCT_PERMISSION):
        raise PermissionDenied(_("您没有巡店检查的权限。"))
    month = month_start(month)
    today = clock.today()
    if month_end(month) < today:
        raise DomainError(_("这个月已经过去了，不能再排期。"), field="month")
    if (month - today).days > MAX_AHEAD_DAYS:
        raise DomainError(_("巡店计划最多排到一年以后。"), field="month")
    plan = month_plan(user=actor, month=month)
    needed = plan.needed
    load: Counter[dt.date] = Counter(
        PlannedVisit.objects.filter(
            inspector=actor, planned_on__gte=month, planned_on__lte=month_end(month)
        ).values_list("planned_on", flat=True)
    )
    taken = set(
        PlannedVisit.objects.filter(
            inspector=actor, planned_on__gte=month, planned_on__lte=month_end(month)
        ).values_list("store_id", "planned_on")
    )
    created = []
    for row in plan.coverage:
        for key, _needed, planned, done in row.periods:
            half = Period.parse(key)
            start = max(half.start, today)
            if start > half.end:
                continue
            missing = needed - planned - done
            if missing <= 0:
                continue
            days = [d for d in _working_days(row.store, start, half.end) if (row.store.pk, d) not in taken]
            for _n in range(missing):
                if not days:
                    break
                day = min(days, key=lambda d: (load[d], d))
                days.remove(day)
                load[day] += 1
                taken.add((row.store.pk, day))
                created.append(
                    PlannedVisit(
                        store=row.store, inspector=actor, planned_on=day, proposed=True, created_by=actor
                    )
                )
    return PlannedVisit.objects.bulk_create(created)
