"""Background work (Huey): warn about overdue tasks, fire due timers (notifications: yunying.notifications).

Each task is idempotent: running it twice changes nothing the second time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task


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
