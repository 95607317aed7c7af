"""A 店长 on a phone (390×844) records a customer complaint, answers it within its time limit; the area
manager reviews it and the supervisor calls the customer back. The general manager, who sees the whole
chain but does not handle the complaint, reads the customer's phone number masked."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e]

TITLE = "S01 顾客投诉：上菜慢"
PHONE = {"width": 390, "height": 844}
CUSTOMER = "13912345678"


def _login(page: Any, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "yunying-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def _open_task(page: Any) -> None:
    page.goto(f"/workflow/inbox/?q={TITLE}")
    page.locator("[data-testid=task-link]", has_text=TITLE).first.click()


def test_complaint_on_a_phone_and_the_masked_contact(page: Any) -> None:
    page.set_viewport_size(PHONE)
    _login(page, "store01")
    page.goto("/workflow/processes/customer_complaint/start/")
    assert page.locator("#yy-f_store").input_value() == "S01"
    page.fill("#id_title", TITLE)
    page.locator("#yy-f_channel").select_option("in_store")
    page.locator("#yy-f_category").select_option("waiting")
    page.locator("#yy-f_severity").select_option("serious")
    page.fill("#yy-f_description", "午市等菜 40 分钟")
    page.fill("#yy-f_customer_name", "陈女士")
    page.fill("#yy-f_customer_phone", CUSTOMER)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "complaint-phone-start")
    page.get_by_test_id("submit-start").click()
    expect(page.get_by_test_id("instance-status")).to_have_text("进行中")
    assert CUSTOMER in page.get_by_test_id("instance-data").inner_text()

    _open_task(page)  # the store answers its own complaint
    page.fill("#id_f_response", "致歉并赠送甜品")
    page.locator("#id_f_remedy").select_option("赠券")
    screenshot(page, "complaint-phone-answer")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("message").first).to_contain_text("已同意")

    _login(page, "area1")
    _open_task(page)
    assert CUSTOMER in page.get_by_test_id("instance-data").inner_text()  # the review is theirs
    page.get_by_test_id("approve").click()

    _login(page, "gm")
    from yunying.workflow.models import ProcessInstance

    instance = ProcessInstance.objects.get(title=TITLE)
    page.goto(f"/workflow/instances/{instance.pk}/")
    shown = page.get_by_test_id("instance-data").inner_text()
    assert CUSTOMER not in shown and "139****5678" in shown and "陈**" in shown
    screenshot(page, "complaint-phone-masked")

    _login(page, "supervisor")
    _open_task(page)
    assert CUSTOMER in page.get_by_test_id("instance-data").inner_text()  # they call the customer
    page.locator("#id_f_satisfaction").select_option("满意")
    page.get_by_test_id("approve").click()
    instance.refresh_from_db()
    assert instance.status == "completed" and instance.data["satisfaction"] == "满意"
