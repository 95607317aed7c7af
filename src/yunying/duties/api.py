"""Duty endpoints under /api/duties: the definitions of the operations calendar, occurrences (list, one,
submit, review) and the completion board; scoped like the pages (`yunying.org.scope`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from yunying.duties import board as board_mod
from yunying.duties import selectors, services
from yunying.duties.models import Duty, Occurrence
from yunying.duties.recurrence import Rule, describe

router = Router(tags=["duties"])


class DutyOut(Schema):
    key: str
    name: str
    name_en: str
    category: str
    form: str
    positions: list[str]
    assign_to: str
    cadence: str
    rule: str
    due_time: str | None
    holiday_shift: str
    lead_days: int
    remind_before_hours: int
    escalate_after_hours: int
    needs_review: bool
    reviewer_position: str | None
    prefill: str
    is_active: bool


def _duty_out(duty: Duty) -> dict[str, Any]:
    return {
        "key": duty.key,
        "name": duty.name,
        "name_en": duty.name_en,
        "category": duty.category,
        "form": duty.form.key,
        "positions": [p.code for p in duty.positions.all()],
        "assign_to": duty.assign_to,
        "cadence": duty.cadence,
        "rule": describe(Rule.of(duty)),
        "due_time": duty.due_time.strftime("%H:%M") if duty.due_time else None,
        "holiday_shift": duty.holiday_shift,
        "lead_days": duty.lead_days,
        "remind_before_hours": duty.remind_before_hours,
        "escalate_after_hours": duty.escalate_after_hours,
        "needs_review": duty.needs_review,
        "reviewer_position": duty.reviewer_position.code if duty.reviewer_position else None,
        "prefill": duty.prefill,
        "is_active": duty.is_active,
    }


@router.get("", response=list[DutyOut], url_name="duties_list")
def duty_list(request: HttpRequest) -> Any:
    """The operations calendar: every duty with its positions and rule."""
    return [_duty_out(d) for d in selectors.duty_list()]


class OccurrenceOut(Schema):
    id: int
    duty: str
    duty_name: str
    period: str
    period_start: dt.date
    period_end: dt.date
    status: str
    unit: str | None
    position: str | None
    subject: str | None = Field(None, description="employee_no of the person a review is about")
    assignee: str | None = Field(None, description="employee_no; null while the seat is vacant")
    reviewer: str | None
    due_on: dt.date
    due_at: dt.datetime
    available_at: dt.datetime
    provisional: bool
    first_submitted_at: dt.datetime | None
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    review_comment: str
    late: bool
    form: str
    form_version: int
    data: dict[str, Any]
    draft: dict[str, Any] | None = Field(None, description="the assignee's unsubmitted draft (to them only)")
    draft_saved_at: dt.datetime | None = None


def _occ_out(occ: Occurrence, user: Any = None) -> dict[str, Any]:
    mine = user is not None and occ.assignee is not None and occ.assignee.user_id == user.pk
    return {
        "id": occ.pk,
        "duty": occ.duty.key,
        "duty_name": occ.duty.display_name,
        "period": occ.period_key,
        "period_start": occ.period_start,
        "period_end": occ.period_end,
        "status": occ.status,
        "unit": occ.unit.code if occ.unit else None,
        "position": occ.position.code if occ.position else None,
        "subject": occ.subject.employee_no if occ.subject else None,
        "assignee": occ.assignee.employee_no if occ.assignee else None,
        "reviewer": occ.reviewer.employee_no if occ.reviewer else None,
        "due_on": occ.due_on,
        "due_at": occ.due_at,
        "available_at": occ.available_at,
        "provisional": occ.provisional,
        "first_submitted_at": occ.first_submitted_at,
        "submitted_at": occ.submitted_at,
        "reviewed_at": occ.reviewed_at,
        "review_comment": occ.review_comment,
        "late": selectors.is_late(occ),
        "form": occ.duty.form.key,
        "form_version": occ.form_version.number,
        "data": occ.data or {},
        "draft": occ.draft if mine else None,
        "draft_saved_at": occ.draft_saved_at if mine else None,
    }


class OccurrencePage(Schema):
    total: int
    items: list[OccurrenceOut]


class OccurrenceFilters(Schema):
    mine: bool = False
    start: str | None = Field(None, alias="from", description="due on or after (YYYY-MM-DD)")
    end: str | None = Field(None, alias="to", description="due on or before (YYYY-MM-DD)")
    status: str | None = None
    duty: str | None = None
    limit: int = Field(100, ge=1, le=selectors.MAX_LIST)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/occurrences", response=OccurrencePage, url_name="duties_occurrences")
def occurrence_list(request: HttpRequest, filters: Query[OccurrenceFilters]) -> Any:
    """Occurrences the caller may see (``mine=true``: assigned to the caller), by due day and status."""
    rows, total = selectors.occurrence_list(
        user=request.user,
        mine=filters.mine,
        start=filters.start,
        end=filters.end,
        status=filters.status,
        duty=filters.duty,
        limit=filters.limit,
        offset=filters.offset,
    )
    return {"total": total, "items": [_occ_out(o, request.user) for o in rows]}


@router.get("/occurrences/{occurrence_id}", response=OccurrenceOut, url_name="duties_occurrence")
def occurrence_detail(request: HttpRequest, occurrence_id: int) -> Any:
    return _occ_out(selectors.occurrence_get(user=request.user, pk=occurrence_id), request.user)


class SubmitIn(Schema):
    data: dict[str, Any]


@router.post("/occurrences/{occurrence_id}/submit", response=OccurrenceOut, url_name="duties_submit")
def occurrence_submit(request: HttpRequest, occurrence_id: int, body: SubmitIn) -> Any:
    """Submit the occurrence's form (validated like the page; 422 with one message per field)."""
    selectors.occurrence_get(user=request.user, pk=occurrence_id)
    services.occurrence_submit(actor=request.user, occurrence_id=occurrence_id, data=body.data)
    return _occ_out(selectors.occurrence_get(user=request.user, pk=occurrence_id), request.user)


