"""Demo purchase orders (called by ``yunying.seed.demo.demo_load`` after the workflow demo): two more
approved 物料申购 requests, one of them above 300 元 (approved by the general manager), so 采购部's queue
holds orders from several stores; the oldest is marked 已下单. The approved requests and their orders are spread over the
last two weeks (every timestamp of a request moves together), so the queue reads like a real one."""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from yunying.accounts.models import User
from yunying.purchasing.models import OrderStatus, PurchaseOrder
from yunying.workflow import services
from yunying.workflow.models import (
    OPEN_STATUSES,
    Attachment,
    CarbonCopy,
    InstanceEvent,
    ProcessInstance,
    WorkTask,
)

AGES_IN_DAYS = (13, 9, 6, 3, 1)  # oldest order first; more orders than ages keep the last age


def _approve_all(instance_id: int) -> None:
    for _round in range(5):
        task = (
            WorkTask.objects.filter(instance_id=instance_id, status__in=OPEN_STATUSES).order_by("pk").first()
        )
        if task is None or task.assignee is None:
            return
        services.task_complete(actor=task.assignee, task_id=task.pk, action="approve", comment="同意")


def purchasing_demo_load() -> int:
    """Idempotent: does nothing once the demo's extra requests exist."""
    if PurchaseOrder.objects.filter(store__code__in=("S02", "S03")).exists():
        return 0
    requests = [
        ("store02", "S02", "S02 食用油采购", [("食用油", 6, "桶", "88.00")]),
        ("store03", "S03", "S03 打包袋与纸巾", [("打包袋", 10, "袋", "12.50"), ("抽纸", 4, "箱", "45.00")]),
    ]
    for login, store, title, items in requests:
        actor = User.objects.filter(username=login).first()
        if actor is None:
            continue
        data = {
            "store": store,
            "reason": "门店日常消耗补货",
            "items": [{"name": n, "qty": q, "unit": u, "price": p} for n, q, u, p in items],
        }
        instance = services.instance_start(actor=actor, key="purchase", data=data, title=title)
        _approve_all(instance.pk)
    orders = list(PurchaseOrder.objects.order_by("created_at", "pk"))
    for index, order in enumerate(orders):
        _backdate(order, dt.timedelta(days=AGES_IN_DAYS[min(index, len(AGES_IN_DAYS) - 1)]))
    oldest = PurchaseOrder.objects.order_by("created_at", "pk").first()
    if oldest is not None:
        oldest.status = OrderStatus.ORDERED
        oldest.save(update_fields=["status"])
    return PurchaseOrder.objects.count()


def _backdate(order: PurchaseOrder, age: dt.timedelta) -> None:
    """Move an order and every timestamp of its (finished) request back by ``age``."""
    instance_id = order.instance_id
    ProcessInstance.objects.filter(pk=instance_id).update(
        started_at=F("started_at") - age, ended_at=F("ended_at") - age
    )
    WorkTask.objects.filter(instance_id=instance_id).update(
        created_at=F("created_at") - age,
        completed_at=F("completed_at") - age,
        claimed_at=F("claimed_at") - age,
    )
    InstanceEvent.objects.filter(instance_id=instance_id).update(at=F("at") - age)
    Attachment.objects.filter(instance_id=instance_id).update(uploaded_at=F("uploaded_at") - age)
    CarbonCopy.objects.filter(instance_id=instance_id).update(
        created_at=F("created_at") - age, read_at=F("read_at") - age
    )
    PurchaseOrder.objects.filter(pk=order.pk).update(created_at=F("created_at") - age)
