"""Workflow endpoints: deploy, start, my tasks, act on a task, read an instance with its history."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import NinjaJSONEncoder

from yunying.core import clock
from yunying.workflow import inbox, selectors, services
from yunying.workflow.attachments import is_image
from yunying.workflow.errors import DeployRefused
from yunying.workflow.models import (
    OPEN_STATUSES,
    Attachment,
    Delegation,
    InstanceEvent,
    ProcessInstance,
    ProcessVersion,
    WorkTask,
)
from yunying.workflow.redaction import redact

router = Router(tags=["workflow"])
MAX_OFFSET = 1_000_000  # paging further is a mistake or an attack: 422


# --------------------------------------------------------------------------- schemas
class ElementOut(Schema):
    id: str
    type: str
    reason: str = ""


class ProblemOut(Schema):
    id: str
    message: str


class DeployRefusedOut(Schema):
    detail: str
    code: str
    elements: list[ElementOut]
    problems: list[ProblemOut]


class VersionOut(Schema):
    key: str
    name: str
    number: int
    process_id: str
    deployed_at: datetime
    user_tasks: list[str]
    warnings: list[ProblemOut]
    stored: bool


class DefinitionOut(Schema):
    key: str
    name: str
    category: str
    description: str
    icon: str
    starter_positions: list[str]
    starter_units: list[str]
    latest_version: int | None


class StartIn(Schema):
    key: str
    data: dict[str, Any] = {}
    title: str = ""
    unit: str = ""
    cc: list[str] = []


class NextStepOut(Schema):
    id: int
    step: str
    element_id: str
    kind: str
    assignee: str | None
    queue: bool
    on_behalf_of: str | None
    due_at: datetime | None


class TaskOut(Schema):
    id: int
    instance_id: int
    instance_title: str
    process: str
    step: str
    element_id: str
    kind: str
    status: str
    assignee: str | None
    queue: bool
    on_behalf_of: str | None
    requester: str
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    outcome: str
    instance_status: str
    instance_error: str
    summary: list[list[str]] = []
    next_steps: list[NextStepOut] | None = None  # after an action: what the instance waits for now


class StartedOut(Schema):
    """The answer to a start: the new instance's ids and state and its first steps (no history: read
    ``GET /instances/{id}`` for it)."""

    id: int
    key: str
    version: int
    title: str
    status: str
    requester: str
    unit: str | None
    current_steps: str
    error: str
    started_at: datetime
    open_tasks: list[TaskOut]


class TaskListOut(Schema):
    count: int
    counts: dict[str, int]
    items: list[TaskOut]


class CompleteIn(Schema):
    action: Literal[
        "approve", "reject", "return", "transfer", "add_signer", "resubmit", "claim", "comment", "throw"
    ]
    data: dict[str, Any] = {}
    event: Literal["error", "escalation", ""] = ""  # throw: a BPMN error or escalation …
    code: str = ""  # … with this code, caught by the diagram
    comment: str = ""
    to: str = ""
    user: str = ""
    mode: Literal["before", "after", "parallel", ""] = ""
    attachments: list[str] = []  # tokens from POST /api/forms/uploads, kept with the action


class InstanceCommentIn(Schema):
    comment: str = ""
    attachments: list[str] = []  # tokens from POST /api/forms/uploads


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    uploaded_by: str
    uploaded_at: datetime
    step: str | None
    url: str
    thumbnail_url: str | None


class PreviewPersonOut(Schema):
    username: str
    name: str
    positions: str


class PreviewStepOut(Schema):
    element_id: str
    step: str
    people: list[PreviewPersonOut]
    more: int
    queue: str
    note: str


class PreviewOut(Schema):
    steps: list[PreviewStepOut]
    complete: bool
    error: str


class PreviewIn(Schema):
    data: dict[str, Any] = {}


class CommentIn(Schema):
    comment: str = ""


class BulkIn(Schema):
    task_ids: list[int]
    comment: str = ""


class BulkResultOut(Schema):
    id: int
    ok: bool
    detail: str


class EventOut(Schema):
    at: datetime
    action: str
    step: str
    actor: str | None
    on_behalf_of: str | None
    comment: str
    from_state: str
    to_state: str
    data: dict[str, Any]


class StepOut(Schema):
    element_id: str
    step: str
    outcome: str
    acted_by: str | None
    on_behalf_of: str | None
    completed_at: datetime | None
    comment: str
    data: dict[str, Any]


class InstanceOut(Schema):
    id: int
    key: str
    version: int
    title: str
    status: str
    requester: str
    unit: str | None
    data: dict[str, Any]
    current_steps: str
    error: str
    started_at: datetime
    ended_at: datetime | None
    open_tasks: list[TaskOut]
    steps: list[StepOut]
    history: list[EventOut]
    task_states: dict[str, str]
    attachments: list[AttachmentOut]


class MessageIn(Schema):
    name: str
    data: dict[str, Any] = {}


class KeyedMessageIn(Schema):
    name: str
    key: str
    data: dict[str, Any] = {}


class ReassignIn(Schema):
    user: str = ""  # every waiting step not named in ``steps``
    comment: str = ""
    steps: dict[str, str] = {}  # engine task id or element id -> login: a step's own person


class NotificationCountOut(Schema):
    notified: int


class DelegationIn(Schema):
    to_user: str
    starts_on: date | None = None
    ends_on: date | None = None
    definition: str = ""


class DelegationOut(Schema):
    id: int
    from_user: str
    to_user: str
    to_user_name: str
    starts_on: date
    ends_on: date | None
    definition: str | None
    is_active: bool
    current: bool


# --------------------------------------------------------------------------- mapping
def _task_out(t: WorkTask) -> dict[str, Any]:
    return {
        "id": t.pk,
        "instance_id": t.instance_id,
        "instance_title": t.instance.title,
        "process": t.instance.definition.key,
        "step": t.name,
        "element_id": t.element_id,
        "kind": t.kind,
        "status": t.status,
        "assignee": t.assignee.username if t.assignee else None,
        "queue": t.assignee_id is None,
        "on_behalf_of": t.on_behalf_of.username if t.on_behalf_of_id and t.on_behalf_of else None,
        "requester": t.instance.requester.username,
        "created_at": t.created_at,
        "due_at": t.due_at,
        "overdue": t.is_overdue,
        "outcome": t.outcome,
        "instance_status": t.instance.status,
        "instance_error": t.instance.error,
    }


def _event_out(e: InstanceEvent, user: Any, i: ProcessInstance) -> dict[str, Any]:
    return {
        "at": e.at,
        "action": e.action,
        "step": e.step,
        "actor": e.actor.username if e.actor else None,
        "on_behalf_of": e.on_behalf_of.username if e.on_behalf_of else None,
        "comment": e.comment,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "data": redact(user, i, e.data),
    }


def _instance_out(i: ProcessInstance, user: Any) -> dict[str, Any]:
    """An instance as ``user`` reads it (fields the process keeps from non-handlers redacted)."""
    return {
        "id": i.pk,
        "key": i.definition.key,
        "version": i.version.number,
        "title": i.title,
        "status": i.status,
        "requester": i.requester.username,
        "unit": i.unit.code if i.unit else None,
        "data": redact(user, i, i.data),
        "current_steps": i.current_steps,
        "error": i.error,
        "started_at": i.started_at,
        "ended_at": i.ended_at,
        "open_tasks": [
            _task_out(t)
            for t in selectors.instance_open_tasks(i).select_related(
                "instance__definition", "instance__requester"
            )
        ],
        "steps": [
            {
                "element_id": t.element_id,
                "step": t.name,
                "outcome": t.outcome,
                "acted_by": t.acted_by.username if t.acted_by else None,
                "on_behalf_of": t.on_behalf_of.username if t.on_behalf_of else None,
                "completed_at": t.completed_at,
                "comment": t.comment,
                "data": redact(user, i, t.data),
            }
            for t in selectors.instance_steps(i)
        ],
        "history": [_event_out(e, user, i) for e in selectors.instance_events(i)],
        "task_states": selectors.instance_task_states(i),
        "attachments": [_attachment_out(a) for a in i.attachments.select_related("uploaded_by", "task")],
    }


def _attachment_out(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "size": a.size,
        "content_type": a.content_type,
        "uploaded_by": a.uploaded_by.username,
        "uploaded_at": a.uploaded_at,
        "step": a.task.name if a.task else None,
        "url": reverse("workflow:attachment", args=[a.pk]),
        "thumbnail_url": reverse("workflow:attachment-thumb", args=[a.pk]) if is_image(a) else None,
    }


def _version_out(v: ProcessVersion) -> dict[str, Any]:
    return {
        "key": v.definition.key,
        "name": v.definition.name,
        "number": v.number,
        "process_id": v.process_id,
        "deployed_at": v.deployed_at,
        "user_tasks": [t["id"] for t in v.user_tasks],
        "warnings": [{"id": eid, "message": msg} for eid, msg in v.spec.get("warnings", [])],
        "stored": v.pk is not None,
    }


def _delegation_out(d: Delegation) -> dict[str, Any]:
    return {
        "id": d.pk,
        "from_user": d.from_user.username,
        "to_user": d.to_user.username,
        "to_user_name": d.to_user.display_name,
        "starts_on": d.starts_on,
        "ends_on": d.ends_on,
        "definition": d.definition.key if d.definition else None,
        "is_active": d.is_active,
        "current": selectors.delegation_is_current(d, clock.today()),
    }


# --------------------------------------------------------------------------- endpoints
@router.post(
    "/definitions",
    response={200: VersionOut, 201: VersionOut, 422: DeployRefusedOut},
    summary="Deploy a BPMN diagram (new definition or new version)",
)
def deploy(
    request: HttpRequest,
    key: Form[str],
    name: Form[str],
    bpmn: File[list[UploadedFile]],
    category: Form[str] = "",
    description: Form[str] = "",
    icon: Form[str] = "",
    starter_positions: Form[str | None] = None,
    starter_units: Form[str | None] = None,
    process: Form[str] = "",
    check_only: Form[bool] = False,
    dmn: File[list[UploadedFile] | None] = None,
) -> Any:
    """A whole deployment in one multipart request: one or several ``bpmn`` files (processes that
    call activities name may sit in any of them) and any ``dmn`` files. ``process``: the id of the
    process to run when a file holds several executable ones (the first file's otherwise).
    ``starter_positions`` / ``starter_units``: comma-separated codes of who may start the process
    (left out: unchanged; empty: everyone). The answer lists ``warnings``: what the diagram does that
    a modeler might not expect (steps with no assignee rule, ignored attributes, automatic steps);
    ``check_only``: check and answer (200, ``stored: false``) without storing anything."""
    first, *more = list(bpmn)
    try:
        version = services.definition_deploy(
            actor=request.user,
            key=key,
            name=name,
            bpmn_xml=first.read(),
            bpmn_files=[f.read() for f in more],
            process_id=process or None,
            dry_run=check_only,
            category=category,
            description=description,
            dmn_files=[f.read() for f in (dmn or [])],
            icon=icon,
            starter_positions=_codes(starter_positions),
            starter_units=_codes(starter_units),
        )
    except DeployRefused as exc:
        return 422, exc.as_dict()
    return (200 if check_only else 201), _version_out(version)


def _codes(text: str | None) -> list[str] | None:
    return None if text is None else [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]


@router.get("/definitions", response=list[DefinitionOut], summary="Processes I may start")
def definitions(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for d in selectors.startable_list(user=request.user).prefetch_related("versions"):
        numbers = [v.number for v in d.versions.all()]
        out.append(
            {
                "key": d.key,
                "name": d.name,
                "category": d.category,
                "description": d.description,
                "icon": d.icon,
                "starter_positions": [p.code for p in d.starter_positions.all()],
                "starter_units": [u.code for u in d.starter_units.all()],
                "latest_version": max(numbers) if numbers else None,
            }
        )
    return out


@router.post("/instances", response={201: StartedOut}, summary="Start an instance with its form data")
def start(request: HttpRequest, payload: StartIn) -> Any:
    instance = services.instance_start(
        actor=request.user,
        key=payload.key,
        data=payload.data,
        title=payload.title,
        unit=payload.unit or None,
        cc=payload.cc,
    )
    return 201, {
        "id": instance.pk,
        "key": instance.definition.key,
        "version": instance.version.number,
        "title": instance.title,
        "status": instance.status,
        "requester": request.user.username,
        "unit": instance.unit.code if instance.unit else None,
        "current_steps": instance.current_steps,
        "error": instance.error,
        "started_at": instance.started_at,
        "open_tasks": [_lean_task_out(t, instance) for t in _open_rows_of(instance)],
    }


def _open_rows_of(instance: ProcessInstance) -> list[WorkTask]:
    """The instance's open rows as the action just left them (no query), else read."""
    from yunying.workflow import runtime

    if (
        getattr(instance, runtime.ROWS_FINAL, False)
        and getattr(instance, runtime.OPEN_ROWS, None) is not None
    ):
        return [t for t in getattr(instance, runtime.OPEN_ROWS) if t.status in OPEN_STATUSES]
    if instance.status != "running":
        return []
    return list(instance.tasks.filter(status__in=OPEN_STATUSES).order_by("due_at", "created_at", "pk"))


def _lean_task_out(t: WorkTask, instance: ProcessInstance, *, outcome: bool = False) -> dict[str, Any]:
    """:func:`_task_out` of a row of ``instance`` without reading anything again (logins are cached)."""
    from yunying.workflow.cards import user_login

    return {
        "id": t.pk,
        "instance_id": instance.pk,
        "instance_title": instance.title,
        "process": instance.definition.key,
        "step": t.name,
        "element_id": t.element_id,
        "kind": t.kind,
        "status": t.status,
        "assignee": user_login(t.assignee_id) or None,
        "queue": t.assignee_id is None,
        "on_behalf_of": user_login(t.on_behalf_of_id) or None,
        "requester": user_login(instance.requester_id),
        "created_at": t.created_at,
        "due_at": t.due_at,
        "overdue": t.is_overdue,
        "outcome": t.outcome if outcome else "",
        "instance_status": instance.status,
        "instance_error": instance.error,
    }


@router.get("/instances/{instance_id}", response=InstanceOut, summary="An instance with its history")
def instance(request: HttpRequest, instance_id: int) -> dict[str, Any]:
    return _instance_out(selectors.instance_get(user=request.user, instance_id=instance_id), request.user)


@router.get("/tasks", response=TaskListOut, summary="My tasks (to-do, or done)")
def tasks(
    request: HttpRequest,
    tab: Literal["todo", "done"] = "todo",
    q: str = "",
    process: str = "",
    overdue: bool = False,
    order: Literal["due", "new"] = "due",
    limit: int = 50,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> HttpResponse:
    filters = inbox.InboxFilters(q=q, process=process, overdue=overdue, order=order)
    rows, total = inbox.inbox_tasks(
        user=request.user, tab=tab, filters=filters, limit=max(1, min(limit, 200)), offset=max(0, offset)
    )
    now = timezone.now()  # as InboxRow.is_overdue
    body = {
        "count": total,
        "counts": {"todo": total} if tab == "todo" else {"done": total},
        "items": [_row_out(r, now) for r in rows],
    }
    # Already in the shape of TaskListOut (the schema documents it): rendered as ninja would render the
    # validated model, without validating twenty rows the code just built.
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )


_JSON_DEFAULT = DjangoJSONEncoder().default  # what NinjaJSONEncoder does with a datetime, called directly


def _row_out(r: inbox.InboxRow, now: datetime | None = None) -> dict[str, Any]:
    """A to-do line as its JSON answer has it (times as the encoder writes them: the encoder does not
    call back into Python for each of them)."""
    if now is None:
        now = timezone.now()
    return {
        "id": r.pk,
        "instance_id": r.instance_id or 0,
        "instance_title": r.title,
        "process": r.process,
        "step": r.step,
        "element_id": r.element_id,
        "kind": r.task_kind,
        "status": r.status,
        "assignee": r.assignee,
        "queue": r.shared,
        "on_behalf_of": r.on_behalf_of,
        "requester": r.requester_login,
        "created_at": _JSON_DEFAULT(r.created_at) if r.created_at is not None else None,
        "due_at": _JSON_DEFAULT(r.due_at) if r.due_at is not None else None,
        "overdue": r.status == "open" and r.due_at is not None and r.due_at < now,
        "outcome": r.outcome,
        "instance_status": r.instance_status,
        "instance_error": r.instance_error,
        "summary": r.summary,
        "next_steps": None,
    }


def _task_result(request: HttpRequest, task_id: int) -> dict[str, Any]:
    task = selectors.task_get(user=request.user, task_id=task_id)
    return _task_out(task)


@router.post("/tasks/{task_id}/complete", response=TaskOut, summary="Act on a task")
def complete(request: HttpRequest, task_id: int, payload: CompleteIn) -> dict[str, Any]:
    if payload.action == "comment":
        task = selectors.task_get(user=request.user, task_id=task_id)
        services.instance_comment(
            actor=request.user,
            instance_id=task.instance_id,
            comment=payload.comment,
            attachments=payload.attachments,
        )
        return _task_out(task)
    done = services.task_complete(
        actor=request.user,
        task_id=task_id,
        action=payload.action,
        data=payload.data,
        comment=payload.comment,
        to=payload.to,
        user=payload.user,
        mode=payload.mode or "after",
        event=payload.event,
        code=payload.code,
        attachments=payload.attachments,
    )
    return _acted_out(done)


def _acted_out(task: WorkTask) -> dict[str, Any]:
    """The answer to an action: the task as it is now, and the steps its instance waits for next
    (from what the action left in memory: no reload of the instance or its history)."""
    instance = task.instance
    out = _lean_task_out(task, instance, outcome=True)
    out["next_steps"] = [
        {k: v for k, v in _lean_task_out(t, instance).items() if k in NextStepOut.model_fields}
        | {"queue": t.assignee_id is None}
        for t in _open_rows_of(instance)
    ]
    return out


@router.post("/tasks/{task_id}/claim", response=TaskOut, summary="Claim a task from a shared queue (接收)")
def claim(request: HttpRequest, task_id: int) -> dict[str, Any]:
    services.task_claim(actor=request.user, task_id=task_id)
    return _task_result(request, task_id)


@router.post("/tasks/bulk-approve", response=list[BulkResultOut], summary="Approve several tasks")
def bulk(request: HttpRequest, payload: BulkIn) -> list[dict[str, Any]]:
    return services.tasks_bulk_approve(actor=request.user, task_ids=payload.task_ids, comment=payload.comment)


@router.post("/instances/{instance_id}/withdraw", response=InstanceOut, summary="Withdraw my request (撤回)")
def withdraw(request: HttpRequest, instance_id: int, payload: CommentIn) -> dict[str, Any]:
    services.instance_withdraw(actor=request.user, instance_id=instance_id, comment=payload.comment)
    return _instance_out(selectors.instance_get(user=request.user, instance_id=instance_id), request.user)


@router.post(
    "/instances/{instance_id}/messages", response=InstanceOut, summary="Send a message to an instance"
)
def message(request: HttpRequest, instance_id: int, payload: MessageIn) -> dict[str, Any]:
    """The catch event waiting for ``name`` receives it (409 when none waits); ``data`` joins the
    process data and the instance runs on."""
    services.instance_message(
        actor=request.user, instance_id=instance_id, name=payload.name, data=payload.data
    )
    return _instance_out(selectors.instance_get(user=request.user, instance_id=instance_id), request.user)


@router.post(
    "/messages",
    response=InstanceOut,
    summary="Send a message to the instance waiting for it with a correlation key",
)
def message_by_key(request: HttpRequest, payload: KeyedMessageIn) -> dict[str, Any]:
    """The one running instance whose catch event waits for message ``name`` with correlation ``key``
    (the diagram's ``yunying:correlationKey`` / ``zeebe:subscription``) receives it: 404 when none
    waits with that key, 409 (``ambiguous``, naming them) when several do."""
    from yunying.workflow.messages import message_correlate

    instance = message_correlate(actor=request.user, name=payload.name, key=payload.key, data=payload.data)
    return _instance_out(selectors.instance_get(user=request.user, instance_id=instance.pk), request.user)


@router.post(
    "/instances/{instance_id}/retry", response=InstanceOut, summary="Run an instance in error again (重试)"
)
def retry(request: HttpRequest, instance_id: int, payload: CommentIn) -> dict[str, Any]:
    """Steps already decided are completed with that decision, then the engine runs on; if it fails
    again the instance stays in error with the new reason."""
    services.instance_retry(actor=request.user, instance_id=instance_id, comment=payload.comment)
    return _instance_out(selectors.instance_get(user=request.user, instance_id=instance_id), request.user)


@router.post(
    "/instances/{instance_id}/reassign",
    response=InstanceOut,
    summary="Give the waiting steps of an instance in error to people (重新指派)",
)
def reassign(request: HttpRequest, instance_id: int, payload: ReassignIn) -> dict[str, Any]:
    """``user`` takes every waiting step; ``steps`` (element id or engine task id -> login) gives
    single steps their own person. 422 naming the waiting steps when one is left without anybody or a
    step named is not waiting."""
    services.instance_reassign(
        actor=request.user,
        instance_id=instance_id,
        to_user=payload.user or None,
        comment=payload.comment,
        steps=payload.steps,
    )
    return _instance_out(selectors.instance_get(user=request.user, instance_id=instance_id), request.user)


@router.post("/instances/{instance_id}/cancel", response=InstanceOut, summary="Cancel an instance (取消)")
def cancel(request: HttpRequest, instance_id: int, payload: CommentIn) -> dict[str, Any]:
    services.instance_cancel(actor=request.user, instance_id=instance_id, comment=payload.comment)
    return _instance_out(selectors.instance_get(user=request.user, instance_id=instance_id), request.user)


@router.post(
    "/instances/{instance_id}/remind", response=NotificationCountOut, summary="Remind the assignees (催办)"
)
def remind(request: HttpRequest, instance_id: int, payload: CommentIn) -> dict[str, Any]:
    rows = services.instance_remind(actor=request.user, instance_id=instance_id, comment=payload.comment)
    return {"notified": len(rows)}


@router.post("/instances/{instance_id}/comments", response=EventOut, summary="Comment on an instance")
def comment(request: HttpRequest, instance_id: int, payload: InstanceCommentIn) -> dict[str, Any]:
    """A comment, with files (tokens from ``POST /api/forms/uploads``) kept as the request's attachments."""
    event = services.instance_comment(
        actor=request.user,
        instance_id=instance_id,
        comment=payload.comment,
        attachments=payload.attachments,
    )
    return _event_out(event, request.user, event.instance)


@router.post(
    "/processes/{key}/preview", response=PreviewOut, summary="Who would approve a request (预计审批人)"
)
def preview(request: HttpRequest, key: str, payload: PreviewIn) -> dict[str, Any]:
    """The chain a request started with ``data`` (the start form's values, partial is fine) would take:
    each step with its approvers' names and positions, or its shared queue. Nothing is stored."""
    from yunying.workflow.preview import approver_preview

    found = approver_preview(user=request.user, key=key, data=payload.data)
    return {
        "steps": [
            {
                "element_id": s.element_id,
                "step": s.name,
                "people": [vars(p) for p in s.people],
                "more": s.more,
                "queue": s.queue,
                "note": s.note,
            }
            for s in found.steps
        ],
        "complete": found.complete,
        "error": found.error,
    }


@router.get("/delegations", response=list[DelegationOut], summary="My delegations (委托)")
def delegations(request: HttpRequest, received: bool = False) -> list[dict[str, Any]]:
    """The delegations I gave (``received=true``: the ones given to me), newest first."""
    return [_delegation_out(d) for d in selectors.delegation_list(user=request.user, received=received)]


@router.post("/delegations", response={201: DelegationOut}, summary="Delegate my tasks to someone (委托)")
def delegation_create(request: HttpRequest, payload: DelegationIn) -> Any:
    created = services.delegation_create(
        actor=request.user,
        to_user=selectors.person_get(username=payload.to_user),
        starts_on=payload.starts_on or clock.today(),
        ends_on=payload.ends_on,
        definition_key=payload.definition,
    )
    return 201, _delegation_out(created)


@router.post(
    "/delegations/{delegation_id}/end", response=DelegationOut, summary="End one of my delegations now"
)
def delegation_end(request: HttpRequest, delegation_id: int) -> dict[str, Any]:
    return _delegation_out(services.delegation_end(actor=request.user, delegation_id=delegation_id))


# --------------------------------------------------------------------------- rules (规则) and system actions
class ActionParamOut(Schema):
    name: str
    kind: str
    required: bool
    label: str


class SystemActionOut(Schema):
    name: str
    label: str
    params: list[ActionParamOut]


class RuleIn(Schema):
    name: str
    event: Literal["instance_started", "step_completed", "instance_completed", "instance_rejected"]
    step: str = ""
    condition: str = ""
    action: str
    params: dict[str, Any] | str = {}
    is_active: bool = True
    order: int = 0


class RuleOut(Schema):
    id: int
    key: str
    name: str
    event: str
    step: str
    condition: str
    action: str
    params: dict[str, Any]
    is_active: bool
    order: int


def _rule_out(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "key": r.definition.key,
        "name": r.name,
        "event": r.event,
        "step": r.step,
        "condition": r.condition,
        "action": r.action,
        "params": r.params,
        "is_active": r.is_active,
        "order": r.order,
    }


def _definition_for_rules(user: Any, key: str) -> Any:
    from yunying.core.errors import NotFound, PermissionDenied
    from yunying.workflow.deploy import can_deploy
    from yunying.workflow.models import ProcessDefinition

    if not can_deploy(user):
        raise PermissionDenied(_("您没有修改流程规则的权限。"))
    found = ProcessDefinition.objects.filter(key=key).first()
    if found is None:
        raise NotFound(_("找不到流程“%(key)s”。") % {"key": key})
    return found


def _rule_of(user: Any, rule_id: int) -> Any:
    from yunying.core.errors import NotFound
    from yunying.workflow.models import ProcessRule

    found = ProcessRule.objects.select_related("definition").filter(pk=rule_id).first()
    if found is None:
        raise NotFound(_("找不到规则 #%(id)s。") % {"id": rule_id})
    _definition_for_rules(user, found.definition.key)
    return found


@router.get("/system-actions", response=list[SystemActionOut], summary="System actions (系统步骤 and rules)")
def system_action_list(request: HttpRequest) -> list[dict[str, Any]]:
    from yunying.workflow.system_actions import REGISTRY

    return [
        {
            "name": a.name,
            "label": str(a.label),
            "params": [
                {"name": p.name, "kind": p.kind, "required": p.required, "label": str(p.label)}
                for p in a.params
            ],
        }
        for a in REGISTRY.values()
    ]


@router.get("/definitions/{key}/rules", response=list[RuleOut], summary="The rules of a process")
def rule_list(request: HttpRequest, key: str) -> list[dict[str, Any]]:
    definition = _definition_for_rules(request.user, key)
    return [_rule_out(r) for r in definition.rules.select_related("definition").order_by("order", "pk")]


@router.post("/definitions/{key}/rules", response={201: RuleOut}, summary="Add a rule to a process")
def rule_create(request: HttpRequest, key: str, payload: RuleIn) -> Any:
    from yunying.workflow.rules import process_rule_save

    definition = _definition_for_rules(request.user, key)
    rule = process_rule_save(actor=request.user, definition=definition, **payload.dict())
    return 201, _rule_out(rule)


@router.put("/rules/{rule_id}", response=RuleOut, summary="Change a rule")
def rule_update(request: HttpRequest, rule_id: int, payload: RuleIn) -> dict[str, Any]:
    from yunying.workflow.rules import process_rule_save

    rule = _rule_of(request.user, rule_id)
    saved = process_rule_save(actor=request.user, definition=rule.definition, rule=rule, **payload.dict())
    return _rule_out(saved)


@router.delete("/rules/{rule_id}", response={204: None}, summary="Delete a rule")
def rule_delete(request: HttpRequest, rule_id: int) -> Any:
    from yunying.workflow.rules import process_rule_delete

    process_rule_delete(actor=request.user, rule=_rule_of(request.user, rule_id))
    return 204, None
