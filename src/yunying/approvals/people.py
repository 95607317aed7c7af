"""The people processes: 试用期转正 (``probation_review``) started by the system before a probation ends,
and 招聘录用 (``recruitment``) checked against the store's standard headcount.

Settings (seeded, editable):

- ``approvals.probation_notice_working_days`` (default 5): the review starts this many working days
  (company calendar) before the employee's ``probation_ends_on``.
- ``approvals.probation_days`` (default 90): the probation of a person hired through 招聘录用.
- ``approvals.store_standard_headcount``: the standard number of people per store position
  (``{"WAITER": 4, …}``); a position's ``max_per_unit`` wins when it is set."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.calendar import CalendarUnknown, unit_calendar
from yunying.core.errors import DomainError
from yunying.core.settings_store import setting_get
from yunying.org.models import Appointment, Employee, EmploymentStatus, OrgUnit, Position, UnitKind
from yunying.workflow.models import ProcessInstance

log = logging.getLogger(__name__)

PROBATION_KEY = "probation_review"
NOTICE_SETTING = "approvals.probation_notice_working_days"
PROBATION_DAYS_SETTING = "approvals.probation_days"
HEADCOUNT_SETTING = "approvals.store_standard_headcount"
MAX_NOTICE = 60
MAX_STARTS = 200  # per run: a mass import of probations is worked through over several runs


def _int_setting(key: str, default: int, lo: int, hi: int) -> int:
    try:
        value = int(setting_get(key))
    except (KeyError, TypeError, ValueError):
        return default
    return min(max(value, lo), hi)


def _working(calendar: Any, day: dt.date) -> bool:
    """A working day of the company calendar; Monday to Friday for a year the calendar does not know."""
    try:
        return bool(calendar.is_working_day(day))
    except CalendarUnknown:
        return day.weekday() < 5


def review_start_date(ends_on: dt.date, notice: int) -> dt.date:
    """The day ``notice`` working days before ``ends_on`` (the company calendar; bounded)."""
    calendar = unit_calendar()
    day, counted = ends_on, 0
    for _step in range(notice * 3 + 30):
        if counted >= notice:
            break
        day -= dt.timedelta(days=1)
        if _working(calendar, day):
            counted += 1
    return day


def _reviewer(employee: Employee) -> tuple[Any, OrgUnit | None]:
    """Who assesses: the store manager of the employee's store (their superior when they are the store
    manager), else a direct superior with a login, else the management department's head."""
    from yunying.org.selectors import direct_superiors

    seats = list(Appointment.objects.active().filter(employee=employee).select_related("unit", "position"))
    store = next((a.unit for a in seats if a.unit.kind == UnitKind.STORE), None)
    if store is not None:
        manager = (
            Appointment.objects.active()
            .filter(unit=store, position__code="STORE-MGR", employee__user__isnull=False)
            .exclude(employee=employee)
            .select_related("employee__user")
            .first()
        )
        if manager is not None:
            return manager.employee.user, store
    for appointment in direct_superiors(employee):
        if appointment.employee.user_id:
            return appointment.employee.user, store
    head = (
        Appointment.objects.active()
        .filter(position__code="MGMT-HEAD", employee__user__isnull=False)
        .select_related("employee__user")
        .first()
    )
    return (head.employee.user if head else None), store


