"""BPMN timers on the company clock: SpiffWorkflow reads ``datetime.now``; here it reads the clock the
Django layer hands it (``yunying.core.clock.now``, which tests can move), and the waiting timers of an
instance are listed with the moment each is due. Part of the engine family (imports SpiffWorkflow, not
Django)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState

_clock: Callable[[], dt.datetime] | None = None
_moment: ContextVar[dt.datetime | None] = ContextVar("yunying_engine_moment", default=None)


def current_moment() -> dt.datetime | None:
    """The moment the engine is told it is while a late timer fires (see :func:`at_moment`)."""
    return _moment.get()


@contextmanager
def at_moment(moment: dt.datetime) -> Iterator[None]:
    """Run the engine as if it were ``moment``: a worker catching up fires each timer at the moment it
    was due, so timers it starts count from then, and only what was due by then fires."""
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)


class _DatetimeProxy(type):
    """Everything but ``now`` is the real ``datetime`` (its constructors, ``isinstance`` checks)."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, dt.datetime)

    def __getattr__(cls, name: str) -> Any:
        return getattr(dt.datetime, name)


class _ClockDatetime(metaclass=_DatetimeProxy):
    """Stands in for ``datetime`` in SpiffWorkflow's timer module: ``now()`` is the configured clock."""

    @staticmethod
    def now(tz: dt.tzinfo | None = None) -> Any:
        virtual = _moment.get()
        if virtual is not None:  # just after the due moment: what was due by then fires
            moment = virtual + dt.timedelta(microseconds=1)
        else:
            moment = _clock() if _clock is not None else dt.datetime.now(dt.UTC)
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)


def use_clock(clock: Callable[[], dt.datetime] | None) -> None:
    """Make the engine's timers read ``clock`` (an aware "now"); None: the system clock."""
    global _clock
    _clock = clock
    _spiff_timer.datetime = _ClockDatetime  # type: ignore[misc]


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    element_id: str
    name: str
    cycle: bool
    due: dt.datetime | None  # None: not evaluated yet (the engine evaluates it on its next run)
    remaining: int | None = None  # cycles left (-1: unbounded)


def waiting_timers(workflow: Any) -> list[WaitingTimer]:
    """The timer events an instance waits on, with their next due moment, earliest first."""
    found: list[WaitingTimer] = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        value = task._get_internal_data("event_value")
        cycle = isinstance(definition, CycleTimerEventDefinition)
        due: dt.datetime | None = None
        remaining = None
        try:
            if cycle and isinstance(value, dict):
                remaining = int(value.get("cycles", 0))
                due = dt.datetime.fromisoformat(value["next"]) if remaining != 0 else None
            elif isinstance(value, str):
                due = TimerEventDefinition.get_datetime(value)
        except (KeyError, TypeError, ValueError):
            due = None
        if due is not None and due.tzinfo is None:
            due = due.replace(tzinfo=dt.UTC)
        found.append(
            WaitingTimer(
                task_id=str(task.id),
                element_id=getattr(task.task_spec, "bpmn_id", "") or "",
                name=getattr(task.task_spec, "bpmn_name", "") or "",
                cycle=cycle,
                due=due,
                remaining=remaining,
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda t: (t.due or far, t.element_id))
