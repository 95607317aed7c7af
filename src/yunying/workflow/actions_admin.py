"""Administrative and periodic actions: cancel an instance, delegations, overdue warnings, timers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yunying.workflow import runtime
from yunying.workflow.actions_instance import locked_instance
from yunying.workflow.engine import EngineError
from yunying.workflow.errors import ProcessError
from yunying.workflow.models import (
    OPEN_STATUSES,
    Delegation,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
    WorkTask,
)


def instance_cancel(*, actor: Any, instance_id: int, comment: str = "") -> ProcessInstance:
    """A process administrator stops an instance (e.g. raised by mistake)."""
    if not actor.has_perm("workflow.monitor_process"):
        raise PermissionDenied(_("您没有取消流程的权限。"))
    with locked_instance(actor, instance_id) as instance:
        if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.ERROR):
            raise Conflict(_("流程已结束。"))
        eng = runtime.engine_load(instance)
        eng.cancel()
        runtime.cancel_all(instance)
        previous = instance.status
        instance.status = InstanceStatus.CANCELLED
        instance.ended_at = timezone.now()
        runtime.engine_save(instance, eng)
        runtime.refresh_current(instance)
        runtime.event(
            instance, "cancel", actor=actor, comment=comment, from_state=previous, to_state="cancelled"
        )
        instance.save()
        return instance


def delegation_create(
    *,
    actor: Any,
    to_user: Any,
    starts_on: date,
    ends_on: date | None = None,
    definition_key: str = "",
    from_user: Any = None,
) -> Delegation:
    """委托: the actor's (or, for administrators, ``from_user``'s) new tasks go to ``to_user``."""
    owner = from_user or actor
    if owner.pk != actor.pk and not actor.has_perm("workflow.monitor_process"):
        raise PermissionDenied(_("只能设置自己的委托。"))
    if to_user.pk == owner.pk:
        raise DomainError(_("不能委托给自己。"), field="to_user")
    if not to_user.is_active:
        raise DomainError(_("受托人的账号已停用。"), field="to_user")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("结束日期不能早于开始日期。"), field="ends_on")
    definition = None
    if definition_key:
        definition = ProcessDefinition.objects.filter(key=definition_key).first()
        if definition is None:
            raise DomainError(_("找不到流程“%(key)s”。") % {"key": definition_key}, field="definition")
    return Delegation.objects.create(
        from_user=owner, to_user=to_user, starts_on=starts_on, ends_on=ends_on, definition=definition
    )


def delegation_end(*, actor: Any, delegation_id: int) -> Delegation:
    """End a delegation now: tasks arriving from now on go to the delegator again (tasks already
    handed over stay with the delegate)."""
    found = Delegation.objects.select_related("to_user", "definition").filter(pk=delegation_id).first()
    if found is None or (found.from_user_id != actor.pk and not actor.has_perm("workflow.monitor_process")):
        raise NotFound(_("找不到委托 #%(id)s。") % {"id": delegation_id})
    today = clock.today()
    if not found.is_active or (found.ends_on is not None and found.ends_on < today):
        raise Conflict(_("该委托已经结束。"), code="already_ended")
    found.is_active = False
    if found.starts_on <= today and (found.ends_on is None or found.ends_on > today):
        found.ends_on = today
    found.save(update_fields=["is_active", "ends_on"])
    return found


def instances_advance_timers() -> int:
    """Instances waiting on timers whose next moment is not stored yet (saved before it was): run them
    once, which stores it; from then on ``yunying.workflow.timers`` fires their timers. An instance whose
    engine fails here goes to error (and leaves the timer scan): it is not tried again at every tick."""
    advanced = 0
    for instance_id in ProcessInstance.objects.filter(
        status=InstanceStatus.RUNNING, has_timers=True, timer_due_at__isnull=True
    ).values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            instance = (
                ProcessInstance.objects.select_for_update(of=("self",))
                .select_related("version")
                .get(pk=instance_id)
            )
            if instance.status != InstanceStatus.RUNNING:
                continue
            with runtime.batched_events(instance):
                if _advance(instance):
                    advanced += 1
            instance.save()
    return advanced


def _advance(instance: ProcessInstance) -> bool:
    """One timer pass over ``instance`` (locked); True when the engine moved on."""
    try:
        eng = runtime.engine_load(instance)
    except ProcessError as exc:
        runtime.fail(instance, str(exc.message))
        return False
    before = eng.task_states()

    def work() -> bool:
        try:
            eng.run()
        except (EngineError, ProcessError, DatabaseError):
            raise  # a database error is not the instance's fault: the next tick tries again
        except Exception as exc:  # e.g. a timer value that is no ISO 8601 duration
            raise ProcessError(_("定时器无法继续：%(error)s") % {"error": exc}) from exc
        moved = eng.task_states() != before
        if moved:
            runtime.sync(instance, eng)
        runtime.engine_save(instance, eng)
        return moved

    return bool(runtime.guarded(instance, work))


def _monitor(actor: Any) -> None:
    if not actor.has_perm("workflow.monitor_process"):
        raise PermissionDenied(_("您没有处理出错流程的权限。"))


def _in_error(instance: ProcessInstance) -> None:
    if instance.status != InstanceStatus.ERROR:
        raise Conflict(_("流程不在出错状态。"), code="not_in_error")


def instance_retry(*, actor: Any, instance_id: int, comment: str = "") -> ProcessInstance:
    """重试: an instance in error runs again from where it stopped. Steps a person already decided
    (their row is finished, the engine's task is not) are completed with that decision; then the
    engine runs on. If it fails again the instance is back in error with the new reason."""
    _monitor(actor)
    with locked_instance(actor, instance_id) as instance, runtime.batched_events(instance):
        _in_error(instance)
        eng = runtime.engine_load(instance)
        reason = instance.error
        instance.status, instance.error = InstanceStatus.RUNNING, ""
        runtime.resume_paused(instance)  # paused again by the failure if it fails again
        runtime.event(
            instance,
            "retry",
            actor=actor,
            comment=comment,
            from_state="error",
            to_state="running",
            data={"error": reason},
        )

        def work() -> None:
            for _round in range(100):
                decided = _decided_steps(instance, eng)
                if not decided:
                    break
                info, row = decided[0]
                values = _typed_row(instance, row)
                eng.complete_task(info.id, runtime.decision(info.data, info.element_id, row.outcome, values))
            eng.run()
            runtime.sync(instance, eng, actor=actor)
            runtime.engine_save(instance, eng)

        runtime.guarded(instance, work)
        runtime.refresh_current(instance)
        instance.save()
        return instance


def _decided_steps(instance: ProcessInstance, eng: Any) -> list[tuple[Any, WorkTask]]:
    """READY engine tasks whose step a person (or the de-duplication) already finished."""
    ready = {info.id: info for info in eng.ready_user_tasks()}
    if not ready:
        return []
    rows = (
        instance.tasks.filter(engine_task_id__in=list(ready), kind="engine")
        .filter(outcome__in=("approved", "rejected", "dedup", "skipped"))
        .order_by("completed_at", "pk")
    )
    open_ids = set(
        instance.tasks.filter(engine_task_id__in=list(ready), status__in=OPEN_STATUSES).values_list(
            "engine_task_id", flat=True
        )
    )
    return [(ready[r.engine_task_id], r) for r in rows if r.engine_task_id not in open_ids]


def _typed_row(instance: ProcessInstance, row: WorkTask) -> dict[str, Any]:
    from yunying.workflow.actions import _typed

    return _typed(instance, row)


def instance_message(
    *, actor: Any, instance_id: int, name: str, data: dict[str, Any] | None = None, key: str = ""
) -> ProcessInstance:
    """A message from outside (another system, an administrator): the catch event waiting for
    ``name`` receives it, its ``data`` joins the process data, and the instance runs on. ``key``:
    the correlation key it was found by (:func:`yunying.workflow.messages.message_correlate`)."""
    _monitor_or_deploy(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写消息名称。"), field="name")
    if data is not None and not isinstance(data, dict):
        raise DomainError(_("消息数据必须是对象。"), field="data")
    with locked_instance(actor, instance_id) as instance, runtime.batched_events(instance):
        if instance.status != InstanceStatus.RUNNING:
            raise Conflict(_("流程已结束。"))
        eng = runtime.engine_load(instance)
        waiting = eng.waiting_messages()
        if name not in waiting:
            raise Conflict(
                _("流程没有在等待消息“%(name)s”（在等待：%(list)s）。")
                % {"name": name, "list": "、".join(waiting) or "—"},
                code="not_waiting",
            )
        runtime.event(
            instance,
            "message",
            actor=actor,
            data={"name": name, "data": dict(data or {}), **({"key": key} if key else {})},
        )

        def work() -> None:
            eng.send_message(name, dict(data or {}))
            runtime.sync(instance, eng, actor=actor)
            runtime.engine_save(instance, eng)

        runtime.guarded(instance, work)
        runtime.refresh_current(instance)
        instance.save()
        return instance


def _monitor_or_deploy(actor: Any) -> None:
    if not (actor.has_perm("workflow.monitor_process") or actor.has_perm("workflow.deploy_process")):
        raise PermissionDenied(_("您没有向流程发送消息的权限。"))


def waiting_steps(instance: ProcessInstance, eng: Any | None = None) -> list[Any]:
    """The steps an instance in error waits for that nobody holds: READY in the engine with no open
    (or paused) task row — what 重新指派 gives to people. Each is a :class:`~yunying.workflow.engine.TaskInfo`."""
    if eng is None:
        eng = runtime.engine_load(instance)
    covered = set(
        instance.tasks.filter(status__in=(*OPEN_STATUSES, TaskStatus.PAUSED)).values_list(
            "engine_task_id", flat=True
        )
    )
    return [info for info in eng.ready_user_tasks() if info.id not in covered]


def instance_reassign(
    *,
    actor: Any,
    instance_id: int,
    to_user: Any = None,
    comment: str = "",
    steps: Mapping[str, Any] | None = None,
) -> ProcessInstance:
    """重新指派: the steps an instance in error waits for (READY in the engine, with no open task) go
    to people, and the instance runs again (its paused rows back in their inboxes).

    ``steps`` gives a step its own person: ``{engine task id or element id: login or user}``; every
    other waiting step goes to ``to_user``. A step named that is not waiting, or a waiting step that
    gets nobody, is refused (nothing changes)."""
    from yunying.workflow.actions import _user

    _monitor(actor)
    chosen = {str(k).strip(): v for k, v in (steps or {}).items() if str(k).strip() and v}
    fallback = _user(to_user) if to_user else None
    with locked_instance(actor, instance_id) as instance, runtime.batched_events(instance):
        _in_error(instance)
        eng = runtime.engine_load(instance)
        missing = waiting_steps(instance, eng)
        if not missing:
            raise Conflict(_("没有等待处理人的步骤；请使用“重试”。"), code="nothing_to_reassign")
        names = "、".join(f"{info.name or info.element_id}（{info.element_id}）" for info in missing)
        known = {info.id for info in missing} | {info.element_id for info in missing}
        unknown = [k for k in chosen if k not in known]
        if unknown:
            raise DomainError(
                _("步骤“%(steps)s”不在等待处理人的步骤中（等待：%(list)s）。")
                % {"steps": "、".join(unknown), "list": names},
                field="steps",
            )
        targets = {}
        for info in missing:
            wanted = chosen.get(info.id) or chosen.get(info.element_id)
            target = _user(wanted) if wanted else fallback
            if target is None:
                raise DomainError(
                    _("请为步骤“%(step)s”指定处理人（等待：%(list)s）。")
                    % {"step": info.name or info.element_id, "list": names},
                    field="user",
                )
            targets[info.id] = target
        reason = instance.error
        instance.status, instance.error = InstanceStatus.RUNNING, ""
        runtime.resume_paused(instance)
        now = timezone.now()
        for info in missing:
            row = runtime.new_task(instance, info, now)
            row.assignee = targets[info.id]
            row.save()
            runtime.event(
                instance,
                "reassign",
                actor=actor,
                task=row,
                comment=comment,
                from_state="error",
                to_state=row.assignee.username,
                data={"error": reason},
            )
        runtime.refresh_current(instance)
        instance.save()
        return instance
