"""Corrective actions in the inbox: each finding waiting for someone is one inbox card of kind
``rectification`` (see ``yunying.workflow.cards``) — the store's owner while it is open, the inspector while the
answer waits for verification, none once closed. Every state change calls :func:`finding_card_sync` inside its
transaction, so the card cannot drift from the finding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from yunying.inspections.models import Finding, FindingStatus
from yunying.workflow import cards

KIND = "rectification"


def _card(finding: Finding) -> cards.Card | None:
    if finding.status == FindingStatus.OPEN:
        user_id = finding.owner.user_id if finding.owner is not None else None
        step = _("待整改")
    elif finding.status == FindingStatus.ANSWERED:
        user_id = finding.visit.inspector_id
        step = _("待验证")
    else:
        return None
    if user_id is None:
        return None
    due = dt.datetime.combine(finding.due_on, dt.time(23, 59), tzinfo=finding.store.zone)
    return cards.Card(
        title=_("整改：%(item)s") % {"item": finding.item_title},
        url=reverse("inspections:finding", args=[finding.pk]),
        assignee_id=user_id,
        step=step,
        topic="inspections",
        topic_name=_("巡店整改"),
        badge="改",
        color="orange",
        requester=str(finding.visit.inspector.get_full_name() or finding.visit.inspector.username),
        summary=[
            [_("门店"), finding.store.name],
            [_("分区"), finding.section_title],
            *([[_("红线"), _("是")]] if finding.critical else []),
            *([[_("重复"), _("是")]] if finding.repeated else []),
        ],
        due_at=due,
        created_at=finding.created_at,
    )


def finding_card_sync(finding: Finding) -> None:
    card = _card(finding)
    cards.upsert(KIND, finding.pk, [card] if card else [])


def findings_cards_sync(findings: Iterable[Finding]) -> None:
    """Many findings at once (a submitted visit, the demo): one DELETE and one INSERT."""
    cards.upsert_many(KIND, ((finding.pk, _card(finding)) for finding in findings))
