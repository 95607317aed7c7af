"""Inbox cards (待办卡片): the narrow rows the inbox lists, one indexed query per page.

A card is one line of someone's inbox. It is **generic**: any app with work for people writes cards
of its own ``kind`` and the inbox shows them side by side (the workflow writes ``approval`` cards; a
duty roster could write ``duty``, an inspection ``rectification``). The service API is two calls (and ``upsert_many`` for many items at once):

``upsert(kind, ref, cards, group_ref="")``
    Replace the cards of one work item (``ref``: its id within ``kind``) with ``cards`` — a list of
    :class:`Card` (one per person or queue who may act; an empty list closes the item). Two batched
    statements (a DELETE, an INSERT).
``close(kind, ref=…)`` / ``close(kind, group_ref=…)``
    The item (or every item of a record, e.g. all tasks of one instance) left the inbox: one DELETE.

``replace_group(kind, group_ref, cards)`` does both for a whole record (the workflow's hot path: every
action rewrites its instance's cards in one DELETE and one INSERT). Cards exist only while their item
waits for someone; finished work is read from its own tables (the "done" tab).

Who sees a card: ``assignee`` (a person), or — for a shared queue (``shared``) — a position in a unit
(or anywhere), or a group; see :func:`visible_q`. Everything the list shows is on the row: title,
step, process, requester, summary fields (``[[label, value], …]``), due time and the page to open.

The workflow keeps its cards with :func:`sync_instance`, called at the end of every action's
transaction (``runtime.batched_events``, ``actions.locked`` …): the cards are replaced from the
instance's open task rows, so they cannot drift from them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from yunying.workflow.models import InboxCard, InstanceStatus, ProcessInstance, TaskStatus, WorkTask

APPROVAL = "approval"


@dataclass
class Card:
    """What a card shows; the audience is ``assignee_id``, or ``position_id``/``unit_id`` or ``group_id``."""

    title: str
    url: str = ""
    assignee_id: int | None = None
    position_id: int | None = None
    unit_id: int | None = None
    group_id: int | None = None
    shared: bool = False
    step: str = ""
    topic: str = ""
    topic_name: str = ""
    badge: str = ""
    color: str = ""
    requester: str = ""
    on_behalf_of: str = ""
    summary: list[list[str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    due_at: Any = None
    created_at: Any = None
    state: str = "open"


def _row(kind: str, ref: str, group_ref: str, card: Card) -> InboxCard:
    words = [card.title, card.step, card.topic_name, card.requester, *(v for _label, v in card.summary)]
    extra = {"shared": card.shared, **card.extra}
    return InboxCard(
        kind=kind,
        ref=str(ref)[:64],
        group_ref=str(group_ref)[:64],
        assignee_id=card.assignee_id,
        position_id=card.position_id,
        unit_id=card.unit_id,
        group_id=card.group_id,
        title=card.title[:200],
        step=card.step[:200],
        topic=card.topic[:64],
        topic_name=card.topic_name[:100],
        badge=card.badge[:4],
        color=card.color[:20],
        requester=card.requester[:150],
        on_behalf_of=card.on_behalf_of[:150],
        summary=[[str(label), str(value)] for label, value in card.summary],
        extra=extra,
        search=" ".join(str(w) for w in words if w).lower(),
        url=card.url[:300],
        state=card.state,
        due_at=card.due_at,
        **({"created_at": card.created_at} if card.created_at is not None else {}),
    )


def upsert(kind: str, ref: Any, cards: Iterable[Card], *, group_ref: Any = "") -> None:
    """Replace the cards of work item ``ref`` of ``kind`` (no cards: the item is closed)."""
    close(kind, ref=ref)
    rows = [_row(kind, str(ref), str(group_ref), c) for c in cards]
    if rows:
        InboxCard.objects.bulk_create(rows)


def upsert_many(kind: str, items: Iterable[tuple[Any, Card | None]]) -> None:
    """Replace the cards of many work items of ``kind`` at once (``(ref, card)``; ``None`` closes the item):
    one DELETE and one INSERT."""
    pairs = list(items)
    if not pairs:
        return
    qs = InboxCard.objects.filter(kind=kind, ref__in=[str(ref) for ref, _c in pairs])
    qs._raw_delete(qs.db)
    rows = [_row(kind, str(ref), "", c) for ref, c in pairs if c is not None]
    if rows:
        InboxCard.objects.bulk_create(rows)


def replace_group(
    kind: str,
    group_ref: Any,
    cards: Iterable[tuple[Any, Card]],
    *,
    fresh: bool = False,
    had: int | None = None,
) -> None:
    """Replace every card of record ``group_ref`` with ``cards`` (``(ref, card)`` pairs); ``fresh``:
    the record is new in this transaction and has no cards yet (saves the DELETE); ``had``: how many
    cards the record has, when the caller knows (one card replaced by one: rewritten in place, one
    UPDATE)."""
    rows = [_row(kind, str(ref), str(group_ref), c) for ref, c in cards]
    if not fresh and had == 1 and len(rows) == 1:
        row = rows[0]
        values = {
            f.attname: getattr(row, f.attname) for f in InboxCard._meta.concrete_fields if not f.primary_key
        }
        found = InboxCard.objects.filter(kind=kind, group_ref=str(group_ref)).update(**values)
        if found == 1:
            return
        if found == 0:  # not there after all (a card written before cards were kept): add it
            InboxCard.objects.bulk_create(rows)
            return
    if not fresh:
        close(kind, group_ref=group_ref)
    if rows:
        InboxCard.objects.bulk_create(rows)


def close(kind: str, *, ref: Any = None, group_ref: Any = None) -> int:
    """Take work item ``ref`` (or every item of record ``group_ref``) out of everyone's inbox."""
    if ref is None and group_ref is None:
        raise ValueError("close() needs ref or group_ref")
    qs = InboxCard.objects.filter(kind=kind)
    qs = qs.filter(ref=str(ref)) if ref is not None else qs.filter(group_ref=str(group_ref))
    return int(qs._raw_delete(qs.db))  # no cascades, no signals: one DELETE


