"""The asset processes' system steps, registered in the workflow's system-action registry.

A diagram names them (``yunying:action="asset_check"``); they read the request's form data:

- ``asset_check``: the asset named in ``asset_code`` exists in the request's store and is not written off
  (for a transfer, ``to_store`` names another open store); sets ``amount`` to the asset's cost, so the
  authority matrix decides by the register's value, not by a number the requester typed.
- ``asset_register``: a finished 固定资产申购 creates the asset (state 在用) in the request's store.
- ``asset_transfer``: a finished 固定资产异动 moves the asset to ``to_store`` / ``to_location``.
- ``asset_writeoff``: a finished 固定资产报损 writes the asset off.

Each change lands in the asset's history with the request as its reference."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.assets import services
from yunying.assets.models import Asset, AssetState
from yunying.core import clock
from yunying.org.models import Store
from yunying.workflow.models import ProcessInstance
from yunying.workflow.system_actions import ActionFailed, Param, register


def _reference(instance: ProcessInstance) -> str:
    return f"#{instance.pk} {instance.title}"[:100]


def _asset(instance: ProcessInstance, data: dict[str, Any]) -> Asset:
    code = str(data.get("asset_code") or "").strip()
    asset = Asset.objects.select_related("store").filter(code=code).first()
    if asset is None or instance.unit_id is None or asset.store_id != instance.unit_id:
        raise ActionFailed(_("本门店没有编码为“%(code)s”的资产。") % {"code": code})
    return asset


def _target_store(data: dict[str, Any]) -> Store:
    code = str(data.get("to_store") or "").strip()
    store = Store.objects.filter(code=code, closed_on__isnull=True).first()
    if store is None:
        raise ActionFailed(_("调入门店“%(code)s”不存在或已停业。") % {"code": code})
    return store


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise ActionFailed(_("“%(v)s”不是有效金额") % {"v": value}) from None


@register(
    "asset_check",
    gettext_lazy("核对固定资产"),
    Param("mode", "text", required=False, label=gettext_lazy("用途（transfer / writeoff）")),
)
def asset_check(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    asset = _asset(instance, data)
    if asset.state == AssetState.WRITTEN_OFF:
        raise ActionFailed(_("资产 %(code)s 已报损，不能再变更。") % {"code": asset.code})
    if params.get("mode") == "transfer" and _target_store(data).pk == asset.store_id:
        raise ActionFailed(_("调入门店与资产所在门店相同。"))
    updates = {"amount": str(asset.cost), "asset_name": asset.name}
    instance.data = {**instance.data, **updates}
    return {"amount": asset.cost, "asset_name": asset.name}


@register("asset_register", gettext_lazy("固定资产建档"))
def asset_register(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    store = Store.objects.filter(pk=instance.unit_id).first() if instance.unit_id else None
    if store is None:
        raise ActionFailed(_("申购单没有门店。"))
    code = f"FA-{store.code}-{instance.pk:05d}"
    asset = services.asset_create(
        actor=instance.requester,
        code=code,
        name=str(data.get("asset_name") or ""),
        category=str(data.get("category") or "other"),
        store=store,
        location=str(data.get("location") or ""),
        purchased_on=clock.today(),
        cost=_amount(data.get("amount")),
        note=str(data.get("reason") or "")[:300],
        reference=_reference(instance),
        system=True,
    )
    instance.data = {**instance.data, "asset_code": asset.code}
    return {"asset_code": asset.code}


@register("asset_transfer", gettext_lazy("固定资产异动"))
def asset_transfer(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> None:
    asset = _asset(instance, data)
    services.asset_move(
        actor=instance.requester,
        asset=asset,
        store=_target_store(data),
        location=str(data.get("to_location") or ""),
        note=str(data.get("reason") or "")[:300],
        reference=_reference(instance),
        system=True,
    )


@register("asset_writeoff", gettext_lazy("固定资产报损"))
def asset_writeoff(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> None:
    services.asset_write_off(
        actor=instance.requester,
        asset=_asset(instance, data),
        note=str(data.get("reason") or "")[:300],
        reference=_reference(instance),
        system=True,
    )
