"""Background jobs of analytics: large imports run in the worker (thin wrappers over services)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def sales_import_task(import_id: int) -> None:
    from yunying.analytics.services import sales_import_execute

    sales_import_execute(import_id=import_id)


@db_periodic_task(crontab(minute="*/5"))
def sales_imports_fail_stale_task() -> None:
    """Imports left "running" by a worker that died are marked failed, so no page polls for ever."""
    from yunying.analytics.services import sales_imports_fail_stale

    sales_imports_fail_stale()
