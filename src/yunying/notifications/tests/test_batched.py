"""Notifications of one action written together (``services.batched``): the same rows as one call each,
in one INSERT at the end; an error drops them; a part undone to a savepoint takes its own back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from yunying.core import clock as company_clock
from yunying.notifications import services
from yunying.notifications.models import Delivery, EventKind, Notification

pytestmark = pytest.mark.django_db


def _inserts(captured: CaptureQueriesContext, table: str) -> int:
    return sum(1 for q in captured.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"'))


def test_the_notifications_of_a_batch_are_written_in_one_insert_at_its_end(chain: Any) -> None:
    gm, area = chain.users["gm"], chain.users["area_a"]
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        with services.batched():
            first = services.notify([gm], kind="assigned", message="一")
            services.notify([area, gm], kind="approved", message="二")
            assert not Notification.objects.filter(message__in=["一", "二"]).exists()  # not yet
        assert first[0].pk is not None  # the rows handed back have their ids once written
    assert _inserts(captured, "notifications_notification") == 1
    rows = list(Notification.objects.order_by("pk").values_list("message", "recipient__username", "kind"))
    assert rows == [("一", "gm", "assigned"), ("二", "area_a", "approved"), ("二", "gm", "approved")]


def test_an_error_in_the_batch_writes_none_of_it(chain: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic(), services.batched():
        services.notify([chain.users["gm"]], kind="assigned", message="一")
        raise RuntimeError("boom")
    assert not Notification.objects.exists()
    with transaction.atomic(), services.batched():  # the next batch starts empty
        services.notify([chain.users["gm"]], kind="assigned", message="二")
    assert list(Notification.objects.values_list("message", flat=True)) == ["二"]


def test_undone_to_a_mark_the_batch_forgets_what_came_after(chain: Any) -> None:
    with transaction.atomic(), services.batched():
        services.notify([chain.users["gm"]], kind="assigned", message="留")
        mark = services.batch_mark()
        services.notify([chain.users["area_a"]], kind="assigned", message="撤")
        services.batch_undo(mark)
    assert list(Notification.objects.values_list("message", flat=True)) == ["留"]


def test_e_mails_of_one_batch_join_one_digest_window(chain: Any, monkeypatch: Any) -> None:
    """Two 'assigned' e-mails for one person raised in one action wait for the same window, as they
    would if each had been written at once."""
    EventKind.objects.filter(code="assigned").update(digest_minutes=10)
    services.cache_clear()
    user = chain.users["area_a"]
    user.email = "area@example.com"
    user.save()
    services.preference_save(
        user=user, channels={"assigned": ["in_app", "email"]}, quiet_start=None, quiet_end=None
    )
    start = dt.datetime(2026, 12, 1, 10, 0, tzinfo=company_clock.company_zone())
    with transaction.atomic(), services.batched():
        for minute, text in ((0, "待办一"), (3, "待办二")):
            moment = start + dt.timedelta(minutes=minute)
            monkeypatch.setattr(company_clock, "now", lambda m=moment: m.astimezone(dt.UTC))
            services.notify([user], kind="assigned", message=text)
    dues = list(Delivery.objects.order_by("pk").values_list("due_at", "notification__message"))
    assert [m for _due, m in dues] == ["待办一", "待办二"]
    assert {due for due, _m in dues} == {start + dt.timedelta(minutes=10)}
