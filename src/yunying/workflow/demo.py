"""Demo instances for the demo chain (called by ``yunying.seed.demo.demo_load``): a few running and
finished requests so the inbox and the monitor show something for store01, area1, mgmt, ops and gm."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F

from yunying.accounts.models import User
from yunying.workflow import services
from yunying.workflow.models import OPEN_STATUSES, InstanceEvent, ProcessInstance, WorkTask
from yunying.workflow.seed import seed_workflow


def _purchase(store: str, name: str, qty: int, price: str) -> dict[str, Any]:
    return {
        "store": store,
        "reason": f"{name}库存不足，补货",
        "items": [{"name": name, "qty": qty, "unit": "箱", "price": price}],
    }


def _photo(name: str) -> Any:
    """A small picture standing in for a phone photo attached to a demo request."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (480, 360), (214, 226, 240)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _act(instance: ProcessInstance, username: str, action: str = "approve", **kwargs: Any) -> None:
    user = User.objects.get(username=username)
    task = WorkTask.objects.filter(instance=instance, status__in=OPEN_STATUSES).order_by("pk").first()
    assert task is not None
    services.task_complete(actor=user, task_id=task.pk, action=action, **kwargs)


def _reported_earlier(instance: ProcessInstance, hours: float) -> None:
    """The request was raised ``hours`` before its first answer: its start, first steps and start event move back."""
    earlier = dt.timedelta(hours=hours)
    ProcessInstance.objects.filter(pk=instance.pk).update(started_at=F("started_at") - earlier)
    WorkTask.objects.filter(
        instance=instance, created_at__lte=instance.started_at + dt.timedelta(seconds=5)
    ).update(created_at=F("created_at") - earlier)
    InstanceEvent.objects.filter(instance=instance, action="start").update(at=F("at") - earlier)


def workflow_demo_load() -> int:
    """Idempotent: does nothing when demo instances exist already."""
    seed_workflow()
    if ProcessInstance.objects.exists():
        return 0
    u = {name: User.objects.get(username=name) for name in ("store01", "store02", "store03")}
    start = services.instance_start
    done = start(
        actor=u["store01"], key="purchase", data=_purchase("S01", "一次性餐盒", 4, "30"), title="S01 餐盒补货"
    )
    _act(done, "mgmt", comment="正常经营需要")  # 120 元：管理部终审（自动去重）
    ops = start(
        actor=u["store01"], key="purchase", data=_purchase("S01", "清洁剂", 5, "52"), title="S01 清洁剂采购"
    )
    _act(ops, "mgmt", comment="属实，请运营经理审批")  # 260 元：待运营经理
    start(
        actor=u["store02"],
        key="purchase",
        data=_purchase("S02", "保鲜膜", 20, "34"),
        title="S02 保鲜膜采购",
        attachments=[_photo("保鲜膜库存.png")],  # the store's photo of the shelf, kept with the request
    )  # 待管理部
    start(
        actor=u["store01"],
        key="repair",
        data={
            "store": "S01",
            "cause": "cold",
            "item": "冷库压缩机",
            "equipment": "冷库压缩机（3 号冷库）",
            "urgency": "urgent",
            "amount": "800",
            "reason": "制冷效果下降",
        },
        title="S01 冷库维修",
    )  # 待区域经理
    big = start(
        actor=u["store03"],
        key="repair",
        data={
            "store": "S03",
            "cause": "kitchen",
            "item": "排烟管道",
            "equipment": "厨房排烟管道",
            "urgency": "critical",
            "amount": "3500",
            "reason": "油烟倒灌",
        },
        title="S03 排烟管道维修",
    )
    _act(big, "area1", comment="情况属实")  # 3500 元：待管理部
    no = start(
        actor=u["store01"],
        key="repair",
        data={
            "store": "S01",
            "cause": "building",
            "item": "门头灯箱",
            "equipment": "门头灯箱",
            "urgency": "normal",
            "amount": "600",
            "reason": "部分灯管不亮",
        },
        title="S01 灯箱维修",
    )
    _act(no, "area1", action="reject", comment="请先联系灯箱供应商保修")
    _reported_earlier(no, 3)
    return ProcessInstance.objects.count()
