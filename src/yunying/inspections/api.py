"""Inspection endpoints under /api/inspections/: checklists, visits (create, answers, photos, submit, read)
and corrective actions (list, answer, verify), scoped like the pages (`yunying.org.scope`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from yunying.core import clock
from yunying.core.errors import NotFound
from yunying.forms.files import file_token
from yunying.inspections import selectors, services
from yunying.inspections.bulletin import Period, bulletin_compile
from yunying.inspections.models import ChecklistTemplate, Finding, Visit
from yunying.inspections.scoring import ScoreResult
from yunying.org.scope import stores_visible_to

router = Router(tags=["inspections"])


class TemplateOut(Schema):
    key: str
    name: str
    name_en: str
    description: str
    version: int | None
    items: int


class TemplateDetailOut(TemplateOut):
    critical_rule: str
    critical_cap: Decimal
    pass_mark: Decimal
    sections: list[dict[str, Any]]


def _public_sections(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A version's sections as the API shows them: a reference photo as its signed token."""
    out = []
    for section in sections:
        items = []
        for item in section.get("items", []):
            item = dict(item)
            if isinstance(item.get("reference_photo"), dict):
                item["reference_photo"] = file_token(item["reference_photo"])
            items.append(item)
        out.append({**section, "items": items})
    return out


def _template_out(template: ChecklistTemplate, *, detail: bool = False) -> dict[str, Any]:
    version = selectors.version_current(template)
    sections = _public_sections(version.sections) if version else []
    out: dict[str, Any] = {
        "key": template.key,
        "name": template.name,
        "name_en": template.name_en,
        "description": template.description,
        "version": version.number if version else None,
        "items": sum(len(s.get("items", [])) for s in sections),
    }
    if detail:
        out.update(
            critical_rule=version.critical_rule if version else "",
            critical_cap=version.critical_cap if version else Decimal(0),
            pass_mark=version.pass_mark if version else Decimal(0),
            sections=sections,
        )
    return out


@router.get("/templates", response=list[TemplateOut], url_name="inspections_templates")
def template_list(request: HttpRequest) -> Any:
    return [_template_out(t) for t in selectors.template_list()]


@router.get("/templates/{key}", response=TemplateDetailOut, url_name="inspections_template")
def template_detail(request: HttpRequest, key: str) -> Any:
    return _template_out(selectors.template_get(key=key), detail=True)


class VersionIn(Schema):
    name: str | None = None
    name_en: str | None = None
    description: str | None = None
    critical_rule: str = "fail"
    critical_cap: Decimal = Decimal(60)
    pass_mark: Decimal = Decimal(80)
    sections: list[dict[str, Any]]


@router.post(
    "/templates/{key}/versions", response={201: TemplateDetailOut}, url_name="inspections_template_version"
)
def template_version_create(request: HttpRequest, key: str, payload: VersionIn) -> Any:
    """Publish the checklist's next version (a new checklist when ``key`` is new); an item's
    ``reference_photo`` is a token from ``POST /reference-photos``. Versions in use never change."""
    template = ChecklistTemplate.objects.filter(key=key).first()
    services.template_version_publish(
        actor=request.user,
        key=key,
        template=template,
        name=payload.name,
        name_en=payload.name_en,
        description=payload.description,
        critical_rule=payload.critical_rule,
        critical_cap=payload.critical_cap,
        pass_mark=payload.pass_mark,
        sections=payload.sections,
    )
    return 201, _template_out(selectors.template_get(key=key), detail=True)


