"""Service levels of process steps (时限): due times in elapsed or working time, a reminder before the due
time, an overdue notice at it and an escalation after it.

A step says (extension properties; every one optional, company defaults in the settings store)::

    yunying:due="PT8H"               ISO 8601: P2D, PT8H, P1DT4H, PT30M
    yunying:due-basis="working"      elapsed (clock time) | working (company office hours) | unit (the
                                     working hours of the request's store or unit)
    yunying:remind-before="PT2H"     remind the handler this long before the due time ("" or "none": never)
    yunying:escalate-after="PT4H"    escalate this long after the due time ("none": never)
    yunying:escalate="reassign"      notify (tell the handler's superior) | reassign (hand the task to the
                                     superior) | none

In working time a day (``P1D``) is one working day of the calendar's hours. The clock of a step pauses
while it is returned for changes: the time its earlier runs used before they were returned is kept on the
instance (``sla_used``) and deducted when the step comes back. Each reminder, overdue notice and escalation fires once
(row state + the instance lock), in the order of their moments — see :func:`sla_tick`."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.calendar import CalendarUnknown, UnitCalendar, unit_calendar
from yunying.core.errors import DomainError
from yunying.workflow.engine_timers import current_moment
from yunying.workflow.models import OPEN_STATUSES, InstanceEvent, ProcessInstance, TaskKind, WorkTask

log = logging.getLogger(__name__)

BASES = ("elapsed", "working", "unit")
ESCALATIONS = ("notify", "reassign", "none")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")

Amount = tuple[int, dt.timedelta]  # whole days, and hours/minutes


def parse_duration(raw: str | None, *, field: str = "due") -> Amount | None:
    """``P2D`` → (2, 0); ``PT8H`` → (0, 8 h); blank or ``none`` → None; anything else is refused."""
    text = (raw or "").strip().upper()
    if not text or text == "NONE":
        return None
    m = _DURATION.match(text)
    if not m or not any(m.groups()):
        raise DomainError(
            _("时限“%(value)s”无法识别，请写成 ISO 8601 时长，例如 PT8H（8 小时）或 P2D（2 天）。")
            % {"value": (raw or "")[:40]},
            field=field,
        )
    days, hours, minutes = (int(g or 0) for g in m.groups())
    return days, dt.timedelta(hours=hours, minutes=minutes)


def _prop(props: dict[str, str], key: str, *fallbacks: str) -> str | None:
    for name in (f"yunying:{key}", key, *fallbacks):
        if name in props:
            return props[name]
    return None


def check_step(props: dict[str, str]) -> list[str]:
    """What is wrong with a step's service-level properties (for deploy checks and the designer)."""
    problems: list[str] = []
    for key in ("due", "remind-before", "escalate-after"):
        try:
            parse_duration(_prop(props, key), field=key)
        except DomainError as exc:
            problems.append(f"{key}: {exc}")
    basis = _prop(props, "due-basis")
    if basis and basis not in BASES:
        problems.append(f"due-basis: '{basis}' is not one of {', '.join(BASES)}")
    how = _prop(props, "escalate")
    if how and how not in ESCALATIONS:
        problems.append(f"escalate: '{how}' is not one of {', '.join(ESCALATIONS)}")
    return problems


@dataclass(frozen=True)
class StepSla:
    due: Amount | None
    basis: str
    remind_before: Amount | None
    escalate_after: Amount | None
    escalate: str


def _lenient(raw: str | None, default: str | None) -> Amount | None:
    try:
        return parse_duration(raw if raw is not None else default)
    except DomainError:
        return parse_duration(default) if default else None


SLA_SETTINGS = (
    "workflow.default_due_hours",
    "workflow.due_basis",
    "workflow.remind_before",
    "workflow.escalate_after",
    "workflow.escalate_action",
)


def company_defaults() -> dict[str, Any]:
    """The company's service-level defaults, in one query."""
    from yunying.workflow.policy import DEFAULTS, stored

    values = {key: DEFAULTS[key][0] for key in SLA_SETTINGS}
    found = stored()
    values.update({key: found[key] for key in SLA_SETTINGS if key in found})
    return values


def step_sla(props: dict[str, str], defaults: dict[str, Any] | None = None) -> StepSla:
    """A step's service level: its own properties, else the company defaults (bad values, which deploy
    refuses, fall back to the defaults)."""
    d = defaults if defaults is not None else company_defaults()
    hours = d["workflow.default_due_hours"]
    default_due = f"PT{int(hours)}H" if hours else None
    basis = _prop(props, "due-basis") or str(d["workflow.due_basis"])
    how = _prop(props, "escalate") or str(d["workflow.escalate_action"])
    return StepSla(
        due=_lenient(_prop(props, "due", "camunda:dueDate"), default_due),
        basis=basis if basis in BASES else "elapsed",
        remind_before=_lenient(_prop(props, "remind-before"), str(d["workflow.remind_before"] or "")),
        escalate_after=_lenient(_prop(props, "escalate-after"), str(d["workflow.escalate_after"] or "")),
        escalate=how if how in ESCALATIONS else "notify",
    )


