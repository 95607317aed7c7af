"""People reviews (人员考评), read from the occurrences of the review duties: the monthly store-manager
evaluation, the quarterly cadre capability evaluation and the hired-in managers' monthly evaluation. Each
is a form filled by the reviewer about one person (the occurrence's subject); this module aggregates them
into the reports the management department sends on, shows a person's history, and summarises the quarterly
training-needs survey for the training department (counts, top topics per position and region; exportable).

The fields read are the shipped forms' keys (``total``, ``rating``, ``overall_rating``,
``recommended_position``, ``salary_adjustment``, ``salary_pct``, ``topics``, ``format``, ``other``)."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError, NotFound
from yunying.duties.models import FINISHED_STATUSES, Duty, Occurrence, Onboarding, Status
from yunying.duties.selectors import occurrences_visible_to
from yunying.forms.schema import schema_of
from yunying.org.models import Employee, Position, UnitKind

REVIEW_DUTIES = ("store_manager_evaluation", "cadre_evaluation", "onboarding_evaluation")
SURVEY_DUTY = "training_survey"
SUBMITTED = (Status.SUBMITTED, *FINISHED_STATUSES)
TOP = 5


def _choice_labels(occ_or_version: Any, key: str) -> dict[str, str]:
    version = getattr(occ_or_version, "form_version", occ_or_version)
    for spec in schema_of(version):
        if spec.key == key:
            return {c.value: c.label for c in spec.choices}
    return {}


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


@dataclass
class ReviewRow:
    occurrence: Occurrence
    subject: str
    unit: str
    region: str
    reviewer: str
    total: Decimal | None
    rating: str
    recommended_position: str
    salary: str
    late: bool


@dataclass
class ReviewReport:
    duty: Duty
    period: str
    periods: list[str]
    rows: list[ReviewRow] = field(default_factory=list)
    missing: list[Occurrence] = field(default_factory=list)
    ratings: list[tuple[str, int]] = field(default_factory=list)
    regions: list[tuple[str, Decimal | None, int]] = field(default_factory=list)


def _region_name(unit: Any) -> str:
    if unit is None:
        return ""
    parent = unit.parent
    if unit.kind == UnitKind.STORE:
        return parent.name if parent is not None and parent.kind == UnitKind.REGION else _("管理部直管")
    return unit.name


def review_report(*, user: Any, duty_key: str, period: str | None = None) -> ReviewReport:
    if duty_key not in REVIEW_DUTIES:
        raise NotFound(_("找不到该考评。"))
    duty = Duty.objects.filter(key=duty_key).first()
    if duty is None:
        raise NotFound(_("找不到该考评。"))
    visible = occurrences_visible_to(user).filter(duty=duty).exclude(status=Status.CANCELLED)
    periods = list(visible.order_by("-period_start").values_list("period_key", flat=True).distinct()[:24])
    periods = list(dict.fromkeys(periods))
    with_reviews = (
        visible.filter(status__in=SUBMITTED).order_by("-period_start").values_list("period_key", flat=True)
    )
    chosen = period or with_reviews.first() or (periods[0] if periods else "")
    report = ReviewReport(duty=duty, period=chosen, periods=periods)
    rows = (
        visible.filter(period_key=chosen)
        .select_related("subject", "assignee", "unit", "unit__parent", "form_version")
        .order_by("unit__sort_order", "unit__code", "pk")
    )
    positions = dict(Position.objects.values_list("code", "name"))
    ratings: Counter[str] = Counter()
    by_region: dict[str, list[Decimal]] = defaultdict(list)
    region_count: Counter[str] = Counter()
    for occ in rows:
        if occ.status not in SUBMITTED:
            report.missing.append(occ)
            continue
        data = occ.data or {}
        rating_key = "rating" if "rating" in data else "overall_rating"
        labels = _choice_labels(occ, rating_key)
        rating = labels.get(str(data.get(rating_key) or ""), str(data.get(rating_key) or ""))
        salary_labels = _choice_labels(occ, "salary_adjustment")
        salary = salary_labels.get(str(data.get("salary_adjustment") or ""), "")
        if salary and data.get("salary_pct") not in (None, ""):
            salary = f"{salary} {data['salary_pct']}%"
        region = _region_name(occ.unit)
        total = _decimal(data.get("total"))
        report.rows.append(
            ReviewRow(
                occurrence=occ,
                subject=occ.subject.name if occ.subject else "",
                unit=occ.unit.name if occ.unit else "",
                region=region,
                reviewer=occ.assignee.name if occ.assignee else "",
                total=total,
                rating=rating,
                recommended_position=positions.get(str(data.get("recommended_position") or ""), ""),
                salary=salary,
                late=bool(occ.first_submitted_at and occ.first_submitted_at > occ.due_at),
            )
        )
        if rating:
            ratings[rating] += 1
        region_count[region] += 1
        if total is not None:
            by_region[region].append(total)
    report.ratings = sorted(ratings.items())
    report.regions = [
        (
            name,
            (sum(by_region[name], Decimal(0)) / len(by_region[name])).quantize(Decimal("0.1"))
            if by_region[name]
            else None,
            count,
        )
        for name, count in sorted(region_count.items())
    ]
    return report


def review_result(occ: Occurrence) -> str:
    """A review's outcome in a few words: its total and its rating (labels in the reader's language)."""
    data = occ.data or {}
    parts = []
    if data.get("total") not in (None, ""):
        parts.append(str(data["total"]))
    for key in ("rating", "overall_rating"):
        if data.get(key):
            parts.append(_choice_labels(occ, key).get(str(data[key]), str(data[key])))
    return " · ".join(parts)


def person_reviews(*, user: Any, employee: Employee) -> list[Occurrence]:
    """The person's review history the viewer may see: submitted or finished reviews about them, each with
    ``result`` (see :func:`review_result`)."""
    rows = list(
        occurrences_visible_to(user)
        .filter(subject=employee, status__in=SUBMITTED)
        .select_related("duty", "assignee", "form_version")
        .order_by("-period_start", "-pk")[:50]
    )
    for occ in rows:
        occ.result = review_result(occ)  # type: ignore[attr-defined]
    return rows


def person_onboardings(*, employee: Employee) -> QuerySet[Onboarding]:
    return (
        Onboarding.objects.filter(employee=employee).prefetch_related("checkpoints").order_by("-started_on")
    )


# -- training needs -----------------------------------------------------------------------------------


@dataclass
class TrainingNeeds:
    quarter: str
    quarters: list[str]
    sent: int = 0
    responses: int = 0
    topics: list[tuple[str, int]] = field(default_factory=list)
    by_position: list[tuple[str, int, list[tuple[str, int]]]] = field(default_factory=list)
    by_region: list[tuple[str, int, list[tuple[str, int]]]] = field(default_factory=list)
    formats: list[tuple[str, int]] = field(default_factory=list)
    other: list[tuple[str, str, str]] = field(default_factory=list)  # (unit, position, text)


def training_needs(*, user: Any, quarter: str | None = None) -> TrainingNeeds:
    duty = Duty.objects.filter(key=SURVEY_DUTY).first()
    if duty is None:
        raise NotFound(_("找不到培训需求调查。"))
    visible = occurrences_visible_to(user).filter(duty=duty).exclude(status=Status.CANCELLED)
    quarters = list(
        dict.fromkeys(visible.order_by("-period_start").values_list("period_key", flat=True)[:200])
    )[:12]
    chosen = quarter or (quarters[0] if quarters else "")
    if quarter and quarter not in quarters:
        raise DomainError(_("没有 %(quarter)s 的调查。") % {"quarter": quarter[:10]}, field="quarter")
    result = TrainingNeeds(quarter=chosen, quarters=quarters)
    rows = list(
        visible.filter(period_key=chosen).select_related("unit", "unit__parent", "position", "form_version")
    )
    result.sent = sum(1 for occ in rows if occ.assignee_id)  # seats nobody holds are on the board, not here
    topics: Counter[str] = Counter()
    per_position: dict[str, Counter[str]] = defaultdict(Counter)
    per_region: dict[str, Counter[str]] = defaultdict(Counter)
    answered_position: Counter[str] = Counter()
    answered_region: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    for occ in rows:
        if occ.status not in SUBMITTED:
            continue
        result.responses += 1
        labels = _choice_labels(occ, "topics")
        position = occ.position.display_name if occ.position else ""
        region = _region_name(occ.unit)
        answered_position[position] += 1
        answered_region[region] += 1
        for value in occ.data.get("topics") or []:
            label = labels.get(value, value)
            topics[label] += 1
            per_position[position][label] += 1
            per_region[region][label] += 1
        fmt = occ.data.get("format")
        if fmt:
            formats[_choice_labels(occ, "format").get(fmt, fmt)] += 1
        if occ.data.get("other"):
            result.other.append((occ.unit.name if occ.unit else "", position, str(occ.data["other"])))
    result.topics = topics.most_common()
    result.by_position = [
        (p, answered_position[p], c.most_common(TOP)) for p, c in sorted(per_position.items())
    ]
    result.by_region = [(r, answered_region[r], c.most_common(TOP)) for r, c in sorted(per_region.items())]
    result.formats = formats.most_common()
    return result


def training_needs_xlsx(needs: TrainingNeeds) -> bytes:
    """The summary as a workbook: topics overall, per position, per region, other needs."""
    import xlsxwriter

    from yunying.core.tabular import xlsx_cell

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})

    def sheet(name: str, header: list[str], rows: list[list[Any]]) -> None:
        ws = book.add_worksheet(name)
        for c, text in enumerate(header):
            ws.write_string(0, c, text, bold)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                xlsx_cell(ws, r, c, value)
        ws.set_column(0, len(header) - 1, 18)

    sheet(
        _("汇总"),
        [_("季度"), _("发出"), _("回收"), _("培训内容"), _("人次")],
        [[needs.quarter, needs.sent, needs.responses, topic, n] for topic, n in needs.topics]
        or [[needs.quarter, needs.sent, needs.responses, "", 0]],
    )
    sheet(
        _("按岗位"),
        [_("岗位"), _("回收"), _("排名"), _("培训内容"), _("人次")],
        [[p, answered, i, t, n] for p, answered, top in needs.by_position for i, (t, n) in enumerate(top, 1)],
    )
    sheet(
        _("按区域"),
        [_("区域"), _("回收"), _("排名"), _("培训内容"), _("人次")],
        [[r, answered, i, t, n] for r, answered, top in needs.by_region for i, (t, n) in enumerate(top, 1)],
    )
    sheet(_("其他需求"), [_("单位"), _("岗位"), _("内容")], [list(row) for row in needs.other])
    book.close()
    return buffer.getvalue()
