"""Actions on a task (审批动作). Each is one transaction that locks the instance row, then the task
row (always in that order), checks, changes the engine state and the task rows together, and writes
the history. Two people acting on the same task: the second finds it handled and gets a Conflict."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.accounts.models import User
from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yunying.core.precompiled import Precompiled
from yunying.forms.files import files_discarded_on_error
from yunying.workflow import runtime, selectors, sla
from yunying.workflow.attachments import attachments_check, attachments_save, file_names
from yunying.workflow.forms_bridge import StepForm, to_json
from yunying.workflow.models import (
    OPEN_STATUSES,
    InstanceStatus,
    ProcessInstance,
    SignerMode,
    TaskKind,
    TaskStatus,
    WorkTask,
)
from yunying.workflow.policy import flag


def already_handled() -> Conflict:
    return Conflict(_("该任务已被处理，无需重复操作。"), code="already_handled")


def instance_paused() -> Conflict:
    """Acting on a step of an instance in error: its rows are paused until the instance runs again."""
    return Conflict(
        _("流程出错，已暂停：此任务暂时不能处理；管理员重试或重新指派后，它会回到您的待办。"),
        code="instance_error",
    )


def is_paused(task: WorkTask, instance: ProcessInstance) -> bool:
    """A step that waits for its instance in error (paused, or still open while the instance stopped)."""
    return task.status == TaskStatus.PAUSED or (
        task.status in OPEN_STATUSES and instance.status == InstanceStatus.ERROR
    )


# The version's documents are not needed to act: its parsed definition is cached (runtime.definition_of).
_VERSION_DOCUMENTS = ("version__spec", "version__bpmn_xml", "version__dmn_xml", "version__bpmn_extra")


def _involved(actor: Any, instance: ProcessInstance, task: WorkTask) -> bool:
    """Whether ``actor`` is certainly allowed to see the (locked) task: they requested the instance,
    hold or held this task (also on someone's behalf), or were offered it as a candidate (或签) or
    through a queue they belong to. Otherwise the full visibility check decides.

    A candidate stays involved after someone else took the task: two people acting on the same task
    at once get "already handled", not "not found" (the check runs once the other one committed)."""
    if not actor.is_authenticated:
        return False
    people = (instance.requester_id, task.assignee_id, task.acted_by_id, task.on_behalf_of_id)
    if actor.is_superuser or actor.pk in people:
        return True
    position_id, unit_id = task.candidate_position_id, task.candidate_unit_id
    if position_id is not None and any(
        p == position_id and (unit_id is None or u == unit_id) for p, u in selectors.seats(actor)
    ):
        return True
    if task.candidate_group_id is not None and actor.groups.filter(pk=task.candidate_group_id).exists():
        return True
    return WorkTask.candidate_users.through.objects.filter(worktask_id=task.pk, user_id=actor.pk).exists()


def _lock_instance_query(task_id: int) -> QuerySet[ProcessInstance]:
    """The task's instance, found through the task, locked (not its joined rows), without the
    version's documents."""
    return (
        ProcessInstance.objects.select_for_update(of=("self",))
        .select_related("version", "definition", "requester", "unit")
        .defer(*_VERSION_DOCUMENTS)
        .filter(pk=Subquery(WorkTask.objects.filter(pk=task_id).values("instance_id")[:1]))
        .order_by("pk")[:1]
    )


def _lock_rows_query(task_id: int, instance_id: int) -> QuerySet[WorkTask]:
    """The task and the instance's other open rows, locked."""
    return WorkTask.objects.select_for_update(of=("self",)).filter(
        Q(pk=task_id) | Q(instance_id=instance_id, status__in=OPEN_STATUSES)
    )


# Both built and compiled once per process and database (most of their cost), run with each task.
_LOCK_INSTANCE = Precompiled(_lock_instance_query, Precompiled.probe_int(0))
_LOCK_ROWS = Precompiled(_lock_rows_query, Precompiled.probe_int(1), Precompiled.probe_int(2))


@contextmanager
def locked(actor: Any, task_id: int) -> Iterator[tuple[ProcessInstance, WorkTask]]:
    """Lock instance then task; NotFound outside the actor's sight, Conflict when no longer open.

    Two statements: the task's instance (found through the task, locked), then the task with the
    instance's other open rows (locked, read once: open_rows reuses them). Who may see the task is
    decided from those rows; someone outside it learns nothing (the transaction is rolled back)."""

    def not_found() -> NotFound:
        return NotFound(_("找不到任务 #%(id)s。") % {"id": task_id})

    with files_discarded_on_error(), transaction.atomic():
        instance = next(iter(_LOCK_INSTANCE(task_id)), None)
        if instance is None:
            raise not_found()
        rows = _LOCK_ROWS(task_id, instance.pk)
        task = next((r for r in rows if r.pk == task_id), None)
        if task is None or (
            not _involved(actor, instance, task)
            and not selectors.instances_visible_to(actor).filter(pk=instance.pk).exists()
        ):
            raise not_found()
        for row in rows:
            row.instance = instance  # their instance is at hand: no query when a row needs it
        setattr(instance, runtime.LOCKED_ROWS, [r for r in rows if r.status in OPEN_STATUSES])
        from yunying.workflow.cards import CARDS_BEFORE, cards_of

        setattr(instance, CARDS_BEFORE, cards_of(r for r in rows if r.instance_id == instance.pk))
        if is_paused(task, instance):
            raise instance_paused()
        if task.status not in OPEN_STATUSES or instance.status != InstanceStatus.RUNNING:
            raise already_handled()
        yield instance, task
        if not getattr(instance, "_yunying_cards_synced", False):
            from yunying.workflow.cards import sync_instance

            sync_instance(instance)


def _open_rows_locked(instance: ProcessInstance) -> list[WorkTask]:
    """``runtime.open_rows`` from the rows :func:`locked` read with the lock — the same objects, the
    action's own task finished in memory since — when the action changed no other row (approve and
    reject only, right after finishing their task): no second read. Valid once."""
    rows = getattr(instance, runtime.LOCKED_ROWS, None)
    setattr(instance, runtime.LOCKED_ROWS, None)
    if rows is None:
        return runtime.open_rows(instance)
    return [r for r in rows if r.status in OPEN_STATUSES]


def _rows_add(instance: ProcessInstance, row: WorkTask) -> bool:
    """A row the action opened after ``runtime.sync``: added to the open rows the sync left, so the
    current steps and the inbox cards need no second read. False when the sync left none."""
    rows = getattr(instance, runtime.OPEN_ROWS, None)
    if rows is None:
        return False
    rows.append(row)
    runtime.set_current(instance, rows)
    return True


def may_act(user: Any, task: WorkTask) -> bool:
    if task.status != TaskStatus.OPEN:
        return False
    if task.assignee_id is not None:
        return bool(task.assignee_id == user.pk)
    return task.candidate_users.filter(pk=user.pk).exists()


def may_claim(user: Any, task: WorkTask) -> bool:
    if task.status != TaskStatus.OPEN or task.assignee_id is not None:
        return False
    return WorkTask.objects.filter(selectors.tasks_for_user_q(user), pk=task.pk).exists()


def _require_act(actor: Any, task: WorkTask) -> None:
    if may_act(actor, task):
        return
    if may_claim(actor, task):
        raise PermissionDenied(_("这是共享队列中的任务，请先接收。"))
    raise PermissionDenied(_("您不是该任务的处理人。"))


def _refuse_own_request(instance: ProcessInstance, task: WorkTask, actor: Any) -> None:
    """A requester never approves their own request (policy ``workflow.forbid_self_approval``), unless
    the diagram gives the step to the requester by name (an assignee rule ``requester…``)."""
    if instance.requester_id != actor.pk or task.kind == TaskKind.RESUBMIT:
        return
    if not flag("workflow.forbid_self_approval"):
        return
    props = _step_props(instance, task)
    rule = props.get("yunying:assignee") or props.get("assignee") or ""
    if any(alt.strip().startswith("requester") for alt in rule.split("|")):
        return
    raise PermissionDenied(
        _("不能审批自己发起的申请，请转交给其他人处理。"), code="own_request", field="action"
    )


def _require_reason(action: str, comment: str) -> None:
    """驳回 and 退回 say why (policies ``workflow.reject_needs_reason`` / ``return_needs_reason``)."""
    if (comment or "").strip():
        return
    if action == "reject" and flag("workflow.reject_needs_reason"):
        raise DomainError(_("驳回时请填写理由。"), field="comment", code="reason_required")
    if action == "return" and flag("workflow.return_needs_reason"):
        raise DomainError(_("退回时请填写理由。"), field="comment", code="reason_required")


def _finish(
    task: WorkTask, actor: Any, outcome: str, comment: str, data: dict[str, Any] | None = None
) -> None:
    task.status = TaskStatus.COMPLETED
    task.outcome = outcome
    task.acted_by = actor
    task.completed_at = timezone.now()
    task.comment = comment or ""
    fields = ["status", "outcome", "acted_by", "completed_at", "comment"]
    if task.assignee_id is None:
        task.assignee = actor
        fields.append("assignee")
    if data:
        task.data = to_json(data)
        fields.append("data")
    task.save(update_fields=fields)


def _step_props(instance: ProcessInstance, task: WorkTask) -> dict[str, str]:
    return runtime.step_properties(instance.version, task.element_id)


def _typed(instance: ProcessInstance, row: WorkTask) -> dict[str, Any]:
    """The typed values of a stored step submission (validated again from its JSON)."""
    if not row.data:
        return {}
    try:
        return StepForm.of(_step_props(instance, row)).validate(dict(row.data), user=row.acted_by).values
    except DomainError:
        return dict(row.data)


def _step_values(instance: ProcessInstance, task: WorkTask, values: dict[str, Any] | None) -> dict[str, Any]:
    """The step's submitted values: ``values`` for the step's own task, else its main task's."""
    if task.kind == TaskKind.ENGINE and values is not None:
        return dict(values)
    main = WorkTask.objects.filter(
        instance_id=instance.pk, engine_task_id=task.engine_task_id, kind=TaskKind.ENGINE
    ).first()
    return _typed(instance, main) if main is not None else {}


def _complete_engine_step(
    instance: ProcessInstance,
    task: WorkTask,
    actor: Any,
    values: dict[str, Any] | None = None,
    rows: list[WorkTask] | None = None,
    outcome: str = "approved",
) -> bool:
    """Complete the engine task behind ``task`` with the step's submitted values and the decision
    (``outcome``, in its reserved place), and run on (``rows``: the instance's open rows, if just
    read). True when the current steps are fresh. If the engine fails, the instance goes to error
    (:func:`runtime.guarded`) and the step's row stays finished: retry completes it again."""
    merged = _step_values(instance, task, values)
    eng = runtime.engine_load(instance)
    approved = task.status == TaskStatus.COMPLETED and task.outcome == "approved" and task.completed_at
    setattr(instance, runtime.LAST_APPROVED, task if approved else None)  # the latest approval now

    def work() -> bool:
        data = runtime.decision(eng.task_data(task.engine_task_id), task.element_id, outcome, merged)
        eng.complete_task(task.engine_task_id, data)
        if instance.definition.rules_snapshot:
            step_data = eng.task_data(task.engine_task_id)
            runtime.fire_rules(instance, "step_completed", step_data, step=task.element_id, outcome=outcome)
        props = _step_props(instance, task)
        runtime.copy_to(instance, props.get("yunying:cc") or props.get("cc") or "", task.name)
        done = None
        if task.completed_at is not None and task.acted_by_id is not None:  # the latest finished step
            done = runtime._Done(task.outcome, task.kind, task.acted_by_id, task.name, task.element_id)
        fresh = runtime.sync(instance, eng, actor=actor, rows=rows, previous=done)
        runtime.engine_save(instance, eng)
        return fresh

    return bool(runtime.guarded(instance, work))


def reject_routed(props: dict[str, str]) -> bool:
    """The step declares that 驳回 goes on along the diagram (a gateway on ``_outcome``/``approved``)
    instead of ending the instance: ``yunying:onReject="route"``."""
    return (props.get("yunying:onReject") or props.get("onReject") or "") == "route"


def _save(instance: ProcessInstance, *, current_fresh: bool = False) -> None:
    """Store the instance; ``current_fresh``: runtime.sync just refreshed its current steps."""
    if not current_fresh:
        runtime.refresh_current(instance)
    instance.save()


# --------------------------------------------------------------------------- the actions
def task_claim(*, actor: Any, task_id: int) -> WorkTask:
    """接收: take a task from a shared queue; it leaves the queue for everyone else."""
    with locked(actor, task_id) as (instance, task):
        if task.assignee_id == actor.pk:
            raise already_handled()
        if not may_claim(actor, task):
            if task.assignee_id is not None:
                raise Conflict(
                    _("该任务已被 %(name)s 接收。")
                    % {"name": task.assignee.display_name if task.assignee else ""}
                )
            raise PermissionDenied(_("您不在该任务的候选人中。"))
        task.assignee = actor
        task.claimed_at = timezone.now()
        task.save(update_fields=["assignee", "claimed_at"])
        runtime.event(instance, "claim", actor=actor, task=task)
        return task


def task_approve(
    *,
    actor: Any,
    task_id: int,
    data: dict[str, Any] | None = None,
    comment: str = "",
    files: Any = None,
    attachments: Any = (),
) -> WorkTask:
    """同意: submit the step's form; the process goes on once every part of the step is done."""
    attachments = attachments_check(attachments, user=actor)
    with locked(actor, task_id) as (instance, task), runtime.batched_events(instance):
        _require_act(actor, task)
        if task.kind == TaskKind.RESUBMIT:  # closing it without resubmitting would strand the request
            raise DomainError(_("这是退回给发起人修改的任务，请修改后重新提交。"), field="action")
        _refuse_own_request(instance, task, actor)
        submission = StepForm.of(_step_props(instance, task)).validate(
            dict(data or {}), files=files, user=actor
        )
        submission.store_files()
        _finish(task, actor, "approved", comment, submission.data)
        sent = attachments_save(instance, attachments, user=actor, task=task)
        runtime.event(
            instance,
            "approve",
            actor=actor,
            task=task,
            on_behalf_of=task.on_behalf_of,
            comment=comment,
            data=file_names(sent),
        )
        if task.kind == TaskKind.SIGNER and task.signer_mode == SignerMode.BEFORE and task.parent_id:
            parent = WorkTask.objects.select_for_update(of=("self",)).get(pk=task.parent_id)
            if parent.status == TaskStatus.ON_HOLD:
                parent.status = TaskStatus.OPEN
                parent.save(update_fields=["status"])
        elif task.kind != TaskKind.RESUBMIT:
            # One read of the open rows tells whether the step is done and feeds the sync.
            rows = _open_rows_locked(instance)
            if not any(r.engine_task_id == task.engine_task_id for r in rows):  # no part still open
                fresh = _complete_engine_step(instance, task, actor, values=submission.values, rows=rows)
                _save(instance, current_fresh=fresh)  # nothing changed the task rows after the sync
                setattr(instance, runtime.ROWS_FINAL, fresh)
                return task
        _save(instance)
        return task


def task_reject(*, actor: Any, task_id: int, comment: str = "", attachments: Any = ()) -> WorkTask:
    """驳回: the request is refused and the instance ends (every open task is cancelled)."""
    _require_reason("reject", comment)
    attachments = attachments_check(attachments, user=actor)
    with locked(actor, task_id) as (instance, task):
        _require_act(actor, task)
        props = _step_props(instance, task)
        rows = attachments_save(instance, attachments, user=actor, task=task)
        if reject_routed(props) and task.kind == TaskKind.ENGINE:
            return _reject_along_diagram(instance, task, actor, comment, files=file_names(rows))
        _finish(task, actor, "rejected", comment, {"approved": False})
        eng = runtime.engine_load(instance)
        eng.cancel()
        runtime.cancel_all(instance)
        instance.status = InstanceStatus.REJECTED
        instance.ended_at = timezone.now()
        runtime.engine_save(instance, eng)
        runtime.event(
            instance,
            "reject",
            actor=actor,
            task=task,
            on_behalf_of=task.on_behalf_of,
            comment=comment,
            from_state="running",
            to_state="rejected",
            data=file_names(rows),
        )
        if instance.definition.rules_snapshot:
            data = {**eng.task_data(task.engine_task_id), "approved": False}
            for name in ("step_completed", "instance_rejected"):
                runtime.fire_rules(instance, name, data, step=task.element_id, outcome="rejected")
        _save(instance)
        return task


def _reject_along_diagram(
    instance: ProcessInstance, task: WorkTask, actor: Any, comment: str, files: dict[str, Any]
) -> WorkTask:
    """驳回 on a step that routes it: the step completes with ``_outcome="rejected"`` and the diagram
    decides what follows (its rejected branch); the form data the step holds is kept as it is."""
    with runtime.batched_events(instance):
        _finish(task, actor, "rejected", comment, dict(task.data or {}))
        runtime.event(
            instance,
            "reject",
            actor=actor,
            task=task,
            on_behalf_of=task.on_behalf_of,
            comment=comment,
            data=files,
        )
        rows = _open_rows_locked(instance)
        fresh = False
        if not any(r.engine_task_id == task.engine_task_id for r in rows):
            fresh = _complete_engine_step(
                instance, task, actor, values=_typed(instance, task), rows=rows, outcome="rejected"
            )
        _save(instance, current_fresh=fresh)
    return task


def return_targets(instance: ProcessInstance, task: WorkTask) -> list[tuple[str, str]]:
    """Earlier steps this task may be returned to: (element id, name), oldest first."""
    rows = (
        instance.tasks.filter(kind=TaskKind.ENGINE, status=TaskStatus.COMPLETED, outcome="approved")
        .exclude(element_id=task.element_id)
        .order_by("completed_at")
        .values_list("element_id", "name")
    )
    return list(dict(rows).items())


def task_return(*, actor: Any, task_id: int, to: str, comment: str = "", attachments: Any = ()) -> WorkTask:
    """退回: to an earlier step (``to`` = its element id) or to the requester (``to="requester"``).

    The engine rewinds to the latest run of that step; what came after it is discarded. Inside a
    parallel branch only that branch rewinds (unless the step lies before the split); from one part of
    a countersign (multi-instance) the whole countersign restarts. Returning to the requester rewinds
    to the first step and waits until the requester resubmits."""
    _require_reason("return", comment)
    attachments = attachments_check(attachments, user=actor)
    with locked(actor, task_id) as (instance, task), runtime.batched_events(instance):
        _require_act(actor, task)
        if task.kind != TaskKind.ENGINE:
            raise DomainError(_("加签任务不能退回，请直接提出意见。"))
        targets = dict(return_targets(instance, task))
        first = next(iter(targets), None)
        if to == "requester":
            target = first or task.element_id
        elif to in targets:
            target = to
        else:
            raise DomainError(_("只能退回到已经办理过的步骤。"), field="to")
        _finish(task, actor, "returned", comment)
        files = file_names(attachments_save(instance, attachments, user=actor, task=task))
        sla.step_returned(instance, task)
        eng = runtime.engine_load(instance)
        rows = _open_rows_locked(instance)

        def work() -> bool:
            eng.reset_to(target)
            if to == "requester":
                instance.waiting_for_requester = True
            fresh = runtime.sync(instance, eng, actor=actor, dedup=False, rows=rows)
            runtime.engine_save(instance, eng)
            return fresh

        fresh = bool(runtime.guarded(instance, work))
        if to == "requester" and instance.is_running:
            waiting = WorkTask.objects.create(
                instance=instance,
                kind=TaskKind.RESUBMIT,
                element_id="__requester__",
                name=_("退回修改"),
                assignee=instance.requester,
                **sla.resubmit_deadlines(instance).fields(),
            )
            fresh = fresh and _rows_add(instance, waiting)
        runtime.event(
            instance,
            "return",
            actor=actor,
            task=task,
            on_behalf_of=task.on_behalf_of,
            comment=comment,
            data={"to": to, "step": targets.get(target, target), **files},
        )
        _save(instance, current_fresh=fresh)
        setattr(instance, runtime.ROWS_FINAL, fresh)
        return task


def task_resubmit(
    *,
    actor: Any,
    task_id: int,
    data: dict[str, Any] | None = None,
    comment: str = "",
    files: Any = None,
    attachments: Any = (),
) -> WorkTask:
    """The requester, after a return to them, corrects the start form (``files``: new uploads of its
    file fields) and sends the request again, with more ``attachments`` if they like."""
    from yunying.workflow.start import RESERVED, start_form

    attachments = attachments_check(attachments, user=actor)
    with locked(actor, task_id) as (instance, task), runtime.batched_events(instance):
        if task.kind != TaskKind.RESUBMIT:
            raise DomainError(_("该任务不是退回修改。"))
        _require_act(actor, task)
        submission = start_form(instance.version).validate(
            dict(data or instance.data), files=files, user=actor
        )
        cleaned = {k: v for k, v in submission.values.items() if k not in RESERVED}
        _finish(task, actor, "resubmitted", comment)
        files_sent = file_names(attachments_save(instance, attachments, user=actor, task=task))
        instance.data = {k: v for k, v in to_json(submission.store_files()).items() if k not in RESERVED}
        instance.waiting_for_requester = False
        eng = runtime.engine_load(instance)
        rows = _open_rows_locked(instance)

        def work() -> bool:
            for info in eng.ready_user_tasks():
                eng.reset_to(info.element_id, dict(cleaned))
            fresh = runtime.sync(instance, eng, actor=actor, dedup=False, rows=rows)
            runtime.engine_save(instance, eng)
            return fresh

        fresh = bool(runtime.guarded(instance, work))
        runtime.event(instance, "resubmit", actor=actor, task=task, comment=comment, data=files_sent)
        _save(instance, current_fresh=fresh)
        setattr(instance, runtime.ROWS_FINAL, fresh)
        return task


def _user(username_or_user: Any) -> User:
    if isinstance(username_or_user, User):
        return username_or_user
    if not str(username_or_user or "").strip():
        raise DomainError(_("请选择人员。"), field="user", code="no_person")
    found = User.objects.filter(username=str(username_or_user), is_active=True).first()
    if found is None:
        raise DomainError(_("找不到用户“%(u)s”。") % {"u": username_or_user}, field="user")
    return found


def _require_pickable(actor: Any, person: User) -> None:
    """转交/加签 go to someone the actor's person picker offers (``workflow.picker_scope``)."""
    from yunying.workflow.people import person_pickable

    if not person_pickable(actor, person):
        raise DomainError(_("找不到用户“%(u)s”。") % {"u": person.username}, field="user")


def task_transfer(
    *, actor: Any, task_id: int, to_user: Any, comment: str = "", attachments: Any = ()
) -> WorkTask:
    """转交: hand the task to someone else; they act in their own name."""
    target = _user(to_user)
    attachments = attachments_check(attachments, user=actor)
    with locked(actor, task_id) as (instance, task):
        _require_act(actor, task)
        if target.pk == actor.pk:
            raise DomainError(_("不能转交给自己。"), field="user")
        _require_pickable(actor, target)
        files = file_names(attachments_save(instance, attachments, user=actor, task=task))
        previous = task.assignee
        task.assignee = target
        task.on_behalf_of = None
        task.save(update_fields=["assignee", "on_behalf_of"])
        task.candidate_users.clear()
        runtime.event(
            instance,
            "transfer",
            actor=actor,
            task=task,
            comment=comment,
            from_state=previous.username if previous else "",
            to_state=target.username,
            data=files,
        )
        _save(instance)
        return task


def task_add_signer(
    *,
    actor: Any,
    task_id: int,
    user: Any,
    mode: str = SignerMode.AFTER,
    comment: str = "",
    attachments: Any = (),
) -> WorkTask:
    """加签: ``before`` — the signer acts first, then the task returns to the actor; ``after`` — the
    actor approves now and the step waits for the signer; ``parallel`` — both, in any order. Only
    this step (this branch, this countersign part) waits; a signer's rejection rejects the request."""
    signer = _user(user)
    if mode not in SignerMode.values:
        raise DomainError(_("加签方式无效。"), field="mode")
    attachments = attachments_check(attachments, user=actor)
    with locked(actor, task_id) as (instance, task):
        _require_act(actor, task)
        if task.kind != TaskKind.ENGINE:
            raise DomainError(_("只能在流程步骤上加签。"))
        if signer.pk == actor.pk:
            raise DomainError(_("不能给自己加签。"), field="user")
        _require_pickable(actor, signer)
        if mode == SignerMode.AFTER:  # the actor approves now
            _refuse_own_request(instance, task, actor)
        files = file_names(attachments_save(instance, attachments, user=actor, task=task))
        row = WorkTask.objects.create(
            instance=instance,
            kind=TaskKind.SIGNER,
            engine_task_id=task.engine_task_id,
            element_id=task.element_id,
            name=f"{task.name}（{SignerMode(mode).label}）",
            assignee=signer,
            parent=task,
            signer_mode=mode,
            due_at=task.due_at,
        )
        runtime.event(
            instance,
            "add_signer",
            actor=actor,
            task=task,
            comment=comment,
            to_state=signer.username,
            data={"mode": mode, "signer_task": row.pk, **files},
        )
        if mode == SignerMode.BEFORE:
            task.status = TaskStatus.ON_HOLD
            task.save(update_fields=["status"])
        elif mode == SignerMode.AFTER:
            _finish(task, actor, "approved", comment)
            runtime.event(
                instance, "approve", actor=actor, task=task, on_behalf_of=task.on_behalf_of, comment=comment
            )
        _save(instance)
        return row


def task_throw(
    *,
    actor: Any,
    task_id: int,
    kind: str,
    code: str,
    data: dict[str, Any] | None = None,
    comment: str = "",
) -> WorkTask:
    """A step throws a named BPMN error or escalation (``kind`` "error" / "escalation", ``code``)
    that the diagram catches (a boundary event on the step, or further out): the diagram decides what
    follows. Refused, changing nothing, when the diagram catches no such event here."""
    code = (code or "").strip()
    if kind not in ("error", "escalation") or not code:
        raise DomainError(_("请指明要抛出的事件：error 或 escalation，以及事件代码。"), field="code")
    with locked(actor, task_id) as (instance, task), runtime.batched_events(instance):
        _require_act(actor, task)
        if task.kind != TaskKind.ENGINE:
            raise DomainError(_("只能在流程步骤上抛出事件。"))
        submission = StepForm.of(_step_props(instance, task)).validate(dict(data or {}), user=actor)
        eng = runtime.engine_load(instance)
        if not eng.catches(task.engine_task_id, kind, code):
            raise DomainError(
                _("流程图中没有捕获 %(kind)s“%(code)s”的事件。") % {"kind": kind, "code": code}, field="code"
            )
        outcome = f"{kind}:{code}"[:20]
        runtime.event(
            instance,
            "throw",
            actor=actor,
            task=task,
            on_behalf_of=task.on_behalf_of,
            comment=comment,
            data={"kind": kind, "code": code},
        )

        def work() -> None:
            if eng.throw(task.engine_task_id, kind, code, dict(submission.values)):
                _finish(task, actor, outcome, comment, submission.data)
            runtime.sync(instance, eng, actor=actor)
            runtime.engine_save(instance, eng)

        runtime.guarded(instance, work)
        _save(instance)
        return task


def task_complete(*, actor: Any, task_id: int, action: str, **kwargs: Any) -> WorkTask:
    """One entry for every action (the API's ``POST /tasks/{id}/complete``); ``attachments`` (uploads
    or upload tokens) go with every action that takes files."""
    files = kwargs.get("attachments") or ()
    handlers = {
        "approve": lambda: task_approve(
            actor=actor,
            task_id=task_id,
            data=kwargs.get("data"),
            comment=kwargs.get("comment", ""),
            attachments=files,
        ),
        "reject": lambda: task_reject(
            actor=actor, task_id=task_id, comment=kwargs.get("comment", ""), attachments=files
        ),
        "return": lambda: task_return(
            actor=actor,
            task_id=task_id,
            to=kwargs.get("to") or "requester",
            comment=kwargs.get("comment", ""),
            attachments=files,
        ),
        "transfer": lambda: task_transfer(
            actor=actor,
            task_id=task_id,
            to_user=kwargs.get("user") or "",
            comment=kwargs.get("comment", ""),
            attachments=files,
        ),
        "add_signer": lambda: task_add_signer(
            actor=actor,
            task_id=task_id,
            user=kwargs.get("user") or "",
            mode=kwargs.get("mode") or SignerMode.AFTER,
            comment=kwargs.get("comment", ""),
            attachments=files,
        ),
        "resubmit": lambda: task_resubmit(
            actor=actor,
            task_id=task_id,
            data=kwargs.get("data"),
            comment=kwargs.get("comment", ""),
            attachments=files,
        ),
        "claim": lambda: task_claim(actor=actor, task_id=task_id),
        "throw": lambda: task_throw(
            actor=actor,
            task_id=task_id,
            kind=kwargs.get("event") or "",
            code=kwargs.get("code") or "",
            data=kwargs.get("data"),
            comment=kwargs.get("comment", ""),
        ),
    }
    if action not in handlers:
        raise DomainError(
            _("未知的操作“%(a)s”，可用：%(list)s") % {"a": action, "list": ", ".join(handlers)},
            field="action",
        )
    return handlers[action]()


def tasks_bulk_approve(*, actor: Any, task_ids: list[int], comment: str = "") -> list[dict[str, Any]]:
    """批量同意: each task in its own transaction; one failure does not stop the others."""
    results = []
    for task_id in task_ids[:200]:
        try:
            task_approve(actor=actor, task_id=task_id, comment=comment)
            results.append({"id": task_id, "ok": True, "detail": ""})
        except DomainError as exc:
            results.append({"id": task_id, "ok": False, "detail": str(exc)})
    return results
