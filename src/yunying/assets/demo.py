"""Demo asset register for the demo chain (called by ``yunying.seed.demo.demo_load``): about 200 assets
across the demo stores (deterministic), and a few requests of the asset processes — finished ones that
moved or wrote off assets, one waiting, one rejected — so the register has a history to show."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from yunying.accounts.models import User
from yunying.assets.models import Asset, AssetEvent, AssetEventKind, AssetState
from yunying.core import clock
from yunying.org.models import Store
from yunying.workflow import services
from yunying.workflow.models import OPEN_STATUSES, ProcessInstance, WorkTask

# name, category, cost range (yuan), location
CATALOGUE: list[tuple[str, str, int, int, str]] = [
    ("商用燃气灶", "kitchen", 4000, 9000, "后厨"),
    ("万能蒸烤箱", "kitchen", 18000, 36000, "后厨"),
    ("双门冷藏柜", "cold", 3500, 6500, "后厨"),
    ("卧式冷冻柜", "cold", 2200, 4200, "后厨"),
    ("制冰机", "cold", 3000, 8000, "吧台"),
    ("油烟净化器", "kitchen", 6000, 15000, "后厨"),
    ("洗碗机", "kitchen", 9000, 22000, "洗碗间"),
    ("收银一体机", "it", 2500, 4800, "收银台"),
    ("厨房打印机", "it", 600, 1500, "后厨"),
    ("监控录像机", "it", 1200, 3000, "办公室"),
    ("空调柜机", "appliance", 5000, 9000, "前厅"),
    ("热水器", "appliance", 1500, 3500, "后厨"),
    ("四人餐桌", "furniture", 800, 1600, "前厅"),
    ("卡座沙发", "furniture", 2000, 4500, "前厅"),
    ("不锈钢工作台", "kitchen", 900, 2000, "后厨"),
    ("消毒柜", "kitchen", 1800, 4000, "洗碗间"),
]
PER_STORE = 12


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=clock.company_zone())


def _act(instance: ProcessInstance, username: str, action: str = "approve", comment: str = "") -> None:
    task = WorkTask.objects.filter(instance=instance, status__in=OPEN_STATUSES).order_by("pk").first()
    assert task is not None
    services.task_complete(
        actor=User.objects.get(username=username), task_id=task.pk, action=action, comment=comment
    )


def assets_demo_load(*, seed: int = 2026) -> int:
    """Idempotent: does nothing when the register has assets already."""
    if Asset.objects.exists():
        return 0
    rng = random.Random(seed * 16 + 1)
    assets: list[Asset] = []
    for store in Store.objects.order_by("code"):
        opened = store.opened_on or date(2019, 3, 1)
        for index in range(PER_STORE):
            name, category, lo, hi, location = CATALOGUE[(index * 5 + rng.randint(0, 3)) % len(CATALOGUE)]
            bought = opened + timedelta(days=rng.randint(0, 900))
            bought = min(bought, date(2026, 9, 30))
            assets.append(
                Asset(
                    code=f"FA-{store.code}-{index + 1:03d}",
                    name=name,
                    category=category,
                    store=store,
                    location=location,
                    purchased_on=bought,
                    cost=Decimal(rng.randrange(lo, hi, 50)),
                    state=AssetState.REPAIRING if rng.random() < 0.04 else AssetState.IN_USE,
                )
            )
    Asset.objects.bulk_create(assets)
    AssetEvent.objects.bulk_create(
        AssetEvent(
            asset=a,
            kind=AssetEventKind.CREATED,
            at=_at(a.purchased_on or date(2019, 3, 1)),
            to_store=a.store,
            to_state=AssetState.IN_USE,
            note="期初建档",
        )
        for a in Asset.objects.select_related("store")
    )
    _requests()
    return Asset.objects.count()


def _cheapest(store: str, *, below: int) -> str:
    asset = (
        Asset.objects.filter(store__code=store, state=AssetState.IN_USE, cost__lt=below)
        .order_by("cost")
        .first()
    )
    assert asset is not None, store
    return asset.code


def _requests() -> None:
    u: dict[str, Any] = {name: User.objects.get(username=name) for name in ("store01", "store02", "store03")}
    start = services.instance_start
    # Finished: a freezer moves from S01 to S02 (区域经理, then the tier's approver).
    moved = start(
        actor=u["store01"],
        key="asset_transfer",
        data={"store": "S01", "asset_code": _cheapest("S01", below=2000), "to_store": "S02",
              "to_location": "仓库", "reason": "S02 旺季备餐，调剂使用"},
        title="S01 资产调往 S02",
    )  # fmt: skip
    _act(moved, "area1", comment="同意调剂")
    _act(moved, "mgmt", comment="同意")
    # Finished: a worn-out asset written off in S03.
    gone = start(
        actor=u["store03"],
        key="asset_writeoff",
        data={"store": "S03", "asset_code": _cheapest("S03", below=2000), "reason": "使用多年，维修不经济"},
        title="S03 资产报损",
    )
    _act(gone, "area1", comment="情况属实")
    _act(gone, "mgmt", comment="同意报损")
    # Finished: a purchase creates a new card in S01.
    bought = start(
        actor=u["store01"],
        key="asset_purchase",
        data={"store": "S01", "asset_name": "商用制冰机", "category": "cold", "location": "吧台",
              "amount": "1800", "reason": "夏季饮品需求增加"},
        title="S01 制冰机申购",
    )  # fmt: skip
    _act(bought, "area1", comment="同意")
    _act(bought, "mgmt", comment="同意")
    # Waiting for the area manager: a write-off in S02.
    start(
        actor=u["store02"],
        key="asset_writeoff",
        data={"store": "S02", "asset_code": _cheapest("S02", below=5000), "reason": "门体变形，无法密封"},
        title="S02 资产报损",
    )
    # Rejected: a write-off the area manager sends back as a repair.
    no = start(
        actor=u["store01"],
        key="asset_writeoff",
        data={"store": "S01", "asset_code": "FA-S01-002", "reason": "加热不均"},
        title="S01 资产报损",
    )
    _act(no, "area1", action="reject", comment="请先报修，维修后再评估")
    # Finished: kitchen semi-finished goods lost in a power cut.
    lost = start(
        actor=u["store01"],
        key="consumables_writeoff",
        data={
            "store": "S01",
            "items": [
                {"name": "卤牛肉", "kind": "semi", "qty": 8, "unit": "千克", "price": "58"},
                {"name": "一次性餐盒", "kind": "consumable", "qty": 2, "unit": "箱", "price": "45"},
            ],
            "reason": "冷库断电四小时",
        },
        title="S01 断电报损",
    )
    _act(lost, "area1", comment="情况属实")
    _act(lost, "ops", comment="同意")