@router.post("/reference-photos", response={201: dict[str, str]}, url_name="inspections_reference_photo")
def reference_photo(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Upload a reference photo for a checklist item; put the returned token in its ``reference_photo``."""
    return 201, services.reference_photo_store(actor=request.user, upload=file)


class VisitIn(Schema):
    store: str
    template: str


class VisitOut(Schema):
    id: int
    store: str
    store_name: str
    template: str
    version: int
    inspector: str
    status: str
    visited_on: dt.date
    submitted_at: dt.datetime | None
    score: Decimal | None
    raw_score: Decimal | None
    passed: bool | None
    critical_failures: int


class AnswerOut(Schema):
    item: str
    section: str
    value: str
    not_applicable: bool
    note: str
    failed: bool
    critical: bool
    photos: list[str]


class EditOut(Schema):
    item: str
    item_title: str
    actor: str | None
    at: dt.datetime
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]
    score_before: Decimal | None
    score_after: Decimal | None


class VisitDetailOut(VisitOut):
    summary: str
    checkin: dict[str, Any] | None
    signature: str | None
    inspector_signature: str | None = None
    signed_by: str
    answers: list[AnswerOut]
    draft: dict[str, Any]
    findings: list[int]
    edits: list[EditOut]


def _visit_out(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "store": visit.store.code,
        "store_name": visit.store.name,
        "template": visit.version.template.key,
        "version": visit.version.number,
        "inspector": visit.inspector.username,
        "status": visit.status,
        "visited_on": visit.visited_on,
        "submitted_at": visit.submitted_at,
        "score": visit.score,
        "raw_score": visit.raw_score,
        "passed": visit.passed,
        "critical_failures": visit.critical_failures,
    }


def _visit_detail(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    out = _visit_out(visit)
    out["summary"] = visit.summary
    out["checkin"] = (
        {
            "at": visit.checkin_at,
            "latitude": visit.checkin_latitude,
            "longitude": visit.checkin_longitude,
            "accuracy_m": visit.checkin_accuracy_m,
            "distance_m": visit.checkin_distance_m,
            "flagged": visit.checkin_flagged,
        }
        if visit.checkin_at
        else None
    )
    out["signature"] = file_token(visit.signature) if visit.signature else None
    out["inspector_signature"] = file_token(visit.inspector_signature) if visit.inspector_signature else None
    out["signed_by"] = visit.signed_by
    out["draft"] = visit.draft if visit.inspector_id == request.user.pk else {}
    out["answers"] = [
        {
            "item": a.item_key,
            "section": a.section_key,
            "value": a.value,
            "not_applicable": a.not_applicable,
            "note": a.note,
            "failed": a.failed,
            "critical": a.critical,
            "photos": [file_token(ref) for ref in a.photos],
        }
        for a in visit.answers.all()
    ]
    out["findings"] = list(visit.findings.values_list("pk", flat=True))
    out["edits"] = [
        {
            "item": e.item_key,
            "item_title": e.item_title,
            "actor": e.actor.username if e.actor else None,
            "at": e.at,
            "reason": e.reason,
            "before": e.before,
            "after": e.after,
            "score_before": e.score_before,
            "score_after": e.score_after,
        }
        for e in selectors.visit_edits(visit)
    ]
    return out


@router.post("/visits", response={201: VisitOut}, url_name="inspections_visit_create")
def visit_create(request: HttpRequest, payload: VisitIn) -> Any:
    store = stores_visible_to(request.user).filter(code=payload.store).first()
    if store is None:
        raise NotFound(_("找不到门店“%(code)s”。") % {"code": payload.store})
    template = selectors.template_get(key=payload.template)
    visit = services.visit_create(actor=request.user, store=store, template=template)
    return 201, _visit_out(selectors.visit_get(user=request.user, pk=visit.pk))


class VisitQuery(Schema):
    store: str | None = None
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")


@router.get("/visits", response=list[VisitOut], url_name="inspections_visits")
def visit_list(request: HttpRequest, filters: Query[VisitQuery]) -> Any:
    """Visits the caller may see, newest first (at most 200); ``from``/``to`` bound the visit day."""
    visits = selectors.visit_list(
        user=request.user, store=filters.store, date_from=filters.date_from, date_to=filters.date_to
    )
    return [_visit_out(v) for v in visits]


@router.get("/visits/{visit_id}", response=VisitDetailOut, url_name="inspections_visit")
def visit_detail(request: HttpRequest, visit_id: int) -> Any:
    return _visit_detail(request, selectors.visit_get(user=request.user, pk=visit_id))


class AnswersIn(Schema):
    answers: dict[str, dict[str, Any]]


class PreviewOut(Schema):
    score: Decimal | None
    passed: bool | None
    critical_failures: int
    deducted: int
    applicable: int


def _preview(result: ScoreResult) -> dict[str, Any]:
    return {
        "score": result.score,
        "passed": result.passed,
        "critical_failures": result.critical_failures,
        "deducted": result.deducted,
        "applicable": result.applicable,
    }


@router.put("/visits/{visit_id}/answers", response=PreviewOut, url_name="inspections_visit_answers")
def visit_answers(request: HttpRequest, visit_id: int, payload: AnswersIn) -> Any:
    """Keep the answers so far: ``{"answers": {item_key: {"value", "note", "photos": [token…]}}}``;
    returns the running score. ``value``: yes/no, 0…N, pass/partial/fail, or ``na``."""
    visit = selectors.visit_get(user=request.user, pk=visit_id)
    return _preview(services.visit_draft_save(actor=request.user, visit=visit, answers=payload.answers))


class PhotoOut(Schema):
    token: str
    name: str


@router.post("/visits/{visit_id}/photos", response={201: PhotoOut}, url_name="inspections_visit_photo")
def visit_photo(request: HttpRequest, visit_id: int, file: File[UploadedFile]) -> Any:
    """Upload one photo for an item; put the returned token in that item's ``photos``."""
    visit = selectors.visit_get(user=request.user, pk=visit_id)
    return 201, services.photo_store(actor=request.user, visit=visit, upload=file)


class CheckinIn(Schema):
    latitude: float
    longitude: float
    accuracy: float | None = None


class CheckinOut(Schema):
    distance_m: int | None
    flagged: bool
    store_has_location: bool


@router.post("/visits/{visit_id}/checkin", response=CheckinOut, url_name="inspections_visit_checkin")
def visit_checkin(request: HttpRequest, visit_id: int, payload: CheckinIn) -> Any:
    """Where the phone is (WGS-84): the distance to the store's coordinates and whether it is beyond
    ``inspections.checkin_radius_m``. Never blocks: a store without coordinates is simply not compared."""
    visit = selectors.visit_get(user=request.user, pk=visit_id)
    visit = services.visit_checkin(
        actor=request.user,
        visit=visit,
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy=payload.accuracy,
    )
    return {
        "distance_m": visit.checkin_distance_m,
        "flagged": visit.checkin_flagged,
        "store_has_location": visit.checkin_distance_m is not None,
    }


class LocationIn(Schema):
    latitude: float
    longitude: float


@router.put("/stores/{code}/location", response=LocationIn, url_name="inspections_store_location")
def store_location(request: HttpRequest, code: str, payload: LocationIn) -> Any:
    """Set a store's coordinates (WGS-84) for the visit check-in."""
    store = stores_visible_to(request.user).filter(code=code).first()
    if store is None:
        raise NotFound(_("找不到门店“%(code)s”。") % {"code": code})
    location = services.store_location_set(
        actor=request.user, store=store, latitude=payload.latitude, longitude=payload.longitude
    )
    return {"latitude": location.latitude, "longitude": location.longitude}


class SubmitIn(Schema):
    answers: dict[str, dict[str, Any]]
    idempotency_key: str
    summary: str = ""
    signature: str = ""
    signed_by: str = ""
    inspector_signature: str = ""


class SubmitOut(VisitOut):
    repeated: bool


@router.post("/visits/{visit_id}/submit", response=SubmitOut, url_name="inspections_visit_submit")
def visit_submit(request: HttpRequest, visit_id: int, payload: SubmitIn) -> Any:
    """Score and close the visit. The same ``idempotency_key`` sent again returns the first result
    (``repeated: true``) and writes nothing; a different key for a submitted visit answers 409."""
    visit = selectors.visit_get(user=request.user, pk=visit_id)
    submitted = services.visit_submit(
        actor=request.user,
        visit=visit,
        answers=payload.answers,
        idempotency_key=payload.idempotency_key,
        summary=payload.summary,
        signature=payload.signature,
        signed_by=payload.signed_by,
        inspector_signature=payload.inspector_signature,
    )
    return {**_visit_out(submitted.visit), "repeated": submitted.repeated}


class CorrectionIn(Schema):
    answers: dict[str, dict[str, Any]]
    reason: str


@router.post("/visits/{visit_id}/corrections", response=VisitDetailOut, url_name="inspections_visit_correct")
def visit_correct(request: HttpRequest, visit_id: int, payload: CorrectionIn) -> Any:
    """Correct answers of a submitted visit with a reason: ``{"answers": {item_key: {"value"?, "note"?}},
    "reason"}``. Each changed item joins the edit trail (``edits``) and the score is computed again."""
    visit = selectors.visit_get(user=request.user, pk=visit_id)
    services.visit_correct(actor=request.user, visit=visit, changes=payload.answers, reason=payload.reason)
    return _visit_detail(request, selectors.visit_get(user=request.user, pk=visit_id))


class PlanOut(Schema):
    id: int
    store: str
    store_name: str
    date: dt.date
    inspector: str
    template: str | None
    announced: bool
    proposed: bool
    status: str


class CoverageOut(Schema):
    store: str
    periods: list[dict[str, Any]]


class MonthPlanOut(Schema):
    month: str
    visits_per_period: int
    counts: dict[str, int]
    plans: list[PlanOut]
    coverage: list[CoverageOut]


def _plan_out(plan: Any, status: str) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "store": plan.store.code,
        "store_name": plan.store.name,
        "date": plan.planned_on,
        "inspector": plan.inspector.username,
        "template": plan.template.key if plan.template else None,
        "announced": plan.announced,
        "proposed": plan.proposed,
        "status": status,
    }


