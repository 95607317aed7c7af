"""The monitor's heat map: working time per step drawn on the process diagram, and the late list."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]
SH = ZoneInfo("Asia/Shanghai")


def _finished_repairs() -> None:
    """Six repair requests finished on Monday 9 March 2026: the area manager takes 1–6 working hours,
    the management department 2–12 (across the evening: working time, not clock time)."""
    from yunying.accounts.models import User
    from yunying.servicedesk.demo import REPAIRS
    from yunying.workflow import services
    from yunying.workflow.models import ProcessInstance, WorkTask
    from yunying.workflow.monitor_heat import work_seconds_fill

    # the service desk's demo repairs (weeks of them) would blur the figures below, and the workflow demo's
    # rejected one was reported hours before the demo was loaded (its working time depends on that hour):
    # only the workflow demo's S03 request, reviewed at once, stays
    ProcessInstance.objects.filter(
        title__in=[*(f"S{r.store:02d} {r.item}" for r in REPAIRS), "S01 灯箱维修"]
    ).delete()
    users = {u.username: u for u in User.objects.filter(username__in=("store01", "area1", "mgmt"))}
    monday = dt.datetime(2026, 3, 9, 9, tzinfo=SH)
    for i in range(1, 7):
        instance = services.instance_start(
            actor=users["store01"],
            key="repair",
            data={
                "store": "S01",
                "cause": "cold",
                "urgency": "normal",
                "item": f"设备{i}",
                "amount": "3500",
                "reason": "测试",
            },
            title=f"热力图样本 {i}",
        )
        for username in ("area1", "mgmt"):
            task = WorkTask.objects.get(instance=instance, status="open")
            services.task_approve(actor=users[username], task_id=task.pk)
        area = WorkTask.objects.get(instance=instance, element_id="area_review")
        office = WorkTask.objects.get(instance=instance, element_id="gm_review")
        WorkTask.objects.filter(pk=area.pk).update(
            created_at=monday, completed_at=monday + dt.timedelta(hours=i + (1 if i > 2 else 0))
        )  # lunch 12–13 is not working time
        start = monday + dt.timedelta(hours=10)  # 19:00, after hours: the clock starts the next morning
        WorkTask.objects.filter(pk=office.pk).update(
            created_at=start, completed_at=dt.datetime(2026, 3, 10, 9, tzinfo=SH) + _working(2 * i)
        )
    assert work_seconds_fill() >= 12


def _working(hours: int) -> dt.timedelta:
    # from 09:00 on a working day: hours after 12:00 skip the lunch hour, beyond 8 go to the next day
    if hours <= 3:
        return dt.timedelta(hours=hours)
    if hours <= 8:
        return dt.timedelta(hours=hours + 1)
    return dt.timedelta(days=1) + _working(hours - 8)


def test_monitor_draws_the_working_time_heat_map(page: Any) -> None:
    _finished_repairs()
    login(page, "mgmt")
    page.goto("/workflow/monitor/?process=repair")
    viewer = page.get_by_test_id("heat-viewer")
    page.wait_for_selector("[data-testid=heat-viewer][data-heat-count]", state="attached")
    assert viewer.get_attribute("data-heat-count") == "2"
    badges = page.locator(".yy-heat-badge")
    assert badges.count() == 2
    slow = page.locator(".yy-heat-badge[data-element=gm_review]").inner_text()
    # management: 2, 4, … 12 working hours → median 7 h, P90 11 h
    assert "次数 6" in slow and "中位 7.0h" in slow and "P90 11.0h" in slow
    fast = page.locator(".yy-heat-badge[data-element=area_review]").inner_text()
    # 1–6 h, plus the demo's area review done at once: 0, 1 … 6 → median 3.0 h, P90 5.4 h
    assert "次数 7" in fast and "中位 3.0h" in fast and "P90 5.4h" in fast
    assert page.locator(".djs-element.yy-heat-4[data-element-id=gm_review]").count() == 1
    rows = page.get_by_test_id("heat-table").locator("tbody tr")
    assert rows.first.get_attribute("data-element") == "gm_review"
    late = page.get_by_test_id("late-working")
    assert "S03 排烟管道维修" in late.inner_text() and "已升级" in late.inner_text()
    viewer.scroll_into_view_if_needed()
    screenshot(page, "wf-monitor-heat-map")
