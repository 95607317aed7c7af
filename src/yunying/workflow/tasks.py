"""Background work (Huey): deliver notifications, warn about overdue tasks, fire due timers.

Each task is idempotent: running it twice changes nothing the second time."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from yunying.workflow.models import Notification


@db_task(retries=3, retry_delay=30)
def deliver_notifications(ids: list[int]) -> int:
    """Mark notifications delivered (the in-app inbox shows them; other channels plug in here)."""
    return Notification.objects.filter(pk__in=ids, delivered_at__isnull=True).update(
        delivered_at=timezone.now()
    )


@db_periodic_task(crontab(minute="*"))
def due_work_tick() -> int:
    """Reminders, overdue notices, escalations and timers due by now, earliest first, each once."""
    from yunying.workflow.monitor_heat import work_seconds_fill
    from yunying.workflow.timers import due_work_tick as tick

    fired = tick()
    work_seconds_fill()  # the monitor's working-time figures of steps finished since
    return fired


@db_task(retries=3, retry_delay=10)
def fire_timers(instance_id: int) -> int:
    """Scheduled for the moment an instance's timer is due (a periodic tick catches up as well)."""
    from yunying.workflow.timers import due_work_tick as tick

    return tick()


@db_periodic_task(crontab(minute="*"))
def timers_tick() -> int:
    from yunying.workflow.timers import legacy_timers_tick

    return legacy_timers_tick()


@HUEY.on_startup()
def catch_up_on_start() -> None:
    """A worker that was stopped catches up at once rather than at the next minute."""
    due_work_tick()