def _may_plan(request: HttpRequest) -> None:
    from yunying.core.errors import PermissionDenied
    from yunying.inspections.models import CONDUCT_PERMISSION

    if not request.user.has_perm(CONDUCT_PERMISSION):
        raise PermissionDenied(_("您没有巡店检查的权限。"))


def _month_param(text: str) -> dt.date:
    from yunying.core.errors import DomainError

    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise DomainError(_("月份格式应为 YYYY-MM。"), field="month") from None


@router.get("/plans", response=MonthPlanOut, url_name="inspections_plans")
def plan_month(request: HttpRequest, month: str) -> Any:
    """The month's planned visits over the caller's stores (``status``: planned, done, overdue) and each
    store's coverage of the two half months against ``visits_per_period``. Inspectors only (plans of
    unannounced visits are not shown to stores)."""
    from yunying.inspections import planning

    _may_plan(request)
    plan = planning.month_plan(user=request.user, month=_month_param(month))
    return {
        "month": f"{plan.month:%Y-%m}",
        "visits_per_period": plan.needed,
        "counts": plan.counts,
        "plans": [
            _plan_out(p, status)
            for week in plan.weeks
            for day in week
            if day.in_month
            for p, status in day.plans
        ],
        "coverage": [
            {
                "store": row.store.code,
                "periods": [
                    {"period": key, "needed": needed, "planned": planned, "done": done}
                    for key, needed, planned, done in row.periods
                ],
            }
            for row in plan.coverage
        ],
    }


