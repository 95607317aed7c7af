"""The onboarding programme of hired-in managers (外聘干部): a 1–3 month plan with checkpoints (month 1 the
kitchen, front of house, product operation, culture and rules; months 2–3 staff training, scheduling, duty
checks, peak coordination — the plan is the ``duties.onboarding_plan`` setting), and a monthly evaluation
filled by the hire's direct superior and reviewed by the 运营经理 (occurrences of the
``onboarding_evaluation`` duty, one per month of the programme)."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.analytics.periods import add_months
from yunying.core import clock
from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yunying.duties.due import EARLIER, DueSettings, due_compute
from yunying.duties.models import Checkpoint, Duty, Occurrence, Onboarding, OnboardingStatus
from yunying.duties.recurrence import Period
from yunying.duties.seats import OrgSnapshot
from yunying.duties.seed import setting
from yunying.org.models import Appointment, Employee, OrgUnit
from yunying.org.scope import scope_for

DUTY_KEY = "onboarding_evaluation"
MAX_MONTHS = 3


def _may_manage(actor: Any, unit_id: int) -> bool:
    scope = scope_for(actor)
    return bool(
        actor.is_authenticated and scope.sees_unit(unit_id) and actor.has_perm("org.change_appointment")
    )


def _same_day(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (clamped to the month's length)."""
    first = add_months(day.replace(day=1), months)
    return first.replace(day=min(day.day, pycalendar.monthrange(first.year, first.month)[1]))


def month_end(started_on: dt.date, n: int) -> dt.date:
    """The last day of the programme's month ``n`` (1-based)."""
    return _same_day(started_on, n) - dt.timedelta(days=1)


@transaction.atomic
def onboarding_start(
    *, actor: Any, employee: Employee, started_on: dt.date | None = None, months: int = 3
) -> Onboarding:
    """Start the programme for a hired-in manager: checkpoints from the plan and a monthly evaluation."""
    if not employee.is_external_hire:
        raise DomainError(_("%(name)s 不是外聘干部。") % {"name": employee.name}, field="employee")
    if not 1 <= months <= MAX_MONTHS:
        raise DomainError(_("培养期为 1 到 3 个月。"), field="months")
    started_on = started_on or clock.today()
    appointment = (
        Appointment.objects.active(started_on)
        .filter(employee=employee)
        .select_related("position", "unit")
        .first()
        or Appointment.objects.active().filter(employee=employee).select_related("position", "unit").first()
    )
    if appointment is None:
        raise DomainError(_("%(name)s 没有在任的岗位。") % {"name": employee.name}, field="employee")
    if not _may_manage(actor, appointment.unit_id):
        raise PermissionDenied(_("您不能为该员工安排培养计划。"))
    if Onboarding.objects.filter(employee=employee, status=OnboardingStatus.ACTIVE).exists():
        raise Conflict(_("%(name)s 已有进行中的培养计划。") % {"name": employee.name})
    onboarding = Onboarding.objects.create(
        employee=employee,
        unit=appointment.unit,
        position=appointment.position,
        started_on=started_on,
        months=months,
        created_by=actor,
    )
    plan = setting("duties.onboarding_plan") or []
    Checkpoint.objects.bulk_create(
        Checkpoint(
            onboarding=onboarding,
            month=min(int(month), months),
            area=str(area)[:40],
            title=str(title)[:200],
            due_on=month_end(started_on, min(int(month), months)),
            sort_order=i,
        )
        for i, (month, area, title) in enumerate(plan)
    )
    _evaluations_create(onboarding, appointment)
    return onboarding


