"""Duties in the inbox: each occurrence waiting for someone is one inbox card of kind ``duty`` (see
``yunying.workflow.cards``) — the assignee's while it is open or sent back (once it has arrived), the
reviewer's while it waits for review, none once it is accepted, done or cancelled (nor while its seat is
vacant). Every change of an occurrence's state or assignee calls :func:`occurrence_card_sync` inside its
transaction (many at once: :func:`occurrences_cards_sync`), so the card cannot drift from the occurrence."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from yunying.duties.models import OPEN_STATUSES, Occurrence, Status
from yunying.workflow import cards

KIND = "duty"
_RELATED = ("duty", "assignee", "reviewer", "subject", "unit")


def _title(occ: Occurrence) -> str:
    name = occ.duty.display_name
    if occ.subject is not None:
        return f"{name}（{occ.subject.name}）"
    return name


def _card(occ: Occurrence) -> cards.Card | None:
    """The card of ``occ`` (its duty, assignee, reviewer, subject and unit at hand), or None."""
    if occ.status in OPEN_STATUSES and occ.arrived_at is not None:
        person = occ.assignee
        step = _("已退回") if occ.status == Status.RETURNED else _("待提交")
        requester = ""
    elif occ.status == Status.SUBMITTED:
        person = occ.reviewer
        step = _("待审阅")
        requester = occ.assignee.name if occ.assignee else ""
    else:
        return None
    user_id = person.user_id if person is not None else None
    if user_id is None:
        return None
    summary = [[_("期间"), occ.period_key]]
    if occ.unit_id is not None and occ.unit is not None:
        summary.append([_("单位"), occ.unit.name])
    return cards.Card(
        title=_title(occ),
        url=reverse("duties:occurrence", args=[occ.pk]),
        assignee_id=user_id,
        step=step,
        topic="duties",
        topic_name=_("运营日历"),
        badge="职",
        color="teal",
        requester=requester,
        summary=summary,
        due_at=occ.due_at,
        created_at=occ.submitted_at if occ.status == Status.SUBMITTED else occ.arrived_at,
        extra={"occurrence_id": occ.pk, "duty": occ.duty.key},
    )


def occurrence_card_sync(occ: Occurrence) -> None:
    """Rewrite the card of one occurrence from its current row (inside the caller's transaction)."""
    card = _card(occ)
    cards.upsert(KIND, occ.pk, [card] if card else [])


def occurrences_cards_sync(occurrences: Iterable[Occurrence]) -> int:
    """Many occurrences at once (the worker's arrivals, the demo, the migration): one DELETE and one INSERT.
    Returns how many cards were written."""
    pairs = [(occ.pk, _card(occ)) for occ in occurrences]
    cards.upsert_many(KIND, pairs)
    return sum(1 for _pk, card in pairs if card is not None)


def waiting() -> Any:
    """Occurrences that wait for someone (and so have a card)."""
    return Occurrence.objects.filter(
        Q(status__in=OPEN_STATUSES, arrived_at__isnull=False) | Q(status=Status.SUBMITTED)
    ).select_related(*_RELATED)


def duty_cards_rebuild(*, chunk: int = 1000) -> int:
    """Rewrite every duty card from the occurrences (the migration that introduced them, a restore, the demo):
    the old ones deleted, one INSERT per chunk. Returns how many cards were written."""
    from django.db import transaction

    from yunying.workflow.models import InboxCard

    written = 0
    with transaction.atomic():
        InboxCard.objects.filter(kind=KIND)._raw_delete(InboxCard.objects.db)
        batch: list[Occurrence] = []
        for occ in waiting().order_by("pk").iterator(chunk_size=chunk):
            batch.append(occ)
            if len(batch) >= chunk:
                written += occurrences_cards_sync(batch)
                batch = []
        written += occurrences_cards_sync(batch)
    return written
