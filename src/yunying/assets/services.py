"""Writes to the asset register. Each function checks the rules, then changes the card and records the
change in its history, in one transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.assets.models import Asset, AssetCategory, AssetEvent, AssetEventKind, AssetState
from yunying.core import clock
from yunying.core.errors import DomainError, NotFound
from yunying.org.models import OrgUnit, UnitKind
from yunying.org.services import require_perm

_EDITABLE = ("name", "category", "location", "purchased_on", "cost", "note")


def check_cost(value: Any) -> Decimal:
    try:
        cost = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        raise DomainError(_("“%(v)s”不是有效金额") % {"v": value}, field="cost")
    if not cost.is_finite() or cost < 0:
        raise DomainError(_("金额不能为负数。"), field="cost")
    if cost >= Decimal("10000000000"):
        raise DomainError(_("金额过大。"), field="cost")
    return cost.quantize(Decimal("0.01"))


def check_category(value: str) -> str:
    text = (value or "").strip()
    for choice in AssetCategory:
        if text in (choice.value, str(choice.label)):
            return choice.value
    raise DomainError(_("未知的资产类别“%(v)s”") % {"v": text}, field="category")


def _check_store(store: OrgUnit) -> None:
    if store.kind != UnitKind.STORE:
        raise DomainError(_("资产只能登记在门店。"), field="store")


def _record(
    asset: Asset, *, actor: Any, kind: str, reference: str = "", note: str = "", **fields: Any
) -> None:
    AssetEvent.objects.create(
        asset=asset,
        kind=kind,
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        reference=reference,
        note=note[:300],
        **fields,
    )


def _actor_check(actor: Any, perm: str, store: OrgUnit, *, system: bool) -> None:
    if not system:
        require_perm(actor, perm, store)


@transaction.atomic
def asset_create(
    *,
    actor: Any,
    code: str,
    name: str,
    category: str,
    store: OrgUnit,
    location: str = "",
    purchased_on: date | None = None,
    cost: Any = 0,
    note: str = "",
    reference: str = "",
    system: bool = False,
) -> Asset:
    """`system=True`: a finished approval creates the asset; the approval was the permission."""
    _actor_check(actor, "assets.add_asset", store, system=system)
    _check_store(store)
    code = (code or "").strip()
    if not code:
        raise DomainError(_("资产编码不能为空。"), field="code")
    if Asset.objects.filter(code=code).exists():
        raise DomainError(_("资产编码 %(code)s 已存在。") % {"code": code}, field="code")
    if not (name or "").strip():
        raise DomainError(_("资产名称不能为空。"), field="name")
    asset = Asset.objects.create(
        code=code,
        name=name.strip(),
        category=check_category(category),
        store=store,
        location=location.strip(),
        purchased_on=purchased_on,
        cost=check_cost(cost),
        note=note.strip(),
    )
    _record(
        asset,
        actor=actor,
        kind=AssetEventKind.CREATED,
        to_store=store,
        to_state=asset.state,
        reference=reference,
        note=note,
    )
    return asset


def _not_written_off(asset: Asset) -> None:
    if asset.state == AssetState.WRITTEN_OFF:
        raise DomainError(_("资产 %(code)s 已报损，不能再变更。") % {"code": asset.code}, code="written_off")


@transaction.atomic
def asset_update(*, actor: Any, asset: Asset, **fields: Any) -> Asset:
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    _actor_check(actor, "assets.change_asset", asset.store, system=False)
    _not_written_off(asset)
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise DomainError(_("不能修改这些字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    if "category" in fields:
        fields["category"] = check_category(fields["category"])
    if "cost" in fields:
        fields["cost"] = check_cost(fields["cost"])
    if "name" in fields and not str(fields["name"]).strip():
        raise DomainError(_("资产名称不能为空。"), field="name")
    changes: dict[str, list[str]] = {}
    for key, value in fields.items():
        before = getattr(asset, key)
        if before != value:
            changes[key] = [_text(before), _text(value)]
            setattr(asset, key, value)
    if changes:
        asset.save()
        _record(asset, actor=actor, kind=AssetEventKind.UPDATED, changes=changes)
    return asset


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@transaction.atomic
def asset_move(
    *,
    actor: Any,
    asset: Asset,
    store: OrgUnit,
    location: str = "",
    note: str = "",
    reference: str = "",
    system: bool = False,
) -> Asset:
    """The asset moves to another store (异动): the card's store and location change, the history says so."""
    asset = Asset.objects.select_for_update().select_related("store").get(pk=asset.pk)
    _actor_check(actor, "assets.change_asset", asset.store, system=system)
    _actor_check(actor, "assets.change_asset", store, system=system)
    _check_store(store)
    _not_written_off(asset)
    if asset.store_id == store.pk and asset.location == location.strip():
        raise DomainError(_("资产已在该门店和位置。"), field="store")
    previous = asset.store
    changes = {"location": [asset.location, location.strip()]} if asset.location != location.strip() else {}
    asset.store = store
    asset.location = location.strip()
    if asset.state == AssetState.TRANSFERRED:
        asset.state = AssetState.IN_USE
    asset.save()
    _record(
        asset,
        actor=actor,
        kind=AssetEventKind.MOVED,
        from_store=previous,
        to_store=store,
        changes=changes,
        reference=reference,
        note=note,
    )
    return asset


@transaction.atomic
def asset_set_state(
    *, actor: Any, asset: Asset, state: str, note: str = "", reference: str = "", system: bool = False
) -> Asset:
    asset = Asset.objects.select_for_update().select_related("store").get(pk=asset.pk)
    _actor_check(actor, "assets.change_asset", asset.store, system=system)
    if state not in AssetState.values:
        raise DomainError(_("未知的资产状态。"), field="state")
    _not_written_off(asset)
    if asset.state == state:
        return asset
    previous = asset.state
    asset.state = state
    asset.save()
    kind = AssetEventKind.WRITTEN_OFF if state == AssetState.WRITTEN_OFF else AssetEventKind.STATE
    _record(
        asset, actor=actor, kind=kind, from_state=previous, to_state=state, reference=reference, note=note
    )
    return asset


def asset_write_off(
    *, actor: Any, asset: Asset, note: str = "", reference: str = "", system: bool = False
) -> Asset:
    return asset_set_state(
        actor=actor, asset=asset, state=AssetState.WRITTEN_OFF, note=note, reference=reference, system=system
    )


def asset_by_code(code: str) -> Asset:
    asset = Asset.objects.select_related("store").filter(code=code).first()
    if asset is None:
        raise NotFound(_("找不到资产 %(code)s。") % {"code": code})
    return asset
