"""The supervisor corrects an item of a visit already submitted: a reason is required, the score is computed
again, the item shows 已修改 with who and when, and the edit trail lists the change."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from yunying.inspections.models import Visit, VisitAnswer

pytestmark = [pytest.mark.e2e]


def test_a_submitted_visit_is_corrected_through_the_edit_trail(page: Any) -> None:
    visit = (
        Visit.objects.filter(inspector__username="supervisor", status="submitted", findings__isnull=False)
        .order_by("-visited_on", "-pk")
        .first()
    )
    assert visit is not None
    answer = VisitAnswer.objects.filter(visit=visit, failed=True, critical=False).order_by("pk").first()
    assert answer is not None
    score_before = str(visit.score)
    login(page, "supervisor")
    page.goto(f"/inspections/visits/{visit.pk}/")
    box = page.get_by_test_id(f"correct-{answer.item_key}")
    box.locator("summary").click()
    best = box.locator("input[name=value]").first  # 是 / 合格 / the first choice
    best_value = best.get_attribute("value") or ""
    if best_value == "0":  # a points item: its highest value is the last choice
        best = box.locator("input[name=value]:not([value=na])").last
    box.locator(f"label[for='{best.get_attribute('id')}']").click()
    box.get_by_test_id("correct-save").click()  # no reason yet: the browser asks for one, nothing is sent
    expect(page.get_by_test_id("visit-edits")).to_have_count(0)
    box.locator("[name=reason]").fill("复核照片后确认已整改到位，录入有误")
    box.get_by_test_id("correct-save").click()
    expect_edited = page.get_by_test_id(f"edited-{answer.item_key}")
    expect_edited.wait_for()
    assert "已修改" in expect_edited.inner_text()
    trail = page.get_by_test_id("visit-edits")
    assert "复核照片后确认已整改到位" in trail.inner_text() and score_before in trail.inner_text()
    visit.refresh_from_db()
    assert str(visit.score) != score_before or visit.critical_failures
    assert page.get_by_test_id("visit-score").inner_text() == str(visit.score)
    screenshot(page, "insp-visit-corrected")
