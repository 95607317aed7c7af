"""Moving the notifications out of the workflow app loses nothing: every row is copied with its id."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("workflow", "0002_rules_and_system_steps"), ("notifications", None)]


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_workflow_notifications_are_copied(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("n1", password="pass-word-1")
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old_apps = _migrate(BEFORE)
        Old = old_apps.get_model("workflow", "Notification")
        at = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
        Old.objects.create(pk=41, recipient_id=user.pk, kind="overdue", message="旧的超时", created_at=at)
        Old.objects.create(
            pk=42, recipient_id=user.pk, kind="remind", message="已读的", created_at=at, read_at=at
        )
        new_apps = _migrate(latest)
        New = new_apps.get_model("notifications", "Notification")
        rows = {n.pk: n for n in New.objects.all()}
        assert set(rows) == {41, 42}
        assert rows[41].message == "旧的超时" and rows[41].urgent and rows[41].read_at is None
        assert rows[42].read_at == at and rows[42].created_at == at and not rows[42].urgent
        fresh = New.objects.create(recipient_id=user.pk, kind="cc", message="新的")
        assert fresh.pk > 42  # the id sequence moved past the copied rows
    finally:
        _migrate(latest)
