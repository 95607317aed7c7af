"""The business calendar page (营业日历): a year's working days for the company or a unit, and the
administrators' overrides (add, change, remove)."""

from __future__ import annotations

import calendar as month_grid
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from yunying.core import calendar_services, clock
from yunying.core.calendar import library_years, unit_calendar
from yunying.core.errors import DomainError
from yunying.core.models import CalendarYear


def _year(raw: str | None) -> int:
    try:
        year = int(raw or clock.today().year)
    except ValueError:
        year = clock.today().year
    return min(max(year, 2000), 2100)


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year") or request.POST.get("year"))
    unit_code = (request.GET.get("unit") or "").strip()
    may_edit = request.user.has_perm(calendar_services.EDIT_PERMISSION)
    if request.method == "POST":
        return _post(request, year, unit_code)
    try:
        unit = calendar_services.unit_for(user=request.user, code=unit_code)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('calendar')}?year={year}")
    cal = unit_calendar(unit)
    names = [_("星期一"), _("星期二"), _("星期三"), _("星期四"), _("星期五"), _("星期六"), _("星期日")]
    weeks_by_month = []
    for month in range(1, 13):
        weeks = []
        for week in month_grid.Calendar().monthdatescalendar(year, month):
            weeks.append([cal.day(d) if d.month == month else None for d in week])
        weeks_by_month.append((dt.date(year, month, 1), weeks))
    first, last = library_years()
    known = first <= year <= last or CalendarYear.objects.filter(year=year).exists()
    context = {
        "year": year,
        "years": [year - 1, year, year + 1],
        "unit": unit,
        "unit_code": unit_code,
        "hours": cal.hours,
        "weekly": [(names[d], h) for d, h in sorted(cal.weekly.items())],
        "units": calendar_services.units_to_pick(user=request.user),
        "months": weeks_by_month,
        "overrides": calendar_services.overrides_of_year(year=year),
        "known": known,
        "library_last": last,
        "may_edit": may_edit,
        "may_edit_hours": request.user.has_perm("core.change_workinghours"),
        "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
        "nav_active": "calendar",
    }
    return render(request, "core/calendar.html", context)


def _post(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    back = f"{reverse('calendar')}?year={year}" + (f"&unit={unit_code}" if unit_code else "")
    try:
        if request.POST.get("form") == "hours":
            unit = request.POST.get("hours_unit", "").strip()
            calendar_services.working_hours_save(
                actor=request.user,
                unit_code=unit,
                opens_at=_required_time(request.POST.get("opens_at"), "opens_at"),
                closes_at=_required_time(request.POST.get("closes_at"), "closes_at"),
                break_starts_at=_time(request.POST.get("break_starts_at"), "break_starts_at", optional=True),
                break_ends_at=_time(request.POST.get("break_ends_at"), "break_ends_at", optional=True),
                every_day=request.POST.get("every_day") == "1",
            )
            messages.success(request, _("已保存工作时间。"))
            back = f"{reverse('calendar')}?year={year}" + (f"&unit={unit}" if unit else "")
        elif request.POST.get("delete"):
            calendar_services.calendar_override_delete(
                actor=request.user, override_id=int(request.POST["delete"])
            )
            messages.success(request, _("已删除日历例外。"))
        else:
            row = calendar_services.calendar_override_save(
                actor=request.user,
                date=calendar_services.parse_date(request.POST.get("date"), field="date"),
                working=request.POST.get("working") == "1",
                note=request.POST.get("note", ""),
                unit_code=request.POST.get("override_unit", ""),
            )
            messages.success(request, _("已保存 %(date)s 的日历例外。") % {"date": row.date.isoformat()})
    except (DomainError, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect(back)


def _time(raw: str | None, field: str, *, optional: bool = False) -> dt.time | None:
    text = (raw or "").strip()
    if not text:
        if optional:
            return None
        raise DomainError(_("请填写时间（格式 HH:MM）。"), field=field)
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise DomainError(
            _("“%(value)s”不是有效的时间，格式应为 HH:MM。") % {"value": text[:20]}, field=field
        )


def _required_time(raw: str | None, field: str) -> dt.time:
    found = _time(raw, field)
    assert found is not None  # _time refuses a missing value unless optional
    return found
