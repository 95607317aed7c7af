"""The approval center (审批中心): the gallery of processes a person may start (by category, searchable,
recently used first), "my requests" with where each one waits, and the printable request sheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from yunying.workflow import selectors
from yunying.workflow.models import OPEN_STATUSES, InstanceEvent, ProcessDefinition, ProcessInstance, WorkTask

RECENT = 4  # processes shown under 最近使用
RECENT_SCAN = 200  # the requester's latest requests read to find them
MAX_QUERY = 100
REQUESTS_PAGE = 50
STATES = ("running", "completed", "rejected", "withdrawn", "cancelled", "error")


@dataclass
class GalleryGroup:
    category: str
    definitions: list[ProcessDefinition]


@dataclass
class Gallery:
    q: str
    recent: list[ProcessDefinition] = field(default_factory=list)
    groups: list[GalleryGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(g.definitions) for g in self.groups)


def _matches(d: ProcessDefinition, q: str) -> bool:
    text = " ".join((d.key, d.name, d.category, d.description)).lower()
    return all(word in text for word in q.lower().split())


def recent_keys(*, user: Any, limit: int = RECENT) -> list[str]:
    """The keys of the processes ``user`` started last, newest first (at most ``limit``)."""
    keys: list[str] = []
    rows = (
        ProcessInstance.objects.filter(requester=user)
        .order_by("-started_at", "-pk")
        .values_list("definition__key", flat=True)[:RECENT_SCAN]
    )
    for key in rows:
        if key not in keys:
            keys.append(key)
            if len(keys) >= limit:
                break
    return keys


def gallery(*, user: Any, q: str = "") -> Gallery:
    """The processes ``user`` may start matching ``q`` (every word in the name, key, category or
    description), grouped by category; ``recent`` holds the ones they started last (only without a query)."""
    q = " ".join(q.split())[:MAX_QUERY]
    startable = [d for d in selectors.startable_list(user=user) if not q or _matches(d, q)]
    result = Gallery(q=q)
    if not q:
        by_key = {d.key: d for d in startable}
        result.recent = [by_key[k] for k in recent_keys(user=user) if k in by_key]
    groups: dict[str, list[ProcessDefinition]] = {}
    for d in startable:
        groups.setdefault(d.category or _("其他"), []).append(d)
    result.groups = [GalleryGroup(category, items) for category, items in groups.items()]
    return result


@dataclass
class Waiting:
    """One open step of a request: its name, who holds it, when it is due."""

    step: str
    who: str
    due_at: Any
    overdue: bool


def holder_text(task: WorkTask) -> str:
    """Who holds an open task, in words: the person, the shared queue, or the 或签 candidates."""
    if task.assignee_id is not None and task.assignee is not None:
        return str(task.assignee.display_name)
    if task.candidate_position_id is not None:
        unit = task.candidate_unit.name if task.candidate_unit else ""
        position = task.candidate_position.name if task.candidate_position else ""
        return _("%(unit)s %(position)s（共享队列）") % {"unit": unit, "position": position}
    names = " / ".join(str(u.display_name) for u in task.candidate_users.all())
    return _("%(names)s（或签）") % {"names": names} if names else ""


_OPEN_TASKS = Prefetch(
    "tasks",
    queryset=WorkTask.objects.filter(status__in=OPEN_STATUSES)
    .select_related("assignee__employee", "candidate_position", "candidate_unit")
    .prefetch_related("candidate_users__employee")
    .order_by("due_at", "created_at", "pk"),
    to_attr="open_rows",
)


def waiting_of(instance: ProcessInstance) -> list[Waiting]:
    """Where a running request waits (needs ``open_rows`` from :data:`_OPEN_TASKS`, else reads them)."""
    if instance.status != "running":
        return []
    rows = getattr(instance, "open_rows", None)
    if rows is None:
        rows = list(
            instance.tasks.filter(status__in=OPEN_STATUSES)
            .select_related("assignee__employee", "candidate_position", "candidate_unit")
            .order_by("due_at", "created_at", "pk")
        )
    if instance.waiting_for_requester and not rows:
        return [Waiting(_("退回发起人"), instance.requester.display_name, None, False)]
    return [Waiting(t.name, holder_text(t), t.due_at, t.is_overdue) for t in rows]


def my_requests(
    *, user: Any, state: str = "", q: str = "", limit: int = REQUESTS_PAGE, offset: int = 0
) -> tuple[list[ProcessInstance], int]:
    """The requests ``user`` started, newest first, each with ``waiting`` (where it waits)."""
    qs = ProcessInstance.objects.filter(requester=user)
    if state in STATES:
        qs = qs.filter(status=state)
    q = q.strip()[:MAX_QUERY]
    if q:
        qs = qs.filter(pk=int(q.lstrip("#"))) if q.lstrip("#").isdigit() else qs.filter(title__icontains=q)
    total = qs.count()
    limit = max(1, min(limit, 200))
    rows: list[ProcessInstance] = list(
        qs.select_related("definition", "unit", "requester__employee")
        .defer("state")
        .prefetch_related(_OPEN_TASKS)
        .order_by("-started_at", "-pk")[max(0, offset) : max(0, offset) + limit]
    )
    for row in rows:
        row.waiting = waiting_of(row)  # type: ignore[attr-defined]
    return rows, total


@dataclass
class Sheet:
    """A request as printed: its data, its trail (every approval, return and comment) and where it waits."""

    instance: ProcessInstance
    trail: list[InstanceEvent]
    waiting: list[Waiting]


# Engine bookkeeping left off the printed trail (the page's history shows it).
NOT_ON_SHEET = frozenset({"assigned", "decision", "script", "rule", "timer", "sla_failed", "system"})


def request_sheet(*, user: Any, instance_id: int) -> Sheet:
    """The printable sheet of a request ``user`` may see (404 otherwise)."""
    instance = selectors.instance_get(user=user, instance_id=instance_id)
    events = [e for e in selectors.instance_events(instance) if e.action not in NOT_ON_SHEET]
    return Sheet(instance=instance, trail=events, waiting=waiting_of(instance))
