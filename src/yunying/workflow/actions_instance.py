"""Actions on a whole instance: withdraw (撤回), remind (催办), comment, attach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yunying.forms.files import files_discarded_on_error
from yunying.org.models import Appointment
from yunying.workflow import runtime, selectors
from yunying.workflow.attachments import attachments_check, attachments_save, file_names
from yunying.workflow.models import (
    OPEN_STATUSES,
    Attachment,
    InstanceEvent,
    InstanceStatus,
    Notification,
    ProcessInstance,
    TaskKind,
    WorkTask,
)
from yunying.workflow.notify import notify
from yunying.workflow.policy import policy as setting_get


@contextmanager
def locked_instance(actor: Any, instance_id: int) -> Iterator[ProcessInstance]:
    if not selectors.instances_visible_to(actor).filter(pk=instance_id).exists():
        raise NotFound(_("找不到流程实例 #%(id)s。") % {"id": instance_id})
    with files_discarded_on_error(), transaction.atomic():
        instance = (
            ProcessInstance.objects.select_for_update(of=("self",))
            .select_related("version", "definition", "requester", "unit")
            .get(pk=instance_id)
        )
        yield instance
        if not getattr(instance, "_yunying_cards_synced", False):
            from yunying.workflow.cards import sync_instance

            sync_instance(instance)


def can_withdraw(user: Any, instance: ProcessInstance) -> bool:
    """The requester, while the request runs and nobody else has acted on it (or claimed it)."""
    if instance.requester_id != user.pk or instance.status != InstanceStatus.RUNNING:
        return False
    acted = instance.tasks.exclude(acted_by__isnull=True).exclude(acted_by=user).exclude(outcome="dedup")
    claimed = instance.tasks.filter(claimed_at__isnull=False)
    return not acted.exists() and not claimed.exists()


def instance_withdraw(*, actor: Any, instance_id: int, comment: str = "") -> ProcessInstance:
    with locked_instance(actor, instance_id) as instance:
        if instance.requester_id != actor.pk:
            raise PermissionDenied(_("只有发起人可以撤回。"))
        if instance.status != InstanceStatus.RUNNING:
            raise Conflict(_("流程已结束，不能撤回。"))
        if not can_withdraw(actor, instance):
            raise Conflict(_("已有人处理过该申请，不能撤回。"), code="already_acted")
        eng = runtime.engine_load(instance)
        eng.cancel()
        runtime.cancel_all(instance)
        instance.status = InstanceStatus.WITHDRAWN
        instance.ended_at = timezone.now()
        runtime.engine_save(instance, eng)
        runtime.refresh_current(instance)
        runtime.event(
            instance, "withdraw", actor=actor, comment=comment, from_state="running", to_state="withdrawn"
        )
        instance.save()
        return instance


def _people_of(task: WorkTask) -> list[Any]:
    if task.assignee_id is not None:
        return [task.assignee]
    people = list(task.candidate_users.all())
    if task.candidate_position_id is not None:
        qs = Appointment.objects.active().filter(position_id=task.candidate_position_id)
        if task.candidate_unit_id is not None:
            qs = qs.filter(unit_id=task.candidate_unit_id)
        people += [a.employee.user for a in qs.select_related("employee__user") if a.employee.user]
    if task.candidate_group_id is not None and task.candidate_group is not None:
        people += list(task.candidate_group.user_set.filter(is_active=True))
    return people


def instance_remind(*, actor: Any, instance_id: int, comment: str = "") -> list[Notification]:
    """催办: notify whoever holds the open tasks; at most once per configured interval."""
    with locked_instance(actor, instance_id) as instance:
        if instance.status != InstanceStatus.RUNNING:
            raise Conflict(_("流程已结束，无需催办。"))
        if instance.requester_id != actor.pk and not actor.has_perm("workflow.monitor_process"):
            raise PermissionDenied(_("只有发起人或流程管理者可以催办。"))
        minutes = int(setting_get("workflow.remind_interval_minutes"))
        now = timezone.now()
        if instance.last_reminded_at and now - instance.last_reminded_at < dt.timedelta(minutes=minutes):
            raise Conflict(_("刚刚催办过，请 %(n)d 分钟后再试。") % {"n": minutes}, code="too_soon")
        rows: list[Notification] = []
        for task in instance.tasks.filter(status__in=OPEN_STATUSES).select_related(
            "assignee", "candidate_group"
        ):
            message = _("%(who)s 催办：%(title)s —— %(step)s") % {
                "who": actor.display_name,
                "title": instance.title,
                "step": task.name,
            }
            rows += notify(_people_of(task), kind="remind", message=message, instance=instance, task=task)
        if not rows:
            raise DomainError(_("当前没有待处理的人。"))
        instance.last_reminded_at = now
        instance.save(update_fields=["last_reminded_at"])
        runtime.event(
            instance,
            "remind",
            actor=actor,
            comment=comment,
            data={"recipients": sorted({n.recipient.username for n in rows})},
        )
        return rows


def instance_comment(*, actor: Any, instance_id: int, comment: str, attachments: Any = ()) -> InstanceEvent:
    """评论, with files if any: both kept on the request (the files as its attachments)."""
    comment = (comment or "").strip()
    attachments = attachments_check(attachments, user=actor)
    if not comment and not attachments:
        raise DomainError(_("请填写评论内容。"), field="comment")
    with locked_instance(actor, instance_id) as instance:
        rows = attachments_save(instance, attachments, user=actor)
        return runtime.event(instance, "comment", actor=actor, comment=comment[:4000], data=file_names(rows))


def instance_attach(
    *, actor: Any, instance_id: int, files: list[Any], task_id: int | None = None
) -> list[Attachment]:
    if not files:
        raise DomainError(_("请选择要上传的文件。"), field="files")
    with locked_instance(actor, instance_id) as instance:
        task = instance.tasks.filter(pk=task_id).first() if task_id else None
        rows = attachments_save(instance, files, user=actor, task=task)
        runtime.event(instance, "attach", actor=actor, task=task, data={"files": [a.name for a in rows]})
        return rows


def is_requester_turn(instance: ProcessInstance) -> bool:
    return instance.tasks.filter(kind=TaskKind.RESUBMIT, status__in=OPEN_STATUSES).exists()
