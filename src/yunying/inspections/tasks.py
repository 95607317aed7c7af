"""Background work of inspections: rectification reminders and escalations (see ``deadlines``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yunying.inspections.deadlines import findings_deadline_tick
from yunying.inspections.quality import evaluate_last_month_once


@db_periodic_task(crontab(minute="*/15"))
def findings_deadline() -> tuple[int, int]:
    result = findings_deadline_tick()
    return result.reminded, result.escalated


@db_periodic_task(crontab(minute="7"))
def quality_monthly() -> int:
    """Hourly, so a worker that was down on the 1st still grades last month once it is back."""
    run = evaluate_last_month_once()
    return run.evaluated if run else 0
