"""Working-time figures of the monitor: per step of a process, how long its finished tasks took in working
time (count, median, 90th percentile) — drawn as a heat map on the diagram — and the late list in working
time.

A finished task's working time is computed once, in the background (:func:`work_seconds_fill`, run by
the worker's tick), on the calendar of its step (the store's for ``due-basis="unit"``, else the
company's), and stored on the task; the figures are then one grouped query (PostgreSQL computes the
percentiles; elsewhere one ordered pass)."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, QuerySet

from yunying.core import clock
from yunying.core.calendar import CalendarUnknown, UnitCalendar, unit_calendar
from yunying.workflow import sla
from yunying.workflow.models import (
    OPEN_STATUSES,
    ProcessDefinition,
    ProcessVersion,
    TaskKind,
    TaskStatus,
    WorkTask,
)
from yunying.workflow.selectors import instances_visible_to

FILL_BATCH = 2000


class Percentile(Aggregate):  # PostgreSQL's ordered-set aggregate
    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


# -- filling ----------------------------------------------------------------------------------------


def work_seconds_fill(limit: int = FILL_BATCH) -> int:
    """Store the working time of finished tasks that have none yet; returns how many were filled."""
    rows = list(
        WorkTask.objects.filter(
            kind=TaskKind.ENGINE,
            status=TaskStatus.COMPLETED,
            completed_at__isnull=False,
            work_seconds__isnull=True,
        )
        .select_related("instance__version", "instance__unit")
        .defer(
            "data",
            "instance__state",
            "instance__data",
            "instance__version__spec",  # read once per version, on a cache miss
            "instance__version__bpmn_xml",
            "instance__version__dmn_xml",
        )
        .order_by("pk")[:limit]
    )
    calendars: dict[int | None, UnitCalendar] = {}
    defaults = sla.company_defaults()
    for task in rows:
        props = sla.task_properties(task.instance, task)
        basis = sla.step_sla(props, defaults).basis
        unit = task.instance.unit if basis == "unit" else None
        key = unit.pk if unit is not None else None
        if key not in calendars:
            calendars[key] = unit_calendar(unit)
        assert task.completed_at is not None
        try:
            spent = calendars[key].between(task.created_at, task.completed_at)
        except CalendarUnknown:
            spent = max(task.completed_at - task.created_at, dt.timedelta(0))
        task.work_seconds = spent.total_seconds()
    WorkTask.objects.bulk_update(rows, ["work_seconds"], batch_size=500)
    return len(rows)


# -- figures ----------------------------------------------------------------------------------------


@dataclass
class StepFigure:
    element_id: str
    name: str
    count: int
    median_hours: float
    p90_hours: float
    level: int = 0  # 0 (fastest) … 4 (slowest), for the colour

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "count": self.count,
            "median": round(self.median_hours, 1),
            "p90": round(self.p90_hours, 1),
            "level": self.level,
        }


@dataclass
class Heat:
    definition: ProcessDefinition | None = None
    version: ProcessVersion | None = None
    steps: list[StepFigure] | None = None

    def as_json(self) -> dict[str, Any]:
        return {s.element_id: s.as_json() for s in self.steps or []}


def _finished(user: Any, definition: ProcessDefinition) -> QuerySet[WorkTask]:
    return WorkTask.objects.filter(
        instance__in=instances_visible_to(user).filter(definition=definition).values("pk"),
        kind=TaskKind.ENGINE,
        status=TaskStatus.COMPLETED,
        work_seconds__isnull=False,
    )


def _percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (what PERCENTILE_CONT does)."""
    if not values:
        return 0.0
    pos = (len(values) - 1) * fraction
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def step_figures(*, user: Any, definition: ProcessDefinition) -> list[StepFigure]:
    """Count, median and 90th percentile of working time per step (element), slowest median first."""
    tasks = _finished(user, definition)
    rows: list[tuple[str, str, int, float, float]] = []
    if connection.vendor == "postgresql":
        for r in (
            tasks.values("element_id")
            .annotate(
                n=Count("pk"),
                med=Percentile("work_seconds", 0.5),
                p90=Percentile("work_seconds", 0.9),
            )
            .values_list("element_id", "n", "med", "p90")
        ):
            rows.append((r[0], "", r[1], r[2] or 0.0, r[3] or 0.0))
    else:
        current, values = None, []  # one ordered pass
        for element_id, seconds in tasks.order_by("element_id", "work_seconds").values_list(
            "element_id", "work_seconds"
        ):
            if element_id != current and current is not None:
                rows.append((current, "", len(values), _percentile(values, 0.5), _percentile(values, 0.9)))
                values = []
            current = element_id
            values.append(float(seconds or 0.0))
        if current is not None:
            rows.append((current, "", len(values), _percentile(values, 0.5), _percentile(values, 0.9)))
    names = dict(
        WorkTask.objects.filter(instance__definition=definition, element_id__in=[r[0] for r in rows])
        .order_by()
        .values_list("element_id", "name")
        .distinct()
    )
    slowest = max((r[3] for r in rows), default=0.0)
    figures = [
        StepFigure(
            element_id=e,
            name=names.get(e, e),
            count=n,
            median_hours=med / 3600,
            p90_hours=p90 / 3600,
            level=min(4, math.ceil(4 * med / slowest)) if slowest > 0 else 0,
        )
        for e, _name, n, med, p90 in rows
    ]
    return sorted(figures, key=lambda f: (-f.median_hours, f.element_id))


def heat_for(*, user: Any, key: str | None) -> Heat:
    """The heat map of the chosen process (or of the first one with finished steps in scope)."""
    definitions = ProcessDefinition.objects.order_by("category", "key")
    definition = definitions.filter(key=key).first() if key else None
    if definition is None:
        first = (
            WorkTask.objects.filter(
                instance__in=instances_visible_to(user).values("pk"),
                status=TaskStatus.COMPLETED,
                work_seconds__isnull=False,
            )
            .order_by("instance__definition__key")
            .values_list("instance__definition_id", flat=True)
            .first()
        )
        definition = definitions.filter(pk=first).first() if first else None
    if definition is None:
        return Heat(steps=[])
    version = definition.versions.order_by("-number").first()
    return Heat(definition, version, step_figures(user=user, definition=definition))


# -- the late list in working time ------------------------------------------------------------------


@dataclass
class LateTask:
    task: WorkTask
    late_hours: float  # working hours past the due time (clock hours for clock-time limits)


def late_in_working_time(tasks: list[WorkTask]) -> list[LateTask]:
    """How late each open, overdue task is, in the time its limit is counted in."""
    now = clock.now()
    calendars: dict[int | None, UnitCalendar] = {}
    out = []
    for task in tasks:
        if task.status not in OPEN_STATUSES or task.due_at is None:
            continue
        late = max(now - task.due_at, dt.timedelta(0))
        if task.due_basis in ("working", "unit"):
            unit = task.instance.unit if task.due_basis == "unit" else None
            key = unit.pk if unit is not None else None
            if key not in calendars:
                calendars[key] = unit_calendar(unit)
            with contextlib.suppress(CalendarUnknown):  # then clock time
                late = calendars[key].between(task.due_at, now)
        out.append(LateTask(task, late.total_seconds() / 3600))
    return out
