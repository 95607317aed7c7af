"""A store's coordinates from the org store page: both or neither, within range, by people with
``inspections.change_storelocation`` only; a refused change leaves the stored ones as they were."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from yunying.core.errors import DomainError, PermissionDenied
from yunying.inspections import services
from yunying.inspections.models import StoreLocation

pytestmark = pytest.mark.django_db


def test_both_or_neither_and_within_range(chain):
    store, mgmt = chain.stores_a[0], chain.users["mgmt"]
    location = services.store_location_save(
        actor=mgmt, store=store, latitude="31.2304", longitude=" 121.4737 "
    )
    assert (location.latitude, location.longitude) == (Decimal("31.230400"), Decimal("121.473700"))
    bad = [
        ("31.2", "", "同时填写"),
        ("", "121.4", "同时填写"),
        ("91", "121.4", "纬度须在 −90 到 90 之间"),
        ("31.2", "-180.5", "经度须在 −180 到 180 之间"),
        ("北纬31", "121.4", "纬度不是数字"),
        ("nan", "121.4", "纬度须在"),
    ]
    for lat, lng, message in bad:
        with pytest.raises(DomainError, match=message):
            services.store_location_save(actor=mgmt, store=store, latitude=lat, longitude=lng)
    assert StoreLocation.objects.get(store=store).latitude == Decimal("31.230400")  # unchanged
    with pytest.raises(PermissionDenied):
        services.store_location_save(actor=chain.users["store_a1"], store=store, latitude="1", longitude="1")
    assert services.store_location_save(actor=mgmt, store=store, latitude="", longitude=None) is None
    assert not StoreLocation.objects.filter(store=store).exists()


def test_the_store_page_shows_and_sets_the_coordinates(chain):
    store = chain.stores_a[0]
    mgmt, manager = Client(), Client()
    mgmt.force_login(chain.users["mgmt"])
    manager.force_login(chain.users["store_a1"])
    page = mgmt.get(f"/org/stores/{store.code}/").content.decode()
    assert 'data-testid="store-location-form"' in page and "未设置" in page
    url = f"/inspections/stores/{store.code}/location/"
    response = mgmt.post(url, {"latitude": "31.2304", "longitude": "121.4737"}, follow=True)
    assert "门店坐标已保存" in response.content.decode() and "纬度 31.230400，经度 121.473700" in (
        response.content.decode()
    )
    response = mgmt.post(url, {"latitude": "31.5", "longitude": ""}, follow=True)
    assert "同时填写" in response.content.decode()
    assert StoreLocation.objects.get(store=store).latitude == Decimal("31.230400")
    assert (
        'data-testid="store-location-form"' not in manager.get(f"/org/stores/{store.code}/").content.decode()
    )
    manager.post(url, {"latitude": "1", "longitude": "1"})
    assert StoreLocation.objects.get(store=store).latitude == Decimal("31.230400")
    assert mgmt.get(url).status_code == 405
    assert Client().post(url, {}).status_code == 302  # to the login page
    other = Client()
    other.force_login(chain.users["area_b"])
    assert other.post(url, {"latitude": "1", "longitude": "1"}).status_code == 404
