"""Draft save of an occurrence's form: kept without being submitted or validated, reopened pre-filled on the
page, shown to the assignee only, cleared by submitting; bad input and the wrong person change nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from yunying.core.tests.company_time import frozen_at
from yunying.duties.factories import duty_make
from yunying.duties.models import Event, Occurrence, Status
from yunying.duties.scheduler import duties_tick, occurrences_materialise

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MONDAY = dt.datetime(2026, 6, 8, 2, tzinfo=UTC)
LATER = MONDAY + dt.timedelta(hours=2)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def put(client: Client, path: str, body: Any) -> Any:
    return client.put(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def plan(ops_chain: Any) -> Any:
    duty_make(key="t_plan", positions=("MGMT-HEAD",), cadence="weekly", weekday=4, due_time=dt.time(17),
              lead_days=5, starts_on=dt.date(2026, 6, 8))  # fmt: skip
    with frozen_at(MONDAY, "UTC"):
        occurrences_materialise(start=dt.date(2026, 6, 8), end=dt.date(2026, 6, 21))
        duties_tick()
    ops_chain.occ = Occurrence.objects.get(duty__key="t_plan", period_key="2026-W24")
    return ops_chain


def test_a_draft_is_kept_unvalidated_shown_to_its_assignee_and_cleared_by_submitting(plan: Any):
    occ, mgmt, ops = plan.occ, client_for(plan.users["mgmt"]), client_for(plan.users["ops"])
    path = f"/api/duties/occurrences/{occ.pk}"
    with frozen_at(LATER, "UTC"):
        first = put(mgmt, f"{path}/draft", {"data": {"score": 95, "unknown": "x"}})
        assert first.status_code == 200, first.content
        body = first.json()
        assert body["status"] == "open" and body["draft"] == {"score": 95} and body["draft_saved_at"]
        again = put(mgmt, f"{path}/draft", {"data": {"summary": "巡店 8 家，还差 4 家", "score": 95}})
        assert again.json()["draft"] == {"summary": "巡店 8 家，还差 4 家", "score": 95}
        assert mgmt.get(path).json()["draft"]["summary"] == "巡店 8 家，还差 4 家"
        assert ops.get(path).json()["draft"] is None  # the reviewer sees submissions, not drafts
        page = mgmt.get(f"/duties/o/{occ.pk}/").content.decode()
        assert "巡店 8 家，还差 4 家" in page and 'data-testid="occ-draft-saved"' in page
        occ.refresh_from_db()
        assert occ.status == Status.OPEN and occ.first_submitted_at is None and occ.data == {}
        assert list(occ.events.values_list("action", flat=True)) == ["arrived", "saved"]  # one line per run
        done = mgmt.post(
            f"{path}/submit", json.dumps({"data": {"summary": "巡店 12 家"}}), content_type="application/json"
        )
        assert done.status_code == 200 and done.json()["draft"] is None
        assert put(mgmt, f"{path}/draft", {"data": {"summary": "x"}}).status_code == 409
    occ.refresh_from_db()
    assert occ.draft is None and occ.draft_saved_at is None and occ.data["summary"] == "巡店 12 家"


def test_the_page_saves_a_draft_without_the_required_fields(plan: Any):
    occ, mgmt = plan.occ, client_for(plan.users["mgmt"])
    with frozen_at(LATER, "UTC"):
        resp = mgmt.post(f"/duties/o/{occ.pk}/", {"action": "draft", "f_summary": "", "f_score": "60"})
        assert resp.status_code == 302
        occ.refresh_from_db()
        assert occ.status == Status.OPEN and occ.draft is not None and str(occ.draft["score"]) == "60"
        assert 'value="60"' in mgmt.get(f"/duties/o/{occ.pk}/").content.decode()


def test_bad_drafts_and_other_people_change_nothing(plan: Any):
    occ, mgmt, ops = plan.occ, client_for(plan.users["mgmt"]), client_for(plan.users["ops"])
    path = f"/api/duties/occurrences/{occ.pk}/draft"
    with frozen_at(LATER, "UTC"):
        assert put(mgmt, path, {"data": "not an object"}).status_code == 422
        huge = put(mgmt, path, {"data": {"summary": "很" * 100_000}})
        assert huge.status_code == 422 and "草稿内容过大" in huge.json()["detail"]
        assert put(ops, path, {"data": {"summary": "x"}}).status_code == 403
        future = Occurrence.objects.get(duty__key="t_plan", period_key="2026-W25")  # not arrived yet
        early = put(mgmt, f"/api/duties/occurrences/{future.pk}/draft", {"data": {"summary": "x"}})
        assert early.status_code == 422 and "尚未下发" in early.json()["detail"]
    occ.refresh_from_db()
    assert occ.draft is None and not occ.events.filter(action=Event.Action.SAVED).exists()
