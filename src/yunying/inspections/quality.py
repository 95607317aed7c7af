"""The monthly operations quality evaluation (月度运营质量评估), the key rectification list (重点整改) and the
demotion recommendation.

The grade of a store for a month is one formula, its weights and pass mark data (settings):

    score = Σ(weight × measure) / Σ(weight over the measures that exist)
            − overdue penalty × overdue corrective actions
            − complaint penalty × customer complaints − incident penalty × delivery incidents

with the measures, each on 0–100: the average score of the month's submitted visits (``quality.weight_
inspection``), and sales target attainment capped at 100 % (``quality.weight_sales``; only when the month has
a target). Overdue corrective actions are the findings due in the month that the store answered after their
deadline, or has not answered with the deadline passed (``quality.overdue_penalty`` points each; the inspector's
verification time is not the store's delay). Customer complaints and delivery incidents are the service
desk's ``customer_complaint`` and ``delivery_incident`` requests raised in the month for the store (withdrawn
and cancelled ones do not count; ``quality.complaint_penalty`` and ``quality.incident_penalty`` points each).
Penalties only lower a grade that exists: a store with no measure gets no grade whatever its counts. The score is rounded half-up to one decimal and kept within 0–100;
a store with no measure at all gets no grade ("no data"), never a failing one. ``passed`` is score ≥
``quality.pass_mark``. A store that fails goes on the key rectification list with a deadline of
``quality.key_list_days`` working days after the month's end.

**Demotion recommendation**: when a store fails and the month before also failed, the workflow process
``store_demotion`` is started for a human decision — never an automatic change to anyone's position. One run of
consecutive failures raises one recommendation: fail, fail → raised in the second month; fail, fail, fail → still
one; fail, pass, fail → none (the run was broken). Evaluating a month again updates its row and never raises a
second recommendation for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.calendar import unit_calendars
from yunying.core.errors import DomainError, PermissionDenied
from yunying.core.settings_store import setting_get_int
from yunying.inspections.models import Finding, QualityEvaluation
from yunying.inspections.selectors import month_scores
from yunying.inspections.services import working_days_after
from yunying.org.models import Appointment, OrgUnit, UnitKind
from yunying.org.scope import scope_for

PERMISSION = "inspections.add_qualityevaluation"
PROCESS_KEY = "store_demotion"
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Measures:
    visits: int
    inspection_score: Decimal | None
    sales_attainment: Decimal | None
    overdue_actions: int
    complaints: int = 0
    incidents: int = 0


@dataclass(frozen=True)
class Weights:
    inspection: int
    sales: int
    overdue_penalty: int
    pass_mark: int
    complaint_penalty: int = 0
    incident_penalty: int = 0

    @classmethod
    def current(cls) -> Weights:
        return cls(
            inspection=setting_get_int("quality.weight_inspection"),
            sales=setting_get_int("quality.weight_sales"),
            overdue_penalty=setting_get_int("quality.overdue_penalty"),
            pass_mark=setting_get_int("quality.pass_mark"),
            complaint_penalty=setting_get_int("quality.complaint_penalty"),
            incident_penalty=setting_get_int("quality.incident_penalty"),
        )


def grade(measures: Measures, weights: Weights) -> tuple[Decimal | None, bool | None]:
    """The score (0–100, one decimal) and passed, or (None, None) when there is nothing to grade."""
    parts: list[tuple[int, Decimal]] = []
    if measures.inspection_score is not None and weights.inspection > 0:
        parts.append((weights.inspection, measures.inspection_score))
    if measures.sales_attainment is not None and weights.sales > 0:
        parts.append((weights.sales, min(measures.sales_attainment, HUNDRED)))
    if not parts:
        return None, None
    total_weight = sum(w for w, _v in parts)
    score = sum((Decimal(w) * v for w, v in parts), Decimal(0)) / Decimal(total_weight)
    score -= Decimal(weights.overdue_penalty * measures.overdue_actions)
    score -= Decimal(weights.complaint_penalty * measures.complaints)
    score -= Decimal(weights.incident_penalty * measures.incidents)
    score = min(max(score, Decimal(0)), HUNDRED).quantize(TENTH, rounding=ROUND_HALF_UP)
    return score, score >= Decimal(weights.pass_mark)


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def previous_month(month: dt.date) -> dt.date:
    return month_start(month - dt.timedelta(days=1))


def measures_for(stores: list[OrgUnit], month: dt.date) -> dict[int, Measures]:
    """Each store's measures for ``month`` in grouped queries (visits, findings, sales vs target, complaints,
    delivery incidents)."""
    from yunying.analytics.models import SalesStoreMonth, StoreTarget
    from yunying.servicedesk.selectors import month_counts

    last = month_end(month)
    ids = [s.pk for s in stores]
    visits = month_scores(store_ids=ids, month=month)
    overdue = {
        row["store_id"]: row["n"]
        for row in Finding.objects.filter(store_id__in=ids, due_on__gte=month, due_on__lte=last)
        .filter(
            Q(answered_at__isnull=True, closed_at__isnull=True, due_on__lt=min(clock.today(), last))
            | Q(answered_at__date__gt=F("due_on"))
        )
        .values("store_id")
        .annotate(n=Count("pk"))
    }
    targets = {
        t.store_id: t.amount
        for t in StoreTarget.objects.filter(store_id__in=ids, month=month).only("store_id", "amount")
    }
    sales = {
        row.store_id: row.net_sales
        for row in SalesStoreMonth.objects.filter(store_id__in=ids, month=month).only("store_id", "net_sales")
    }
    pairs = [(s.pk, s.code) for s in stores]
    complaints = month_counts(kind="customer_complaint", stores=pairs, month=month)
    incidents = month_counts(kind="delivery_incident", stores=pairs, month=month)
    result: dict[int, Measures] = {}
    for store_id in ids:
        scored = visits.get(store_id)
        target = targets.get(store_id)
        attainment = None
        if target:
            attainment = (Decimal(sales.get(store_id) or 0) * HUNDRED / Decimal(target)).quantize(TENTH)
        result[store_id] = Measures(
            visits=scored[1] if scored else 0,
            inspection_score=scored[0] if scored else None,
            sales_attainment=attainment,
            overdue_actions=overdue.get(store_id, 0),
            complaints=complaints.get(store_id, 0),
            incidents=incidents.get(store_id, 0),
        )
    return result


@dataclass(frozen=True)
class EvaluationRun:
    month: dt.date
    evaluated: int
    failed: int
    recommendations: int


def evaluations_compute(*, actor: Any, month: dt.date) -> EvaluationRun:
    """Grade every store for ``month`` (a finished month or the current one) and raise the demotion
    recommendations due. Only people with the evaluation permission; the whole run is one transaction."""
    if actor is None or not actor.has_perm(PERMISSION):
        raise PermissionDenied(_("您没有生成月度运营质量评估的权限。"))
    month = month_start(month)
    if month > month_start(clock.today()):
        raise DomainError(_("不能评估尚未开始的月份。"), field="month")
    return _compute(actor=actor, month=month)


FIELDS = [
    "visits",
    "inspection_score",
    "sales_attainment",
    "overdue_actions",
    "complaints",
    "incidents",
    "score",
    "passed",
    "computed_at",
    "key_list_deadline",
]


@transaction.atomic
def _compute(*, actor: Any, month: dt.date) -> EvaluationRun:
    """One run in a constant number of queries whatever the number of stores (the measures grouped, the
    failing stores' calendars read at once, the rows written in bulk), plus the recommendations raised."""
    stores = list(OrgUnit.objects.filter(kind=UnitKind.STORE).order_by("code"))
    weights = Weights.current()
    key_days = setting_get_int("quality.key_list_days")
    measures = measures_for(stores, month)
    existing = {
        e.store_id: e
        for e in QualityEvaluation.objects.select_for_update().filter(month=month, store__in=stores)
    }
    before = {
        e.store_id: e for e in QualityEvaluation.objects.filter(month=previous_month(month), store__in=stores)
    }
    grades = {store.pk: grade(measures[store.pk], weights) for store in stores}
    calendars = unit_calendars(s for s in stores if grades[s.pk][1] is False)
    now = clock.now()
    rows: list[QualityEvaluation] = []
    for store in stores:
        m = measures[store.pk]
        score, passed = grades[store.pk]
        found = existing.get(store.pk)
        row = QualityEvaluation(
            store=store, month=month, recommendation_id=found.recommendation_id if found else None
        )
        row.visits, row.inspection_score = m.visits, m.inspection_score
        row.sales_attainment, row.overdue_actions = m.sales_attainment, m.overdue_actions
        row.complaints, row.incidents = m.complaints, m.incidents
        row.score, row.passed, row.computed_at = score, passed, now
        row.key_list_deadline = (
            working_days_after(store, month_end(month), key_days, calendar=calendars.get(store.pk))
            if passed is False
            else None
        )
        rows.append(row)
    QualityEvaluation.objects.bulk_create(
        rows, batch_size=500, update_conflicts=True, unique_fields=["store", "month"], update_fields=FIELDS
    )  # one upsert: a month graded again keeps its rows (and their recommendations)
    failed = raised = 0
    stores_by_pk = {store.pk: store for store in stores}
    for row in rows:
        if row.passed is not False:
            continue
        failed += 1
        prior = before.get(row.store_id)
        if (
            row.recommendation_id is None
            and prior is not None
            and prior.passed is False
            and prior.recommendation_id is None
        ):
            row.recommendation = _raise_recommendation(actor, stores_by_pk[row.store_id], prior, row)
            QualityEvaluation.objects.filter(store_id=row.store_id, month=month).update(
                recommendation=row.recommendation
            )
            raised += 1
    return EvaluationRun(month=month, evaluated=len(stores), failed=failed, recommendations=raised)


def _raise_recommendation(
    actor: Any, store: OrgUnit, prior: QualityEvaluation, row: QualityEvaluation
) -> Any:
    from yunying.workflow.start import instance_start

    managers = [
        f"{a.employee.name}（{a.position.name}）"
        for a in Appointment.objects.active(clock.today())
        .filter(unit=store, position__is_head=True)
        .select_related("employee", "position")
    ]
    return instance_start(
        actor=actor,
        key=PROCESS_KEY,
        title=_("降级建议 · %(store)s") % {"store": store.name},
        unit=store,
        data={
            "store": store.code,
            "store_name": store.name,
            "managers": "、".join(managers) or _("（空缺）"),
            "months": f"{prior.month:%Y-%m}、{row.month:%Y-%m}",
            "scores": f"{prior.score}、{row.score}",
            "reason": _("连续两个月运营质量评估不合格（合格分 %(mark)s）")
            % {"mark": setting_get_int("quality.pass_mark")},
        },
    )


def evaluation_list(*, user: Any, month: dt.date) -> list[QualityEvaluation]:
    """The month's evaluations of the stores ``user`` may see, worst first (no grade last)."""
    scope = scope_for(user)
    rows = QualityEvaluation.objects.filter(month=month_start(month)).select_related(
        "store", "recommendation"
    )
    if not scope.everything:
        rows = rows.filter(store_id__in=scope.unit_ids)
    return sorted(rows, key=lambda e: (e.score is None, e.score or 0, e.store.code))


def key_list(*, user: Any) -> list[QualityEvaluation]:
    """Stores on the key rectification list: failed in the latest evaluated month."""
    latest = QualityEvaluation.objects.order_by("-month").values_list("month", flat=True).first()
    if latest is None:
        return []
    return [e for e in evaluation_list(user=user, month=latest) if e.on_key_list]


def evaluation_actor() -> Any:
    """Who the worker runs the monthly evaluation as: the head of the management department."""
    from yunying.core.settings_store import setting_get

    code = setting_get("org.management_department_code")
    appointment = (
        Appointment.objects.active(clock.today())
        .filter(unit__code=code, position__is_head=True, employee__user__isnull=False)
        .select_related("employee__user")
        .first()
    )
    return appointment.employee.user if appointment else None


def evaluate_last_month_once() -> EvaluationRun | None:
    """The worker's monthly run: grade last month when it has not been graded yet (None when it has, or
    when nobody holds the management department's head seat to run it as)."""
    last = previous_month(month_start(clock.today()))
    if QualityEvaluation.objects.filter(month=last).exists():
        return None
    actor = evaluation_actor()
    if actor is None:
        return None
    return evaluations_compute(actor=actor, month=last)
