"""Notifications (reminders, overdue warnings, alerts): a row per recipient, delivered after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from yunying.workflow.models import Notification, ProcessInstance, WorkTask


def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    message: str,
    instance: ProcessInstance | None = None,
    task: WorkTask | None = None,
) -> list[Notification]:
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient=u, kind=kind, message=message[:300], instance=instance, task=task)
            for u in {u.pk: u for u in recipients}.values()
        ]
    )
    ids = [n.pk for n in rows if n.pk is not None]
    if ids:
        from yunying.workflow.tasks import deliver_notifications

        transaction.on_commit(lambda: deliver_notifications(ids))
    return rows
