"""Duties as inbox cards: the assignee's card once an occurrence arrives, the reviewer's while it waits for
review, the assignee's again when it is sent back, none once accepted; the worker's arrivals write their cards
in bulk; a successor takes the card over; the rebuild (what the migration runs) restores them; the inbox page
lists them beside approvals and the badge counts them once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from yunying.core import clock
from yunying.core.tests.company_time import frozen_at
from yunying.duties import cards as duty_cards
from yunying.duties.factories import duty_make
from yunying.duties.models import Occurrence, Status
from yunying.duties.scheduler import (
    duties_tick,
    occurrences_arrive,
    occurrences_materialise,
    occurrences_reconcile,
)
from yunying.duties.selectors import inbox_count
from yunying.duties.services import occurrence_review, occurrence_submit
from yunying.org.factories import EmployeeFactory, UserFactory, appoint
from yunying.org.models import Appointment
from yunying.web.navigation import navigation_for
from yunying.workflow import cards as workflow_cards
from yunying.workflow.inbox import InboxFilters, inbox_page, todo_cards, todo_count
from yunying.workflow.models import InboxCard

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MONDAY = dt.datetime(2026, 6, 8, 2, tzinfo=UTC)  # Monday 8 June 2026, 10:00 in Shanghai


def _duty_cards(user: Any) -> list[InboxCard]:
    return list(todo_cards(user).filter(kind=duty_cards.KIND))


@pytest.fixture
def plan(ops_chain: Any) -> Any:
    duty_make(key="t_plan", positions=("MGMT-HEAD",), cadence="weekly", weekday=4, due_time=dt.time(17),
              lead_days=5, starts_on=dt.date(2026, 6, 8))  # fmt: skip
    with frozen_at(MONDAY, "UTC"):
        occurrences_materialise(start=dt.date(2026, 6, 8), end=dt.date(2026, 6, 21))
        duties_tick()
    ops_chain.occ = Occurrence.objects.get(duty__key="t_plan", period_key="2026-W24")
    return ops_chain


def test_the_card_follows_the_occurrence_from_arrival_to_acceptance(plan: Any):
    mgmt, ops, occ = plan.users["mgmt"], plan.users["ops"], plan.occ
    [card] = _duty_cards(mgmt)  # next week's plan has not arrived: no card for it yet
    assert card.ref == str(occ.pk) and card.url == f"/duties/o/{occ.pk}/" and card.step == "待提交"
    assert card.due_at == occ.due_at and ["期间", "2026-W24"] in card.summary
    assert _duty_cards(ops) == [] and inbox_count(mgmt) == 1
    with frozen_at(MONDAY + dt.timedelta(hours=3), "UTC"):
        occurrence_submit(actor=mgmt, occurrence_id=occ.pk, data={"summary": "本周完成巡店 12 家"})
        assert _duty_cards(mgmt) == []
        [review] = _duty_cards(ops)
        assert review.step == "待审阅" and review.requester == mgmt.employee.name
        occurrence_review(actor=ops, occurrence_id=occ.pk, accepted=False, comment="请补充原因")
        assert _duty_cards(ops) == []
        [back] = _duty_cards(mgmt)
        assert back.step == "已退回"
        occurrence_submit(actor=mgmt, occurrence_id=occ.pk, data={"summary": "已补充"})
        occurrence_review(actor=ops, occurrence_id=occ.pk, accepted=True)
    assert not InboxCard.objects.filter(kind=duty_cards.KIND, ref=str(occ.pk)).exists()


def test_the_inbox_lists_duty_cards_and_the_badge_counts_them_once(plan: Any):
    mgmt = plan.users["mgmt"]
    page = inbox_page(user=mgmt, tab="todo", filters=InboxFilters())
    assert [(row.kind, row.title) for row in page.tasks] == [("duty", "t_plan")]
    assert page.counts["todo"] == 1 and not page.tasks[0].selectable  # no bulk approval of a duty
    assert todo_count(mgmt) == 1
    badges = {item.key: item.badge for item in navigation_for(mgmt)}
    assert badges["wf-inbox"] == 1 and badges["duties-mine"] == 1
    client = Client()
    client.force_login(mgmt)
    html = client.get("/workflow/inbox/").content.decode()
    assert f'href="/duties/o/{plan.occ.pk}/"' in html and 'data-testid="duties-inbox"' not in html


def test_arrivals_write_their_cards_in_bulk(ops_chain: Any, monkeypatch: Any):
    """A tick that brings many occurrences at once writes their cards with upsert_many (one DELETE and one
    INSERT per chunk), never one card at a time; a vacant seat gets no card."""
    duty_make(key="t_store", positions=("STORE-MGR",), cadence="weekly", weekday=4, lead_days=5,
              starts_on=dt.date(2026, 6, 8))  # fmt: skip
    for i, store in enumerate(ops_chain.stores_a[1:] + ops_chain.stores_b):
        appoint(EmployeeFactory(name=f"店长{i}", user=UserFactory(username=f"sm{i}")), "STORE-MGR", store)
    calls: list[int] = []
    bulk = workflow_cards.upsert_many

    def counted(kind: str, items: Any) -> None:
        pairs = list(items)
        calls.append(len(pairs))
        bulk(kind, pairs)

    def one_by_one(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("arrivals write their cards in bulk")

    monkeypatch.setattr(workflow_cards, "upsert_many", counted)
    monkeypatch.setattr(workflow_cards, "upsert", one_by_one)
    with frozen_at(MONDAY, "UTC"):
        occurrences_materialise(start=dt.date(2026, 6, 8), end=dt.date(2026, 6, 14))
        arrived = Occurrence.objects.filter(duty__key="t_store", available_at__lte=clock.now())
        expected = arrived.count()
        assert expected >= 6
        assert occurrences_arrive(chunk=4) == expected
        assert occurrences_arrive(chunk=4) == 0  # a second tick: nothing new
    assert sum(calls) == expected and len(calls) == -(-expected // 4)
    with_someone = arrived.filter(assignee__user__isnull=False)
    assert InboxCard.objects.filter(kind="duty").count() == with_someone.count()
    assert set(InboxCard.objects.filter(kind="duty").values_list("ref", flat=True)) == {
        str(pk) for pk in with_someone.values_list("pk", flat=True)
    }


def test_a_successor_takes_the_card_over(plan: Any):
    occ = plan.occ
    with frozen_at(MONDAY + dt.timedelta(hours=1), "UTC"):
        appointment = Appointment.objects.get(employee__user=plan.users["mgmt"], position__code="MGMT-HEAD")
        appointment.ended_on = clock.today()
        appointment.save(update_fields=["ended_on"])
        successor = UserFactory(username="mgmt2")
        appoint(
            EmployeeFactory(name="新主任", user=successor), "MGMT-HEAD", plan.mgmt, started_on=clock.today()
        )
        assert occurrences_reconcile() >= 1
    assert _duty_cards(plan.users["mgmt"]) == []
    assert [c.ref for c in _duty_cards(successor)] == [str(occ.pk)]


def test_a_new_reviewer_takes_the_review_card_over(plan: Any):
    occ = plan.occ
    with frozen_at(MONDAY + dt.timedelta(hours=1), "UTC"):
        occurrence_submit(actor=plan.users["mgmt"], occurrence_id=occ.pk, data={"summary": "本周总结"})
        appointment = Appointment.objects.get(employee__user=plan.users["ops"], position__code="OPS-MGR")
        appointment.ended_on = clock.today()
        appointment.save(update_fields=["ended_on"])
        successor = UserFactory(username="ops2")
        appoint(
            EmployeeFactory(name="新经理", user=successor),
            "OPS-MGR",
            appointment.unit,
            started_on=clock.today(),
        )
        assert occurrences_reconcile() == 1
        assert occurrences_reconcile() == 0
        assert _duty_cards(plan.users["ops"]) == []
        [card] = _duty_cards(successor)
        assert card.ref == str(occ.pk) and card.step == "待审阅"
        occurrence_review(actor=successor, occurrence_id=occ.pk, accepted=True)
    assert "新经理" in occ.events.get(action="handed_over").comment
    assert not InboxCard.objects.filter(kind="duty", ref=str(occ.pk)).exists()


def test_the_rebuild_restores_the_cards_of_waiting_occurrences(plan: Any):
    mgmt, ops = plan.users["mgmt"], plan.users["ops"]
    with frozen_at(MONDAY + dt.timedelta(hours=3), "UTC"):
        occurrence_submit(actor=mgmt, occurrence_id=plan.occ.pk, data={"summary": "本周总结"})
    Occurrence.objects.filter(pk=plan.occ.pk).update(status=Status.SUBMITTED)
    before = sorted(InboxCard.objects.filter(kind="duty").values_list("ref", "assignee_id", "step"))
    InboxCard.objects.filter(kind="duty").delete()
    InboxCard.objects.create(kind="duty", ref="999999", assignee=mgmt, title="stale")
    assert duty_cards.duty_cards_rebuild(chunk=1) == len(before) == 1
    after = sorted(InboxCard.objects.filter(kind="duty").values_list("ref", "assignee_id", "step"))
    assert after == before == [(str(plan.occ.pk), ops.pk, "待审阅")]
