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
    yunying:due-by="urgency"         the due time follows a value of the request's data: ``due-by-map``
    yunying:due-by-map="critical=PT4H, urgent=P1D, *=P3D"   gives one duration per value (``*``: any
                                     other value); without a match the step's ``due`` applies

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

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.core import clock
from yunying.core.calendar import CalendarUnknown, UnitCalendar, unit_calendar
from yunying.core.errors import DomainError
from yunying.core.precompiled import Precompiled
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
    try:
        due_by_map(props)
    except DomainError as exc:
        problems.append(f"due-by-map: {exc}")
    basis = _prop(props, "due-basis")
    if basis and basis not in BASES:
        problems.append(f"due-basis: '{basis}' is not one of {', '.join(BASES)}")
    how = _prop(props, "escalate")
    if how and how not in ESCALATIONS:
        problems.append(f"escalate: '{how}' is not one of {', '.join(ESCALATIONS)}")
    return problems


MAX_DUE_BY = 20  # values a due-by map may name


def due_by_map(props: dict[str, str]) -> dict[str, str]:
    """``due-by-map`` as value → duration (each duration checked); {} without one."""
    raw = _prop(props, "due-by-map") or ""
    found: dict[str, str] = {}
    for part in [p for p in raw.replace("，", ",").split(",") if p.strip()][: MAX_DUE_BY + 1]:
        value, sep, duration = part.partition("=")
        if not sep or not value.strip():
            raise DomainError(
                _("“%(part)s”应写成 值=时长，例如 urgent=P1D。") % {"part": part.strip()[:40]},
                field="due-by-map",
            )
        parse_duration(duration, field="due-by-map")
        found[value.strip()] = duration.strip()
    if len(found) > MAX_DUE_BY:
        raise DomainError(_("按值设定的时限最多 %(n)d 项。") % {"n": MAX_DUE_BY}, field="due-by-map")
    return found


def props_for_data(props: dict[str, str], data: dict[str, Any] | None) -> dict[str, str]:
    """A step's properties with ``due`` taken from ``due-by-map`` for the request's ``due-by`` value."""
    field_name = _prop(props, "due-by")
    if not field_name:
        return props
    try:
        mapping = due_by_map(props)
    except DomainError:
        return props
    value = str((data or {}).get(field_name.strip(), ""))
    chosen = mapping.get(value, mapping.get("*"))
    return {**props, "yunying:due": chosen} if chosen else props


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
        return self.calendar.hours.length() * days + rest

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
    return _Time(calendar_of(instance.unit if basis == "unit" else None))


def calendar_of(unit: Any) -> UnitCalendar:
    """``unit_calendar(unit)``, memoised per process until working hours, a calendar override or
    year, or an org unit changes (``yunying.workflow.hotcache``)."""
    from yunying.workflow.hotcache import memo

    return memo(f"calendar:{unit.pk if unit is not None else ''}", lambda: unit_calendar(unit))


def time_left(task: WorkTask, now: dt.datetime | None = None) -> dt.timedelta | None:
    """How long until an open step is due, counted the way its due time was (working time for a
    working-time step); negative once it is overdue; None without a due time."""
    if task.due_at is None:
        return None
    now = now or clock.now()
    basis = task.due_basis if task.due_basis in BASES else "elapsed"
    try:
        time = _time_for(task.instance, basis)
        if task.due_at >= now:
            return time.between(now, task.due_at)
        late = time.between(task.due_at, now)
        # Overdue outside working hours (no working time since): said in clock time, never as "0 left".
        return -late if late > dt.timedelta(0) else task.due_at - now
    except CalendarUnknown:
        return task.due_at - now


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
    sla = step_sla(props_for_data(props, instance.data))
    if sla.due is None:
        return Deadlines()
    start = start or current_moment() or clock.now()
    basis = sla.basis
    try:
        return _deadlines(instance, element_id, sla, basis, start)
    except CalendarUnknown as exc:
        # A year whose holidays nobody maintains: the limit is counted in clock time, said so in the
        # request's history and marked on the step (basis "fallback"), which the monitor lists.
        from yunying.workflow.runtime import ensure_saved

        ensure_saved(instance)  # a starting instance is written now: the line refers to it
        log.warning("step %s of instance %s: %s; due time in clock time", element_id, instance.pk, exc)
        if instance.pk is not None:
            InstanceEvent.objects.create(
                instance=instance,
                step=element_id,
                action=CLOCK_FALLBACK,
                at=clock.now(),
                comment=fallback_message(exc.year),
                data={"year": exc.year, "element_id": element_id},
            )
        found = _deadlines(instance, element_id, sla, "elapsed", start)
        return Deadlines(found.due_at, found.remind_at, found.escalate_at, basis=FALLBACK)


