"""Background work (Huey): warn about overdue tasks, fire due timers (notifications: yunying.notifications).

Each task is idempotent: running it twice changes nothing the second time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

DUE_WORK_LOCK = "yunying.due-work"
# Created at import, so a worker that starts flushes it (a lock left by a killed worker does not stick).
_due_work_lock = HUEY.lock_task(DUE_WORK_LOCK)


@db_periodic_task(crontab(minute="*"))
def due_work_tick() -> int:
    """Reminders, overdue notices, escalations and timers due by now, earliest first, each once."""
    from yunying.workflow.monitor_heat import work_seconds_fill

    fired = _tick_once()
    work_seconds_fill()  # the monitor's working-time figures of steps finished since
    return fired


@db_task(retries=3, retry_delay=10)
def fire_timers(instance_id: int, key: str = "") -> int:
    """Scheduled for the moment an instance's timer is due (a periodic tick catches up as well)."""
    if key:
        HUEY.get(key)  # reading removes it: a later moment of this instance may be queued again
    return _tick_once()


def _tick_once() -> int:
    """The due-work tick, one at a time across every worker: a tick already running (another
    ``fire_timers`` due at the same moment, or the periodic one) makes this one a no-op."""
    from yunying.workflow.timers import due_work_tick as tick

    try:
        with _due_work_lock:
            return tick()
    except TaskLockedException:
        return 0


@db_periodic_task(crontab(minute="*"))
def timers_tick() -> int:
    from yunying.workflow.timers import legacy_timers_tick

    return legacy_timers_tick()


@HUEY.on_startup()
def catch_up_on_start() -> None:
    """A worker that was stopped catches up at once rather than at the next minute."""
    due_work_tick()
