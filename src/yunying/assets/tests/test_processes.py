"""The asset processes end to end through the workflow services: a 店长 starts, the area manager and the
authority matrix's approver decide, and the asset register follows (state, store, history)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yunying.assets.factories import AssetFactory
from yunying.assets.models import Asset, AssetEventKind, AssetState
from yunying.workflow import services
from yunying.workflow.errors import ProcessError
from yunying.workflow.models import ProcessInstance
from yunying.workflow.tests.conftest import task_for

pytestmark = pytest.mark.django_db


def _approve_all(instance: ProcessInstance, *approvers: Any) -> ProcessInstance:
    for user in approvers:
        task = task_for(instance, user.username)
        services.task_approve(actor=user, task_id=task.pk, comment="同意")
        instance.refresh_from_db()
    return instance


@pytest.mark.parametrize(
    ("amount", "final"), [("1999.99", "mgmt"), ("2000", "ops"), ("10000", "ops"), ("10000.01", "gm")]
)
def test_purchase_creates_the_asset_after_the_tier_approver(
    chain: Any, ops: Any, amount: str, final: str
) -> None:
    users = {**chain.users, "ops": ops}
    instance = services.instance_start(
        actor=chain.users["store_a1"],
        key="asset_purchase",
        data={"store": "A1", "asset_name": "商用烤箱", "category": "kitchen", "location": "后厨",
              "amount": amount, "reason": "旧烤箱不够用"},
    )  # fmt: skip
    assert not Asset.objects.exists()
    instance = _approve_all(instance, chain.users["area_a"], users[final])
    assert instance.status == "completed"
    asset = Asset.objects.get()
    assert asset.code == instance.data["asset_code"] == f"FA-A1-{instance.pk:05d}"
    assert (asset.store.code, asset.cost, asset.state) == ("A1", Decimal(amount), AssetState.IN_USE)
    event = asset.events.get()
    assert event.kind == AssetEventKind.CREATED and event.reference.startswith(f"#{instance.pk} ")


def test_purchase_rejected_creates_nothing(chain: Any) -> None:
    instance = services.instance_start(
        actor=chain.users["store_a1"],
        key="asset_purchase",
        data={"store": "A1", "asset_name": "制冰机", "category": "cold", "amount": "800", "reason": "夏季"},
    )
    services.task_reject(actor=chain.users["area_a"], task_id=task_for(instance, "area_a").pk, comment="暂缓")
    instance.refresh_from_db()
    assert instance.status == "rejected" and not Asset.objects.exists()


def test_transfer_moves_the_asset_by_its_register_value(chain: Any, ops: Any) -> None:
    asset = AssetFactory(code="FA-T1", store=chain.stores_a[0], cost=Decimal("5000"), location="前厅")
    instance = services.instance_start(
        actor=chain.users["store_a1"],
        key="asset_transfer",
        data={
            "store": "A1",
            "asset_code": "FA-T1",
            "to_store": "B1",
            "to_location": "仓库",
            "reason": "调剂",
        },
    )
    assert Decimal(str(instance.data["amount"])) == Decimal("5000")  # from the register, 2000–10000: 运营经理
    _approve_all(instance, chain.users["area_a"])
    assert task_for(instance, "ops").element_id == "final_decision"
    instance = _approve_all(instance, ops)
    assert instance.status == "completed"
    asset.refresh_from_db()
    assert (asset.store.code, asset.location, asset.state) == ("B1", "仓库", AssetState.IN_USE)
    moved = asset.events.get(kind=AssetEventKind.MOVED)
    assert (moved.from_store.code, moved.to_store.code) == ("A1", "B1")
    assert moved.reference.startswith(f"#{instance.pk} ")


def test_transfer_refuses_unknown_or_foreign_assets_and_changes_nothing(chain: Any) -> None:
    AssetFactory(code="FA-B", store=chain.stores_b[0])
    for code, to_store in (("FA-NONE", "B1"), ("FA-B", "A2")):
        with pytest.raises(ProcessError):
            services.instance_start(
                actor=chain.users["store_a1"],
                key="asset_transfer",
                data={"store": "A1", "asset_code": code, "to_store": to_store, "reason": "调剂"},
            )
    AssetFactory(code="FA-A", store=chain.stores_a[0])
    with pytest.raises(ProcessError):
        services.instance_start(
            actor=chain.users["store_a1"],
            key="asset_transfer",
            data={"store": "A1", "asset_code": "FA-A", "to_store": "ZZ9", "reason": "调剂"},
        )
    assert not ProcessInstance.objects.exists()


def test_writeoff_then_no_transfer(chain: Any) -> None:
    asset = AssetFactory(code="FA-W1", store=chain.stores_a[0], cost=Decimal("1500"))
    instance = services.instance_start(
        actor=chain.users["store_a1"],
        key="asset_writeoff",
        data={"store": "A1", "asset_code": "FA-W1", "reason": "压缩机烧毁，维修不经济"},
    )
    instance = _approve_all(instance, chain.users["area_a"], chain.users["mgmt"])  # < 2000: 管理部终审
    assert instance.status == "completed"
    asset.refresh_from_db()
    assert asset.state == AssetState.WRITTEN_OFF
    assert asset.events.get(kind=AssetEventKind.WRITTEN_OFF).to_state == AssetState.WRITTEN_OFF
    with pytest.raises(ProcessError):
        services.instance_start(
            actor=chain.users["store_a1"],
            key="asset_transfer",
            data={"store": "A1", "asset_code": "FA-W1", "to_store": "B1", "reason": "调剂"},
        )
    with pytest.raises(ProcessError):
        services.instance_start(
            actor=chain.users["store_a1"],
            key="asset_writeoff",
            data={"store": "A1", "asset_code": "FA-W1", "reason": "再报一次"},
        )


@pytest.mark.parametrize(("price", "final"), [("49.99", "mgmt"), ("50", "ops"), ("200.01", "gm")])
def test_consumables_writeoff_by_total(chain: Any, ops: Any, price: str, final: str) -> None:
    users = {**chain.users, "ops": ops}
    instance = services.instance_start(
        actor=chain.users["store_a1"],
        key="consumables_writeoff",
        data={
            "store": "A1",
            "items": [
                {"name": "一次性餐盒", "kind": "consumable", "qty": 4, "unit": "箱", "price": price},
                {"name": "卤牛肉", "kind": "semi", "qty": 6, "unit": "千克", "price": price},
            ],
            "reason": "冷库断电",
        },
    )
    assert Decimal(str(instance.data["total"])) == Decimal(price) * 10
    instance = _approve_all(instance, chain.users["area_a"], users[final])
    assert instance.status == "completed"
    assert [row["name"] for row in instance.data["items"]] == ["一次性餐盒", "卤牛肉"]


def test_consumables_writeoff_without_items_is_refused(chain: Any) -> None:
    from yunying.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.instance_start(
            actor=chain.users["store_a1"],
            key="consumables_writeoff",
            data={"store": "A1", "items": [], "reason": "x"},
        )
    assert not ProcessInstance.objects.exists()
