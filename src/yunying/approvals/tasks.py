"""Background work of the approval processes (Huey). Idempotent: running it twice starts nothing twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="5", hour="6"))
def probation_reviews_tick() -> int:
    """Each morning: start the 试用期转正 whose review day has come."""
    from yunying.approvals.people import probation_reviews_start

    return len(probation_reviews_start())
