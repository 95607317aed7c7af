"""Reads of the duties app: what a person may see, their inbox items, lists for the API and the pages.

Who sees an occurrence: its assignee and reviewer; people whose scope (`yunying.org.scope`) covers its seat's
unit or its assignee's unit; the person a review is about, once it is finished (not while it is written)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import DomainError, NotFound
from yunying.duties.models import FINISHED_STATUSES, OPEN_STATUSES, Duty, Event, Occurrence, Status
from yunying.org.scope import scope_for

MAX_LIST = 500
INBOX_LIMIT = 50


def _me(user: Any) -> int | None:
    employee = getattr(user, "employee", None) if user is not None and user.is_authenticated else None
    return employee.pk if employee is not None else None


def occurrences_visible_to(user: Any) -> QuerySet[Occurrence]:
    if not user.is_authenticated:
        return Occurrence.objects.none()
    me = _me(user)
    scope = scope_for(user)
    own = Q(assignee_id=me) | Q(reviewer_id=me) if me else Q(pk__in=[])
    if scope.everything:
        seen = Q(pk__isnull=False)
    else:
        ids = list(scope.unit_ids)
        seen = Q(unit_id__in=ids) | Q(assignee_unit_id__in=ids)
    about_me = Q(subject_id=me) if me else Q(pk__in=[])
    allowed = own | (seen & ~about_me) | (about_me & Q(status__in=FINISHED_STATUSES))
    return Occurrence.objects.filter(allowed)


_RELATED = (
    "duty",
    "duty__form",
    "form_version",
    "assignee",
    "subject",
    "unit",
    "reviewer",
    "assignee_position",
    "position",
)


def occurrence_get(*, user: Any, pk: int) -> Occurrence:
    found = occurrences_visible_to(user).select_related(*_RELATED).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("找不到该职责事项。"))
    return found


def occurrence_events(occ: Occurrence) -> list[Event]:
    return list(occ.events.select_related("actor", "actor__employee").order_by("at", "pk"))


def may_submit(user: Any, occ: Occurrence) -> bool:
    me = _me(user)
    return bool(
        me and occ.assignee_id == me and occ.status in OPEN_STATUSES and occ.available_at <= clock.now()
    )


def may_review(user: Any, occ: Occurrence) -> bool:
    if occ.status != Status.SUBMITTED:
        return False
    from yunying.duties.services import _may_review

    return _may_review(user, occ)


def may_comment(user: Any, occ: Occurrence) -> bool:
    me = _me(user)
    return bool(
        me
        and occ.status != Status.CANCELLED
        and (me in (occ.assignee_id, occ.reviewer_id) or may_review(user, occ))
    )


def is_late(occ: Occurrence) -> bool:
    if occ.first_submitted_at is not None:
        return occ.first_submitted_at > occ.due_at
    return occ.due_at < clock.now() and occ.status != Status.CANCELLED


# -- the inbox ----------------------------------------------------------------------------------------


@dataclass
class InboxItems:
    todo: list[Occurrence] = field(default_factory=list)
    review: list[Occurrence] = field(default_factory=list)
    todo_total: int = 0
    review_total: int = 0

    @property
    def count(self) -> int:
        return self.todo_total + self.review_total


def _todo(me: int) -> QuerySet[Occurrence]:
    return Occurrence.objects.filter(assignee_id=me, status__in=OPEN_STATUSES, arrived_at__isnull=False)


def _to_review(me: int) -> QuerySet[Occurrence]:
    return Occurrence.objects.filter(reviewer_id=me, status=Status.SUBMITTED)


def inbox_items(user: Any, *, limit: int = INBOX_LIMIT) -> InboxItems:
    """The duties waiting for ``user`` (the 我的职责 page): to submit (arrived, open or sent back) and to
    review. In the process inbox the same occurrences are inbox cards (``yunying.duties.cards``)."""
    me = _me(user)
    if me is None:
        return InboxItems()
    todo, review = _todo(me), _to_review(me)
    related = ("duty", "subject", "unit", "assignee")
    return InboxItems(
        todo=list(todo.select_related(*related).order_by("due_at", "pk")[:limit]),
        review=list(review.select_related(*related).order_by("submitted_at", "pk")[:limit]),
        todo_total=todo.count(),
        review_total=review.count(),
    )


def inbox_count(user: Any) -> int:
    """How many duties wait for ``user`` (the 我的职责 badge): their duty cards in the inbox, one query."""
    from yunying.duties.cards import KIND
    from yunying.workflow.models import InboxCard

    if not user.is_authenticated:
        return 0
    return InboxCard.objects.filter(kind=KIND, assignee_id=user.pk, state="open").count()


# -- lists --------------------------------------------------------------------------------------------


def parse_day(raw: str | None, *, field: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise DomainError(
            _("“%(value)s”不是有效的日期，格式应为 YYYY-MM-DD。") % {"value": raw[:40]}, field=field
        ) from None


def occurrence_list(
    *,
    user: Any,
    mine: bool = False,
    start: str | None = None,
    end: str | None = None,
    status: str | None = None,
    duty: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Occurrence], int]:
    first, last = parse_day(start, field="from"), parse_day(end, field="to")
    if first and last and last < first:
        raise DomainError(_("结束日期不能早于开始日期。"), field="to")
    qs = occurrences_visible_to(user)
    if mine:
        qs = qs.filter(assignee_id=_me(user) or 0)
    if first:
        qs = qs.filter(due_on__gte=first)
    if last:
        qs = qs.filter(due_on__lte=last)
    if status:
        if status not in Status.values:
            raise DomainError(
                _("未知的状态“%(value)s”，可选：%(choices)s。")
                % {"value": status[:20], "choices": ", ".join(Status.values)},
                field="status",
            )
        qs = qs.filter(status=status)
    if duty:
        qs = qs.filter(duty__key=duty)
    total = qs.count()
    limit = max(1, min(limit, MAX_LIST))
    rows = list(qs.select_related(*_RELATED).order_by("due_at", "pk")[offset : offset + limit])
    return rows, total


def duty_list() -> QuerySet[Duty]:
    return (
        Duty.objects.select_related("form", "reviewer_position")
        .prefetch_related("positions")
        .order_by("sort_order", "key")
    )


def recent_done(user: Any, *, limit: int = 20) -> list[Occurrence]:
    me = _me(user)
    if me is None:
        return []
    return list(
        Occurrence.objects.filter(assignee_id=me, first_submitted_at__isnull=False)
        .exclude(status__in=OPEN_STATUSES)
        .select_related("duty", "subject")
        .order_by("-submitted_at", "-pk")[:limit]
    )


def next_due(duty: Duty) -> dt.datetime | None:
    found = (
        Occurrence.objects.filter(duty=duty, due_at__gte=clock.now())
        .exclude(status=Status.CANCELLED)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    return found
