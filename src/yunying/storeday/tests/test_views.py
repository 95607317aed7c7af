"""The store-day pages: scope (404 outside), a refused slot shows its message and writes nothing, the
meeting form with the top five, the handover and roster forms' messages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from yunying.storeday.factories import at, sales_day
from yunying.storeday.models import Handover, MorningMeeting, SlotRecord

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 1)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_are_scoped(chain):
    manager = client_for(chain.users["store_a1"])
    with time_machine.travel(at(DAY, 8, 55), tick=False):
        for url in (
            "/storeday/",
            "/storeday/A1/",
            "/storeday/A1/meeting/",
            "/storeday/A1/handovers/",
            "/storeday/A1/roster/",
        ):
            assert manager.get(url).status_code == 200, url
        for url in (
            "/storeday/A2/",
            "/storeday/A2/meeting/",
            "/storeday/A2/handovers/",
            "/storeday/A2/roster/",
        ):
            assert manager.get(url).status_code == 404, url
        assert manager.post("/storeday/A2/slots/opening/", {"date": "2026-12-01"}).status_code == 404
        assert client_for(chain.users["nobody"]).get("/storeday/").status_code == 404
        page = manager.get("/storeday/A1/").content.decode()
    assert "开店准备" in page and "待完成" in page and "门店日常" in page


def test_a_refused_slot_shows_why_and_a_second_submit_is_told(chain):
    manager = client_for(chain.users["store_a1"])
    with time_machine.travel(at(DAY, 8, 55), tick=False):
        refused = manager.post(
            "/storeday/A1/slots/opening/", {"date": "2026-12-01", "checked": ["locks"]}, follow=True
        )
        assert "请在备注中说明原因" in refused.content.decode() and not SlotRecord.objects.exists()
        body = {"date": "2026-12-01", "checked": ["locks", "clock_in", "power"], "note": "空调维修中"}
        manager.post("/storeday/A1/slots/opening/", body)
        again = manager.post("/storeday/A1/slots/opening/", body, follow=True)
    assert "已经提交过" in again.content.decode() and SlotRecord.objects.get().note == "空调维修中"


def test_meeting_form_shows_the_top_five_and_saves(chain):
    manager = client_for(chain.users["store_a1"])
    sales_day(
        chain.stores_a[0],
        DAY - dt.timedelta(days=1),
        {"红烧肉": (20, "900.00"), "鱼": (10, "700.00")},
        "9000",
    )
    with time_machine.travel(at(DAY, 9, 5), tick=False):
        form = manager.get("/storeday/A1/meeting/").content.decode()
        assert "红烧肉" in form and "×20" in form and "来自销售数据" in form
        bad = manager.post("/storeday/A1/meeting/", {"date": "2026-12-01", "present": "-3"})
        assert "出勤人数必须在 0 到 999 之间" in bad.content.decode() and not MorningMeeting.objects.exists()
        manager.post("/storeday/A1/meeting/", {"date": "2026-12-01", "present": "10", "appearance_ok": "1"})
    assert MorningMeeting.objects.get().top_products[0]["name"] == "红烧肉"


def test_handover_and_roster_forms_explain_refusals(chain):
    manager = client_for(chain.users["store_a1"])
    with time_machine.travel(at(DAY, 15), tick=False):
        page = manager.post(
            "/storeday/A1/handovers/", {"shift": "早班", "receiver": "", "cash": "10", "keys": "大门"}
        ).content.decode()
        assert "请选择本店的接班人" in page and not Handover.objects.exists()
        roster = client_for(chain.users["staff_a1"]).post(
            "/storeday/A1/roster/", {"week": "2026-11-30", "action": "save"}
        )
        assert "只有店长及上级可以排值班表" in roster.content.decode()
