"""Background jobs of analytics: large imports run in the worker (thin wrappers over services)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def sales_import_task(import_id: int) -> None:
    from yunying.analytics.services import sales_import_execute

    sales_import_execute(import_id=import_id)
