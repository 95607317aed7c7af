"""The asset register: services keep the card and its history, scope decides who sees what, the API and
the Excel import/export follow the same rules."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from yunying.assets import services
from yunying.assets.factories import AssetFactory
from yunying.assets.models import Asset, AssetEvent, AssetEventKind, AssetState
from yunying.core.errors import DomainError, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db

VISIBLE = {
    "gm": {"A1", "B1", "D1"},
    "mgmt": {"A1", "B1", "D1"},
    "area_a": {"A1"},
    "area_b": {"B1"},
    "store_a1": {"A1"},
    "nobody": set(),
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _assets(chain) -> dict[str, Asset]:
    stores = {"A1": chain.stores_a[0], "B1": chain.stores_b[0], "D1": chain.direct}
    return {code: AssetFactory(code=f"FA-{code}", store=store) for code, store in stores.items()}


def test_create_move_and_write_off_keep_history(chain):
    mgmt = chain.users["mgmt"]
    asset = services.asset_create(
        actor=mgmt,
        code="FA-001",
        name="双门冷柜",
        category="制冷设备",
        store=chain.stores_a[0],
        cost="8800.5",
    )
    assert asset.category == "cold" and asset.cost == Decimal("8800.50") and asset.state == AssetState.IN_USE
    services.asset_move(actor=mgmt, asset=asset, store=chain.stores_b[0], location="后厨", note="调往 B1")
    services.asset_write_off(actor=mgmt, asset=asset, note="压缩机损坏")
    asset.refresh_from_db()
    assert asset.store == chain.stores_b[0] and asset.location == "后厨"
    assert asset.state == AssetState.WRITTEN_OFF
    kinds = list(AssetEvent.objects.filter(asset=asset).order_by("pk").values_list("kind", flat=True))
    assert kinds == [AssetEventKind.CREATED, AssetEventKind.MOVED, AssetEventKind.WRITTEN_OFF]
    moved = asset.events.get(kind=AssetEventKind.MOVED)
    assert (moved.from_store, moved.to_store, moved.actor) == (chain.stores_a[0], chain.stores_b[0], mgmt)


def test_written_off_asset_cannot_be_moved_or_changed(chain):
    mgmt = chain.users["mgmt"]
    asset = AssetFactory(store=chain.stores_a[0], state=AssetState.WRITTEN_OFF)
    with pytest.raises(DomainError) as excinfo:
        services.asset_move(actor=mgmt, asset=asset, store=chain.stores_b[0])
    assert excinfo.value.code == "written_off"
    with pytest.raises(DomainError):
        services.asset_set_state(actor=mgmt, asset=asset, state=AssetState.IN_USE)
    asset.refresh_from_db()
    assert asset.store == chain.stores_a[0] and not asset.events.exists()


def test_bad_input_is_refused_and_nothing_written(chain):
    mgmt = chain.users["mgmt"]
    store = chain.stores_a[0]
    AssetFactory(code="FA-DUP", store=store)
    for kwargs in (
        {"code": "FA-DUP", "name": "x", "category": "kitchen"},
        {"code": "FA-2", "name": " ", "category": "kitchen"},
        {"code": "FA-3", "name": "x", "category": "飞机"},
        {"code": "FA-4", "name": "x", "category": "kitchen", "cost": "-1"},
        {"code": "FA-5", "name": "x", "category": "kitchen", "cost": "abc"},
    ):
        with pytest.raises(DomainError):
            services.asset_create(actor=mgmt, store=store, **kwargs)
    with pytest.raises(DomainError):
        services.asset_create(actor=mgmt, code="FA-6", name="x", category="kitchen", store=chain.region_a)
    assert Asset.objects.count() == 1


def test_permissions_and_scope_on_writes(chain):
    asset = AssetFactory(store=chain.stores_b[0])
    with pytest.raises(PermissionDenied):
        services.asset_create(
            actor=chain.users["store_a1"], code="X", name="x", category="kitchen", store=chain.stores_a[0]
        )
    with pytest.raises(NotFound):
        services.asset_set_state(actor=chain.users["area_a"], asset=asset, state=AssetState.REPAIRING)
    # a finished approval acts for the system: no personal permission needed
    created = services.asset_create(
        actor=None,
        code="X",
        name="x",
        category="kitchen",
        store=chain.stores_a[0],
        system=True,
        reference="WF-1",
    )
    assert created.events.get().reference == "WF-1"


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_pages_and_api_follow_scope(chain, role):
    _assets(chain)
    client = _client(chain.users[role])
    for store_code in ("A1", "B1", "D1"):
        expected = 200 if store_code in VISIBLE[role] else 404
        assert client.get(f"/assets/FA-{store_code}/").status_code == expected, (role, store_code)
        assert client.get(f"/api/assets/FA-{store_code}").status_code == expected, (role, store_code)
    listed = {row["code"] for row in client.get("/api/assets").json()}
    assert listed == {f"FA-{code}" for code in VISIBLE[role]}
    page = client.get("/assets/").content.decode()
    for store_code in ("A1", "B1", "D1"):
        assert (f"FA-{store_code}" in page) == (store_code in VISIBLE[role])


def test_api_filters_and_history(chain):
    mgmt = chain.users["mgmt"]
    assets = _assets(chain)
    services.asset_set_state(actor=mgmt, asset=assets["B1"], state=AssetState.REPAIRING, note="门把手松动")
    client = _client(mgmt)
    assert [r["code"] for r in client.get("/api/assets?state=repairing").json()] == ["FA-B1"]
    assert [r["code"] for r in client.get("/api/assets?store=A1").json()] == ["FA-A1"]
    card = client.get("/api/assets/FA-B1").json()
    assert card["state"] == "repairing"
    assert card["history"][0]["from_state"] == "in_use" and card["history"][0]["note"] == "门把手松动"


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["资产编码", "资产名称", "类别", "门店编码", "存放位置", "购置日期", "购置金额"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_is_all_or_nothing_with_every_row_error(chain):
    client = _client(chain.users["mgmt"])
    AssetFactory(code="FA-OLD", store=chain.stores_a[0])
    bad = _xlsx(
        [
            ["FA-100", "烤箱", "厨房设备", "A1", "后厨", "2024-03-01", 5600],
            ["FA-OLD", "冷柜", "制冷设备", "A1", "", "", 100],
            ["FA-101", "桌椅", "飞机", "ZZ", "", "2024-13-01", -5],
            ["FA-100", "烤箱", "厨房设备", "A1", "", "", 1],
        ]
    )
    response = client.post("/api/assets/import", {"file": _upload("assets.xlsx", bad)})
    assert response.status_code == 422
    errors = {(e["row"], e["column"]) for e in response.json()["errors"]}
    assert errors == {
        (3, "资产编码"),
        (4, "类别"),
        (4, "门店编码"),
        (4, "购置日期"),
        (4, "购置金额"),
        (5, "资产编码"),
    }
    assert not Asset.objects.filter(code="FA-100").exists()

    good = _xlsx([["FA-100", "烤箱", "厨房设备", "A1", "后厨", "2024-03-01", 5600]])
    response = client.post("/api/assets/import", {"file": _upload("assets.xlsx", good)})
    assert response.status_code == 200 and response.json() == {"written": 1}
    created = Asset.objects.get(code="FA-100")
    assert created.cost == Decimal("5600.00") and created.events.get().kind == AssetEventKind.CREATED


def test_import_refuses_stores_outside_scope_and_people_without_permission(chain):
    content = _xlsx([["FA-200", "烤箱", "厨房设备", "B1", "", "", 1]])
    response = _client(chain.users["store_a1"]).post(
        "/api/assets/import", {"file": _upload("a.xlsx", content)}
    )
    assert response.status_code == 403
    assert not Asset.objects.exists()


def test_export_writes_formula_like_text_as_text(chain):
    AssetFactory(
        code="FA-X", name='=HYPERLINK("http://x")', store=chain.stores_a[0], location="+1", note="@SUM(A1)"
    )
    AssetFactory(code="FA-Y", name="-2+3", store=chain.stores_b[0])
    response = _client(chain.users["area_a"]).get("/assets/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "资产编码"
    assert [r[0] for r in rows[1:]] == ["FA-X"]  # scope: area A sees only its store
    cells = {c.column_letter: c for c in sheet[2]}
    assert cells["B"].value == '=HYPERLINK("http://x")' and cells["B"].data_type == "s"
    assert cells["E"].value == "+1" and cells["E"].data_type == "s"
    assert cells["H"].value == "@SUM(A1)" and cells["H"].data_type == "s"


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_update_records_each_changed_field(chain):
    mgmt = chain.users["mgmt"]
    asset = AssetFactory(code="FA-U1", store=chain.stores_a[0], location="前厅", cost=Decimal("100"))
    services.asset_update(actor=mgmt, asset=asset, location="后厨", cost="120", name=asset.name)
    asset.refresh_from_db()
    assert (asset.location, asset.cost) == ("后厨", Decimal("120.00"))
    event = asset.events.get()
    assert event.kind == AssetEventKind.UPDATED
    assert event.changes == {"location": ["前厅", "后厨"], "cost": ["100.00", "120.00"]}
    assert [label for label, *_ in event.change_rows] == ["存放位置", "购置金额"]
    with pytest.raises(DomainError):
        services.asset_update(actor=mgmt, asset=asset, state="written_off")
    with pytest.raises(PermissionDenied):
        services.asset_update(actor=chain.users["store_a1"], asset=asset, location="仓库")
    assert asset.events.count() == 1
