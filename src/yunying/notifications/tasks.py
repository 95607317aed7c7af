"""Background work: send the outbox after commit, and sweep it every minute (what a stopped or crashed
worker left, retries whose backoff has passed, messages held back by a robot's rate limit). Two runs at
once are safe: rows are claimed before they are sent and robot slots are taken under the robot's lock."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yunying.notifications import outbox


@db_task()
def deliver_outbox() -> int:
    return outbox.deliveries_send_due().sent


@db_periodic_task(crontab(minute="*"))
def outbox_sweep() -> int:
    return outbox.deliveries_send_due().sent
