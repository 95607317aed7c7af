"""Background work of a store's day: every five minutes, tell the 店长 and the 区域经理 about slots that
have become late or missed (idempotent: each slot and state is told once, whichever worker runs it)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunying.storeday import services


@db_periodic_task(crontab(minute="*/5"))
def slot_alerts() -> int:
    return services.slot_alerts_send()