def visible_q(user: Any, seats: list[tuple[int, int]], group_ids: list[int]) -> Q:
    """Cards ``user`` may act on, given their seats (position id, unit id) and group ids."""
    cond = Q(assignee_id=user.pk)
    for position_id, unit_id in seats:
        cond |= Q(assignee__isnull=True, position_id=position_id, unit_id=unit_id)
        cond |= Q(assignee__isnull=True, position_id=position_id, unit__isnull=True)
    if group_ids:
        cond |= Q(assignee__isnull=True, group_id__in=group_ids)
    return cond


# --------------------------------------------------------------------------- the workflow's cards
_TTL = 300.0
_LOCK = threading.Lock()
_NAMES: dict[tuple[str, int], tuple[float, str]] = {}


def _cached_name(kind: str, pk: int, load: Any) -> str:
    """Display names of users and units, cached per process for a few minutes (a card is a snapshot)."""
    now = time.monotonic()
    with _LOCK:
        hit = _NAMES.get((kind, pk))
    if hit is not None and hit[0] > now:
        return hit[1]
    name = str(load() or "")
    with _LOCK:
        if len(_NAMES) > 10_000:
            _NAMES.clear()
        _NAMES[(kind, pk)] = (now + _TTL, name)
    return name


def names_forget() -> None:
    """Drop the cached display names (tests; a rename shows on the next action anyway)."""
    with _LOCK:
        _NAMES.clear()


def user_name(user: Any) -> str:
    if user is None:
        return ""
    if "employee" in getattr(getattr(user, "_state", None), "fields_cache", {}):
        name = str(user.display_name)  # at hand: remember it for the next cards
        with _LOCK:
            _NAMES[("user", user.pk)] = (time.monotonic() + _TTL, name)
        return name
    return _cached_name("user", user.pk, lambda: user.display_name)


