"""Service desk figures: tickets per week or month, and per cause and per store the count and the average
time from report to close (clock hours), over the last periods — drawn as ECharts bars."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.analytics.reports import charts
from yunying.core import clock
from yunying.servicedesk.selectors import KINDS, TicketFilters, _choice_labels, _filtered, tickets_visible_to

PERIODS = {"week": 12, "month": 12}
MAX_ROWS = 20_000  # tickets read for the figures (bounded; a year of a large chain's repairs)


@dataclass
class Row:
    key: str
    label: str
    count: int = 0
    closed: int = 0
    hours: float = 0.0

    @property
    def average_hours(self) -> float | None:
        return round(self.hours / self.closed, 1) if self.closed else None


@dataclass
class Stats:
    period: str
    buckets: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    by_cause: list[Row] = field(default_factory=list)
    by_store: list[Row] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)


def _bucket_start(day: dt.date, period: str) -> dt.date:
    if period == "month":
        return day.replace(day=1)
    return day - dt.timedelta(days=day.weekday())


def _buckets(today: dt.date, period: str) -> list[dt.date]:
    n = PERIODS[period]
    current = _bucket_start(today, period)
    out = [current]
    for _i in range(n - 1):
        current = _bucket_start(current - dt.timedelta(days=1), period)
        out.append(current)
    return list(reversed(out))


def _label(day: dt.date, period: str) -> str:
    return f"{day:%Y-%m}" if period == "month" else f"{day:%m-%d}"


def ticket_stats(*, user: Any, filters: TicketFilters, period: str = "week") -> Stats:
    period = period if period in PERIODS else "week"
    kind = KINDS[filters.kind]
    buckets = _buckets(clock.today(), period)
    since = timezone.make_aware(dt.datetime.combine(buckets[0], dt.time.min), clock.company_zone())
    everything = TicketFilters(kind=filters.kind, state="", store=filters.store, region=filters.region,
                               cause=filters.cause)  # fmt: skip
    rows = (
        _filtered(tickets_visible_to(user, kind.key), everything)
        .filter(started_at__gte=since)
        .annotate(cause_value=KeyTextTransform(kind.cause_field, "data"))
        .values_list("started_at", "ended_at", "status", "unit__code", "unit__name", "cause_value")
        .order_by("started_at")[:MAX_ROWS]
    )
    labels = _choice_labels(kind.key, {}).get(kind.cause_field, {})
    index = {b: i for i, b in enumerate(buckets)}
    counts = [0] * len(buckets)
    causes: dict[str, Row] = {}
    stores: dict[str, Row] = {}
    zone = clock.company_zone()
    for started, ended, status, store_code, store_name, cause in rows:
        day = _bucket_start(timezone.localtime(started, zone).date(), period)
        if day in index:
            counts[index[day]] += 1
        cause_key = str(cause or "")
        for table, key, label in (
            (causes, cause_key, labels.get(cause_key, cause_key) or "—"),
            (stores, store_code or "", store_name or "—"),
        ):
            row = table.setdefault(key, Row(key=key, label=label))
            row.count += 1
            if ended is not None and status != "running":
                row.closed += 1
                row.hours += (ended - started).total_seconds() / 3600
    result = Stats(period=period, buckets=[_label(b, period) for b in buckets], counts=counts)
    result.by_cause = sorted(causes.values(), key=lambda r: (-r.count, r.key))
    result.by_store = sorted(stores.values(), key=lambda r: (-r.count, r.key))
    result.charts = {
        "counts": charts.to_json(charts.bar(result.buckets, {str(kind.label): counts})),
        "causes": charts.to_json(
            charts.bar(
                [r.label for r in result.by_cause],
                {
                    _("单数"): [r.count for r in result.by_cause],
                    _("平均用时（小时）"): [r.average_hours or 0 for r in result.by_cause],
                },
            )
        ),
    }
    return result
