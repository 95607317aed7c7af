"""Background work of inspections: rectification reminders and escalations (see ``deadlines``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunying.inspections.deadlines import findings_deadline_tick


@db_periodic_task(crontab(minute="*/15"))
def findings_deadline() -> tuple[int, int]:
    result = findings_deadline_tick()
    return result.reminded, result.escalated
