"""Process monitoring (监控流程) for managers: every instance in scope, durations, late tasks and the
bottleneck steps by average waiting time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from yunying.org.scope import scope_for
from yunying.workflow.models import (
    OPEN_STATUSES,
    InstanceEvent,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
    WorkTask,
)
from yunying.workflow.selectors import instances_visible_to

MONITOR_PERMISSION = "workflow.monitor_process"


def can_monitor(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.has_perm(MONITOR_PERMISSION) or scope_for(user).everything)
    )


@dataclass
class Bottleneck:
    step: str
    process: str
    count: int
    avg_wait: dt.timedelta
    open_now: int = 0


@dataclass
class MonitorReport:
    by_status: dict[str, int] = field(default_factory=dict)
    running: list[ProcessInstance] = field(default_factory=list)
    late: list[WorkTask] = field(default_factory=list)
    bottlenecks: list[Bottleneck] = field(default_factory=list)
    avg_duration: dt.timedelta | None = None
    finished: int = 0
    errors: list[ProcessInstance] = field(default_factory=list)  # in error: retry / reassign / cancel
    fallbacks: list[InstanceEvent] = field(default_factory=list)  # steps whose assignee rule found nobody
    # open steps whose reminder, overdue notice or escalation kept failing and was given up
    sla_failures: list[InstanceEvent] = field(default_factory=list)


def monitor_report(*, user: Any, key: str | None = None, limit: int = 100) -> MonitorReport:
    instances = instances_visible_to(user)
    if key:
        instances = instances.filter(definition__key=key)
    report = MonitorReport()
    report.by_status = dict(
        instances.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    finished = instances.filter(ended_at__isnull=False, status=InstanceStatus.COMPLETED)
    agg = finished.aggregate(
        d=Avg(ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())), n=Count("pk")
    )
    report.avg_duration, report.finished = agg["d"], agg["n"]
    report.running = list(
        instances.filter(status__in=(InstanceStatus.RUNNING, InstanceStatus.ERROR))
        .select_related("definition", "requester", "unit")
        .order_by("started_at")[:limit]
    )
    report.errors = list(
        instances.filter(status=InstanceStatus.ERROR)
        .select_related("definition", "requester", "unit")
        .order_by("started_at")[:limit]
    )
    report.fallbacks = list(
        InstanceEvent.objects.filter(instance__in=instances.values("pk"), action="empty_assignee")
        .select_related("instance")
        .order_by("-at", "-pk")[:limit]
    )
    report.sla_failures = list(
        InstanceEvent.objects.filter(
            instance__in=instances.values("pk"), action="sla_failed", task__status__in=OPEN_STATUSES
        )
        .select_related("instance")
        .order_by("-at", "-pk")[:limit]
    )
    now = timezone.now()
    tasks = WorkTask.objects.filter(instance__in=instances.values("pk"))
    report.late = list(
        tasks.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        .select_related("instance", "instance__definition", "assignee", "candidate_position")
        .order_by("due_at")[:limit]
    )
    waits = (
        tasks.filter(kind="engine")
        .exclude(status=TaskStatus.SKIPPED)
        .values("name", "instance__definition__name")
        .annotate(
            n=Count("pk"),
            open_now=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            wait=Avg(ExpressionWrapper(timezone_coalesce() - F("created_at"), output_field=DurationField())),
        )
        .order_by("-wait")[:10]
    )
    report.bottlenecks = [
        Bottleneck(
            w["name"], w["instance__definition__name"], w["n"], w["wait"] or dt.timedelta(), w["open_now"]
        )
        for w in waits
    ]
    return report


def timezone_coalesce() -> Any:
    """completed_at, or now for tasks still waiting."""
    from django.db.models import Value
    from django.db.models.functions import Coalesce

    return Coalesce(F("completed_at"), Value(timezone.now()))


def waiting_steps(instance: ProcessInstance) -> list[Any]:
    """The steps of an instance in error that nobody holds (for 重新指派), or [] if its engine state
    cannot be read (the error says why)."""
    from yunying.workflow.actions_admin import waiting_steps as waiting
    from yunying.workflow.errors import ProcessError

    try:
        return waiting(instance)
    except ProcessError:
        return []
