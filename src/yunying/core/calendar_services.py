"""Reading and editing the business calendar: the days of a range for a unit, administrators' overrides
and working hours. The arithmetic itself lives in :mod:`yunying.core.calendar`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yunying.core.calendar import Day, Hours, library_years, unit_calendar
from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yunying.core.models import CalendarOverride, WorkingDays, WorkingHours

MAX_RANGE_DAYS = 366
EDIT_PERMISSION = "core.change_calendaroverride"


def parse_date(raw: str | None, *, field: str) -> dt.date:
    if not raw:
        raise DomainError(_("请填写日期（格式 YYYY-MM-DD）。"), field=field)
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise DomainError(
            _("“%(value)s”不是有效的日期，格式应为 YYYY-MM-DD。") % {"value": raw[:40]}, field=field
        )


@dataclass(frozen=True)
class DayRange:
    unit: Any
    days: list[Day]
    library_first: int
    library_last: int


def working_days(*, user: Any, start: str | None, end: str | None, unit_code: str | None = None) -> DayRange:
    """Each day of ``start``..``end`` (inclusive, at most a year) for a unit in the user's scope (or the
    company's calendar): working or not, and why."""
    first, last = parse_date(start, field="from"), parse_date(end, field="to")
    if last < first:
        raise DomainError(_("结束日期不能早于开始日期。"), field="to")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise DomainError(
            _("一次最多查询 %(days)s 天。") % {"days": MAX_RANGE_DAYS}, field="to", code="range_too_long"
        )
    unit = unit_for(user=user, code=unit_code)
    lib_first, lib_last = library_years()
    return DayRange(unit, unit_calendar(unit).days(first, last), lib_first, lib_last)


def units_to_pick(*, user: Any) -> list[Any]:
    """The units whose calendar the user may open (their scope), for the page's unit picker."""
    from yunying.org.scope import units_visible_to

    return list(units_visible_to(user).order_by("code").only("code", "name", "kind")[:2000])


def unit_for(*, user: Any, code: str | None) -> Any:
    if not code:
        return None
    from yunying.org.selectors import unit_get

    return unit_get(user=user, code=code)


def overrides_of_year(*, year: int) -> list[CalendarOverride]:
    return list(
        CalendarOverride.objects.filter(date__year=year).select_related("unit").order_by("date", "unit__code")
    )


def _check_editor(actor: Any) -> None:
    if not actor.has_perm(EDIT_PERMISSION):
        raise PermissionDenied(_("您没有维护营业日历的权限。"))


@transaction.atomic
def calendar_override_save(
    *, actor: Any, date: dt.date, working: bool, note: str, unit_code: str = ""
) -> CalendarOverride:
    """Add or change the override of a day (for a unit, or the whole company)."""
    _check_editor(actor)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请填写原因。"), field="note")
    if len(note) > 100:
        raise DomainError(_("原因最多 100 个字。"), field="note")
    unit = unit_for(user=actor, code=unit_code.strip()) if unit_code.strip() else None
    try:
        with transaction.atomic():
            row, _created = CalendarOverride.objects.update_or_create(
                date=date, unit=unit, defaults={"working": working, "note": note}
            )
    except IntegrityError:
        raise Conflict(_("这一天的例外刚被别人修改，请刷新后重试。"))
    return row


@transaction.atomic
def calendar_override_delete(*, actor: Any, override_id: int) -> None:
    _check_editor(actor)
    deleted, _rows = CalendarOverride.objects.filter(pk=override_id).delete()
    if not deleted:
        raise NotFound(_("找不到这条日历例外。"))


@transaction.atomic
def working_hours_save(
    *,
    actor: Any,
    unit_code: str,
    opens_at: dt.time,
    closes_at: dt.time,
    break_starts_at: dt.time | None = None,
    break_ends_at: dt.time | None = None,
    every_day: bool = False,
) -> WorkingHours:
    """Set a unit's (or, with an empty code, the company's) working hours."""
    if not actor.has_perm("core.change_workinghours"):
        raise PermissionDenied(_("您没有维护工作时间的权限。"))
    Hours(opens_at, closes_at, break_starts_at, break_ends_at, every_day)  # validates
    unit = unit_for(user=actor, code=unit_code.strip()) if unit_code.strip() else None
    row, _created = WorkingHours.objects.update_or_create(
        unit=unit,
        defaults={
            "opens_at": opens_at,
            "closes_at": closes_at,
            "break_starts_at": break_starts_at,
            "break_ends_at": break_ends_at,
            "days": WorkingDays.EVERY_DAY if every_day else WorkingDays.STATUTORY,
        },
    )
    return row


def seed_calendar() -> dict[str, int]:
    """The company's default office hours (09:00–18:00, lunch 12:00–13:00, statutory working days)."""
    _row, created = WorkingHours.objects.get_or_create(
        unit=None,
        defaults={
            "opens_at": dt.time(9),
            "closes_at": dt.time(18),
            "break_starts_at": dt.time(12),
            "break_ends_at": dt.time(13),
            "days": WorkingDays.STATUTORY,
        },
    )
    return {"working_hours": int(created)}


def calendar_demo_load() -> int:
    """The demo chain's calendar: stores open every day 10:00–22:00 (set on the regions, inherited by
    their stores), the two stores run by the management department 10:00–21:30, 莘庄店 (S05) a breakfast shop
    06:30–14:00 closed on Mondays, S03 open late on Fridays and Saturdays (10:00–02:00); a company day off
    and a store closed for renovation. Fixed dates: deterministic."""
    from yunying.org.models import OrgUnit, UnitKind

    seed_calendar()
    units = {u.code: u for u in OrgUnit.objects.filter(kind__in=(UnitKind.REGION, UnitKind.STORE))}
    every_day = {"days": WorkingDays.EVERY_DAY, "break_starts_at": None, "break_ends_at": None}
    rows = 0
    for code, unit in sorted(units.items()):
        hours: tuple[dt.time, dt.time] | None = None
        if unit.kind == UnitKind.REGION:
            hours = (dt.time(10), dt.time(22))
        elif unit.parent is not None and unit.parent.kind != UnitKind.REGION:
            hours = (dt.time(10), dt.time(21, 30))
        weekly: dict[str, Any] = {}
        if code == "S05":
            hours, weekly = (dt.time(6, 30), dt.time(14)), {"0": None}
        if code == "S03":
            late = {"opens": "10:00", "closes": "02:00"}
            hours, weekly = (dt.time(10), dt.time(22)), {"4": late, "5": late}
        if hours is not None:
            WorkingHours.objects.update_or_create(
                unit=unit,
                defaults={"opens_at": hours[0], "closes_at": hours[1], "weekly": weekly, **every_day},
            )
            rows += 1
    CalendarOverride.objects.update_or_create(
        date=dt.date(2026, 12, 31), unit=None, defaults={"working": False, "note": "公司年会"}
    )
    if "S08" in units:
        for day in (7, 8, 9):
            CalendarOverride.objects.update_or_create(
                date=dt.date(2026, 12, day),
                unit=units["S08"],
                defaults={"working": False, "note": "装修停业"},
            )
    return rows
