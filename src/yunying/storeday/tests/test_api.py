"""The store-day API: the day with slot states, ticking off twice, the meeting, handover sign-off by two
logins, the roster and a swap; scope (404 outside the store); the OpenAPI lists the paths."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from yunying.accounts.models import User
from yunying.org.factories import person_with_login
from yunying.storeday.factories import at
from yunying.storeday.models import SlotRecord

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 1)
OPENING = {"date": "2026-12-01", "checked": ["locks", "clock_in", "power", "equipment"]}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_day_and_slot_submission(chain, django_assert_max_num_queries):
    manager = client_for(chain.users["store_a1"])
    with time_machine.travel(at(DAY, 8, 55), tick=False):
        first = manager.post("/api/stores/A1/day/slots/opening", OPENING, content_type="application/json")
        second = manager.post("/api/stores/A1/day/slots/opening", OPENING, content_type="application/json")
        assert first.status_code == second.status_code == 200, first.content
        assert first.json()["state"] == "done" and not first.json()["repeated"] and second.json()["repeated"]
    with time_machine.travel(at(DAY, 9, 40), tick=False), django_assert_max_num_queries(20):
        day = manager.get("/api/stores/A1/day?date=2026-12-01")
    assert day.status_code == 200
    body = day.json()
    assert [(s["routine"], s["state"]) for s in body["slots"]] == [
        ("opening", "done"),
        ("ready", "late"),
        ("patrol", "pending"),
        ("closing", "pending"),
    ]
    assert body["slots"][0]["done_by"] == "store_a1" and body["meeting"] is None and body["handovers"] == []
    assert SlotRecord.objects.count() == 1


def test_bad_input_is_a_clear_422_and_changes_nothing(chain):
    manager = client_for(chain.users["store_a1"])
    with time_machine.travel(at(DAY, 8, 55), tick=False):
        bad = manager.post(
            "/api/stores/A1/day/slots/opening",
            {**OPENING, "checked": ["locks"]},
            content_type="application/json",
        )
        assert bad.status_code == 422 and "备注" in bad.json()["detail"] and bad.json()["field"] == "note"
        assert manager.get("/api/stores/A1/day?date=2026-13-01").status_code == 422
        meeting = manager.put(
            "/api/stores/A1/day/meeting",
            {"date": "2026-12-01", "present": 0},
            content_type="application/json",
        )
        assert meeting.status_code == 422 and "出勤" in meeting.json()["detail"]
    assert not SlotRecord.objects.exists()


def test_outside_the_store_is_404(chain):
    for user in ("store_a1", "nobody"):
        client = client_for(chain.users[user])
        assert client.get("/api/stores/A2/day").status_code == 404
        assert (
            client.post(
                "/api/stores/A2/day/slots/opening", OPENING, content_type="application/json"
            ).status_code
            == 404
        )
        assert client.get("/api/stores/A2/roster").status_code == 404
    assert client_for(chain.users["area_a"]).get("/api/stores/A2/day").status_code == 200
    assert client_for(chain.users["area_a"]).get("/api/stores/B1/day").status_code == 404
    assert Client().get("/api/stores/A1/day").status_code == 401


def test_meeting_handover_and_roster_round_trip(chain):
    person_with_login("lead_a1", "FOH-LEAD", chain.stores_a[0])
    manager, waiter = client_for(chain.users["store_a1"]), client_for(chain.users["staff_a1"])
    with time_machine.travel(at(DAY, 9, 5), tick=False):
        saved = manager.put(
            "/api/stores/A1/day/meeting",
            {"date": "2026-12-01", "present": 11, "training_topic": "新品话术", "top_products": ["红烧肉"]},
            content_type="application/json",
        )
        assert saved.status_code == 200 and saved.json()["top_products"][0]["name"] == "红烧肉"
        page = manager.post(
            "/api/stores/A1/handovers",
            {
                "shift": "早班→晚班",
                "receiver": "staff_a1",
                "cash": "800.00",
                "keys": "大门",
                "items": ["冷柜报修"],
            },
            content_type="application/json",
        )
        assert page.status_code == 201, page.content
        page_id = page.json()["id"]
        assert manager.post(f"/api/stores/A1/handovers/{page_id}/confirm").status_code == 403
        confirmed = waiter.post(f"/api/stores/A1/handovers/{page_id}/confirm")
        assert confirmed.status_code == 200 and confirmed.json()["confirmed_at"]
        roster = manager.get("/api/stores/A1/roster?week=2026-12-01").json()
        assert roster["week"] == "2026-11-30" and {p["name"] for p in roster["eligible"]} == {
            "store_a1",
            "lead_a1",
        }
        numbers = {p["name"]: p["employee_no"] for p in roster["eligible"]}
        days = [
            {"date": f"2026-12-0{i}", "manager": numbers["store_a1" if i % 2 else "lead_a1"]}
            for i in range(1, 7)
        ]
        saved_roster = manager.put(
            "/api/stores/A1/roster", {"week": "2026-11-30", "days": days}, content_type="application/json"
        )
        assert saved_roster.status_code == 200, saved_roster.content
        refused = waiter.put(
            "/api/stores/A1/roster", {"week": "2026-11-30", "days": days}, content_type="application/json"
        )
        assert refused.status_code == 403
        swap = manager.post(
            "/api/stores/A1/roster/swaps",
            {"date": "2026-12-03", "other": numbers["lead_a1"], "other_date": "2026-12-04"},
            content_type="application/json",
        )
        assert swap.status_code == 201, swap.content
        lead_client = client_for(User.objects.get(username="lead_a1"))
        decided = lead_client.post(
            f"/api/stores/A1/roster/swaps/{swap.json()['id']}/decision",
            {"accept": True},
            content_type="application/json",
        )
        assert decided.status_code == 200 and decided.json()["status"] == "accepted"
        day = manager.get("/api/stores/A1/day?date=2026-12-03").json()
        assert day["duty_manager"]["name"] == "lead_a1" and day["meeting"] is None
        assert (
            manager.get("/api/stores/A1/day?date=2026-12-01").json()["handovers"][0]["items"][0]["text"]
            == "冷柜报修"
        )


def test_openapi_lists_the_paths(chain):
    schema = client_for(chain.users["gm"]).get("/api/openapi.json").json()
    for path in (
        "/api/stores/{code}/day",
        "/api/stores/{code}/day/slots/{routine}",
        "/api/stores/{code}/day/meeting",
        "/api/stores/{code}/handovers",
        "/api/stores/{code}/handovers/{handover_id}/confirm",
        "/api/stores/{code}/roster",
        "/api/stores/{code}/roster/swaps",
        "/api/stores/{code}/roster/swaps/{swap_id}/decision",
        "/api/stores/attention",
    ):
        assert path in schema["paths"], path
