"""The operations calendar in the browser: the 管理部主任 finds the weekly plan in the inbox and submits it,
the 运营经理 sends it back with a comment, the completion board shows it; the people reviews, the training
needs and the onboarding programme read as the demo tells them; a 店长 answers the survey on a phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, nav, screenshot

pytestmark = [pytest.mark.e2e]


def _logout(page: Any) -> None:
    page.get_by_test_id("current-user").click()
    page.get_by_test_id("logout").click()


def _weekly_plan_due() -> Any:
    """This week's plan of the 管理部主任, arrived and still to do, whatever day the test runs on."""
    from yunying.core import clock
    from yunying.duties.models import Event, Occurrence, Status

    now = clock.now()
    occ = (
        Occurrence.objects.filter(duty__key="weekly_plan", due_at__gt=now)
        .order_by("due_at")
        .select_related("assignee")
        .first()
    )
    assert occ is not None and occ.assignee.user.username == "mgmt"
    occ.events.all().delete()
    Occurrence.objects.filter(pk=occ.pk).update(
        status=Status.OPEN,
        available_at=now - dt.timedelta(hours=1),
        arrived_at=now - dt.timedelta(hours=1),
        first_submitted_at=None,
        submitted_at=None,
        data={"summary_items": [{"item": "完成 S05 消防复查", "status": ""}]},
        prefilled=True,
    )
    Event.objects.create(occurrence=occ, action=Event.Action.ARRIVED, at=now - dt.timedelta(hours=1))
    _card_sync(occ.pk)
    return occ


def _card_sync(pk: int) -> None:
    from yunying.duties.cards import occurrence_card_sync
    from yunying.duties.models import Occurrence

    occurrence_card_sync(Occurrence.objects.select_related("duty", "assignee", "reviewer").get(pk=pk))


def test_weekly_plan_submitted_returned_with_a_comment_and_on_the_board(page: Any) -> None:
    occ = _weekly_plan_due()
    login(page, "mgmt")
    assert int(page.get_by_test_id("nav-badge-duties-mine").inner_text()) >= 1
    nav(page, "wf-inbox")
    card = page.get_by_test_id("inbox-list").locator(f"a[href='/duties/o/{occ.pk}/']")
    expect(card).to_have_count(1)  # the duty is a card of the inbox, beside the approvals
    assert page.get_by_test_id("duties-inbox").count() == 0
    screenshot(page, "duties-inbox-mgmt")
    card.click()
    expect(page.get_by_test_id("occ-status")).to_have_text("待提交")
    assert page.get_by_test_id("occ-prefilled").is_visible()
    page.select_option("select[name='f_summary_items[0].status']", "partial")
    page.fill("input[name='f_summary_items[0].cause']", "等待消防公司排期")
    page.get_by_test_id("occ-draft").click()  # not finished: kept as a draft, nothing submitted
    expect(page.get_by_test_id("occ-draft-saved")).to_be_visible()
    assert page.get_by_test_id("occ-status").inner_text() == "待提交"
    assert page.input_value("input[name='f_summary_items[0].cause']") == "等待消防公司排期"
    screenshot(page, "duties-weekly-plan-draft")
    page.fill("input[name='f_summary_items[0].remedy']", "下周二上午复查")
    page.click("[data-yy-add-row=plan_items]")
    page.fill("input[name='f_plan_items[0].item']", "完成十二月排班模板")
    page.fill("input[name='f_plan_items[0].due']", (occ.due_on + dt.timedelta(days=7)).isoformat())
    page.click("[data-yy-add-row=plan_items]")
    page.fill("input[name='f_plan_items[1].item']", "组织新品培训")
    screenshot(page, "duties-weekly-plan-form")
    page.get_by_test_id("occ-submit").click()
    expect(page.get_by_test_id("occ-status")).to_have_text("待审阅")
    assert "组织新品培训" in page.get_by_test_id("occ-data").inner_text()
    _logout(page)

    login(page, "ops")
    nav(page, "wf-inbox")
    page.get_by_test_id("inbox-list").locator(f"a[href='/duties/o/{occ.pk}/']").click()
    page.get_by_test_id("review-comment").fill("请补充培训的负责人和期限")
    screenshot(page, "duties-review-ops")
    page.get_by_test_id("review-return").click()
    expect(page.get_by_test_id("occ-status")).to_have_text("已退回")
    assert "请补充培训的负责人和期限" in page.get_by_test_id("occ-events").inner_text()

    nav(page, "duties-board")
    due_month = occ.due_on.strftime("%Y-%m")
    page.goto(f"/duties/board/?month={due_month}")
    table = page.get_by_test_id("board-table")
    row = table.locator("[data-testid=board-line]", has_text=occ.assignee.name)
    assert row.count() == 1
    screenshot(page, "duties-board")
    row.get_by_test_id("board-drill").click()
    drill = page.get_by_test_id("board-drill-list")
    line = drill.locator("[data-testid=drill-row]", has_text=occ.period_key)
    expect(line).to_contain_text("已退回")
    screenshot(page, "duties-board-drill")
    _logout(page)

    login(page, "mgmt")
    page.goto(f"/duties/o/{occ.pk}/")
    assert "请补充培训的负责人和期限" in page.get_by_test_id("occ-return-reason").inner_text()
    assert page.get_by_test_id("occ-submit").is_visible()


