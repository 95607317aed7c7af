"""The messages of service levels and timers: the one place they reach the notification service."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yunying.workflow.models import ProcessInstance, WorkTask
from yunying.workflow.notify import notify


def holders(task: WorkTask) -> list[Any]:
    from yunying.workflow.actions_instance import _people_of

    return _people_of(task)


def superiors_of(task: WorkTask) -> list[Any]:
    """The direct superiors of the task's holder(s) — of the person delegating, for a delegated task —;
    the management department's head when there are none."""
    from yunying.workflow.assignment import _superiors, department_head

    found: dict[int, Any] = {}
    owners: list[Any] = [task.on_behalf_of] if task.on_behalf_of is not None else holders(task)
    for person in owners:
        for boss in _superiors(person, 1):
            found.setdefault(boss.pk, boss)
    return list(found.values()) or department_head()


def _what(instance: ProcessInstance, task: WorkTask) -> dict[str, str]:
    return {"title": instance.title, "step": task.name}


def reminder(instance: ProcessInstance, task: WorkTask) -> None:
    notify(
        holders(task),
        kind="reminder",
        instance=instance,
        task=task,
        message=_("即将到期：%(title)s —— %(step)s") % _what(instance, task),
    )


def overdue(instance: ProcessInstance, task: WorkTask) -> None:
    notify(
        holders(task),
        kind="overdue",
        instance=instance,
        task=task,
        message=_("已超时：%(title)s —— %(step)s") % _what(instance, task),
    )


def escalated(instance: ProcessInstance, task: WorkTask, superiors: list[Any]) -> None:
    names = "、".join(p.get_full_name() or p.username for p in holders(task)) or _("待领取")
    notify(
        superiors,
        kind="escalated",
        instance=instance,
        task=task,
        message=_("超时升级：%(title)s —— %(step)s（处理人：%(who)s）")
        % {**_what(instance, task), "who": names},
    )


def reassigned(instance: ProcessInstance, task: WorkTask, target: Any) -> None:
    notify(
        [target],
        kind="escalated",
        instance=instance,
        task=task,
        message=_("超时转交给您：%(title)s —— %(step)s") % _what(instance, task),
    )
