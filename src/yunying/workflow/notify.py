"""Workflow notifications go through the notifications app (one service for every app); this forwarder
keeps the workflow's call sites as they are and adds the request's link and org unit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from yunying.notifications import services as notifications
from yunying.notifications.models import Notification
from yunying.workflow.models import ProcessInstance, WorkTask


def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    message: str,
    instance: ProcessInstance | None = None,
    task: WorkTask | None = None,
) -> list[Notification]:
    url: Any = ""
    if task is not None:
        url = _link("workflow:task", task)
    elif instance is not None:
        url = _link("workflow:instance", instance)
    return notifications.notify(
        recipients,
        kind=kind,
        message=message,
        url=url,
        unit=instance.unit_id if instance is not None else None,
        instance=instance,
        task=task,
    )


def _reverse_row(name: str, row: Any) -> str:
    return reverse(name, args=[row.pk])


# made once: ``lazy`` builds a proxy class at each call of its own (milliseconds), its result is cheap
_reverse_later = lazy(_reverse_row, str)


def _link(name: str, row: Any) -> Any:
    """The row's page; for a row of a starting instance not written yet (no id until the action's end,
    when the notifications are written too), the link is made when the notification is written."""
    if row.pk is not None:
        return reverse(name, args=[row.pk])
    return _reverse_later(name, row)


def summary_text(instance: ProcessInstance) -> str:
    """The request's summary fields in one line (“申购门店 朝阳店 · 合计金额（元） ¥320.00”), once per action."""
    cached = getattr(instance, "_yunying_summary_text", None)
    if cached is None:
        from yunying.workflow.cards import summary_of

        cached = " · ".join(f"{label} {value}" for label, value in summary_of(instance))
        instance._yunying_summary_text = cached  # type: ignore[attr-defined]
    return str(cached)


# --------------------------------------------------------------------------- events → notifications
def notify_event(
    instance: ProcessInstance, action: str, *, actor: Any, task: WorkTask | None, data: dict[str, Any]
) -> None:
    """Tell people about a step of a request (called for each history line): a new task (arrived,
    transferred, added signer) to whoever holds it; rejected, returned and approved to the requester."""
    title = instance.title
    if action in ("assigned", "transfer", "add_signer") and task is not None:
        target = task
        if action == "add_signer" and data.get("signer_task"):
            target = (
                WorkTask.objects.select_related("assignee").filter(pk=data["signer_task"]).first() or task
            )
        from yunying.workflow.actions_instance import _people_of

        people = [u for u in _people_of(target) if actor is None or u.pk != actor.pk]
        summary = summary_text(instance)
        if summary:
            message = _("待办：%(title)s —— %(step)s（%(summary)s）") % {
                "title": title,
                "step": target.name,
                "summary": summary,
            }
        else:
            message = _("待办：%(title)s —— %(step)s") % {"title": title, "step": target.name}
        notify(people, kind="assigned", message=message, instance=instance, task=target)
        return
    outcome = {"reject": "rejected", "return": "returned", "completed": "approved"}.get(action)
    if outcome is None or (actor is not None and actor.pk == instance.requester_id):
        return
    texts = {
        "rejected": _("已驳回：%(title)s —— %(step)s"),
        "returned": _("已退回：%(title)s —— %(step)s"),
        "approved": _("已通过：%(title)s"),
    }
    message = texts[outcome] % {"title": title, "step": task.name if task is not None else ""}
    notify([instance.requester], kind=outcome, message=message, instance=instance)


def notify_copied(instance: ProcessInstance, people: list[Any], step: str) -> None:
    """抄送: the people the request was just copied to."""
    message = _("抄送给你：%(title)s —— %(step)s") % {"title": instance.title, "step": step}
    notify(people, kind="cc", message=message, instance=instance)