FALLBACK = "fallback"  # a working-time limit counted in clock time: the year's holidays are unknown
CLOCK_FALLBACK = "sla_clock_time"


def fallback_message(year: int) -> str:
    return _(
        "%(year)s 年的节假日安排尚未收录，此步骤的时限改按自然时间计算。请在营业日历中维护该年的节假日和调休。"
    ) % {"year": year}


def fallback_tasks(tasks: Any) -> Any:
    """Open steps whose working-time limit fell back to clock time (for the monitor's warning)."""
    return tasks.filter(status__in=OPEN_STATUSES, due_basis=FALLBACK)


RESUBMIT_PROPS = {"yunying:due-basis": "unit", "yunying:escalate": "none"}


def resubmit_deadlines(instance: ProcessInstance, start: dt.datetime | None = None) -> Deadlines:
    """The due time of a request returned to its requester (退回修改): the company's default due time in
    the working hours of the request's unit (its store's opening hours; the company's office hours when
    it has none), with the usual reminder; no escalation (the requester is the one who owes the work)."""
    return deadlines_for(instance, "__requester__", dict(RESUBMIT_PROPS), start=start)


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


def due_items(now: dt.datetime, limit: int) -> list[tuple[dt.datetime, int, str, int]]:
    """The first ``limit`` reminders, overdue notices and escalations due by ``now``, earliest first:
    (moment, order of the kind, kind, task id)."""
    open_tasks = WorkTask.objects.filter(status__in=OPEN_STATUSES).filter(
        Q(sla_retry_at__isnull=True) | Q(sla_retry_at__lte=now)  # one that failed waits for its retry
    )
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
    items = due_items(now, 1)
    return items[0] if items else None


def sla_tick(now: dt.datetime | None = None, *, limit: int = 500) -> int:
    """Fire every due reminder, overdue notice and escalation once, earliest first. Safe to run in
    several workers at once: each is claimed by a conditional update under the instance lock."""
    now = now or clock.now()
    fired = 0
    for moment, _order, kind, task_id in due_items(now, limit):
        if _fire(kind, task_id, moment, now):
            fired += 1
    return fired


_DONE_FIELD = {REMIND: "reminded_at", OVERDUE: "overdue_notified_at", ESCALATE: "escalated_at"}


def _lock_instance_of_task_query(task_id: int) -> QuerySet[ProcessInstance]:
    """The instance of a task, locked (one statement: the task's instance id read inside it)."""
    return (
        ProcessInstance.objects.select_for_update(of=("self",))
        .filter(pk=Subquery(WorkTask.objects.filter(pk=task_id).values("instance_id")[:1]))
        .order_by("pk")[:1]
    )


def _task_query(task_id: int) -> QuerySet[WorkTask]:
    return WorkTask.objects.select_related("assignee", "candidate_group").filter(pk=task_id)


# Built and compiled once per process and database (most of a due item's Python cost), run per item.
_LOCK_INSTANCE_OF_TASK = Precompiled(_lock_instance_of_task_query, Precompiled.probe_int(10))
_TASK = Precompiled(_task_query, Precompiled.probe_int(11))


