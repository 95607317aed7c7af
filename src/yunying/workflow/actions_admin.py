"""Administrative and periodic actions: cancel an instance, delegations, overdue warnings, timers."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yunying.workflow import runtime
from yunying.workflow.actions_instance import _people_of, locked_instance
from yunying.workflow.engine import EngineError
from yunying.workflow.errors import ProcessError
from yunying.workflow.models import (
    OPEN_STATUSES,
    Delegation,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    WorkTask,
)
from yunying.workflow.notify import notify


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


def tasks_warn_overdue() -> int:
    """Notify the holders of overdue open tasks, once per task."""
    count = 0
    now = timezone.now()
    for task in WorkTask.objects.filter(
        status__in=OPEN_STATUSES, due_at__lt=now, overdue_notified_at__isnull=True
    ).select_related("instance", "assignee", "candidate_group")[:500]:
        with transaction.atomic():
            updated = WorkTask.objects.filter(pk=task.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            )
            if updated:
                notify(
                    _people_of(task),
                    kind="overdue",
                    instance=task.instance,
                    task=task,
                    message=_("已超时：%(title)s —— %(step)s")
                    % {"title": task.instance.title, "step": task.name},
                )
                count += 1
    return count


def instances_advance_timers() -> int:
    """Instances waiting on timers whose next moment is not stored yet (saved before it was): run them
    once, which stores it; from then on ``yunying.workflow.timers`` fires their timers."""
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
            eng = runtime.engine_load(instance)
            before = eng.task_states()
            try:
                with transaction.atomic():  # a failing system step leaves none of its rows
                    eng.run()
            except (EngineError, ProcessError) as exc:
                failure: str | None = str(exc.message)
            except DatabaseError:
                raise  # not the instance's fault: the next tick tries again
            except Exception as exc:  # e.g. a timer value that is no ISO 8601 duration
                failure = _("定时器无法继续：%(error)s") % {"error": exc}
            else:
                failure = None
            if failure is not None:  # the same every minute: stop the instance instead of retrying
                instance.status = InstanceStatus.ERROR
                instance.error = failure
                runtime.event(instance, "error", comment=instance.error, to_state="error")
                instance.save()
                continue
            if eng.task_states() != before:
                runtime.sync(instance, eng)
                advanced += 1
            runtime.engine_save(instance, eng)
            instance.save()
    return advanced
