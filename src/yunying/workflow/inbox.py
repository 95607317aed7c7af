"""The process inbox (流程信箱): to-do / done / started-by-me / copied-to-me, counts, filters, search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from yunying.workflow.models import (
    CarbonCopy,
    ProcessInstance,
    TaskStatus,
    WorkTask,
)
from yunying.workflow.selectors import tasks_for_user_q

TABS = ("todo", "done", "started", "copied")
PAGE_SIZE = 50


@dataclass
class InboxFilters:
    q: str = ""
    process: str = ""
    status: str = ""
    overdue: bool = False
    order: str = "due"

    @classmethod
    def from_query(cls, params: Any) -> InboxFilters:
        return cls(
            q=(params.get("q") or "").strip()[:100],
            process=(params.get("process") or "").strip()[:64],
            status=(params.get("status") or "").strip()[:20],
            overdue=params.get("overdue") in ("1", "true", "on"),
            order=params.get("order") or "due",
        )


@dataclass
class InboxPage:
    tab: str
    counts: dict[str, int]
    tasks: list[WorkTask] = field(default_factory=list)
    instances: list[ProcessInstance] = field(default_factory=list)
    total: int = 0


def todo_tasks(user: Any) -> QuerySet[WorkTask]:
    return WorkTask.objects.filter(tasks_for_user_q(user), status=TaskStatus.OPEN, instance__status="running")


def todo_count(user: Any) -> int:
    return todo_tasks(user).count()


def _task_filters(qs: QuerySet[WorkTask], f: InboxFilters) -> QuerySet[WorkTask]:
    if f.q:
        cond = Q(instance__title__icontains=f.q) | Q(name__icontains=f.q)
        if f.q.lstrip("#").isdigit():
            cond |= Q(instance_id=int(f.q.lstrip("#")))
        qs = qs.filter(cond)
    if f.process:
        qs = qs.filter(instance__definition__key=f.process)
    if f.overdue:
        from django.utils import timezone

        qs = qs.filter(due_at__lt=timezone.now())
    return qs


def _instance_filters(qs: QuerySet[ProcessInstance], f: InboxFilters) -> QuerySet[ProcessInstance]:
    if f.q:
        cond = Q(title__icontains=f.q)
        if f.q.lstrip("#").isdigit():
            cond |= Q(pk=int(f.q.lstrip("#")))
        qs = qs.filter(cond)
    if f.process:
        qs = qs.filter(definition__key=f.process)
    if f.status:
        qs = qs.filter(status=f.status)
    return qs


def inbox_counts(user: Any) -> dict[str, int]:
    return {
        "todo": todo_count(user),
        "done": WorkTask.objects.filter(acted_by=user, status=TaskStatus.COMPLETED).count(),
        "started": ProcessInstance.objects.filter(requester=user).count(),
        "copied": CarbonCopy.objects.filter(user=user, read_at__isnull=True).count(),
    }


_TASK_RELATED = (
    "instance",
    "instance__definition",
    "instance__requester",
    "instance__requester__employee",
    "assignee",
    "on_behalf_of",
)
# A list of tasks does not need the engine state of their instances (kilobytes of JSON each).
_TASK_DEFERRED = ("instance__state",)


def inbox_tasks(
    *, user: Any, tab: str, filters: InboxFilters, limit: int = PAGE_SIZE, offset: int = 0
) -> tuple[list[WorkTask], int]:
    if tab == "done":
        qs = WorkTask.objects.filter(acted_by=user, status=TaskStatus.COMPLETED)
        ordering: tuple[str, ...] = ("-completed_at", "-pk")
    else:
        qs = todo_tasks(user)
        ordering = ("due_at", "created_at", "pk") if filters.order == "due" else ("-created_at", "-pk")
    qs = _task_filters(qs, filters)
    total = qs.count()
    rows = list(
        qs.select_related(*_TASK_RELATED).defer(*_TASK_DEFERRED).order_by(*ordering)[offset : offset + limit]
    )
    return rows, total


def inbox_instances(
    *, user: Any, tab: str, filters: InboxFilters, limit: int = PAGE_SIZE, offset: int = 0
) -> tuple[list[ProcessInstance], int]:
    if tab == "copied":
        qs = ProcessInstance.objects.filter(pk__in=CarbonCopy.objects.filter(user=user).values("instance_id"))
    else:
        qs = ProcessInstance.objects.filter(requester=user)
    qs = _instance_filters(qs, filters)
    total = qs.count()
    rows = list(
        qs.select_related("definition", "requester", "unit").order_by("-started_at", "-pk")[
            offset : offset + limit
        ]
    )
    return rows, total


def inbox_page(*, user: Any, tab: str, filters: InboxFilters) -> InboxPage:
    tab = tab if tab in TABS else "todo"
    page = InboxPage(tab=tab, counts=inbox_counts(user))
    if tab in ("todo", "done"):
        page.tasks, page.total = inbox_tasks(user=user, tab=tab, filters=filters)
    else:
        page.instances, page.total = inbox_instances(user=user, tab=tab, filters=filters)
    return page
