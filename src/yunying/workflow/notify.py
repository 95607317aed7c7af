"""Workflow notifications go through the notifications app (one service for every app); this forwarder
keeps the workflow's call sites as they are and adds the request's link and org unit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

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
    url = ""
    if task is not None:
        url = reverse("workflow:task", args=[task.pk])
    elif instance is not None:
        url = reverse("workflow:instance", args=[instance.pk])
    return notifications.notify(
        recipients,
        kind=kind,
        message=message,
        url=url,
        unit=instance.unit_id if instance is not None else None,
        instance=instance,
        task=task,
    )
