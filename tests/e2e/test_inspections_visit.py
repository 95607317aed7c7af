"""On a phone (390×844): the supervisor does the opening check of S01 section by section with a photo,
loses the network mid-visit, closes the browser, reopens the visit (answers still there) and submits;
the 店长 answers a finding with a photo; the supervisor sends one back and accepts another."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from yunying.inspections.factories import png_bytes

pytestmark = [pytest.mark.e2e]

PNG = png_bytes()
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


def _phone(browser: Any, live_server: Any, **kwargs: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, **PHONE, **kwargs)
    context.set_default_timeout(15000)
    return context


def _answer(page: Any, item: str, value: str) -> None:
    page.locator(f'[data-testid="item-{item}"] [data-value="{value}"]').click()


def _next(page: Any) -> None:
    page.locator("#visit-next").click()


def test_phone_visit_offline_reopen_submit_and_rectify(browser: Any, live_server: Any, demo: None) -> None:
    context = _phone(browser, live_server)
    page = context.new_page()
    login(page, "supervisor")
    page.goto("/inspections/")
    page.select_option("#new-store", "S01")
    page.select_option("#new-template", "opening")
    page.get_by_test_id("start-visit").click()
    page.wait_for_selector('[data-testid="visit-form"]')
    visit_url = page.url

    _answer(page, "o1", "yes")
    _answer(page, "o2", "yes")
    _answer(page, "o3", "partial")
    page.locator('[data-testid="item-o3"] [data-note]').fill("空调 2 号机不制冷")
    # the server's running score: (2 + 2 + 1) / 6 of the weights answered so far
    page.wait_for_function(
        "() => document.querySelector('[data-testid=running-score]').textContent.trim() === '83.3'"
    )
    screenshot(page, "insp-visit-phone-section1")
    _next(page)

    context.set_offline(True)
    for item in ("m1", "m2", "m3", "m4"):
        _answer(page, item, "yes" if item in ("m1", "m3") else "pass")
    _answer(page, "m5", "na")
    _answer(page, "m6", "yes")
    page.wait_for_function("() => document.getElementById('sync-status').textContent.includes('离线')")
    screenshot(page, "insp-visit-phone-offline")
    kept = context.storage_state()
    context.close()  # the browser is closed while offline

    context = _phone(browser, live_server, storage_state=kept)
    page = context.new_page()
    page.goto(visit_url)
    assert page.locator('[data-testid="item-m5"] [data-value="na"]').get_attribute("aria-pressed") == "true"
    assert page.locator("[data-section-count='1']").inner_text() == "6/6"
    page.wait_for_function("() => document.getElementById('sync-status').textContent.includes('已同步')")
    _next(page)
    for item, value in (("r1", "pass"), ("r3", "pass"), ("r4", "yes"), ("r5", "yes"), ("r6", "no")):
        _answer(page, item, value)
    _answer(page, "r2", "pass")
    page.locator('[data-testid="item-r2"] [data-photo]').set_input_files(
        {"name": "陈列.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.wait_for_selector('[data-testid="item-r2"] [data-photos] img')
    page.locator('[data-testid="item-r6"] [data-note]').fill("灭火器压力不足")
    screenshot(page, "insp-visit-phone-section3")
    _next(page)
    _answer(page, "d1", "yes")
    _answer(page, "d3", "pass")
    _next(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("submit-visit").click()
    problems = page.get_by_test_id("visit-errors")
    problems.wait_for()
    assert "门外排队有序后方开门" in problems.inner_text()  # d2 left unanswered
    page.locator("[data-tab='3']").click()
    _answer(page, "d2", "na")
    _next(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("submit-visit").click()
    page.wait_for_selector('[data-testid="visit-score"]')
    # the red line r6 failed: the opening check caps the score at 60
    assert page.get_by_test_id("visit-score").inner_text() == "60.0"
    assert "不合格" in page.get_by_test_id("visit-result").inner_text()
    assert page.get_by_test_id("photo").count() == 1
    findings = page.get_by_test_id("visit-findings").inner_text()
    assert "值班经理检查消防器材完好" in findings and "电工开启照明" in findings
    screenshot(page, "insp-visit-phone-report")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('yunying.visit.')).length") == 0
    context.close()

    store = _phone(browser, live_server)
    page = store.new_page()
    login(page, "store01")
    page.goto("/inspections/findings/?status=open")
    page.get_by_role("link", name="值班经理检查消防器材完好").first.click()
    page.locator("[name=note]").fill("已更换灭火器并检查压力")
    page.locator("[name=photos]").set_input_files(
        {"name": "灭火器.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.locator("button[value=answer]").click()
    expect(page.get_by_test_id("finding-status")).to_have_text("待验证")
    screenshot(page, "insp-finding-answered-phone")
    finding_url = page.url
    store.close()

    supervisor = _phone(browser, live_server)
    page = supervisor.new_page()
    login(page, "supervisor")
    page.goto(finding_url)
    page.locator("[name=comment]").fill("照片清楚，通过")
    page.locator("button[value=accept]").click()
    expect(page.get_by_test_id("finding-status")).to_have_text("已关闭")
    assert "验证通过" in page.get_by_test_id("finding-events").inner_text()
    screenshot(page, "insp-finding-closed-phone")
    page.goto("/inspections/bulletins/")  # the current half month
    assert "S01 陆家嘴店" in page.get_by_test_id("bulletin-ranking").inner_text()
    critical = page.get_by_test_id("bulletin-critical").inner_text()
    assert "值班经理检查消防器材完好" in critical and "已关闭" in critical
    screenshot(page, "insp-bulletin-phone")
    supervisor.close()


def test_demo_visits_and_overdue_findings_on_a_phone(browser: Any, live_server: Any, demo: None) -> None:
    context = _phone(browser, live_server)
    page = context.new_page()
    login(page, "area1")
    page.goto("/inspections/")
    rows = page.get_by_test_id("visit-table").locator("tbody tr")
    assert rows.count() >= 4
    stores = {text.split()[1] for text in rows.all_inner_texts()}  # "date\nS01 name …"
    assert stores and stores <= {"S01", "S02", "S03", "S04"}  # the 浦东 region only
    screenshot(page, "insp-demo-visits-phone")
    page.goto("/inspections/findings/?overdue=1")
    overdue = page.get_by_test_id("finding-table").inner_text()
    assert "逾期" in overdue
    screenshot(page, "insp-demo-overdue-phone")
    page.goto("/inspections/templates/qsc/")
    assert page.get_by_test_id("template-rule").is_visible()
    screenshot(page, "insp-template-qsc-phone")
    context.close()
