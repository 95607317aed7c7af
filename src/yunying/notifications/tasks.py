"""Background work: send the outbox after commit, and sweep it every minute (what a stopped or crashed
worker left, retries whose backoff has passed, messages held back by a robot's rate limit). Two runs at
once are safe: rows are claimed before they are sent and robot slots are taken under the robot's lock.

Wake-ups coalesce: while a run is queued and has not started, further commits queue none (a flag in the
queue's own store, taken by the run before it reads the outbox, so whatever commits after that queues the
next run). The per-minute sweep drops a flag that a lost run left behind."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from yunying.notifications import outbox

log = logging.getLogger(__name__)

WAKE_FLAG = "yunying:outbox-wake"


def wake() -> None:
    """Queue a run of :func:`deliver_outbox`, unless one is queued and has not started yet."""
    try:
        first = HUEY.put_if_empty(WAKE_FLAG, "1")
    except Exception:  # the queue's store refused: queue a run anyway (two runs are safe)
        log.warning("outbox wake flag unavailable", exc_info=True)
        first = True
    if first:
        deliver_outbox()


def _take_wake_flag() -> None:
    try:
        HUEY.get(WAKE_FLAG)  # read and removed
    except Exception:
        log.warning("outbox wake flag unavailable", exc_info=True)


@db_task()
def deliver_outbox() -> None:
    """Answers nothing: a task's answer is kept in the queue's store until someone reads it, and nobody
    reads this one (it runs after every commit that raised a notification)."""
    _take_wake_flag()  # before the outbox is read: a commit after this point queues the next run
    outbox.deliveries_send_due()


@db_periodic_task(crontab(minute="*"))
def outbox_sweep() -> int:
    _take_wake_flag()
    return outbox.deliveries_send_due().sent


@db_periodic_task(crontab(hour="3", minute="17"))
def outbox_prune() -> int:
    """Sent deliveries older than the retention (failed ones stay until an administrator acts)."""
    return outbox.deliveries_prune()
