"""Reads of the service processes: the weekly delivery incident summary (周配送事故汇总) per store and cause.

A 配送事故反馈 counts in the week it was reported (``started_at`` in the company's time zone; weeks start
on the company's first weekday). Rejected reports (the delivery center showed it was no incident) are
counted apart and left out of ``count``. Only the requests the reader may see are counted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from yunying.analytics.periods import week_start
from yunying.core import clock
from yunying.core.errors import DomainError
from yunying.forms.schema import pick
from yunying.workflow.selectors import instances_visible_to

DELIVERY_KEY = "delivery_incident"
MAX_WEEKS = 26


@dataclass
class IncidentRow:
    week: dt.date
    store: str
    store_name: str
    cause: str
    cause_label: str
    count: int = 0
    open: int = 0
    disputed: int = 0
    rejected: int = 0
    responsibility: dict[str, int] = field(default_factory=dict)


def _cause_labels() -> dict[str, str]:
    from yunying.approvals.seed import DELIVERY_CAUSES

    return {c["value"]: pick(c["label_zh"], c["label_en"]) for c in DELIVERY_CAUSES}


def delivery_incident_weekly(*, user: Any, week: dt.date | None = None, weeks: int = 1) -> list[IncidentRow]:
    """Rows per (week, store, cause) for ``weeks`` weeks ending with the week of ``week`` (default: this
    week), newest week first, then by store code and cause."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise DomainError(_("周数须在 1 到 %(n)s 之间。") % {"n": MAX_WEEKS}, field="weeks")
    last = week_start(week or clock.today())
    first = last - dt.timedelta(days=7 * (weeks - 1))
    zone = clock.company_zone()
    since = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(last + dt.timedelta(days=7), dt.time.min, tzinfo=zone)
    rows = (
        instances_visible_to(user)
        .filter(definition__key=DELIVERY_KEY, started_at__gte=since, started_at__lt=until)
        .select_related("unit")
        .only("status", "started_at", "data", "unit__code", "unit__name")
    )
    labels = _cause_labels()
    out: dict[tuple[dt.date, str, str], IncidentRow] = {}
    for instance in rows.iterator():
        data = instance.data or {}
        cause = str(data.get("cause") or "other")
        store = instance.unit.code if instance.unit else ""
        wk = week_start(instance.started_at.astimezone(zone).date())
        row = out.get((wk, store, cause))
        if row is None:
            row = out[(wk, store, cause)] = IncidentRow(
                week=wk,
                store=store,
                store_name=instance.unit.name if instance.unit else "",
                cause=cause,
                cause_label=labels.get(cause, cause),
                responsibility=defaultdict(int),
            )
        if instance.status == "rejected":
            row.rejected += 1
            continue
        row.count += 1
        if instance.status == "running":
            row.open += 1
        if data.get("disputed"):
            row.disputed += 1
        if data.get("responsibility"):
            row.responsibility[str(data["responsibility"])] += 1
    result = sorted(out.values(), key=lambda r: (-r.week.toordinal(), r.store, r.cause))
    for r in result:
        r.responsibility = dict(r.responsibility)
    return result
