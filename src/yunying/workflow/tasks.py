"""Background work (Huey): deliver notifications, warn about overdue tasks, fire due timers.

Each task is idempotent: running it twice changes nothing the second time."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yunying.workflow.models import Notification


@db_task(retries=3, retry_delay=30)
def deliver_notifications(ids: list[int]) -> int:
    """Mark notifications delivered (the in-app inbox shows them; other channels plug in here)."""
    return Notification.objects.filter(pk__in=ids, delivered_at__isnull=True).update(
        delivered_at=timezone.now()
    )


@db_periodic_task(crontab(minute="*/10"))
def overdue_scan() -> int:
    from yunying.workflow.actions_admin import tasks_warn_overdue

    return tasks_warn_overdue()


@db_periodic_task(crontab(minute="*"))
def timers_tick() -> int:
    from yunying.workflow.actions_admin import instances_advance_timers

    return instances_advance_timers()