class PlanIn(Schema):
    store: str
    date: dt.date
    template: str | None = None
    announced: bool = False


@router.post("/plans", response={201: PlanOut}, url_name="inspections_plan_create")
def plan_create(request: HttpRequest, payload: PlanIn) -> Any:
    from yunying.inspections import planning

    _may_plan(request)
    store = stores_visible_to(request.user).filter(code=payload.store).first()
    if store is None:
        raise NotFound(_("找不到门店“%(code)s”。") % {"code": payload.store})
    template = selectors.template_get(key=payload.template) if payload.template else None
    plan = planning.plan_add(
        actor=request.user,
        store=store,
        planned_on=payload.date,
        template=template,
        announced=payload.announced,
    )
    return 201, _plan_out(plan, planning.plan_statuses([plan])[plan.pk])


@router.delete("/plans/{int:plan_id}", response={204: None}, url_name="inspections_plan_delete")
def plan_delete(request: HttpRequest, plan_id: int) -> Any:
    from yunying.inspections import planning

    _may_plan(request)
    planning.plan_remove(actor=request.user, plan=planning.plan_get(user=request.user, pk=plan_id))
    return 204, None


class ProposeIn(Schema):
    month: str


@router.post("/plans/propose", response={201: list[PlanOut]}, url_name="inspections_plan_propose")
def plan_propose(request: HttpRequest, payload: ProposeIn) -> Any:
    """Add the visits the rule still asks for in the month (from today), spread over the working days."""
    from yunying.inspections import planning

    _may_plan(request)
    created = planning.plan_propose(actor=request.user, month=_month_param(payload.month))
    return 201, [_plan_out(p, planning.PLANNED) for p in created]


class ActionOut(Schema):
    id: int
    visit: int
    store: str
    item: str
    section_title: str
    item_title: str
    critical: bool
    repeated: bool
    owner: str | None
    due_on: dt.date
    status: str
    overdue: bool
    inspector_note: str
    answer_note: str