def unit_name(unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    from yunying.org.models import OrgUnit

    return _cached_name(
        "unit", unit_id, lambda: OrgUnit.objects.filter(pk=unit_id).values_list("name", flat=True).first()
    )


def _store_name(code: str) -> str:
    from yunying.org.models import OrgUnit

    key = abs(hash(code)) % (10**12)
    return _cached_name(
        "store", key, lambda: OrgUnit.objects.filter(code=code).values_list("name", flat=True).first() or code
    )


def _money(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"¥{amount:,.2f}"


def summary_of(instance: ProcessInstance) -> list[list[str]]:
    """The summary fields of a request (``yunying:summary`` on the start event): ``[[label, value]]``.

    Paths: a field (``total``), or a column of a table field (``items.name``: the first row's value,
    with “等 N 项” when there are more). ``store`` names the store concerned (the instance's unit)."""
    from yunying.workflow.summary import summary_fields

    fields = summary_fields(instance.version)
    data = instance.data or {}
    out: list[list[str]] = []
    for f in fields:
        value: Any
        if f.path == "store" and not data.get("store"):
            value = unit_name(instance.unit_id) if instance.unit_id else ""
        elif "." in f.path:
            table, column = f.path.split(".", 1)
            rows = data.get(table)
            if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
                continue
            first = rows[0].get(column)
            if first in (None, ""):
                continue
            value = (
                str(first)
                if len(rows) == 1
                else _("%(first)s 等 %(n)s 项") % {"first": first, "n": len(rows)}
            )
        else:
            value = data.get(f.path)
            if value in (None, "", []):
                continue
            if f.type == "store":
                value = _store_name(str(value))
            elif f.type == "money":
                value = _money(value)
            elif f.choices:
                value = f.choices.get(str(value), str(value))
        if value in (None, ""):
            continue
        out.append([f.label, str(value)[:100]])
    return out


_TASK_FIELDS = (
    "pk",
    "kind",
    "element_id",
    "name",
    "assignee_id",
    "on_behalf_of_id",
    "candidate_position_id",
    "candidate_unit_id",
    "candidate_group_id",
    "due_at",
    "created_at",
)


def user_login(user_id: int | None) -> str:
    if user_id is None:
        return ""
    from yunying.accounts.models import User

    return _cached_name(
        "login", user_id, lambda: User.objects.filter(pk=user_id).values_list("username", flat=True).first()
    )


def _open_rows(instance: ProcessInstance) -> list[tuple[Any, ...]]:
    """The instance's OPEN task rows as tuples of ``_TASK_FIELDS``: from the rows ``runtime.sync`` just
    left when nothing changed them since (the hot path: no query), else read."""
    from yunying.workflow import runtime

    if (
        getattr(instance, runtime.ROWS_FINAL, False)
        and getattr(instance, runtime.OPEN_ROWS, None) is not None
    ):
        return [
            tuple(getattr(r, "pk" if f == "pk" else f) for f in _TASK_FIELDS)
            for r in getattr(instance, runtime.OPEN_ROWS)
            if r.status == TaskStatus.OPEN
        ]
    return list(
        WorkTask.objects.filter(instance_id=instance.pk, status=TaskStatus.OPEN)
        .order_by("pk")
        .values_list(*_TASK_FIELDS)
    )


CARDS_BEFORE = "_yunying_cards_before"  # how many approval cards the instance had (set with the lock)


def cards_of(rows: Iterable[WorkTask]) -> int | None:
    """How many approval cards open task ``rows`` have (one each when held by a person, a position or a
    group); None when a row's cards depend on its candidates (或签: one per person)."""
    count = 0
    for row in rows:
        if row.status != TaskStatus.OPEN:
            continue
        if row.assignee_id is None and row.candidate_position_id is None and row.candidate_group_id is None:
            return None
        count += 1
    return count


def sync_instance(instance: ProcessInstance, *, fresh: bool = False) -> None:
    """Rewrite the ``approval`` cards of ``instance`` from its open task rows (inside the action's
    transaction). A finished instance has none. ``fresh``: created in this transaction (no cards yet)."""
    setattr(instance, "_yunying_cards_synced", True)  # noqa: B010
    if instance.status != InstanceStatus.RUNNING:
        if not fresh:
            close(APPROVAL, group_ref=instance.pk)
        setattr(instance, CARDS_BEFORE, 0)
        return
    rows = _open_rows(instance)
    by_task: dict[int, list[int]] = {}
    plain = [r[0] for r in rows if r[4] is None and r[6] is None and r[8] is None]
    if plain:  # 或签: one card for each person offered the task
        through = WorkTask.candidate_users.through
        for task_id, user_id in through.objects.filter(worktask_id__in=plain).values_list(
            "worktask_id", "user_id"
        ):
            by_task.setdefault(task_id, []).append(user_id)
    cards: list[tuple[Any, Card]] = []
    if rows:
        definition = instance.definition
        base = {
            "title": instance.title,
            "topic": definition.key,
            "topic_name": definition.name,
            "badge": definition.icon_glyph,
            "color": definition.icon_color,
            "requester": user_name(instance.requester),
            "summary": summary_of(instance),
        }
        for (
            pk,
            kind,
            element_id,
            name,
            assignee_id,
            behalf_id,
            position_id,
            unit_id,
            group_id,
            due,
            at,
        ) in rows:
            common = {
                **base,
                "url": f"/workflow/tasks/{pk}/",
                "step": name,
                "on_behalf_of": user_login(behalf_id),
                "due_at": due,
                "created_at": at,
                "extra": {
                    "instance_id": instance.pk,
                    "element_id": element_id,
                    "task_kind": kind,
                    "requester": instance.requester.username,
                },
            }
            if assignee_id is not None:
                cards.append((pk, Card(assignee_id=assignee_id, **common)))
            elif position_id is not None or group_id is not None:
                cards.append(
                    (
                        pk,
                        Card(
                            position_id=position_id, unit_id=unit_id, group_id=group_id, shared=True, **common
                        ),
                    )
                )
            else:
                cards.extend((pk, Card(assignee_id=u, shared=True, **common)) for u in by_task.get(pk, []))
    replace_group(APPROVAL, instance.pk, cards, fresh=fresh, had=getattr(instance, CARDS_BEFORE, None))
    setattr(instance, CARDS_BEFORE, len(cards))


def rebuild(instance_ids: Iterable[int] | None = None) -> int:
    """Rewrite the approval cards of running instances (all of them, or ``instance_ids``) from their
    task rows: after a restore, a bulk load, or the migration that introduced cards. Returns how many
    instances were done."""
    from django.db import transaction

    qs = ProcessInstance.objects.filter(status=InstanceStatus.RUNNING).select_related(
        "definition", "version", "requester", "unit"
    )
    if instance_ids is not None:
        qs = qs.filter(pk__in=list(instance_ids))
    done = 0
    with transaction.atomic():
        if instance_ids is None:
            InboxCard.objects.filter(kind=APPROVAL)._raw_delete(InboxCard.objects.db)
        for instance in qs.defer("state", "version__spec", "version__bpmn_xml").iterator(chunk_size=500):
            sync_instance(instance, fresh=instance_ids is None)
            done += 1
    return done
