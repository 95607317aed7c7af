"""The workflow tells people through the notification center: a new task to its holder, the outcome to
the requester, a copy to the people it is copied to, an overdue step to the region's group robot."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from yunying.notifications import services as notifications
from yunying.notifications.models import Delivery, Notification
from yunying.workflow import services
from yunying.workflow.models import WorkTask
from yunying.workflow.sla import sla_tick
from yunying.workflow.tests.conftest import single_xml, task_for

pytestmark = pytest.mark.django_db


def _kinds(user: Any) -> list[tuple[str, str]]:
    return [(n.kind, n.message) for n in Notification.objects.filter(recipient=user).order_by("pk")]


def test_assigned_approved_rejected_returned_and_cc(deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a", ' yunying:cc="user:supervisor"'))
    store, area, gm = chain.users["store_a1"], chain.users["area_a"], chain.users["gm"]
    first = services.instance_start(actor=store, key="single", data={}, title="冰柜维修")
    task = task_for(first, "area_a")
    assert _kinds(area) == [("assigned", "待办：冰柜维修 —— 处理")]
    [note] = Notification.objects.filter(recipient=area)
    assert note.url == f"/workflow/tasks/{task.pk}/" and note.instance == first

    services.task_approve(actor=area, task_id=task.pk)
    assert _kinds(gm) == [("assigned", "待办：冰柜维修 —— 复核")]
    assert _kinds(chain.users["supervisor"]) == [("cc", "抄送给你：冰柜维修 —— 处理")]
    services.task_approve(actor=gm, task_id=task_for(first, "gm").pk)
    assert _kinds(store) == [("approved", "已通过：冰柜维修")]

    second = services.instance_start(actor=store, key="single", data={}, title="灯箱维修")
    services.task_reject(actor=area, task_id=task_for(second, "area_a").pk, comment="不修")
    third = services.instance_start(actor=store, key="single", data={}, title="排烟维修")
    services.task_return(actor=area, task_id=task_for(third, "area_a").pk, to="requester", comment="补充照片")
    assert _kinds(store)[1:] == [
        ("rejected", "已驳回：灯箱维修 —— 处理"),
        ("returned", "已退回：排烟维修 —— 处理"),
    ]
    assert not Notification.objects.filter(recipient=area, kind__in=["rejected", "returned"]).exists()


def test_overdue_step_reaches_the_region_robot_of_its_store(deploy: Any, chain: Any) -> None:
    admin = chain.users["gm"]
    admin.is_superuser = True
    admin.save()
    robot = notifications.robot_save(
        actor=admin,
        name="浦东区域群",
        platform="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=x",
        unit=chain.region_a,
        kinds=["overdue", "escalated"],
    )
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    instance = services.instance_start(actor=chain.users["store_a1"], key="single", data={}, title="冷库维修")
    assert instance.unit == chain.stores_a[0]
    WorkTask.objects.filter(instance=instance).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert not Delivery.objects.filter(robot=robot).exists()  # "assigned" is not the robot's kind
    held = Delivery.objects.filter(robot=robot)
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False  # keep the outbox row for the assertion (the worker would send it)
    try:
        assert sla_tick() == 1  # the due-work tick: the overdue notice, once
    finally:
        HUEY.flush()
        HUEY.immediate = True
    [delivery] = held
    assert delivery.kind == "overdue" and "冷库维修" in delivery.body
    assert delivery.url == f"/workflow/tasks/{task_for(instance, 'area_a').pk}/"
    assert _kinds(chain.users["area_a"])[-1][0] == "overdue"