def _action_out(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "visit": finding.visit_id,
        "store": finding.store.code,
        "item": finding.item_key,
        "section_title": finding.section_title,
        "item_title": finding.item_title,
        "critical": finding.critical,
        "repeated": finding.repeated,
        "owner": finding.owner.name if finding.owner else None,
        "due_on": finding.due_on,
        "status": finding.status,
        "overdue": selectors.finding_is_overdue(finding),
        "inspector_note": finding.inspector_note,
        "answer_note": finding.answer_note,
    }


class ActionQuery(Schema):
    store: str | None = None
    status: str | None = None
    overdue: bool = False


@router.get("/actions", response=list[ActionOut], url_name="inspections_actions")
def action_list(request: HttpRequest, filters: Query[ActionQuery]) -> Any:
    """Corrective actions the caller may see; ``status``: open, answered, closed; ``overdue=true``: past due."""
    findings = selectors.finding_list(
        user=request.user, store=filters.store, status=filters.status, overdue=filters.overdue
    )
    return [_action_out(f) for f in findings]


@router.post("/actions/{action_id}/answer", response=ActionOut, url_name="inspections_action_answer")
def action_answer(
    request: HttpRequest, action_id: int, note: Form[str], photos: File[list[UploadedFile]] | None = None
) -> Any:
    """The store's answer (multipart form): ``note`` and optional ``photos``."""
    finding = selectors.finding_get(user=request.user, pk=action_id)
    services.finding_answer(actor=request.user, finding=finding, note=note, photos=list(photos or []))
    return _action_out(selectors.finding_get(user=request.user, pk=action_id))


class VerifyIn(Schema):
    accepted: bool
    comment: str = ""


@router.post("/actions/{action_id}/verify", response=ActionOut, url_name="inspections_action_verify")
def action_verify(request: HttpRequest, action_id: int, payload: VerifyIn) -> Any:
    finding = selectors.finding_get(user=request.user, pk=action_id)
    services.finding_verify(
        actor=request.user, finding=finding, accepted=payload.accepted, comment=payload.comment
    )
    return _action_out(selectors.finding_get(user=request.user, pk=action_id))


class BulletinStoreOut(Schema):
    rank: int
    store: str
    name: str
    visits: int
    average: Decimal | None
    failed_visits: int
    critical_failures: int


class BulletinOut(Schema):
    period: str
    start: dt.date
    end: dt.date
    visits: int
    average: Decimal | None
    ranking: list[BulletinStoreOut]
    not_visited: list[str]
    frequent: list[dict[str, Any]]
    repeated: list[int]
    critical: list[int]
    rectification: dict[str, int]


@router.get("/bulletins", response=list[str], url_name="inspections_bulletins")
def bulletin_list(request: HttpRequest) -> Any:
    """The last twelve half-month periods, newest first (e.g. ``2026-11-2``)."""
    period, periods = Period.of(clock.today()), []
    for _n in range(12):
        periods.append(period.key)
        period = period.previous()
    return periods


@router.get("/bulletins/{period}", response=BulletinOut, url_name="inspections_bulletin")
def bulletin_detail(request: HttpRequest, period: str) -> Any:
    """The half-month's bulletin over the caller's stores: ``repeated``/``critical`` list action ids."""
    parsed = Period.parse(period)
    bulletin = bulletin_compile(user=request.user, period=parsed)
    return {
        "period": parsed.key,
        "start": parsed.start,
        "end": parsed.end,
        "visits": bulletin.visits,
        "average": bulletin.average,
        "ranking": [
            {
                "rank": line.rank,
                "store": line.code,
                "name": line.name,
                "visits": line.visits,
                "average": line.average,
                "failed_visits": line.failed_visits,
                "critical_failures": line.critical_failures,
            }
            for line in bulletin.visited
        ],
        "not_visited": [line.code for line in bulletin.not_visited],
        "frequent": [
            {"section": v.section, "item": v.item, "count": v.count, "stores": v.stores}
            for v in bulletin.frequent
        ],
        "repeated": [line.finding.pk for line in bulletin.repeated],
        "critical": [line.finding.pk for line in bulletin.critical],
        "rectification": bulletin.rectification,
    }
