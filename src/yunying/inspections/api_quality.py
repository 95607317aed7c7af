"""The monthly quality evaluation under /api/quality/: read a month's grades (scoped like the page) and grade
a month (those with the evaluation permission)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from yunying.core.errors import DomainError
from yunying.inspections import quality
from yunying.inspections.models import QualityEvaluation

router = Router(tags=["quality"])


class MonthQuery(Schema):
    month: str


class EvaluationOut(Schema):
    store: str
    store_name: str
    month: str
    visits: int
    inspection_score: Decimal | None
    sales_attainment: Decimal | None
    overdue_actions: int
    complaints: int
    incidents: int
    score: Decimal | None
    passed: bool | None
    on_key_list: bool
    key_list_deadline: dt.date | None
    recommendation_raised: bool
    recommendation_id: int | None


class RunIn(Schema):
    month: str


class RunOut(Schema):
    month: str
    evaluated: int
    failed: int
    recommendations: int


def _parse_month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise DomainError(_("月份格式应为 YYYY-MM。"), field="month") from exc


def _out(e: QualityEvaluation) -> EvaluationOut:
    return EvaluationOut(
        store=e.store.code,
        store_name=e.store.name,
        month=f"{e.month:%Y-%m}",
        visits=e.visits,
        inspection_score=e.inspection_score,
        sales_attainment=e.sales_attainment,
        overdue_actions=e.overdue_actions,
        complaints=e.complaints,
        incidents=e.incidents,
        score=e.score,
        passed=e.passed,
        on_key_list=e.on_key_list,
        key_list_deadline=e.key_list_deadline,
        recommendation_raised=e.recommendation_id is not None,
        recommendation_id=e.recommendation_id,
    )


@router.get("/evaluations", response=list[EvaluationOut], url_name="quality_evaluations")
def evaluations(request: HttpRequest, query: Query[MonthQuery]) -> list[EvaluationOut]:
    """Per store in scope: the month's score, passed, on the key list, whether a recommendation was raised."""
    rows = quality.evaluation_list(user=request.user, month=_parse_month(query.month))
    return [_out(e) for e in rows]


@router.post("/evaluations", response=RunOut, url_name="quality_evaluate")
def evaluate(request: HttpRequest, payload: RunIn) -> RunOut:
    """Grade the month again (idempotent: rows are updated; a recommendation is raised once per run of
    failures)."""
    run = quality.evaluations_compute(actor=request.user, month=_parse_month(payload.month))
    return RunOut(
        month=f"{run.month:%Y-%m}",
        evaluated=run.evaluated,
        failed=run.failed,
        recommendations=run.recommendations,
    )


class CalibrationInspectorOut(Schema):
    inspector: str
    name: str
    visits: int
    mean: Decimal
    low: Decimal
    high: Decimal
    comparable: int
    deviation: Decimal | None
    flagged: bool


class CalibrationOut(Schema):
    start: dt.date
    end: dt.date
    threshold: int
    min_visits: int
    inspectors: list[CalibrationInspectorOut]


@router.get("/calibration", response=CalibrationOut, url_name="quality_calibration")
def calibration(request: HttpRequest, filters: Query[MonthQuery]) -> CalibrationOut:
    """Each inspector's raw-score distribution over the window ending with ``month`` and the mean deviation
    from other inspectors' scores for the same store, checklist and month; ``flagged`` beyond the setting.
    For those who grade the month."""
    from yunying.core.errors import PermissionDenied
    from yunying.inspections.calibration import calibration_compute

    if not request.user.has_perm(quality.PERMISSION):
        raise PermissionDenied(_("您没有查看评分校准的权限。"))
    result = calibration_compute(user=request.user, month=_parse_month(filters.month))
    return CalibrationOut(
        start=result.start,
        end=result.end,
        threshold=result.threshold,
        min_visits=result.min_visits,
        inspectors=[
            CalibrationInspectorOut(
                inspector=i.username,
                name=i.name,
                visits=i.visits,
                mean=i.mean,
                low=i.low,
                high=i.high,
                comparable=i.comparable,
                deviation=i.deviation,
                flagged=i.flagged,
            )
            for i in result.inspectors
        ],
    )
