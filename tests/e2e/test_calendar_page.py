"""The business calendar page: the year's days coloured, an override added and removed."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login, nav, screenshot

pytestmark = [pytest.mark.e2e]


def test_management_edits_an_override_on_the_calendar(page):
    login(page, "mgmt")
    nav(page, "calendar")
    page.select_option("#cal-year", "2026")
    page.wait_for_load_state()
    months = page.get_by_test_id("calendar-months")
    assert months.locator("[data-date='2026-02-14']").get_attribute("data-working") == "1"  # 调休上班
    assert months.locator("[data-date='2026-02-17']").get_attribute("data-working") == "0"  # 春节
    assert months.locator("[data-date='2026-03-10']").get_attribute("data-working") == "1"

    form = page.get_by_test_id("override-form")
    form.locator("#ov-date").fill("2026-03-10")
    form.locator("#ov-note").fill("公司年会")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已保存 2026-03-10 的日历例外" in page.locator(".alert").first.inner_text()
    row = page.get_by_test_id("override-2026-03-10")
    assert "公司年会" in row.inner_text() and "全公司" in row.inner_text()
    assert months.locator("[data-date='2026-03-10']").get_attribute("data-working") == "0"
    screenshot(page, "business-calendar")

    row.locator("button[name=delete]").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("override-2026-03-10").count() == 0
    assert months.locator("[data-date='2026-03-10']").get_attribute("data-working") == "1"


def test_a_year_the_library_does_not_know_is_shown_as_unknown(page):
    login(page, "mgmt")
    page.goto("/calendar/?year=2027&unit=S01")
    assert page.get_by_test_id("calendar-unknown").is_visible()
    assert page.get_by_test_id("calendar-months").locator("[data-date='2027-03-10']").get_attribute(
        "data-working"
    ) in ("?", "1")  # stores open every day in the demo; offices show unknown


def test_management_sets_a_stores_opening_hours(page):
    from yunying.core.calendar import unit_calendar
    from yunying.org.models import OrgUnit

    login(page, "mgmt")
    page.goto("/calendar/?year=2026&unit=S02")
    assert "10:00–22:00" in page.get_by_test_id("calendar-filter").inner_text()  # from its region
    form = page.get_by_test_id("hours-form")
    form.locator("#wh-opens").fill("08:30")
    form.locator("#wh-closes").fill("20:00")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已保存工作时间" in page.locator(".alert").first.inner_text()
    assert "08:30–20:00" in page.get_by_test_id("calendar-filter").inner_text()
    hours = unit_calendar(OrgUnit.objects.get(code="S02")).hours
    assert (hours.opens.hour, hours.opens.minute, hours.every_day) == (8, 30, True)
    assert unit_calendar(OrgUnit.objects.get(code="S03")).hours.opens.hour == 10  # its neighbour unchanged
    form = page.get_by_test_id("hours-form")
    form.locator("#wh-closes").fill("08:30")  # the same as opening: refused, nothing changes
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "上班和下班时间不能相同" in page.locator(".alert").first.inner_text()
    assert unit_calendar(OrgUnit.objects.get(code="S02")).hours.closes.hour == 20


def test_the_unit_picker_opens_a_units_calendar_within_scope(page):
    login(page, "area1")
    page.goto("/calendar/")
    picker = page.get_by_test_id("unit-picker")
    codes = [o for o in picker.locator("option").evaluate_all("os => os.map(o => o.value)") if o]
    assert "S01" in codes and "S05" not in codes  # the region's stores, not another region's
    with page.expect_navigation():
        picker.select_option("S02")
    assert "unit=S02" in page.url
    assert "10:00–22:00" in page.get_by_test_id("calendar-filter").inner_text()
    screenshot(page, "business-calendar-unit-picker")
    page.goto("/calendar/?unit=S05")  # another region's store: refused, back to the company calendar
    assert "unit=S05" not in page.url