@router.put("/occurrences/{occurrence_id}/draft", response=OccurrenceOut, url_name="duties_draft")
def occurrence_draft(request: HttpRequest, occurrence_id: int, body: SubmitIn) -> Any:
    """Save the form's content so far without submitting it (not validated; files are attached when
    submitting). The page's form reopens with it; submitting clears it."""
    selectors.occurrence_get(user=request.user, pk=occurrence_id)
    services.occurrence_draft_save(actor=request.user, occurrence_id=occurrence_id, data=body.data)
    return _occ_out(selectors.occurrence_get(user=request.user, pk=occurrence_id), request.user)


class ReviewIn(Schema):
    accepted: bool
    comment: str = Field("", max_length=services.MAX_COMMENT)


@router.post("/occurrences/{occurrence_id}/review", response=OccurrenceOut, url_name="duties_review")
def occurrence_review(request: HttpRequest, occurrence_id: int, body: ReviewIn) -> Any:
    """Accept, or send back with a reason (``accepted: false`` needs a comment)."""
    selectors.occurrence_get(user=request.user, pk=occurrence_id)
    services.occurrence_review(
        actor=request.user, occurrence_id=occurrence_id, accepted=body.accepted, comment=body.comment
    )
    return _occ_out(selectors.occurrence_get(user=request.user, pk=occurrence_id), request.user)


class BoardLineOut(Schema):
    key: str
    label: str
    detail: str
    vacant: bool
    due: int
    on_time: int
    late: int
    missing: int
    pending: int


class BoardOut(Schema):
    start: dt.date
    end: dt.date
    group: str
    unit: str | None
    total: BoardLineOut
    lines: list[BoardLineOut]


class BoardFilters(Schema):
    month: str | None = Field(None, description="YYYY-MM (default: this month)")
    unit: str | None = Field(None, description="an org unit code in the caller's scope")
    group: str = Field("person", description="person, position, store or region")


@router.get("/board", response=BoardOut, url_name="duties_board")
def board(request: HttpRequest, filters: Query[BoardFilters]) -> Any:
    """Per person (or position, store, region): due, on time, late, missing, pending in the month."""
    found = board_mod.board_compile(
        user=request.user, month=filters.month, unit=filters.unit, group=filters.group
    )
    return {
        "start": found.start,
        "end": found.end,
        "group": found.group,
        "unit": found.unit.code if found.unit else None,
        "total": found.total.as_dict(),
        "lines": [line.as_dict() for line in found.lines],
    }
