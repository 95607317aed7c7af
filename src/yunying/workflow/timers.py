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

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.workflow import sla
from yunying.workflow.engine import EngineError, EngineInstance, dump_state
from yunying.workflow.engine_timers import at_moment, waiting_timers
from yunying.workflow.errors import ProcessError
from yunying.workflow.models import InstanceStatus, ProcessInstance

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
    key = f"yunying.fire_timers:{pk}:{int(eta.timestamp())}"

    def enqueue() -> None:
        from huey.contrib.djhuey import HUEY

        from yunying.workflow.tasks import fire_timers

        # One task per instance and moment: saving the instance again (another action before the timer
        # is due) does not queue a second one. The task removes the key when it runs.
        if HUEY.put_if_empty(key, "1"):
            fire_timers.schedule(args=(pk,), kwargs={"key": key}, eta=eta)

    transaction.on_commit(enqueue)


def instance_fire_timers(instance_id: int, until: dt.datetime, now: dt.datetime | None = None) -> int:
    """Fire the instance's timers due by ``until``, each once and earliest first, the engine seeing the
    moment each was due; returns how many fired. ``now``: when this runs (the history's time).

    A failure that will not go away by trying again (the engine or an expression fails, a timer value
    it cannot read) puts this one instance in **error** (:func:`runtime.guarded`): the monitor shows it,
    and it leaves the timer scan. The timers that fired before that stay fired."""
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
        fired_count = 0
        with runtime.batched_events(instance):
            try:
                eng = runtime.engine_load(instance)
            except ProcessError as exc:
                runtime.fail(instance, str(exc.message))
                eng = None
            for _round in range(MAX_ROUNDS if eng is not None else 0):
                assert eng is not None
                due = [t for t in waiting_timers(eng.workflow) if t.due is not None and t.due <= until]
                if not due:
                    break
                moment = due[0].due
                assert moment is not None
                with at_moment(moment):
                    fired = _fire_round(instance, eng, moment, now)
                if not fired:
                    break
                fired_count += fired  # also when the timer ended the instance (an interrupting one)
                if instance.status != InstanceStatus.RUNNING:
                    break
            if eng is not None and instance.status == InstanceStatus.RUNNING:
                runtime.engine_save(instance, eng)
            else:
                instance.timer_due_at = None
        instance.save()
        return fired_count


def _run(eng: EngineInstance) -> None:
    """One engine run for due timers. What SpiffWorkflow raises on a timer value it cannot read (a plain
    ``Exception``) becomes the instance's error; a database error stays one (the next tick tries again)."""
    try:
        eng.run()
    except (EngineError, ProcessError, DatabaseError):
        raise
    except Exception as exc:  # e.g. a timer value that is no ISO 8601 date or duration
        raise ProcessError(_("定时器无法继续：%(error)s") % {"error": exc}) from exc


def _fire_round(
    instance: ProcessInstance, eng: EngineInstance, moment: dt.datetime, now: dt.datetime
) -> int | None:
    """One engine run at ``moment``: the timers due by then fire, one history line each. None: the
    instance went to error (everything this run did is undone, the instance keeps its last good state)."""
    from yunying.workflow import runtime

    before = [t for t in waiting_timers(eng.workflow) if t.due is not None and t.due <= moment]

    def work() -> int:
        _run(eng)
        after = {t.task_id: t for t in waiting_timers(eng.workflow)}
        fired = [t for t in before if t.task_id not in after or after[t.task_id].due != t.due]
        _drop_engine_lines(eng)
        for t in sorted(fired, key=lambda t: (t.due or moment, t.element_id)):
            runtime.event(
                instance,
                TIMER,
                step=t.name or t.element_id,
                data={"element": t.element_id, "due_moment": _iso(t.due), "cycle": t.cycle},
                at=now,
            )
        if fired:
            runtime.sync(instance, eng)
            instance.state = dump_state(eng)  # the last good state, should a later round fail
        return len(fired)

    return runtime.guarded(instance, work)


