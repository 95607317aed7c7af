"""On a phone (390×844): the 店长 of S01 runs the opening routine (a first try with an item left unticked
and no note is refused) and records the morning meeting with yesterday's top five from the sales data;
a shift handover is signed by the 店长 and confirmed by the waiter with her own login, carrying the open
item of the last page; the 店长 plans next week's duty roster and a swap is accepted by the lead; the
区域经理 sees a late slot on the board.

The company clock is set to 08:52 of the company's current day (``YUNYING_CLOCK_OFFSET_SECONDS``), so the
opening slot is open whatever time the suite runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


def _offset_to(hour: int, minute: int) -> float:
    from yunying.core import clock

    real = clock.local_now()
    wanted = real.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return (wanted - real).total_seconds()


@pytest.fixture
def morning(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("YUNYING_CLOCK_OFFSET_SECONDS", raising=False)
    monkeypatch.setenv("YUNYING_CLOCK_OFFSET_SECONDS", str(_offset_to(8, 52)))
    yield


def _phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(15000)
    return context


def _login_phone(browser: Any, live_server: Any, username: str) -> tuple[Any, Any]:
    context = _phone(browser, live_server)
    page = context.new_page()
    login(page, username)
    return context, page


def test_store_manager_runs_the_morning_on_a_phone(
    browser: Any, live_server: Any, morning: None, demo: None
) -> None:
    from yunying.core import clock
    from yunying.org.models import Employee, OrgUnit
    from yunying.storeday.factories import sales_day
    from yunying.storeday.models import MorningMeeting, SlotRecord

    store = OrgUnit.objects.get(code="S01")
    today = clock.today()
    SlotRecord.objects.filter(store=store, date=today).delete()
    MorningMeeting.objects.filter(store=store, date=today).delete()
    yesterday = today - dt.timedelta(days=1)
    from yunying.analytics.models import SalesProductDay, SalesStoreDay

    SalesStoreDay.objects.filter(store_id=store.pk, date=yesterday).delete()
    SalesProductDay.objects.filter(store_id=store.pk, date=yesterday).delete()
    sales_day(
        store,
        yesterday,
        {
            "招牌红烧肉": (42, "2058.00"),
            "清蒸鲈鱼": (25, "1725.00"),
            "宫保鸡丁": (38, "1292.00"),
            "酸菜鱼": (20, "1180.00"),
            "扬州炒饭": (55, "990.00"),
            "例汤": (30, "240.00"),
        },
        "16890.50",
    )

    context, page = _login_phone(browser, live_server, "store01")
    page.goto("/storeday/")
    page.get_by_role("link", name="S01 陆家嘴店").click()
    opening = page.locator('[data-testid="slot"][data-routine="opening"]')
    expect(opening.get_by_test_id("slot-state")).to_have_text("待完成")
    screenshot(page, "storeday-day-phone")

    # an item left unticked without a note: refused, nothing recorded
    for label in ("保安检查门锁后开启员工通道", "员工打卡上班", "电工开灯、开空调"):
        opening.get_by_text(label).click()
    opening.get_by_test_id("slot-submit").click()
    expect(page.locator(".alert").first).to_contain_text("请在备注中说明原因")
    assert not SlotRecord.objects.filter(store=store, date=today).exists()

    opening = page.locator('[data-testid="slot"][data-routine="opening"]')
    for label in ("保安检查门锁后开启员工通道", "员工打卡上班", "电工开灯、开空调", "检查设备运行正常"):
        opening.get_by_text(label).click()
    opening.get_by_test_id("slot-submit").click()
    opening = page.locator('[data-testid="slot"][data-routine="opening"]')
    expect(opening.get_by_test_id("slot-state")).to_have_text("已完成")
    manager_name = Employee.objects.get(user__username="store01").name
    assert manager_name in opening.get_by_test_id("slot-done").inner_text()
    screenshot(page, "storeday-opening-done-phone")

    page.get_by_test_id("store-tabs").get_by_role("link", name="晨会").click()
    top = page.get_by_test_id("top-five").locator("li")
    expect(top).to_have_count(5)
    assert "招牌红烧肉" in top.first.inner_text() and "例汤" not in top.last.inner_text()
    assert "16890.50" in page.get_by_test_id("sales-amount").inner_text()
    page.fill("#present", "11")
    page.fill("#absent", "李娜（病假）")
    page.get_by_label("问题与改进").fill("午市出餐慢，调整备餐顺序")
    page.get_by_label("培训主题").fill("新品推荐话术")
    page.get_by_label("今日工作").fill("迎接督导巡店")
    page.get_by_label("上级通知").fill("本周六起新品上市")
    screenshot(page, "storeday-meeting-phone")
    page.get_by_test_id("meeting-save").click()
    card = page.get_by_test_id("meeting-card")
    expect(card).to_contain_text("出勤 11 人")
    assert "招牌红烧肉" in card.inner_text()
    meeting = MorningMeeting.objects.get(store=store, date=today)
    assert [p["name"] for p in meeting.top_products][:2] == ["招牌红烧肉", "清蒸鲈鱼"]
    context.close()


def test_handover_signed_by_two_and_a_roster_swap(
    browser: Any, live_server: Any, morning: None, demo: None
) -> None:
    from yunying.accounts.models import User
    from yunying.core import clock
    from yunying.org.models import Appointment, Employee
    from yunying.storeday.models import Handover, RosterDuty

    manager_ctx, page = _login_phone(browser, live_server, "store01")
    page.goto("/storeday/S01/handovers/")
    carried = page.get_by_test_id("carried-items")
    assert "外卖包装袋库存不足" in carried.inner_text()
    page.fill("#shift", "早班→晚班")
    page.select_option("#receiver", "staff01")
    page.fill("#cash", "1520.00")
    page.fill("#keys", "大门、仓库、收银台各 1 把")
    page.fill("#items", "2 号冷柜温度偏高，已报修")
    page.get_by_test_id("handover-submit").click()
    pending = page.get_by_test_id("handover-pending")
    expect(pending).to_be_visible()
    waiter_name = Employee.objects.get(user__username="staff01").name
    assert waiter_name in pending.inner_text() and page.get_by_test_id("handover-confirm").count() == 0
    screenshot(page, "storeday-handover-pending-phone")

    waiter_ctx, waiter = _login_phone(browser, live_server, "staff01")
    waiter.goto("/storeday/S01/handovers/")
    waiter.get_by_test_id("handover-confirm").click()
    newest = waiter.get_by_test_id("handover-book").get_by_test_id("handover-page").first
    expect(newest.get_by_test_id("handover-confirmed")).to_have_count(1)
    assert "外卖包装袋库存不足" in newest.inner_text() and newest.get_by_test_id("carried").count() == 1
    screenshot(waiter, "storeday-handover-confirmed-phone")
    page_row = Handover.objects.order_by("-created_at").first()
    assert page_row is not None and page_row.confirmed_at is not None
    assert page_row.handed_by.username == "store01" and page_row.received_by.username == "staff01"
    waiter_ctx.close()

    # the front-of-house lead gets a login to answer the swap
    lead = Appointment.objects.active().get(unit__code="S01", position__code="FOH-LEAD").employee
    lead.user = User.objects.create_user("lead01", password="yunying-demo")
    lead.save()
    monday = clock.today() - dt.timedelta(days=clock.today().weekday()) + dt.timedelta(days=7)
    tuesday, wednesday = monday + dt.timedelta(days=1), monday + dt.timedelta(days=2)
    page.goto(f"/storeday/S01/roster/?week={monday.isoformat()}")
    me = Appointment.objects.active().get(unit__code="S01", position__code="STORE-MGR").employee
    page.select_option(f'select[name="day_{tuesday.isoformat()}"]', str(me.pk))
    page.select_option(f'select[name="day_{wednesday.isoformat()}"]', str(lead.pk))
    page.get_by_test_id("roster-save").click()
    expect(page.locator(".alert").first).to_contain_text("值班表已保存")
    page.fill("#swap-date", tuesday.isoformat())
    page.select_option("#swap-other", str(lead.pk))
    page.fill("#swap-other-date", wednesday.isoformat())
    page.fill("#swap-reason", "孩子家长会")
    page.get_by_test_id("swap-request").click()
    expect(page.locator(".alert").first).to_contain_text("等待对方确认")
    manager_ctx.close()

    lead_ctx, lead_page = _login_phone(browser, live_server, "lead01")
    lead_page.goto(f"/storeday/S01/roster/?week={monday.isoformat()}")
    lead_page.get_by_test_id("swap-accept").click()
    expect(lead_page.get_by_test_id("swap-status").first).to_have_text("已换班")
    screenshot(lead_page, "storeday-roster-swap-phone")
    lead_ctx.close()
    duties = {
        d.date: d.manager_id
        for d in RosterDuty.objects.filter(store__code="S01", date__in=[tuesday, wednesday])
    }
    assert duties == {tuesday: lead.pk, wednesday: me.pk}


def test_area_manager_sees_late_slots_on_the_board(
    browser: Any, live_server: Any, demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yunying.core import clock
    from yunying.storeday.models import SlotRecord

    monkeypatch.setenv("YUNYING_CLOCK_OFFSET_SECONDS", str(_offset_to(9, 40)))
    SlotRecord.objects.filter(store__code="S02", date=clock.today()).delete()
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1400, "height": 900}
    )
    page = context.new_page()
    login(page, "area1")
    page.get_by_role("link", name="门店日常").click()
    rows = page.get_by_test_id("attention-row")
    expect(rows.nth(1)).to_be_visible()
    assert "世纪公园店" in page.get_by_test_id("attention-board").inner_text()
    assert "迟做" in page.get_by_test_id("attention-board").inner_text()
    screenshot(page, "storeday-board")
    response = page.goto("/storeday/S10/")  # another region's store
    assert response is not None and response.status == 404
    context.close()
