"""Two workers sending the slot alerts at the same moment, each in its own thread and database connection:
every late slot is told exactly once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from yunying.notifications.models import Notification
from yunying.storeday import services
from yunying.storeday.factories import at
from yunying.storeday.models import SlotAlert

pytestmark = pytest.mark.django_db(transaction=True)
DAY = dt.date(2026, 12, 1)


def test_two_workers_at_once_alert_once(chain):
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(services.slot_alerts_send())
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(at(DAY, 9, 5), tick=False):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors
    stores = len(chain.stores_a) + len(chain.stores_b) + 1
    assert sum(results) == stores  # each store's late opening, once, whichever worker claimed it
    assert SlotAlert.objects.count() == stores
    told = Notification.objects.filter(kind="overdue", recipient=chain.users["store_a1"])
    assert told.count() == 1
