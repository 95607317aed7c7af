"""The process inbox (流程信箱): to-do / done / started-by-me / copied-to-me, counts, filters, search."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Count, Q, QuerySet, Window

from yunying.workflow import cards
from yunying.workflow.models import (
    CarbonCopy,
    InboxCard,
    ProcessInstance,
    TaskStatus,
    WorkTask,
)
from yunying.workflow.selectors import seats, tasks_for_user_q

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
class InboxRow:
    """One line of the task tabs, the same for a to-do card and a finished task."""

    pk: int
    instance_id: int | None
    title: str
    url: str
    process: str
    process_name: str
    step: str
    requester: str
    summary: list[list[str]] = field(default_factory=list)
    shared: bool = False
    delegated: bool = False
    due_at: Any = None
    created_at: Any = None
    completed_at: Any = None
    outcome: str = ""
    outcome_label: str = ""
    kind: str = "approval"
    element_id: str = ""
    task_kind: str = ""
    status: str = "open"
    assignee: str | None = None
    on_behalf_of: str | None = None
    requester_login: str = ""
    instance_status: str = "running"
    instance_error: str = ""

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status == "open" and self.due_at is not None and self.due_at < timezone.now()

    @property
    def selectable(self) -> bool:
        """May go into a bulk approval: an approval the person holds (not a shared queue's)."""
        return self.kind == cards.APPROVAL and not self.shared


@dataclass
class InboxPage:
    tab: str
    counts: dict[str, int]
    tasks: list[InboxRow] = field(default_factory=list)
    instances: list[ProcessInstance] = field(default_factory=list)
    total: int = 0


def user_groups(user: Any) -> list[int]:
    """The user's group ids, cached on the user object (once per request)."""
    cached = getattr(user, "_yunying_group_ids", None)
    if cached is None:
        from yunying.workflow.hotcache import memo

        if user.is_authenticated:  # across requests, until a group membership changes (hotcache)
            cached = memo(f"groups:{user.pk}", lambda: list(user.groups.values_list("pk", flat=True)))
        else:
            cached = []
        with contextlib.suppress(AttributeError):
            user._yunying_group_ids = cached
    return cached


def todo_cards(user: Any) -> QuerySet[InboxCard]:
    """The cards ``user`` may act on (every kind): one indexed query."""
    if not user.is_authenticated:
        return InboxCard.objects.none()
    return InboxCard.objects.filter(cards.visible_q(user, seats(user), user_groups(user)), state="open")


def todo_tasks(user: Any) -> QuerySet[WorkTask]:
    return WorkTask.objects.filter(tasks_for_user_q(user), status=TaskStatus.OPEN, instance__status="running")


def todo_count(user: Any) -> int:
    """The to-do count (navigation badge, home page), computed once per request."""
    cached = getattr(user, "_yunying_todo_count", None)
    if cached is None:
        cached = todo_cards(user).count()
        with contextlib.suppress(AttributeError):
            user._yunying_todo_count = cached
    return int(cached)


def _card_filters(qs: QuerySet[InboxCard], f: InboxFilters) -> QuerySet[InboxCard]:
    if f.q:
        cond = Q(search__contains=f.q.lower()) | Q(title__icontains=f.q)
        if f.q.lstrip("#").isdigit():
            cond |= Q(group_ref=f.q.lstrip("#"), kind=cards.APPROVAL)
        qs = qs.filter(cond)
    if f.process:
        qs = qs.filter(topic=f.process)
    if f.overdue:
        from django.utils import timezone

        qs = qs.filter(due_at__lt=timezone.now())
    return qs


# What a to-do line shows: the card's narrow columns (no search words, no audience ids).
_CARD_FIELDS = ("ref", "title", "url", "topic", "topic_name", "step", "requester", "summary", "extra",
                "on_behalf_of", "due_at", "created_at", "kind")  # fmt: skip


def _card_row(c: tuple[Any, ...], login: str) -> InboxRow:
    """One to-do line from a card's ``_CARD_FIELDS``."""
    ref, title, url, topic, topic_name, step, requester, summary, extra, behalf, due_at, created_at, kind = c[
        :13
    ]
    extra = extra or {}
    shared = bool(extra.get("shared"))
    return InboxRow(
        pk=int(ref) if ref.isdigit() else 0,
        instance_id=extra.get("instance_id"),
        title=title,
        url=url,
        process=topic,
        process_name=topic_name,
        step=step,
        requester=requester,
        summary=summary or [],
        shared=shared,
        assignee=None if shared else login,  # a person's card is the reader's own
        delegated=bool(behalf),
        due_at=due_at,
        created_at=created_at,
        kind=kind,
        element_id=str(extra.get("element_id") or ""),
        task_kind=str(extra.get("task_kind") or ""),
        on_behalf_of=behalf or None,
        requester_login=str(extra.get("requester") or ""),
    )


def _task_row(t: WorkTask) -> InboxRow:
    from yunying.workflow.cards import summary_of, user_name

    i = t.instance
    return InboxRow(
        pk=t.pk,
        instance_id=t.instance_id,
        title=i.title,
        url=f"/workflow/tasks/{t.pk}/",
        process=i.definition.key,
        process_name=i.definition.name,
        step=t.name,
        requester=user_name(i.requester),
        summary=summary_of(i),
        shared=t.assignee_id is None,
        delegated=t.on_behalf_of_id is not None,
        due_at=t.due_at,
        created_at=t.created_at,
        completed_at=t.completed_at,
        outcome=t.outcome,
        outcome_label=t.outcome_label,
        element_id=t.element_id,
        task_kind=t.kind,
        status=t.status,
        assignee=t.assignee.username if t.assignee else None,
        on_behalf_of=t.on_behalf_of.username if t.on_behalf_of else None,
        requester_login=i.requester.username,
        instance_status=i.status,
        instance_error=i.error,
    )


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
    """The four tab counts in one statement (each a sub-select on its own index)."""
    from yunying.core.counts import count_each

    counts = count_each(
        {
            "todo": todo_cards(user),
            "done": WorkTask.objects.filter(acted_by=user, status=TaskStatus.COMPLETED),
            "started": ProcessInstance.objects.filter(requester=user),
            "copied": CarbonCopy.objects.filter(user=user, read_at__isnull=True),
        }
    )
    with contextlib.suppress(AttributeError):
        user._yunying_todo_count = counts["todo"]
    return counts


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


_DONE_DEFERRED = ("instance__state", "instance__version__spec", "instance__version__bpmn_xml",
                  "instance__version__dmn_xml", "instance__version__bpmn_extra")  # fmt: skip


_COMPILED_MAX = 2000


def _run_compiled(key: tuple[Any, ...], build: Callable[[], QuerySet[Any]]) -> list[tuple[Any, ...]]:
    """The rows of the query ``build()`` makes, whose SQL ``key`` determines entirely (the reader, their
    seats and groups, the order and the page): the statement is compiled once per database connection
    (building and compiling the query costs more than running it) and run as it is; the rows get the
    ORM's conversions (dates, JSON)."""
    conn = connections[InboxCard.objects.db]
    compiled: dict[tuple[Any, ...], Any] | None = getattr(conn, "_yunying_inbox_sql", None)
    if compiled is None or len(compiled) > _COMPILED_MAX:
        compiled = {}
        conn._yunying_inbox_sql = compiled  # type: ignore[attr-defined]
    hit = compiled.get(key)
    if hit is None:
        qs = build()
        compiler = qs.query.get_compiler(using=qs.db)
        sql, params = compiler.as_sql()
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        hit = compiled[key] = (sql, tuple(params), compiler, converters)
    sql, params, compiler, converters = hit
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        return [tuple(r) for r in compiler.apply_converters(rows, converters)]
    return [tuple(r) for r in rows]


def inbox_tasks(
    *,
    user: Any,
    tab: str,
    filters: InboxFilters,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    total: int | None = None,
) -> tuple[list[InboxRow], int]:
    """A page of the to-do (from the inbox cards: one indexed query) or done tab. ``total``: the
    unfiltered count when the caller has it already (saves the COUNT)."""
    if tab == "done":
        qs = _task_filters(WorkTask.objects.filter(acted_by=user, status=TaskStatus.COMPLETED), filters)
        found = qs.count() if total is None or filters.q or filters.process else total
        done = list(
            qs.select_related(*_TASK_RELATED, "instance__version", "instance__unit")
            .defer(*_DONE_DEFERRED)
            .order_by("-completed_at", "-pk")[offset : offset + limit]
        )
        return [_task_row(t) for t in done], found
    ordering = ("due_at", "created_at", "pk") if filters.order == "due" else ("-created_at", "-pk")
    filtered = bool(filters.q or filters.process or filters.overdue)
    known = total is not None and not filtered

    def cards() -> QuerySet[InboxCard]:
        return _card_filters(todo_cards(user), filters)

    def page_qs() -> QuerySet[Any]:
        cqs = cards() if known else cards().annotate(found=Window(Count("pk")))  # the count rides along
        fields = (*_CARD_FIELDS, *(() if known else ("found",)))
        return cqs.order_by(*ordering).values_list(*fields)[offset : offset + limit]

    if filtered or not user.is_authenticated:
        page = list(page_qs())
    else:  # the plain list, asked for again and again: its statement compiled once
        key = (user.pk, tuple(seats(user)), tuple(user_groups(user)), filters.order, known, offset, limit)
        page = _run_compiled(key, page_qs)
    login = user.username
    rows = [_card_row(c, login) for c in page]
    if known:
        found = int(total or 0)
    elif page:
        found = int(page[0][-1])
    elif offset == 0:
        found = 0
    else:
        found = cards().count()  # paged past the end: the page cannot tell
    return rows, found


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
        page.tasks, page.total = inbox_tasks(user=user, tab=tab, filters=filters, total=page.counts[tab])
    else:
        page.instances, page.total = inbox_instances(user=user, tab=tab, filters=filters)
    return page
