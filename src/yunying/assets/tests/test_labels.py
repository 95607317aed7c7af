"""QR-code labels of the asset register: each code opens the asset's page, which links to a 日常维修
start form with the asset filled in; labels stay within the reader's scope."""

from __future__ import annotations

from typing import Any

import pytest
import segno
from django.urls import reverse

from yunying.assets import labels
from yunying.assets.factories import AssetFactory
from yunying.assets.models import AssetState

pytestmark = pytest.mark.django_db


def test_a_label_encodes_the_asset_page(chain: Any) -> None:
    asset = AssetFactory(store=chain.stores_a[0], code="FA-A1-001")
    [label] = labels.labels_for([asset], base_url="https://ops.example/")
    assert label.url == "https://ops.example/assets/FA-A1-001/"
    assert label.svg.startswith("<svg") and "viewBox" in label.svg
    assert str(segno.make(label.url, error="m").svg_inline(border=2, omitsize=True)) == str(label.svg)


def test_label_sheet_and_card_link_to_a_prefilled_repair(client: Any, chain: Any) -> None:
    asset = AssetFactory(store=chain.stores_a[0], name="双门冷藏柜")
    AssetFactory(store=chain.stores_a[0], state=AssetState.WRITTEN_OFF)
    elsewhere = AssetFactory(store=chain.stores_b[0])
    client.force_login(chain.users["store_a1"])
    sheet = client.get(reverse("assets:labels")).content.decode()
    assert sheet.count('data-testid="label"') == 1 and asset.code in sheet and elsewhere.code not in sheet
    assert client.get(reverse("assets:labels"), {"code": elsewhere.code}).status_code == 404
    card = client.get(reverse("assets:card", args=[asset.code])).content.decode()
    assert 'data-testid="asset-repair"' in card
    start = client.get(labels.repair_start_url(asset)).content.decode()
    assert f'value="{asset.code}"' in start and "双门冷藏柜" in start


def test_written_off_asset_offers_no_repair(client: Any, chain: Any) -> None:
    gone = AssetFactory(store=chain.stores_a[0], state=AssetState.WRITTEN_OFF)
    client.force_login(chain.users["store_a1"])
    assert (
        'data-testid="asset-repair"'
        not in client.get(reverse("assets:card", args=[gone.code])).content.decode()
    )
