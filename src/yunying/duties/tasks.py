"""Background work of duties (Huey): materialise, hand over and deliver occurrences. Thin wrappers over
:mod:`yunying.duties.scheduler`; each run is idempotent and safe beside other workers."""

from __future__ import annotations

import os
from typing import Any

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task


@db_periodic_task(crontab(minute="*/10"))
def duties_schedule_tick() -> dict[str, int]:
    """Occurrences of the coming weeks materialised, open ones handed to whoever holds the seat now."""
    from yunying.duties.scheduler import duties_schedule

    return duties_schedule().as_dict()


@db_periodic_task(crontab(minute="*"))
def duties_deliver_tick() -> dict[str, int]:
    """Arrivals (pre-filled), reminders, overdue notices and escalations due by now, each once."""
    from yunying.duties.scheduler import duties_deliver

    return duties_deliver().as_dict()


@db_task(retries=3, retry_delay=30)
def deliveries_announce_task(occurrence_id: int) -> int:
    """An accepted bulletin announced to the stores it was sent to (each store once)."""
    from yunying.duties.delivery import deliveries_announce

    return deliveries_announce(occurrence_id)


@db_task(retries=2, retry_delay=5)
def duties_tick_task() -> dict[str, Any]:
    """Everything at once (what a starting worker runs), with which process ran it and when."""
    from yunying.core import clock
    from yunying.duties.scheduler import duties_tick

    started = clock.now()
    result: dict[str, Any] = dict(duties_tick().as_dict())
    result.update(pid=os.getpid(), started=started.isoformat(), finished=clock.now().isoformat())
    return result


@HUEY.on_startup()
def duties_catch_up_on_start() -> None:
    """A worker that was stopped catches up at once: missed periods materialised, due notices sent."""
    from yunying.duties.scheduler import duties_tick

    duties_tick()