def _drop_engine_lines(eng: EngineInstance) -> None:
    """The engine logs each timer task it completes, also a cycle timer that ends because its step was
    cancelled; in a run for due timers the lines written here (the timers that fired, each with the moment
    it was due) are the record, so the engine's timer entries are taken out of its log."""
    eng.step_log = [entry for entry in eng.step_log if entry["kind"] != TIMER]


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


SCAN_BATCH = 100  # due reminders, overdue notices and escalations read per look-up of the tick


def due_work_tick(now: dt.datetime | None = None, *, limit: int = 5000) -> int:
    """Everything due by ``now`` — reminders, overdue notices, escalations and timers — one at a time,
    earliest first, each once. What fires may make more due (a late timer opens a step whose reminder
    moment has passed too): after a timer fires, what is due is looked up again. Reminders, overdue
    notices and escalations make nothing else due, so they are read ``SCAN_BATCH`` at a time (each is
    claimed when it fires: one done meanwhile is skipped).

    An instance whose timers fail goes to error and leaves the scan (its failure would only repeat); a
    database error stops this tick, and the next one tries again."""
    now = now or clock.now()
    fired = 0
    queue: list[tuple[dt.datetime, int, str, int]] = []  # the next SLA items, earliest first
    timer: tuple[dt.datetime, int, str, int] | None = None
    more = True  # the last look-up filled its batch: more may be due after it
    look = True
    for step in range(limit):
        if look or (not queue and more):
            batch = min(SCAN_BATCH, limit - step)
            queue = sla.due_items(now, batch)[::-1]  # popped from the end
            more = len(queue) == batch
            timer = _next_timer(now)
            look = False
        if not queue and timer is None:
            break
        if timer is not None and (not queue or timer < queue[-1]):
            moment, _order, kind, pk = timer
            look = True  # what the timer fires may make more due, earlier than the batch read
        else:
            moment, _order, kind, pk = queue.pop()
        try:
            if kind == TIMER:
                n = instance_fire_timers(pk, moment, now)
                if not n:  # the stored moment is out of date (e.g. the step was completed)
                    _refresh_timer_due(pk, now)
                fired += n
            elif sla._fire(kind, pk, moment, now):
                fired += 1
        except DatabaseError:
            log.exception("due work %s #%s failed; the next tick tries again", kind, pk)
            break
        except Exception as exc:  # a fault that trying again at once will not mend
            log.exception("due work %s #%s failed", kind, pk)
            if kind != TIMER:
                sla.item_failed(kind, pk, now, exc)  # retried later with backoff, then given up visibly
                continue
            _stop(pk, _("定时器无法继续：%(error)s") % {"error": exc})
    return fired


def _stop(instance_id: int, message: str) -> None:
    """Put a running instance in error for a failure outside the engine's own (see :func:`runtime.fail`)."""
    from yunying.workflow import runtime

    with transaction.atomic():
        instance = ProcessInstance.objects.select_for_update(of=("self",)).filter(pk=instance_id).first()
        if instance is None:
            return
        if instance.status == InstanceStatus.RUNNING:
            runtime.fail(instance, message)
        instance.timer_due_at = None
        instance.save()


def _refresh_timer_due(instance_id: int, now: dt.datetime) -> None:
    """Store the instance's real next timer moment (none when nothing will fire by ``now`` after all:
    the legacy tick then looks at it with the engine's own clock, and puts it in error if its timer
    value cannot be read). An instance whose engine state cannot be read goes to error."""
    from yunying.workflow import runtime

    with transaction.atomic():
        instance = (
            ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("version")
            .filter(pk=instance_id)
            .first()
        )
        if instance is None:
            return
        due = None
        if instance.status == InstanceStatus.RUNNING:
            try:
                due = next_timer_due(runtime.engine_load(instance))
            except ProcessError as exc:
                runtime.fail(instance, str(exc.message))
                instance.timer_due_at = None
                instance.save()
                return
        ProcessInstance.objects.filter(pk=instance_id).update(
            timer_due_at=due if due is not None and due > now else None
        )


def legacy_timers_tick() -> Any:
    """Instances waiting on timers saved before their next moment was stored: look once, store it."""
    from yunying.workflow.actions_admin import instances_advance_timers

    return instances_advance_timers()
