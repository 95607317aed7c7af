"""Inspection reads, always starting from what the user may see (`yunying.org.scope`).

A visit is visible when its store is in the user's scope; a visit still in progress only to its inspector.
Findings follow the visibility of their store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import NotFound
from yunying.inspections.definition import Item, Section, sections_parse
from yunying.inspections.models import (
    ChecklistTemplate,
    Finding,
    FindingStatus,
    TemplateVersion,
    Visit,
    VisitAnswer,
    VisitEdit,
    VisitStatus,
)
from yunying.org.scope import scope_for, stores_visible_to

LIST_LIMIT = 200


def template_list() -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.filter(is_active=True).order_by("sort_order", "key")


def template_get(*, key: str) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.filter(key=key).first()
    if template is None:
        raise NotFound(_("找不到检查表“%(key)s”。") % {"key": key})
    return template


def version_current(template: ChecklistTemplate) -> TemplateVersion | None:
    return template.versions.filter(is_published=True).order_by("-number").first()


def visits_visible_to(user: Any) -> QuerySet[Visit]:
    scope = scope_for(user)
    visits = Visit.objects.all() if scope.everything else Visit.objects.filter(store_id__in=scope.unit_ids)
    return visits.filter(Q(status=VisitStatus.SUBMITTED) | Q(inspector_id=user.pk))


def visit_get(*, user: Any, pk: int) -> Visit:
    visit = (
        visits_visible_to(user)
        .select_related("store", "version__template", "inspector")
        .filter(pk=pk)
        .first()
    )
    if visit is None:
        raise NotFound(_("找不到该巡店记录。"))
    return visit


def visit_list(
    *,
    user: Any,
    store: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = LIST_LIMIT,
) -> list[Visit]:
    visits = visits_visible_to(user).select_related("store", "version__template", "inspector")
    if store:
        visits = visits.filter(store__code=store)
    if date_from:
        visits = visits.filter(visited_on__gte=date_from)
    if date_to:
        visits = visits.filter(visited_on__lte=date_to)
    return list(visits.order_by("-visited_on", "-pk")[:limit])


def stores_to_inspect(user: Any) -> QuerySet[Any]:
    return stores_visible_to(user).order_by("sort_order", "code")


@dataclass(frozen=True)
class ReportItem:
    item: Item
    answer: VisitAnswer | None
    label: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReportSection:
    section: Section
    items: list[ReportItem]
    score: Any


def visit_report(visit: Visit) -> list[ReportSection]:
    """The visit's sections with each item's answer and the section's own score (same formula)."""
    from yunying.inspections.scoring import score_compute

    answers = {a.item_key: a for a in visit.answers.all()}
    report = []
    for section in sections_parse(visit.version.sections):
        items = [_report_item(item, answers.get(item.key)) for item in section.items]
        pairs = [(r.item, r.answer.value) for r in items if r.answer is not None]
        result = score_compute(
            pairs,
            critical_rule="none",
            critical_cap=visit.version.critical_cap,
            pass_mark=visit.version.pass_mark,
        )
        report.append(ReportSection(section, items, result.score))
    return report


def _report_item(item: Item, answer: VisitAnswer | None) -> ReportItem:
    from yunying.inspections.presentation import answer_label

    values = [*item.choices(), *(["na"] if item.na_allowed else [])]
    return ReportItem(
        item,
        answer,
        answer_label(item, answer.value) if answer else "",
        tuple((v, answer_label(item, v)) for v in values),
    )


def findings_visible_to(user: Any) -> QuerySet[Finding]:
    scope = scope_for(user)
    return Finding.objects.all() if scope.everything else Finding.objects.filter(store_id__in=scope.unit_ids)


def finding_get(*, user: Any, pk: int) -> Finding:
    finding = (
        findings_visible_to(user)
        .select_related("store", "owner", "visit__inspector", "visit__version__template")
        .filter(pk=pk)
        .first()
    )
    if finding is None:
        raise NotFound(_("找不到该整改项。"))
    return finding


def finding_list(
    *,
    user: Any,
    store: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    limit: int = LIST_LIMIT,
) -> list[Finding]:
    findings = findings_visible_to(user).select_related("store", "owner", "visit")
    if store:
        findings = findings.filter(store__code=store)
    if status in FindingStatus.values:
        findings = findings.filter(status=status)
    if overdue:
        findings = findings.filter(due_on__lt=clock.today(), status=FindingStatus.OPEN)
    return list(findings.order_by("due_on", "pk")[:limit])


def finding_is_overdue(finding: Finding) -> bool:
    """Still waiting for the store's answer after its deadline."""
    return finding.status == FindingStatus.OPEN and finding.due_on < clock.today()


def month_scores(*, store_ids: list[int], month: dt.date) -> dict[int, tuple[Decimal, int]]:
    """Each store's average submitted-visit score in ``month`` (one decimal) and its number of visits; the KPI
    board's inspection column and the quality evaluation read the same figures."""
    from django.db.models import Avg, Count

    last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    rows = (
        Visit.objects.filter(
            store_id__in=store_ids, status=VisitStatus.SUBMITTED, visited_on__gte=month, visited_on__lte=last
        )
        .values("store_id")
        .annotate(n=Count("pk"), avg=Avg("score"))
    )
    return {
        r["store_id"]: (Decimal(r["avg"]).quantize(Decimal("0.1")), r["n"])
        for r in rows
        if r["avg"] is not None
    }


def visit_edits(visit: Visit) -> list[VisitEdit]:
    """The visit's edit trail (修改记录), oldest first."""
    return list(visit.edits.select_related("actor").order_by("at", "pk"))