def _evaluations_create(onboarding: Onboarding, appointment: Appointment) -> None:
    from yunying.core.calendar import unit_calendar
    from yunying.duties.scheduler import form_version_for

    duty = Duty.objects.filter(key=DUTY_KEY).first()
    if duty is None:
        raise DomainError(_("缺少外聘干部月度考评职责，请运行 yunying seed。"))
    version = form_version_for(duty)
    if version is None:
        raise DomainError(_("该职责的表单没有已发布的版本。"))
    snap = OrgSnapshot()
    boss = snap.superior_of(appointment.unit_id, appointment.position_id, clock.today())
    cal = unit_calendar(appointment.unit if boss is None else OrgUnit.objects.get(pk=boss[2]))
    settings = DueSettings(
        holiday_shift=EARLIER,
        lead_days=duty.lead_days,
        remind_before_hours=duty.remind_before_hours,
        escalate_after_hours=duty.escalate_after_hours,
    )
    now = clock.now()
    for n in range(1, onboarding.months + 1):
        start = _same_day(onboarding.started_on, n - 1)
        end = month_end(onboarding.started_on, n)
        period = Period(f"M{n}", start, end, end, "")
        due = due_compute(period, settings, cal)
        Occurrence.objects.create(
            duty=duty,
            period_key=period.key,
            period_start=start,
            period_end=end,
            slot=f"onb{onboarding.pk}",
            unit_id=appointment.unit_id,
            position_id=appointment.position_id,
            subject=onboarding.employee,
            assignee_id=boss[0] if boss else None,
            assignee_position_id=boss[1] if boss else None,
            assignee_unit_id=boss[2] if boss else None,
            form_version=version,
            due_on=due.due_on,
            due_at=due.due_at,
            available_at=due.available_at,
            remind_at=due.remind_at,
            escalate_at=due.escalate_at,
            provisional=due.provisional,
            data={
                "month_no": n,
                "areas": [{"area": c.title} for c in onboarding.checkpoints.filter(month=n)],
            },
            created_at=now,
        )


def checkpoint_set(*, actor: Any, checkpoint_id: int, done: bool, note: str = "") -> Checkpoint:
    """Mark a checkpoint done (today) or not done, with a note."""
    note = (note or "").strip()
    if len(note) > 300:
        raise DomainError(_("说明最多 300 个字。"), field="note")
    with transaction.atomic():
        checkpoint = (
            Checkpoint.objects.select_for_update(of=("self",))
            .select_related("onboarding")
            .filter(pk=checkpoint_id)
            .first()
        )
        if checkpoint is None or not scope_for(actor).sees_unit(checkpoint.onboarding.unit_id):
            raise NotFound(_("找不到该检查点。"))
        if not _may_manage(actor, checkpoint.onboarding.unit_id):
            raise PermissionDenied(_("您不能确认该检查点。"))
        if checkpoint.onboarding.status != OnboardingStatus.ACTIVE:
            raise Conflict(_("培养计划已结束。"))
        checkpoint.done_on = clock.today() if done else None
        checkpoint.confirmed_by = actor if done else None
        checkpoint.note = note
        checkpoint.save(update_fields=["done_on", "confirmed_by", "note"])
    return checkpoint


@dataclass
class Progress:
    onboarding: Onboarding
    month: int
    done: int
    total: int
    evaluations: list[Occurrence]

    @property
    def pct(self) -> int:
        return round(self.done * 100 / self.total) if self.total else 0


def onboarding_progress(onboarding: Onboarding) -> Progress:
    checkpoints = list(onboarding.checkpoints.all())
    elapsed = (clock.today() - onboarding.started_on).days
    month = max(1, min(onboarding.months, elapsed // 30 + 1))
    evaluations = list(
        Occurrence.objects.filter(duty__key=DUTY_KEY, slot=f"onb{onboarding.pk}")
        .select_related("assignee", "reviewer")
        .order_by("period_start")
    )
    return Progress(
        onboarding, month, sum(1 for c in checkpoints if c.done_on), len(checkpoints), evaluations
    )


def onboardings_visible_to(user: Any) -> list[Onboarding]:
    scope = scope_for(user)
    qs = Onboarding.objects.select_related("employee", "unit", "position").order_by("-started_on", "pk")
    if not scope.everything:
        qs = qs.filter(unit_id__in=scope.unit_ids)
    return list(qs[:200])


def onboarding_get(*, user: Any, pk: int) -> Onboarding:
    found = Onboarding.objects.select_related("employee", "unit", "position").filter(pk=pk).first()
    if found is None or not scope_for(user).sees_unit(found.unit_id):
        raise NotFound(_("找不到该培养计划。"))
    return found