class _Time:
    """Elapsed or working time, behind one interface."""

    def __init__(self, calendar: UnitCalendar | None) -> None:
        self.calendar = calendar

    def span(self, amount: Amount) -> dt.timedelta:
        days, rest = amount
        if self.calendar is None:
            return dt.timedelta(days=days) + rest
        day = sum(
            (
                dt.datetime.combine(dt.date(2000, 1, 3), b) - dt.datetime.combine(dt.date(2000, 1, 3), a)
                for a, b in self.calendar.hours.spans()
            ),
            dt.timedelta(0),
        )
        return day * days + rest

    def add(self, moment: dt.datetime, span: dt.timedelta) -> dt.datetime:
        return moment + span if self.calendar is None else self.calendar.add(moment, span)

    def between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        if self.calendar is None:
            return max(b - a, dt.timedelta(0))
        return self.calendar.between(a, b)


@dataclass(frozen=True)
class Deadlines:
    due_at: dt.datetime | None = None
    remind_at: dt.datetime | None = None
    escalate_at: dt.datetime | None = None
    basis: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "due_at": self.due_at,
            "remind_at": self.remind_at,
            "escalate_at": self.escalate_at,
            "due_basis": self.basis,
        }


def _time_for(instance: ProcessInstance, basis: str) -> _Time:
    if basis == "elapsed":
        return _Time(None)
    return _Time(unit_calendar(instance.unit if basis == "unit" else None))


def _used_before(instance: ProcessInstance, element_id: str) -> dt.timedelta:
    """Time this step already ran in earlier rounds that were returned (see :func:`step_returned`)."""
    seconds = (instance.sla_used or {}).get(element_id, 0)
    return dt.timedelta(seconds=float(seconds))


def step_returned(instance: ProcessInstance, task: WorkTask, at: dt.datetime | None = None) -> None:
    """A step was returned for changes: its clock stops; the time it ran is kept on the instance (saved
    with it) and deducted when the step comes back."""
    if task.kind != TaskKind.ENGINE:
        return
    sla = step_sla(task_properties(instance, task))
    end = at or clock.now()
    try:
        used = _time_for(instance, sla.basis).between(task.created_at, end)
    except CalendarUnknown:
        used = _Time(None).between(task.created_at, end)
    spent = dict(instance.sla_used or {})
    spent[task.element_id] = float(spent.get(task.element_id, 0)) + used.total_seconds()
    instance.sla_used = spent


def task_properties(instance: ProcessInstance, task: WorkTask) -> dict[str, str]:
    from yunying.workflow.runtime import step_properties

    return step_properties(instance.version, task.element_id)


def deadlines_for(
    instance: ProcessInstance, element_id: str, props: dict[str, str], start: dt.datetime | None = None
) -> Deadlines:
    """The due, reminder and escalation moments of a step opening now (or at ``start``)."""
    sla = step_sla(props)
    if sla.due is None:
        return Deadlines()
    start = start or current_moment() or clock.now()
    basis = sla.basis
    try:
        return _deadlines(instance, element_id, sla, basis, start)
    except CalendarUnknown as exc:
        log.warning("step %s of instance %s: %s; due time in clock time", element_id, instance.pk, exc)
        return _deadlines(instance, element_id, sla, "elapsed", start)


def _deadlines(
    instance: ProcessInstance, element_id: str, sla: StepSla, basis: str, start: dt.datetime
) -> Deadlines:
    time = _time_for(instance, basis)
    assert sla.due is not None
    budget = max(time.span(sla.due) - _used_before(instance, element_id), dt.timedelta(0))
    due = time.add(start, budget)
    remind = None
    if sla.remind_before is not None:
        before = time.span(sla.remind_before)
        if budget > before:
            remind = time.add(start, budget - before)
    escalate = None
    if sla.escalate != "none" and sla.escalate_after is not None:
        escalate = time.add(due, time.span(sla.escalate_after))
    return Deadlines(due_at=due, remind_at=remind, escalate_at=escalate, basis=basis)


# -- the tick: reminders, overdue notices and escalations, in the order of their moments ----------

REMIND, OVERDUE, ESCALATE = "sla_remind", "overdue", "escalate"


