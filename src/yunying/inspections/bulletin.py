"""The half-monthly supervision bulletin (督导检查公报), compiled from the submitted visits of a period
(1st–15th or 16th–end of a month) over the stores the reader may see: stores visited and not visited,
scores and ranking, the most frequent violations, repeated violations (the same item failed at the same
store on two consecutive visits of the same checklist), red-line failures, and rectification done and
outstanding. Read-only: nothing is stored."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F, Q
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import DomainError
from yunying.inspections.models import Finding, FindingStatus, Visit, VisitAnswer, VisitStatus
from yunying.org.scope import stores_visible_to

PERIOD = re.compile(r"^(\d{4})-(\d{2})-([12])$")
LOOKBACK_DAYS = 120  # how far back the previous visit of a store is looked for (repeated violations)


@dataclass(frozen=True)
class Period:
    year: int
    month: int
    half: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = PERIOD.match(text or "")
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise DomainError(_("期间格式应为 YYYY-MM-1 或 YYYY-MM-2，例如 2026-11-2。"), field="period")
        return cls(int(match.group(1)), int(match.group(2)), int(match.group(3)))

    @classmethod
    def of(cls, day: dt.date) -> Period:
        return cls(day.year, day.month, 1 if day.day <= 15 else 2)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.half}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1 if self.half == 1 else 16)

    @property
    def end(self) -> dt.date:
        last = calendar.monthrange(self.year, self.month)[1]
        return dt.date(self.year, self.month, 15 if self.half == 1 else last)

    def previous(self) -> Period:
        return Period.of(self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return Period.of(self.end + dt.timedelta(days=1))


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class StoreLine:
    code: str
    name: str
    visits: int = 0
    scores: list[Decimal] = field(default_factory=list)
    failed_visits: int = 0
    critical_failures: int = 0
    rank: int = 0

    @property
    def average(self) -> Decimal | None:
        if not self.scores:
            return None
        return _mean(self.scores)


@dataclass(frozen=True)
class Violation:
    section: str
    item: str
    count: int
    stores: int


@dataclass(frozen=True)
class FindingLine:
    finding: Finding
    repeated: bool = False


@dataclass
class Bulletin:
    period: Period
    visited: list[StoreLine]
    not_visited: list[StoreLine]
    frequent: list[Violation]
    repeated: list[FindingLine]
    critical: list[FindingLine]
    rectification: dict[str, int]
    visits: int

    @property
    def average(self) -> Decimal | None:
        scores = [s for line in self.visited for s in line.scores]
        if not scores:
            return None
        return _mean(scores)


def bulletin_compile(*, user: Any, period: Period, top: int = 10) -> Bulletin:
    stores = list(
        stores_visible_to(user)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=period.end))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))
        .order_by("sort_order", "code")
    )
    lines = {s.pk: StoreLine(s.code, s.name) for s in stores}
    visits = list(
        Visit.objects.filter(
            status=VisitStatus.SUBMITTED,
            store_id__in=lines,
            visited_on__gte=period.start - dt.timedelta(days=LOOKBACK_DAYS),
            visited_on__lte=period.end,
        )
        .annotate(template_id=F("version__template_id"))
        .only("pk", "store_id", "visited_on", "score", "passed", "critical_failures")
        .order_by("visited_on", "pk")
    )  # the checklist's id, not its version: the version's sections are never read here
    in_period = [v for v in visits if v.visited_on >= period.start]
    for visit in in_period:
        line = lines[visit.store_id]
        line.visits += 1
        if visit.score is not None:
            line.scores.append(visit.score)
        line.failed_visits += int(visit.passed is False)
        line.critical_failures += visit.critical_failures
    repeated_keys = _repeated(visits, period)
    findings = list(
        Finding.objects.filter(visit__in=in_period)
        .select_related("store", "owner", "visit")
        .order_by("store__sort_order", "store__code", "pk")
    )
    frequent_counter: Counter[tuple[str, str]] = Counter()
    frequent_stores: dict[tuple[str, str], set[int]] = defaultdict(set)
    for finding in findings:
        key = (finding.section_title, finding.item_title)
        frequent_counter[key] += 1
        frequent_stores[key].add(finding.store_id)
    frequent = [
        Violation(section, item, count, len(frequent_stores[(section, item)]))
        for (section, item), count in frequent_counter.most_common(top)
    ]
    today = clock.today()
    rectification = {
        "total": len(findings),
        "closed": sum(1 for f in findings if f.status == FindingStatus.CLOSED),
        "answered": sum(1 for f in findings if f.status == FindingStatus.ANSWERED),
        "open": sum(1 for f in findings if f.status == FindingStatus.OPEN),
        "overdue": sum(1 for f in findings if f.status == FindingStatus.OPEN and f.due_on < today),
    }
    visited = sorted(
        (line for line in lines.values() if line.visits),
        key=lambda line: (-(line.average or Decimal(0)), line.code),
    )
    for rank, line in enumerate(visited, start=1):
        line.rank = rank
    return Bulletin(
        period=period,
        visited=visited,
        not_visited=[line for line in lines.values() if not line.visits],
        frequent=frequent,
        repeated=[FindingLine(f, True) for f in findings if (f.visit_id, f.item_key) in repeated_keys],
        critical=[FindingLine(f, (f.visit_id, f.item_key) in repeated_keys) for f in findings if f.critical],
        rectification=rectification,
        visits=len(in_period),
    )


def _repeated(visits: Sequence[Visit], period: Period) -> set[tuple[int, str]]:
    """(visit, item) pairs of the period failed also on the store's previous visit of the same checklist."""
    failed: dict[int, set[str]] = defaultdict(set)
    for visit_id, item_key in VisitAnswer.objects.filter(visit__in=visits, failed=True).values_list(
        "visit_id", "item_key"
    ):
        failed[visit_id].add(item_key)
    last: dict[tuple[int, int], Visit] = {}
    found: set[tuple[int, str]] = set()
    for visit in visits:  # in date order
        key = (visit.store_id, visit.template_id)  # type: ignore[attr-defined]
        previous = last.get(key)
        if previous is not None and visit.visited_on >= period.start:
            found |= {(visit.pk, item) for item in failed[visit.pk] & failed[previous.pk]}
        last[key] = visit
    return found
