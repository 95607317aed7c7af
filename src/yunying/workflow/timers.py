"""BPMN timer events fired from the worker, and the one periodic tick of due work.

When an instance starts waiting on a timer, its next due moment is stored on the instance
(``timer_due_at``) and a worker task is scheduled for that moment. The periodic tick (and a worker that
starts again after a stop) catches up on everything due: reminders, overdue notices, escalations and
timers, earliest first; each fires once (the instance row is locked, and what fired is row state). Every
timer firing is a line in the instance's history."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction

from yunying.core import clock
from yunying.workflow import sla
from yunying.workflow.engine import EngineError, EngineInstance
from yunying.workflow.engine_timers import at_moment, waiting_timers
from yunying.workflow.errors import ProcessError
from yunying.workflow.models import InstanceEvent, InstanceStatus, ProcessInstance

log = logging.getLogger(__name__)
TIMER = "timer"
MAX_ROUNDS = 500  # timer firings of one instance in one catch-up (a cycle missed many times)


def next_timer_due(eng: EngineInstance) -> dt.datetime | None:
    return next((t.due for t in waiting_timers(eng.workflow) if t.due is not None), None)


def schedule_next(instance: ProcessInstance, eng: EngineInstance) -> None:
    """Remember the instance's next timer moment and, after commit, schedule a worker task for it."""
    due = next_timer_due(eng)
    instance.timer_due_at = due
    if due is None or instance.pk is None:
        return
    pk, eta = instance.pk, due - clock.offset()  # the worker's queue runs on the system clock

    def enqueue() -> None:
        from yunying.workflow.tasks import fire_timers

        fire_timers.schedule(args=(pk,), eta=eta)

    transaction.on_commit(enqueue)


def instance_fire_timers(instance_id: int, until: dt.datetime, now: dt.datetime | None = None) -> int:
    """Fire the instance's timers due by ``until``, each once and earliest first, the engine seeing the
    moment each was due; returns how many fired. ``now``: when this runs (the history's time)."""
    from yunying.workflow import runtime

    now = now or clock.now()
    with transaction.atomic():
        instance = (
            ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("version", "requester", "unit")
            .filter(pk=instance_id)
            .first()
        )
        if instance is None or instance.status != InstanceStatus.RUNNING:
            return 0
        eng = runtime.engine_load(instance)
        fired_count = 0
        for _round in range(MAX_ROUNDS):
            due = [t for t in waiting_timers(eng.workflow) if t.due is not None and t.due <= until]
            if not due:
                break
            moment = due[0].due
            assert moment is not None
            with at_moment(moment):
                fired = _fire_round(instance, eng, due[0].due)
                if fired is None:
                    break
                fired_count += fired
            if not fired or instance.status != InstanceStatus.RUNNING:
                break
        runtime.engine_save(instance, eng)
        if instance.status != InstanceStatus.RUNNING:
            instance.timer_due_at = None
        instance.save()
        return fired_count


def _fire_round(instance: ProcessInstance, eng: EngineInstance, moment: dt.datetime | None) -> int | None:
    """One engine run at ``moment``: the timers due by then fire. None: the instance stopped on an error."""
    from yunying.workflow import runtime

    before = [t for t in waiting_timers(eng.workflow) if t.due is not None and moment and t.due <= moment]
    try:
        with transaction.atomic():  # a failing system step leaves none of its rows
            eng.run()
    except (EngineError, ProcessError) as exc:
        instance.status = InstanceStatus.ERROR
        instance.error = str(getattr(exc, "message", exc))
        runtime.event(instance, "error", comment=instance.error, to_state="error")
        return None
    after = {t.task_id: t for t in waiting_timers(eng.workflow)}
    fired = [t for t in before if t.task_id not in after or after[t.task_id].due != t.due]
    InstanceEvent.objects.bulk_create(
        [
            InstanceEvent(
                instance=instance,
                action=TIMER,
                at=clock.now(),
                step=(t.name or t.element_id)[:200],
                data={"element": t.element_id, "due_moment": _iso(t.due), "cycle": t.cycle},
            )
            for t in sorted(fired, key=lambda t: (t.due or moment, t.element_id))
        ]
    )
    if fired:
        runtime.sync(instance, eng)
    return len(fired)


def _iso(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _next_timer(now: dt.datetime) -> tuple[dt.datetime, int, str, int] | None:
    row = (
        ProcessInstance.objects.filter(status=InstanceStatus.RUNNING, timer_due_at__lte=now)
        .order_by("timer_due_at", "pk")
        .values_list("timer_due_at", "pk")
        .first()
    )
    return (row[0], 3, TIMER, row[1]) if row is not None and row[0] is not None else None


def due_work_tick(now: dt.datetime | None = None, *, limit: int = 5000) -> int:
    """Everything due by ``now`` — reminders, overdue notices, escalations and timers — one at a time,
    earliest first, each once. What fires may make more due (a late timer opens a step whose reminder
    moment has passed too): the next item is looked up again after each."""
    now = now or clock.now()
    fired = 0
    for _step in range(limit):
        candidates = [c for c in (sla.next_due_item(now), _next_timer(now)) if c is not None]
        if not candidates:
            break
        moment, _order, kind, pk = min(candidates)
        try:
            if kind == TIMER:
                n = instance_fire_timers(pk, moment, now)
                if not n:  # the stored moment is out of date (e.g. the step was completed)
                    _refresh_timer_due(pk, now)
                fired += n
            elif sla._fire(kind, pk, moment, now):
                fired += 1
        except Exception:  # one broken instance must not stop the others; retried next tick
            log.exception("due work %s #%s failed", kind, pk)
            if kind != TIMER:
                break
            ProcessInstance.objects.filter(pk=pk).update(timer_due_at=None)
    return fired


def _refresh_timer_due(instance_id: int, now: dt.datetime) -> None:
    """Store the instance's real next timer moment (none when nothing will fire by ``now`` after all:
    the legacy tick then looks at it with the engine's own clock)."""
    from yunying.workflow import runtime

    with transaction.atomic():
        instance = (
            ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("version")
            .filter(pk=instance_id)
            .first()
        )
        due = None
        if instance is not None and instance.status == InstanceStatus.RUNNING:
            due = next_timer_due(runtime.engine_load(instance))
        ProcessInstance.objects.filter(pk=instance_id).update(
            timer_due_at=due if due is not None and due > now else None
        )


def legacy_timers_tick() -> Any:
    """Instances waiting on timers saved before their next moment was stored: look once, store it."""
    from yunying.workflow.actions_admin import instances_advance_timers

    return instances_advance_timers()
