"""Background work (Huey): warn about overdue tasks, fire due timers (notifications: yunying.notifications).

Each task is idempotent: running it twice changes nothing the second time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/10"))
def overdue_scan() -> int:
    from yunying.workflow.actions_admin import tasks_warn_overdue

    return tasks_warn_overdue()


@db_periodic_task(crontab(minute="*"))
def timers_tick() -> int:
    from yunying.workflow.actions_admin import instances_advance_timers

    return instances_advance_timers()
