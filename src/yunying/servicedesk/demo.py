"""Demo repair desk for the demo chain (called by ``yunying.seed.demo.demo_load`` after the asset
register): the 总务维修 department with two technicians (login ``maint``), and six weeks of 日常维修 —
fixed ones (one sent back by the store because it was not fixed, one above 2000 元 through the
management department), one rejected, and open ones waiting at each step, one of them overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import F

from yunying.accounts.models import User
from yunying.assets.models import Asset, AssetState
from yunying.org.models import Appointment, Employee, OrgUnit, Position, UnitKind
from yunying.servicedesk.seed import MAINT_POSITION
from yunying.workflow import services
from yunying.workflow.models import (
    OPEN_STATUSES,
    InboxCard,
    InstanceEvent,
    ProcessInstance,
    WorkTask,
)


@dataclass(frozen=True)
class _Repair:
    days_ago: int
    store: int
    cause: str
    item: str
    urgency: str
    amount: int
    steps: tuple[str, ...]  # what happens: approve / reject / claim / fix:<cost> / return / confirm
    hours: int = 0  # how long it took (back-dated start)


REPAIRS = [
    _Repair(35, 4, "cold", "冷藏柜漏水", "normal", 500,
            ("approve", "claim", "fix:380", "return", "fix:420", "confirm"), 70),
    _Repair(30, 1, "power", "后厨插座跳闸", "critical", 200, ("approve", "claim", "fix:150", "confirm"), 5),
    _Repair(20, 3, "it", "收银机频繁死机", "urgent", 800, ("reject",), 6),
    _Repair(16, 6, "cold", "制冰机不出冰", "urgent", 2600,
            ("approve", "approve", "claim", "fix:2450", "confirm"), 52),
    _Repair(9, 7, "power", "照明线路老化", "normal", 1500, ("approve", "claim", "fix:1380", "confirm"), 96),
    _Repair(6, 1, "kitchen", "蒸烤箱加热不均", "urgent", 1200, ("approve",)),  # overdue at 总务维修
    _Repair(3, 4, "cold", "冷冻柜温度偏高", "critical", 600, ("approve", "claim")),
    _Repair(2, 8, "building", "门头招牌松动", "urgent", 400, ()),  # waiting for the area manager
    _Repair(1, 3, "it", "厨房打印机卡纸", "normal", 300, ("approve", "claim", "fix:120")),  # store confirms
]  # fmt: skip


def _staff(unit: OrgUnit) -> User:
    position = Position.objects.get(code=MAINT_POSITION)
    password = User.objects.filter(username="mgmt").values_list("password", flat=True).first() or ""
    login = User.objects.create(username="maint", password=password)
    for number, (name, user) in enumerate((("邵建国", login), ("韦立新", None)), start=1):
        employee = Employee.objects.create(
            employee_no=f"M{number:03d}", name=name, phone="", user=user, hired_on=date(2020, 6, 1)
        )
        Appointment.objects.create(
            employee=employee, position=position, unit=unit, started_on=date(2020, 6, 1)
        )
    return login


def _act(instance: ProcessInstance, user: User, step: str, requester: User, maint: User) -> None:
    task = WorkTask.objects.filter(instance=instance, status__in=OPEN_STATUSES).order_by("pk").first()
    assert task is not None
    if step == "claim":
        services.task_complete(actor=maint, task_id=task.pk, action="claim")
    elif step.startswith("fix:"):
        if task.assignee_id is None:  # back in 总务维修's queue (returned by the store)
            services.task_complete(actor=maint, task_id=task.pk, action="claim")
        data = {"cost": step[4:], "fix_note": "已上门维修"}
        services.task_approve(actor=maint, task_id=task.pk, data=data, comment="已修好，请门店确认")
    elif step == "return":
        services.task_complete(
            actor=requester, task_id=task.pk, action="return", to="dispatch", comment="还是漏水，请再看看"
        )
    elif step == "confirm":
        services.task_approve(actor=requester, task_id=task.pk, data={}, comment="已修好")
    elif step == "reject":
        services.task_complete(actor=user, task_id=task.pk, action="reject", comment="保修期内，请联系厂家")
    else:
        services.task_approve(actor=user, task_id=task.pk, data={}, comment="同意")


def _approver(instance: ProcessInstance) -> User:
    task = WorkTask.objects.filter(instance=instance, status__in=OPEN_STATUSES).order_by("pk").first()
    if task is not None and task.assignee_id:
        return User.objects.get(pk=task.assignee_id)
    return User.objects.get(username="mgmt")


def _back_date(instance: ProcessInstance, days: int, hours: int) -> None:
    """Move a request ``days`` into the past; its start ``hours`` earlier still (how long it took)."""
    shift = timedelta(days=days)
    ProcessInstance.objects.filter(pk=instance.pk).update(
        started_at=F("started_at") - shift - timedelta(hours=hours), ended_at=F("ended_at") - shift
    )
    tasks = WorkTask.objects.filter(instance=instance)
    tasks.update(created_at=F("created_at") - shift, completed_at=F("completed_at") - shift)
    tasks.filter(due_at__isnull=False).update(due_at=F("due_at") - shift)
    tasks.filter(remind_at__isnull=False).update(remind_at=F("remind_at") - shift)
    tasks.filter(escalate_at__isnull=False).update(escalate_at=F("escalate_at") - shift)
    InstanceEvent.objects.filter(instance=instance).update(at=F("at") - shift)
    cards = InboxCard.objects.filter(group_ref=str(instance.pk))
    cards.update(created_at=F("created_at") - shift)
    cards.filter(due_at__isnull=False).update(due_at=F("due_at") - shift)


def _asset_code(store: str, cause: str) -> str:
    category = {"kitchen": "kitchen", "cold": "cold", "it": "it"}.get(cause)
    if category is None:
        return ""
    found = (
        Asset.objects.filter(store__code=store, category=category, state=AssetState.IN_USE)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    return found or ""


def servicedesk_demo_load(*, seed: int = 2026) -> int:
    """Idempotent: does nothing when the 总务维修 department exists already."""
    if OrgUnit.objects.filter(code="D-MAINT").exists() or not OrgUnit.objects.filter(code="CTR").exists():
        return 0
    center = OrgUnit.objects.get(code="CTR")
    unit = OrgUnit.objects.create(
        kind=UnitKind.DEPARTMENT, code="D-MAINT", name="总务维修", parent=center, sort_order=6
    )
    maint = _staff(unit)
    made = 0
    for r in REPAIRS:
        store = f"S{r.store:02d}"
        requester = User.objects.get(username=f"store{r.store:02d}")
        data: dict[str, Any] = {
            "store": store,
            "asset_code": _asset_code(store, r.cause),
            "cause": r.cause,
            "item": r.item,
            "urgency": r.urgency,
            "reason": f"{r.item}，影响营业",
            "amount": str(r.amount),
        }
        instance = services.instance_start(
            actor=requester, key="repair", data=data, title=f"{store} {r.item}"
        )
        for step in r.steps:
            _act(instance, _approver(instance), step, requester, maint)
        _back_date(instance, r.days_ago, r.hours)
        made += 1
    from yunying.workflow.timers import due_work_tick

    due_work_tick()  # the reminders, overdue notices and escalations the worker would have sent by now
    return made
