"""The bell counts and clears; a person sets quiet hours and a channel in the profile; an administrator
adds a group robot, sends it a test message (a local receiver stands in for DingTalk) and never sees its
secret again."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from yunying.notifications.tests.receiver import receiver

pytestmark = [pytest.mark.e2e]


def _count(page: Any) -> int:
    badge = page.get_by_test_id("bell-count")
    return int(badge.inner_text()) if badge.count() else 0


def test_bell_counts_and_clears(page: Any) -> None:
    from yunying.notifications.models import Notification

    login(page, "mgmt")
    unread = Notification.objects.filter(recipient__username="mgmt", read_at__isnull=True).count()
    assert unread >= 2  # the demo's open steps
    assert _count(page) == unread
    page.get_by_test_id("bell").click()
    page.wait_for_url("**/notifications/")
    first_page = Notification.objects.filter(recipient__username="mgmt").order_by("-created_at", "-pk")[:30]
    on_page = sum(1 for row in first_page if row.read_at is None)  # the list shows 30 a page
    assert on_page >= 1
    assert page.locator("[data-testid=notification][data-unread='1']").count() == on_page
    screenshot(page, "notifications-list")

    page.get_by_test_id("mark-read").first.click()  # one (HTMX): the row and the bell change in place
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=bell-count]').innerText == String({unread - 1})"
    )
    assert page.locator("[data-testid=notification][data-unread='1']").count() == on_page - 1

    page.get_by_test_id("read-all").click()
    page.wait_for_selector("[data-testid=bell-count]", state="detached")
    assert page.locator("[data-testid=notification][data-unread='1']").count() == 0
    page.goto("/")
    assert _count(page) == 0
    assert not Notification.objects.filter(recipient__username="mgmt", read_at__isnull=True).exists()
    screenshot(page, "notifications-cleared")


def test_quiet_hours_and_a_channel_in_the_profile(page: Any) -> None:
    from yunying.notifications.models import Preference

    login(page, "store01")
    page.goto("/profile/")
    page.get_by_test_id("pref-returned-email").uncheck()
    page.get_by_test_id("pref-cc-email").check()
    page.get_by_test_id("quiet-start").fill("22:00")
    page.get_by_test_id("quiet-end").fill("07:30")
    page.get_by_test_id("save-preferences").click()
    expect(page.get_by_test_id("message")).to_contain_text("通知设置已保存")
    preference = Preference.objects.get(user__username="store01")
    assert preference.quiet_start.isoformat() == "22:00:00" and preference.quiet_end.isoformat() == "07:30:00"
    assert preference.channels["returned"] == ["in_app"] and preference.channels["cc"] == ["email", "in_app"]
    assert page.get_by_test_id("quiet-start").input_value() == "22:00"
    assert not page.get_by_test_id("pref-returned-email").is_checked()
    screenshot(page, "notifications-preferences")

    page.get_by_test_id("quiet-end").fill("")  # one end only: refused, nothing changes
    page.get_by_test_id("save-preferences").click()
    expect(page.get_by_test_id("message")).to_contain_text("同时填写")
    assert Preference.objects.get(user__username="store01").quiet_end.isoformat() == "07:30:00"


def test_robot_page_adds_a_robot_and_sends_a_test_message(page: Any) -> None:
    from yunying.notifications.models import Robot

    secret = "SECe2e-secret-value-0123456789"
    with receiver() as hook:
        login(page, "admin")
        page.goto("/notifications/robots/")
        assert "浦东区域群（演示）" in page.get_by_test_id("robots").inner_text()
        page.get_by_test_id("robot-name").fill("苏州区域群")
        page.get_by_test_id("robot-platform").select_option("dingtalk")
        page.get_by_test_id("robot-url").fill(hook.url)
        page.get_by_test_id("robot-secret").fill(secret)
        page.get_by_test_id("robot-kind-overdue").check()
        page.get_by_test_id("robot-save").click()
        expect(page.get_by_test_id("message")).to_contain_text("已添加")
        robot = Robot.objects.get(name="苏州区域群")
        row = page.locator(f"[data-robot='{robot.pk}']")
        row.get_by_test_id("robot-test").click()
        result = row.get_by_test_id("test-result")
        result.wait_for()
        assert "测试消息已发送" in result.inner_text()
        [got] = hook.requests
        assert got.query["sign"] and "苏州区域群" in got.body["markdown"]["text"]
        assert secret not in page.content() and "t0ken" not in page.content()
        screenshot(page, "notifications-robots")

        # Quiet hours: half filled is refused with a message and changes nothing; both ends are kept.
        row.get_by_role("link", name="苏州区域群").click()
        expect(page.get_by_role("heading", name="修改机器人")).to_be_visible()
        page.get_by_test_id("robot-quiet-start").fill("22:00")
        page.get_by_test_id("robot-save").click()
        expect(page.get_by_test_id("message")).to_contain_text("免打扰时段需要同时填写开始和结束时间")
        robot.refresh_from_db()
        assert robot.quiet_start is None and not robot.quiet_outside_hours
        page.get_by_test_id("robot-quiet-start").fill("22:00")
        page.get_by_test_id("robot-quiet-end").fill("08:00")
        page.get_by_test_id("robot-quiet-outside").check()
        page.get_by_test_id("robot-save").click()
        expect(page.get_by_test_id("message")).to_contain_text("机器人已保存")
        expect(page.locator(f"[data-robot='{robot.pk}']").get_by_test_id("robot-quiet")).to_have_text(
            "免打扰 22:00–08:00"
        )
        robot.refresh_from_db()
        assert (robot.quiet_start.hour, robot.quiet_end.hour, robot.quiet_outside_hours) == (22, 8, True)
        screenshot(page, "notifications-robot-quiet")