def _fire(kind: str, task_id: int, moment: dt.datetime, now: dt.datetime) -> bool:
    with transaction.atomic():
        found = _LOCK_INSTANCE_OF_TASK(task_id)
        if not found:  # the task (or its request) is gone
            return False
        instance = found[0]
        done = _DONE_FIELD[kind]
        claimed = WorkTask.objects.filter(
            pk=task_id, status__in=OPEN_STATUSES, **{f"{done}__isnull": True}
        ).update(**{done: now})
        if not claimed:
            return False
        [task] = _TASK(task_id)
        HANDLERS[kind](instance, task, moment, now)
        if task.sla_attempts or task.sla_retry_at:
            _cleared(task_id)
        return True


RETRY_BASE = dt.timedelta(minutes=1)
RETRY_MAX = dt.timedelta(hours=1)


def item_failed(kind: str, task_id: int, now: dt.datetime, error: BaseException) -> bool:
    """A due item failed with an error trying again may not mend (not a database error): it waits
    1, 2, 4 … minutes (at most an hour) before the next try, and after ``YUNYING_SLA_MAX_ATTEMPTS`` it is
    given up — marked done with the error kept on the step and written in the request's history, where
    the monitor and the request page show it. True when it was given up."""
    message = f"{type(error).__name__}: {error}"[:500]
    with transaction.atomic():
        task = WorkTask.objects.select_for_update().filter(pk=task_id).first()
        if task is None:
            return False
        attempts = task.sla_attempts + 1
        given_up = attempts >= int(settings.YUNYING_SLA_MAX_ATTEMPTS)
        fields: dict[str, Any] = {"sla_attempts": attempts, "sla_error": message}
        if given_up:
            fields.update({_DONE_FIELD[kind]: now, "sla_retry_at": None, "sla_attempts": 0})
        else:
            fields["sla_retry_at"] = now + min(RETRY_BASE * 2 ** (attempts - 1), RETRY_MAX)
        WorkTask.objects.filter(pk=task_id).update(**fields)
        if given_up:
            InstanceEvent.objects.create(
                instance_id=task.instance_id,
                task=task,
                step=task.name,
                action="sla_failed",
                at=now,
                comment=_("%(what)s 多次失败，已停止重试：%(error)s")
                % {"what": _KIND_LABELS.get(kind, kind), "error": message},
                data={"kind": kind, "attempts": attempts, "error": message},
            )
    return given_up


def _cleared(task_id: int) -> None:
    WorkTask.objects.filter(pk=task_id).exclude(sla_attempts=0, sla_retry_at=None).update(
        sla_attempts=0, sla_retry_at=None
    )


_KIND_LABELS = {
    "sla_remind": gettext_lazy("到期提醒"),
    "overdue": gettext_lazy("超时通知"),
    "escalate": gettext_lazy("超时升级"),
}


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
        if task.assignee_id is None and len(superiors) > 1:
            _to_superiors_queue(instance, task, superiors, now, data)  # an unclaimed shared queue
            return
        target = superiors[0]
        task.assignee = target
        task.on_behalf_of = None
        # A shared queue's task (claimed or not) leaves the queue: it is the superior's now.
        task.candidate_position, task.candidate_unit, task.candidate_group = None, None, None
        task.save(
            update_fields=[
                "assignee",
                "on_behalf_of",
                "candidate_position",
                "candidate_unit",
                "candidate_group",
            ]
        )
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


def _to_superiors_queue(
    instance: ProcessInstance, task: WorkTask, superiors: list[Any], now: dt.datetime, data: dict[str, Any]
) -> None:
    """An unclaimed shared-queue task whose members have several superiors: it leaves the queue and any
    one of those superiors may take it (they are its candidates), each told so."""
    from yunying.workflow import sla_notify

    task.candidate_position, task.candidate_unit, task.candidate_group = None, None, None
    task.save(update_fields=["candidate_position", "candidate_unit", "candidate_group"])
    task.candidate_users.set(superiors)
    data["to"] = [u.username for u in superiors]
    _history(instance, task, ESCALATE, now, data=data, to_state=",".join(data["to"])[:30])
    for person in superiors:
        sla_notify.reassigned(instance, task, person)


def _iso(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment else ""


HANDLERS: dict[str, Callable[[ProcessInstance, WorkTask, dt.datetime, dt.datetime], None]] = {
    REMIND: _remind,
    OVERDUE: _overdue,
    ESCALATE: _escalate,
}