def test_the_store_page_shows_the_bulletins_sent_to_it(page: Any) -> None:
    from yunying.duties.models import StoreDelivery

    assert StoreDelivery.objects.filter(store__code="S01").exists()  # the demo's accepted bulletins
    login(page, "store01")
    page.goto("/org/stores/S01/#bulletins")
    expect(page.get_by_test_id("store-bulletin").first).to_be_visible()
    assert "督导检查公报" in page.get_by_test_id("store-bulletins").inner_text()
    page.get_by_test_id("store-bulletins").scroll_into_view_if_needed()
    screenshot(page, "duties-store-bulletins")


def test_people_reviews_training_needs_and_onboarding(page: Any) -> None:
    login(page, "ops")
    nav(page, "duties-reviews")
    expect(page.get_by_test_id("review-row").nth(4)).to_be_visible()
    screenshot(page, "duties-reviews")
    page.get_by_test_id("people-tabs").get_by_text("培训需求").click()
    expect(page.get_by_test_id("training-counts")).to_be_visible()
    counts = page.get_by_test_id("training-counts").inner_text()
    assert int(counts.split("/")[1]) >= 10
    assert page.get_by_test_id("training-by-position").locator(".list-group-item").count() >= 2
    with page.expect_download() as download:
        page.get_by_test_id("training-export").click()
    assert download.value.suggested_filename.startswith("training-needs-")
    screenshot(page, "duties-training")
    page.get_by_test_id("people-tabs").get_by_text("外聘干部培养").click()
    page.get_by_test_id("onboarding-row").first.locator("a").click()
    expect(page.get_by_test_id("checkpoint")).to_have_count(8)
    screenshot(page, "duties-onboarding")
    page.get_by_test_id("onboarding-evaluations").locator("a").first.click()
    page.wait_for_url("**/duties/o/*/")
    assert page.get_by_test_id("occ-status").inner_text() in ("已通过", "待审阅")
    name = page.locator(".page-title").inner_text()
    assert "外聘干部月度考评" in name
    page.goto("/duties/calendar/")
    assert page.get_by_test_id("duty-row").count() >= 18
    screenshot(page, "duties-calendar")


def test_store_manager_answers_the_survey_on_a_phone(page: Any) -> None:
    from yunying.core import clock
    from yunying.duties.models import Occurrence, Status

    occ = Occurrence.objects.filter(duty__key="training_survey", assignee__user__username="store01").first()
    assert occ is not None
    now = clock.now()
    Occurrence.objects.filter(pk=occ.pk).update(
        status=Status.OPEN, first_submitted_at=None, submitted_at=None, data={},
        available_at=now - dt.timedelta(hours=1), arrived_at=now - dt.timedelta(hours=1),
        due_at=now + dt.timedelta(days=2), due_on=(now + dt.timedelta(days=2)).date(),
    )  # fmt: skip
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "store01")
    page.goto("/duties/")
    page.get_by_test_id("duty-todo").filter(has_text="培训需求调查").first.click()
    page.get_by_label("消防安全").check()
    page.get_by_label("排班管理").check()
    page.fill("input[name=f_other]", "希望学习外卖平台运营")
    screenshot(page, "duties-survey-phone")
    page.get_by_test_id("occ-submit").click()
    expect(page.get_by_test_id("occ-status")).to_have_text("已完成")