def _due_items(now: dt.datetime, limit: int) -> list[tuple[dt.datetime, int, str, int]]:
    open_tasks = WorkTask.objects.filter(status__in=OPEN_STATUSES)
    items: list[tuple[dt.datetime, int, str, int]] = []
    for order, kind, moment_field, done_field in (
        (0, REMIND, "remind_at", "reminded_at"),
        (1, OVERDUE, "due_at", "overdue_notified_at"),
        (2, ESCALATE, "escalate_at", "escalated_at"),
    ):
        rows = (
            open_tasks.filter(**{f"{moment_field}__lte": now, f"{done_field}__isnull": True})
            .order_by(moment_field, "pk")
            .values_list(moment_field, "pk")[:limit]
        )
        items += [(moment, order, kind, pk) for moment, pk in rows]
    return sorted(items)[:limit]


def next_due_item(now: dt.datetime) -> tuple[dt.datetime, int, str, int] | None:
    items = _due_items(now, 1)
    return items[0] if items else None


def sla_tick(now: dt.datetime | None = None, *, limit: int = 500) -> int:
    """Fire every due reminder, overdue notice and escalation once, earliest first. Safe to run in
    several workers at once: each is claimed by a conditional update under the instance lock."""
    now = now or clock.now()
    fired = 0
    for moment, _order, kind, task_id in _due_items(now, limit):
        if _fire(kind, task_id, moment, now):
            fired += 1
    return fired


_DONE_FIELD = {REMIND: "reminded_at", OVERDUE: "overdue_notified_at", ESCALATE: "escalated_at"}


def _fire(kind: str, task_id: int, moment: dt.datetime, now: dt.datetime) -> bool:
    with transaction.atomic():
        instance_id = WorkTask.objects.filter(pk=task_id).values_list("instance_id", flat=True).first()
        if instance_id is None:
            return False
        instance = ProcessInstance.objects.select_for_update(of=("self",)).get(pk=instance_id)
        done = _DONE_FIELD[kind]
        claimed = WorkTask.objects.filter(
            pk=task_id, status__in=OPEN_STATUSES, **{f"{done}__isnull": True}
        ).update(**{done: now})
        if not claimed:
            return False
        task = WorkTask.objects.select_related("assignee", "candidate_group").get(pk=task_id)
        HANDLERS[kind](instance, task, moment, now)
        return True


def _history(
    instance: ProcessInstance,
    task: WorkTask,
    action: str,
    at: dt.datetime,
    *,
    data: dict[str, Any],
    **kw: Any,
) -> None:
    InstanceEvent.objects.create(
        instance=instance, task=task, step=task.name, action=action, at=at, data=data, **kw
    )


def _remind(instance: ProcessInstance, task: WorkTask, moment: dt.datetime, now: dt.datetime) -> None:
    from yunying.workflow import sla_notify

    sla_notify.reminder(instance, task)
    _history(
        instance, task, REMIND, now, data={"due_moment": moment.isoformat(), "due_at": _iso(task.due_at)}
    )


def _overdue(instance: ProcessInstance, task: WorkTask, moment: dt.datetime, now: dt.datetime) -> None:
    from yunying.workflow import sla_notify

    sla_notify.overdue(instance, task)
    _history(instance, task, OVERDUE, now, data={"due_moment": moment.isoformat()})


def _escalate(instance: ProcessInstance, task: WorkTask, moment: dt.datetime, now: dt.datetime) -> None:
    from yunying.workflow import sla_notify

    how = step_sla(task_properties(instance, task)).escalate
    holder = task.assignee
    superiors = sla_notify.superiors_of(task)
    data: dict[str, Any] = {"due_moment": moment.isoformat(), "how": how}
    if how == "reassign" and superiors and task.kind == TaskKind.ENGINE:
        target = superiors[0]
        task.assignee = target
        task.on_behalf_of = None
        task.save(update_fields=["assignee", "on_behalf_of"])
        task.candidate_users.clear()
        from yunying.workflow.cards import sync_instance

        sync_instance(instance)
        data["to"] = target.username
        _history(
            instance,
            task,
            ESCALATE,
            now,
            data=data,
            from_state=holder.username if holder else "",
            to_state=target.username,
        )
        sla_notify.reassigned(instance, task, target)
        return
    data["to"] = [u.username for u in superiors]
    _history(instance, task, ESCALATE, now, data=data)
    sla_notify.escalated(instance, task, superiors)


def _iso(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment else ""


HANDLERS: dict[str, Callable[[ProcessInstance, WorkTask, dt.datetime, dt.datetime], None]] = {
    REMIND: _remind,
    OVERDUE: _overdue,
    ESCALATE: _escalate,
}