def probation_reviews_start(*, today: dt.date | None = None) -> list[int]:
    """Start a 试用期转正 for every employee on probation whose review day has come and who has none for
    this probation end date yet. Idempotent; returns the new instances' ids."""
    from yunying.workflow.start import instance_start

    today = today or clock.today()
    notice = _int_setting(NOTICE_SETTING, 5, 0, MAX_NOTICE)
    horizon = today + dt.timedelta(days=notice * 3 + 30)
    started: list[int] = []
    candidates = Employee.objects.filter(
        is_active=True,
        employment_status=EmploymentStatus.PROBATION,
        probation_ends_on__isnull=False,
        probation_ends_on__lte=horizon,
    ).order_by("probation_ends_on", "pk")
    for employee in candidates[: MAX_STARTS * 2]:
        assert employee.probation_ends_on is not None
        if review_start_date(employee.probation_ends_on, notice) > today:
            continue
        ends = employee.probation_ends_on.isoformat()
        if ProcessInstance.objects.filter(
            definition__key=PROBATION_KEY,
            data__employee_no=employee.employee_no,
            data__probation_ends_on=ends,
        ).exists():
            continue
        reviewer, store = _reviewer(employee)
        if reviewer is None:
            log.warning("probation review of %s: nobody to assess it", employee.employee_no)
            continue
        seat = Appointment.objects.active().filter(employee=employee).select_related("position").first()
        data = {
            "employee_no": employee.employee_no,
            "employee_name": employee.name,
            "position": seat.position.name if seat else "",
            "hired_on": employee.hired_on.isoformat() if employee.hired_on else None,
            "probation_ends_on": ends,
        }
        if store is not None:
            data["store"] = store.code
        try:
            with transaction.atomic():
                instance = instance_start(
                    actor=reviewer,
                    key=PROBATION_KEY,
                    data=data,
                    title=_("%(name)s 试用期转正") % {"name": employee.name},
                )
        except Exception:  # one employee's failure does not stop the others
            log.exception("probation review of %s could not start", employee.employee_no)
            continue
        started.append(instance.pk)
        if len(started) >= MAX_STARTS:
            break
    return started


def store_headcount(store: OrgUnit, position: Position) -> tuple[int, int]:
    """(standard, holders) of ``position`` in ``store``."""
    holders = Appointment.objects.active().filter(unit=store, position=position).count()
    if position.max_per_unit is not None:
        return position.max_per_unit, holders
    raw = setting_get(HEADCOUNT_SETTING) if _has(HEADCOUNT_SETTING) else {}
    try:
        standard = int((raw or {}).get(position.code, 1))
    except (TypeError, ValueError, AttributeError):
        standard = 1
    return max(standard, 0), holders


def _has(key: str) -> bool:
    try:
        setting_get(key)
    except KeyError:
        return False
    return True


def headcount_check(store: OrgUnit | None, position_code: str) -> dict[str, Any]:
    if store is None or store.kind != UnitKind.STORE:
        raise DomainError(_("招聘申请须指明门店。"))
    position = Position.objects.filter(code=position_code).first()
    if position is None or not position.is_store_standard:
        raise DomainError(_("“%(code)s”不是门店标准岗位。") % {"code": position_code})
    standard, holders = store_headcount(store, position)
    vacancies = standard - holders
    if vacancies <= 0:
        raise DomainError(
            _("%(store)s 的%(position)s编制 %(n)d 人，已满编，不能再招。")
            % {"store": store.name, "position": position.name, "n": standard}
        )
    return {"standard": standard, "holders": holders, "vacancies": vacancies, "position_name": position.name}


def hire(*, store: OrgUnit, position_code: str, name: str, phone: str, start_on: dt.date) -> Employee:
    """The approved candidate becomes an employee on probation, appointed to the position in the store."""
    from yunying.org.services import appointment_validate

    position = Position.objects.get(code=position_code)
    number = Employee.objects.count() + 1
    employee_no = f"R{number:05d}"
    while Employee.objects.filter(employee_no=employee_no).exists():
        number += 1
        employee_no = f"R{number:05d}"
    days = _int_setting(PROBATION_DAYS_SETTING, 90, 0, 366)
    employee = Employee.objects.create(
        employee_no=employee_no,
        name=name.strip()[:50],
        phone=phone.strip()[:30],
        hired_on=start_on,
        employment_status=EmploymentStatus.PROBATION if days else EmploymentStatus.REGULAR,
        probation_ends_on=start_on + dt.timedelta(days=days) if days else None,
    )
    OrgUnit.objects.select_for_update().filter(pk=store.pk).first()
    appointment_validate(employee=employee, position=position, unit=store, on=start_on)
    Appointment.objects.create(employee=employee, position=position, unit=store, started_on=start_on)
    return employee
