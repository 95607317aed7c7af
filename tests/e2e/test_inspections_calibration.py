"""The management department sees each inspector's score distribution and deviation from peers on the
quality page; the demo's lenient area manager is flagged; a supervisor does not see the card."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from yunying.accounts.models import User
from yunying.core import clock
from yunying.inspections.calibration import calibration_compute

pytestmark = [pytest.mark.e2e]


def test_calibration_on_the_quality_page(page: Any) -> None:
    month = clock.today().replace(day=1)
    expected = calibration_compute(user=User.objects.get(username="mgmt"), month=month)
    assert expected.flagged, "the demo's region 1 area manager scores above the supervisor"
    login(page, "mgmt")
    page.goto(f"/inspections/quality/?month={month:%Y-%m}")
    card = page.get_by_test_id("calibration")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("calibration-flag")).to_have_count(len(expected.flagged))
    first = expected.flagged[0]
    row = card.get_by_test_id(f"calibration-{first.username}")
    expect(row).to_contain_text(first.name)
    expect(row).to_contain_text("偏松" if first.direction == "lenient" else "偏严")
    card.scroll_into_view_if_needed()
    screenshot(page, "insp-calibration")

    page.context.clear_cookies()
    login(page, "supervisor")
    page.goto(f"/inspections/quality/?month={month:%Y-%m}")
    expect(page.get_by_test_id("quality-table")).to_be_visible()
    expect(page.get_by_test_id("calibration")).to_have_count(0)
