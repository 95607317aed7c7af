"""The accepted supervision bulletin goes on to the stores: one delivery per open store, shown on the
store's page, the store's people told once through the notifications outbox after the commit; a bulletin
sent back goes nowhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from yunying.core.tests.company_time import frozen_at
from yunying.duties.delivery import deliveries_announce
from yunying.duties.factories import duty_make
from yunying.duties.models import Event, Occurrence, StoreDelivery
from yunying.duties.scheduler import duties_tick, occurrences_materialise
from yunying.duties.services import occurrence_review, occurrence_submit
from yunying.notifications.models import Notification
from yunying.org.models import Position

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MONDAY = dt.datetime(2026, 6, 15, 2, tzinfo=UTC)  # Monday 15 June 2026, 10:00 in Shanghai
BULLETIN = {"summary": "本期强调：开店前消防通道必须畅通", "score": 86}


@pytest.fixture
def bulletin(ops_chain: Any) -> Any:
    closed = ops_chain.stores_b[4]
    closed.closed_on = dt.date(2026, 6, 1)
    closed.save(update_fields=["closed_on"])
    duty_make(key="t_bulletin", positions=("SUPERVISOR",), cadence="half_monthly", day="15", second_day="last",
              lead_days=1, on_accept="send_to_stores", reviewer_position=Position.objects.get(code="MGMT-HEAD"),
              starts_on=dt.date(2026, 6, 1))  # fmt: skip
    with frozen_at(MONDAY, "UTC"):
        occurrences_materialise(start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 15))
        duties_tick()
        ops_chain.occ = Occurrence.objects.get(duty__key="t_bulletin", period_key="2026-06-1")
        occurrence_submit(actor=ops_chain.users["supervisor"], occurrence_id=ops_chain.occ.pk, data=BULLETIN)
    return ops_chain


def test_the_accepted_bulletin_reaches_every_open_store_and_its_people_once(
    bulletin: Any, django_capture_on_commit_callbacks: Any
):
    occ = bulletin.occ
    with frozen_at(MONDAY + dt.timedelta(hours=2), "UTC"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            occurrence_review(actor=bulletin.users["mgmt"], occurrence_id=occ.pk, accepted=True)
        assert len(callbacks) >= 1
        assert deliveries_announce(occ.pk) == 0  # a second run tells nobody again
    stores = set(StoreDelivery.objects.filter(occurrence=occ).values_list("store__code", flat=True))
    assert stores == {"A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "D1"}  # B5 has closed
    assert not StoreDelivery.objects.filter(occurrence=occ, notified_at__isnull=True).exists()
    for user in ("store_a1", "staff_a1"):
        [told] = Notification.objects.filter(recipient__username=user, kind="bulletin")
        assert told.url == "/org/stores/A1/#bulletins" and "2026-06-1" in told.message
    assert not Notification.objects.filter(recipient__username="area_a", kind="bulletin").exists()
    assert occ.events.get(action=Event.Action.APPLIED).comment == "已发至 9 家门店。"
    client = Client()
    client.force_login(bulletin.users["store_a1"])
    page = client.get("/org/stores/A1/").content.decode()
    assert 'data-testid="store-bulletin"' in page and BULLETIN["summary"] in page


def test_a_bulletin_sent_back_goes_nowhere(bulletin: Any):
    with frozen_at(MONDAY + dt.timedelta(hours=2), "UTC"):
        occurrence_review(
            actor=bulletin.users["mgmt"],
            occurrence_id=bulletin.occ.pk,
            accepted=False,
            comment="补充整改情况",
        )
    assert not StoreDelivery.objects.exists()
    assert not Notification.objects.filter(kind="bulletin").exists()
