"""Submit and review through the API (and the services behind it): the form validated by the forms app, the
allowed transitions, who may act, scope, bad input that changes nothing, notifications, pre-filled content
and the accepted target proposal becoming next month's targets."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from yunying.analytics.models import StoreTarget
from yunying.core.tests.company_time import frozen_at
from yunying.duties.factories import duty_make
from yunying.duties.models import Duty, Event, Occurrence, Status
from yunying.duties.scheduler import duties_tick, occurrences_materialise
from yunying.notifications.models import Notification
from yunying.org.models import Position

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MONDAY = dt.datetime(2026, 6, 8, 2, tzinfo=UTC)  # Monday 8 June 2026, 10:00 in Shanghai


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def plan(ops_chain: Any) -> Any:
    """The weekly plan of the 管理部主任, reviewed by the 运营经理, arrived and due on Friday 12 June."""
    duty_make(key="t_plan", positions=("MGMT-HEAD",), cadence="weekly", weekday=4, due_time=dt.time(17),
              lead_days=5, starts_on=dt.date(2026, 6, 8))  # fmt: skip
    with frozen_at(MONDAY, "UTC"):
        occurrences_materialise(start=dt.date(2026, 6, 8), end=dt.date(2026, 6, 14))
        duties_tick()
    ops_chain.occ = Occurrence.objects.get(duty__key="t_plan", period_key="2026-W24")
    return ops_chain


def test_submit_then_return_with_a_reason_then_resubmit_then_accept(plan: Any):
    occ = plan.occ
    mgmt, ops = client_for(plan.users["mgmt"]), client_for(plan.users["ops"])
    assert Notification.objects.filter(recipient=plan.users["mgmt"], kind="assigned").count() == 1
    with frozen_at(MONDAY + dt.timedelta(hours=3), "UTC"):
        mine = mgmt.get(
            "/api/duties/occurrences", {"mine": "true", "status": "open", "to": "2026-06-14"}
        ).json()
        assert [i["id"] for i in mine["items"]] == [occ.pk]
        assert mine["items"][0]["due_at"].startswith("2026-06-12T09:00")  # 17:00 in Shanghai
        resp = post(
            mgmt,
            f"/api/duties/occurrences/{occ.pk}/submit",
            {"data": {"summary": "本周完成巡店 12 家", "score": 90}},
        )
        assert resp.status_code == 200, resp.content
        assert (
            resp.json()["status"] == "submitted"
            and resp.json()["reviewer"] == plan.users["ops"].employee.employee_no
        )
        assert Notification.objects.filter(recipient=plan.users["ops"], kind="assigned").count() == 1
        back = post(
            ops,
            f"/api/duties/occurrences/{occ.pk}/review",
            {"accepted": False, "comment": "请补充未完成事项的原因"},
        )
        assert back.status_code == 200 and back.json()["status"] == "returned"
        assert back.json()["review_comment"] == "请补充未完成事项的原因"
        returned = Notification.objects.get(recipient=plan.users["mgmt"], kind="returned")
        assert "请补充未完成事项的原因" in returned.message and returned.url == f"/duties/o/{occ.pk}/"
    with frozen_at(dt.datetime(2026, 6, 12, 10, tzinfo=UTC), "UTC"):  # 18:00 Friday: an hour late
        again = post(
            mgmt, f"/api/duties/occurrences/{occ.pk}/submit", {"data": {"summary": "已补充原因", "score": 92}}
        )
        assert again.status_code == 200
        assert again.json()["late"] is False  # the first submission was on time
        occ.duty.copy_positions.set(Position.objects.filter(code="GM"))  # e.g. the 行政部 in a real chain
        ok = post(ops, f"/api/duties/occurrences/{occ.pk}/review", {"accepted": True, "comment": "好"})
        assert ok.json()["status"] == "accepted"
        assert Notification.objects.filter(recipient=plan.users["gm"], kind="cc").count() == 1
    actions = list(Event.objects.filter(occurrence=occ).values_list("action", flat=True))
    assert actions == ["arrived", "submitted", "returned", "submitted", "accepted"]
    twice = post(ops, f"/api/duties/occurrences/{occ.pk}/review", {"accepted": True})
    assert twice.status_code == 409 and "已通过" in twice.json()["detail"]
    late_submit = post(mgmt, f"/api/duties/occurrences/{occ.pk}/submit", {"data": {"summary": "x"}})
    assert late_submit.status_code == 409


def test_bad_input_gets_a_message_per_field_and_changes_nothing(plan: Any):
    occ = plan.occ
    mgmt = client_for(plan.users["mgmt"])
    with frozen_at(MONDAY + dt.timedelta(hours=3), "UTC"):
        resp = post(mgmt, f"/api/duties/occurrences/{occ.pk}/submit", {"data": {"score": 300}})
        assert resp.status_code == 422
        fields = {e["field"] for e in resp.json()["errors"]}
        assert fields == {"summary", "score"}
        assert (
            post(mgmt, f"/api/duties/occurrences/{occ.pk}/submit", {"data": "not an object"}).status_code
            == 422
        )
        assert post(mgmt, f"/api/duties/occurrences/{occ.pk}/submit", {}).status_code == 422
    occ.refresh_from_db()
    assert occ.status == Status.OPEN and occ.data == {} and occ.first_submitted_at is None
    assert not occ.events.exclude(action="arrived").exists()
    ops = client_for(plan.users["ops"])
    assert post(ops, f"/api/duties/occurrences/{occ.pk}/review", {"accepted": True}).status_code == 409
    assert post(ops, f"/api/duties/occurrences/{occ.pk}/review", {"accepted": "maybe"}).status_code == 422
    assert mgmt.get("/api/duties/occurrences", {"from": "2026-13-01"}).status_code == 422
    assert mgmt.get("/api/duties/occurrences", {"status": "lost"}).status_code == 422
    assert mgmt.get("/api/duties/occurrences", {"from": "2026-06-10", "to": "2026-06-01"}).status_code == 422
    assert mgmt.get("/api/duties/board", {"month": "2026-6"}).status_code == 422
    assert mgmt.get("/api/duties/board", {"group": "planet"}).status_code == 422
    assert mgmt.get("/api/duties/board", {"unit": "NOPE"}).status_code == 404


def test_returning_needs_a_reason_and_only_the_people_concerned_may_act(plan: Any):
    occ = plan.occ
    with frozen_at(MONDAY + dt.timedelta(hours=3), "UTC"):
        post(
            client_for(plan.users["mgmt"]),
            f"/api/duties/occurrences/{occ.pk}/submit",
            {"data": {"summary": "好"}},
        )
        ops = client_for(plan.users["ops"])
        resp = post(ops, f"/api/duties/occurrences/{occ.pk}/review", {"accepted": False, "comment": "  "})
        assert resp.status_code == 422 and resp.json()["field"] == "comment"
        supervisor = client_for(plan.users["supervisor"])  # sees everything, but is not the reviewer
        assert (
            post(supervisor, f"/api/duties/occurrences/{occ.pk}/review", {"accepted": True}).status_code
            == 403
        )
        assert (
            post(
                supervisor, f"/api/duties/occurrences/{occ.pk}/submit", {"data": {"summary": "x"}}
            ).status_code
            == 403
        )
        area = client_for(plan.users["area_a"])  # outside: the occurrence does not exist for them
        assert area.get(f"/api/duties/occurrences/{occ.pk}").status_code == 404
        assert post(area, f"/api/duties/occurrences/{occ.pk}/review", {"accepted": True}).status_code == 404
    occ.refresh_from_db()
    assert occ.status == Status.SUBMITTED


def test_not_yet_arrived_cannot_be_submitted(plan: Any):
    with frozen_at(MONDAY, "UTC"):
        occurrences_materialise(start=dt.date(2026, 6, 15), end=dt.date(2026, 6, 21))
    later = Occurrence.objects.get(duty__key="t_plan", period_key="2026-W25")
    with frozen_at(MONDAY, "UTC"):
        resp = post(
            client_for(plan.users["mgmt"]),
            f"/api/duties/occurrences/{later.pk}/submit",
            {"data": {"summary": "x"}},
        )
    assert resp.status_code == 422 and "尚未下发" in resp.json()["detail"]


def test_a_duty_without_review_is_done_on_submission(ops_chain: Any):
    duty_make(
        key="t_survey", positions=("STORE-MGR",), cadence="monthly", day="20", needs_review=False, lead_days=5
    )
    with frozen_at(dt.datetime(2026, 6, 17, 2, tzinfo=UTC), "UTC"):
        duties_tick()
        occ = Occurrence.objects.get(
            duty__key="t_survey", assignee__user=ops_chain.users["store_a1"], period_key="2026-06"
        )
        resp = post(
            client_for(ops_chain.users["store_a1"]),
            f"/api/duties/occurrences/{occ.pk}/submit",
            {"data": {"summary": "需要消防培训"}},
        )
    assert resp.json()["status"] == "done"


def test_duty_list_and_board_endpoints(plan: Any, django_assert_max_num_queries: Any):
    ops = client_for(plan.users["ops"])
    duties = ops.get("/api/duties").json()
    row = next(d for d in duties if d["key"] == "t_plan")
    assert row["positions"] == ["MGMT-HEAD"] and row["cadence"] == "weekly" and row["rule"] == "每周周五"
    shipped = {d["key"] for d in duties}
    assert {
        "weekly_plan",
        "target_proposal",
        "store_manager_evaluation",
        "training_survey",
        "team_activity",
    } <= shipped
    with frozen_at(dt.datetime(2026, 6, 13, 2, tzinfo=UTC), "UTC"), django_assert_max_num_queries(12):
        board = ops.get("/api/duties/board", {"month": "2026-06"}).json()
    [line] = [x for x in board["lines"] if x["label"] == "mgmt"]
    assert line["due"] >= 1 and line["missing"] >= 1  # week 24 went by without a submission
    paths = ops.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/duties",
        "/api/duties/occurrences",
        "/api/duties/occurrences/{occurrence_id}/submit",
        "/api/duties/occurrences/{occurrence_id}/review",
        "/api/duties/board",
    ):
        assert path in paths


def test_occurrence_list_keeps_a_fixed_number_of_queries(plan: Any, django_assert_max_num_queries: Any):
    with frozen_at(MONDAY, "UTC"):
        occurrences_materialise(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    client = client_for(plan.users["ops"])
    with django_assert_max_num_queries(8):
        page = client.get("/api/duties/occurrences", {"limit": 200}).json()
    assert page["total"] >= 25 and len(page["items"]) == page["total"]


def test_the_accepted_target_proposal_becomes_next_months_targets(ops_chain: Any):
    duty = Duty.objects.get(key="target_proposal")
    duty.is_active = True
    duty.prefill = ""  # the content is given here; the prefill has its own test
    duty.starts_on = dt.date(2026, 6, 1)
    duty.save(update_fields=["is_active", "prefill", "starts_on"])
    with frozen_at(dt.datetime(2026, 6, 22, 2, tzinfo=UTC), "UTC"):
        occurrences_materialise(start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 30))
        duties_tick()
        occ = Occurrence.objects.get(duty=duty, period_key="2026-06")
        data = {"month": "2026-07", "stores": [
            {"store": "A1", "suggested": "120000", "proposed": "125000"},
            {"store": "B2", "proposed": "98000.50"},
        ]}  # fmt: skip
        assert (
            post(
                client_for(ops_chain.users["mgmt"]),
                f"/api/duties/occurrences/{occ.pk}/submit",
                {"data": data},
            ).status_code
            == 200
        )
        resp = post(
            client_for(ops_chain.users["ops"]), f"/api/duties/occurrences/{occ.pk}/review", {"accepted": True}
        )
        assert resp.status_code == 200, resp.content
    targets = dict(StoreTarget.objects.filter(month=dt.date(2026, 7, 1)).values_list("store__code", "amount"))
    assert targets == {"A1": Decimal("125000.00"), "B2": Decimal("98000.50")}
    assert occ.events.get(action="applied").data == {"targets": 2}


def test_previous_plan_items_prefill_the_next_summary(plan: Any):
    occ = plan.occ
    Duty.objects.filter(key="t_plan").update(prefill="previous_plan")
    occ.data = {"plan_items": [{"item": "完成 S03 消防检查"}, {"item": "新店开业筹备"}]}
    occ.first_submitted_at = occ.submitted_at = dt.datetime(2026, 6, 12, 8, tzinfo=UTC)
    occ.status = Status.ACCEPTED
    occ.save()
    with frozen_at(dt.datetime(2026, 6, 15, 2, tzinfo=UTC), "UTC"):
        duties_tick()
    following = Occurrence.objects.get(duty__key="t_plan", period_key="2026-W25")
    assert following.prefilled
    assert following.data["summary_items"] == [
        {"item": "完成 S03 消防检查", "status": ""},
        {"item": "新店开业筹备", "status": ""},
    ]
