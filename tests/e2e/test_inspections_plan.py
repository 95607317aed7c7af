"""The supervisor's visit planning calendar: the month with planned, done and overdue visits, a visit added
by hand (a past day refused), the proposal filling what the rule still asks, a plan removed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from yunying.accounts.models import User
from yunying.core import clock
from yunying.inspections.models import PlannedVisit
from yunying.inspections.planning import DONE, OVERDUE, plan_statuses, plans_visible_to

pytestmark = [pytest.mark.e2e]


def test_plan_calendar(page: Any) -> None:
    today = clock.today()
    login(page, "supervisor")
    page.goto("/inspections/")
    page.get_by_role("link", name="巡店计划").first.click()
    calendar = page.get_by_test_id("plan-calendar")
    expect(calendar).to_be_visible()
    expect(calendar.get_by_test_id("plan-planned").first).to_be_visible()  # the demo's proposal
    supervisor = User.objects.get(username="supervisor")
    this_month = plans_visible_to(supervisor).filter(
        planned_on__gte=today.replace(day=1), planned_on__lte=today
    )
    if not {DONE, OVERDUE} <= set(plan_statuses(list(this_month)).values()):
        # early in a month the missed plans and the visits made are last month's
        page.get_by_test_id("plan-previous").click()
        expect(page.get_by_test_id("plan-calendar")).to_be_visible()
    expect(page.get_by_test_id("plan-calendar").get_by_test_id("plan-done").first).to_be_visible()
    expect(page.get_by_test_id("plan-calendar").get_by_test_id("plan-overdue").first).to_be_visible()
    screenshot(page, "insp-plan-calendar")
    page.goto("/inspections/plan/")

    # a visit tomorrow at a store the demo's proposal left free that day (unannounced), then the same again:
    # refused, nothing added
    day = today + dt.timedelta(days=1)
    taken = set(PlannedVisit.objects.filter(planned_on=day).values_list("store__code", flat=True))
    code = next(f"S{n:02d}" for n in range(1, 18) if f"S{n:02d}" not in taken)
    before = PlannedVisit.objects.count()
    page.select_option("#plan-store", code)
    page.fill("#plan-date", day.isoformat())
    page.select_option("#plan-template", "qsc")
    page.get_by_test_id("plan-add-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("已安排巡店")
    cell = page.locator(f"[data-day='{day.isoformat()}']")
    expect(cell).to_contain_text(code)
    assert PlannedVisit.objects.count() == before + 1
    page.select_option("#plan-store", code)
    page.fill("#plan-date", day.isoformat())
    page.select_option("#plan-template", "qsc")
    page.get_by_test_id("plan-add-submit").click()
    expect(page.locator(".alert-danger")).to_contain_text("已经安排")
    assert PlannedVisit.objects.count() == before + 1

    page.get_by_test_id("plan-propose").click()
    expect(page.locator(".alert-success")).to_contain_text("已自动安排")
    expect(page.get_by_test_id("count-short")).to_have_text("0")
    screenshot(page, "insp-plan-proposed")
