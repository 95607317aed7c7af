"""Asset register endpoints: list, read and import assets, each within the caller's scope."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from yunying.assets import selectors
from yunying.assets.models import Asset, AssetEvent
from yunying.assets.tabular import import_assets
from yunying.core.errors import ValidationFailed

router = Router(tags=["assets"])


class AssetOut(Schema):
    code: str
    name: str
    category: str
    store_code: str
    store_name: str
    location: str
    purchased_on: date | None
    cost: Decimal
    state: str
    note: str


class AssetEventOut(Schema):
    kind: str
    at: datetime
    actor: str | None
    from_store: str | None
    to_store: str | None
    from_state: str
    to_state: str
    changes: dict[str, list[str]]
    note: str
    reference: str


class AssetDetailOut(AssetOut):
    history: list[AssetEventOut]


class ImportOut(Schema):
    written: int


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class RowErrorsOut(Schema):
    detail: str
    errors: list[RowErrorOut]


def _asset_out(asset: Asset) -> dict[str, object]:
    return {
        "code": asset.code,
        "name": asset.name,
        "category": asset.category,
        "store_code": asset.store.code,
        "store_name": asset.store.name,
        "location": asset.location,
        "purchased_on": asset.purchased_on,
        "cost": asset.cost,
        "state": asset.state,
        "note": asset.note,
    }


def _event_out(event: AssetEvent) -> dict[str, object]:
    return {
        "kind": event.kind,
        "at": event.at,
        "actor": event.actor.get_username() if event.actor else None,
        "from_store": event.from_store.code if event.from_store else None,
        "to_store": event.to_store.code if event.to_store else None,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "changes": event.changes,
        "note": event.note,
        "reference": event.reference,
    }


@router.get("", response=list[AssetOut], summary="List assets in scope")
def list_assets(
    request: HttpRequest,
    store: str | None = None,
    state: str | None = None,
    category: str | None = None,
    q: str | None = None,
) -> list[dict[str, object]]:
    rows = selectors.asset_list(user=request.user, store=store, state=state, category=category, q=q)
    return [_asset_out(a) for a in rows]


@router.post(
    "/import",
    response={200: ImportOut, 422: RowErrorsOut},
    summary="Import assets from .xlsx or .csv",
    description="All-or-nothing: 422 lists every row error and nothing is written.",
)
def post_import(request: HttpRequest, file: File[UploadedFile]) -> dict[str, int]:
    report = import_assets(actor=request.user, filename=file.name or "", content=file.read())
    if not report.ok:
        raise ValidationFailed(_("文件有错误，未导入任何数据。"), errors=[e.as_dict() for e in report.errors])
    return {"written": report.written}


@router.get("/{code}", response=AssetDetailOut, summary="An asset's card and history (404 outside scope)")
def get_asset(request: HttpRequest, code: str) -> dict[str, object]:
    asset = selectors.asset_get(user=request.user, code=code)
    return {**_asset_out(asset), "history": [_event_out(e) for e in selectors.asset_history(asset=asset)]}
