"""Printable QR-code labels of the asset register (segno): each code opens the asset's page, from which
a repair is reported with the asset already filled in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import segno
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from yunying.assets.models import Asset, AssetState

MAX_LABELS = 300  # one print run; narrow the filter for more


@dataclass
class Label:
    asset: Asset
    url: str
    svg: SafeString


def qr_svg(text: str) -> SafeString:
    """An inline SVG QR code of ``text`` (medium error correction: survives a scuffed sticker)."""
    svg = segno.make(text, error="m").svg_inline(border=2, omitsize=True)
    return mark_safe(svg)  # segno writes the markup; the text is encoded as modules, never as markup


def labels_for(assets: Any, *, base_url: str) -> list[Label]:
    """A label per asset (at most :data:`MAX_LABELS`), each pointing at ``base_url`` + the asset's page."""
    base = base_url.rstrip("/")
    out = []
    for asset in assets[:MAX_LABELS]:
        url = base + reverse("assets:card", args=[asset.code])
        out.append(Label(asset=asset, url=url, svg=qr_svg(url)))
    return out


def repair_start_url(asset: Asset) -> str:
    """The 日常维修 start form with the asset's store, code and name filled in."""
    query = urlencode({"f_store": asset.store.code, "f_asset_code": asset.code, "f_equipment": asset.name})
    return f"{reverse('workflow:start', args=['repair'])}?{query}"


def can_report_repair(asset: Asset) -> bool:
    return asset.state != AssetState.WRITTEN_OFF
