"""Appointments and scope count the company's day; a unit may live in its own time zone, inherited down the
tree, and a store's own day decides whether it is open. Bad zone names are refused in every entry path."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from yunying.core.errors import DomainError
from yunying.core.tests.company_time import COMPANY_DAY, MOMENTS, company_time, frozen_at  # noqa: F401
from yunying.org import selectors, services
from yunying.org.factories import EmployeeFactory, UserFactory, appoint
from yunying.org.imports import import_file
from yunying.org.models import OrgUnit, Position, Store

pytestmark = pytest.mark.django_db

YESTERDAY, TOMORROW = COMPANY_DAY - timedelta(days=1), COMPANY_DAY + timedelta(days=1)
BAD_ZONE = "“Asia/Beijing”不是有效的时区名称"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# (appointment starts, ends) → does this 区域经理 of region A see store A1 today?
PERIODS = [
    (COMPANY_DAY, None, True),
    (TOMORROW, None, False),
    (dt.date(2024, 1, 1), COMPANY_DAY, False),
    (dt.date(2024, 1, 1), TOMORROW, True),
]


@pytest.mark.usefixtures("company_time")
def test_scope_follows_appointments_on_the_company_day(chain):
    """A sample of the role × resource matrix: 区域经理 of region A appointed around today."""
    for number, (started_on, ended_on, sees_a1) in enumerate(PERIODS):
        user = UserFactory(username=f"area_new{number}")
        appoint(
            EmployeeFactory(user=user), "AREA-MGR", chain.region_a, started_on=started_on, ended_on=ended_on
        )
        client = _client(user)
        expected = 200 if sees_a1 else 404
        period = (started_on, ended_on)
        assert client.get("/org/stores/A1/").status_code == expected, period
        assert client.get("/api/org/stores/A1").status_code == expected, period
        assert client.get("/api/org/stores/B1").status_code == 404, period
        listed = {row["code"] for row in client.get("/api/org/stores").json()}
        assert ("A1" in listed) is sees_a1, period


@pytest.mark.usefixtures("company_time")
def test_appointments_start_and_end_on_the_company_day_by_default(chain):
    employee = services.employee_create(actor=chain.users["mgmt"], employee_no="E900", name="新员工")
    appointment = services.appointment_create(
        actor=chain.users["mgmt"],
        employee=employee,
        position=Position.objects.get(code="WAITER"),
        unit=chain.stores_a[1],
    )
    assert appointment.started_on == COMPANY_DAY and appointment.is_active
    services.appointment_end(actor=chain.users["mgmt"], appointment=appointment, reason="调任")
    appointment.refresh_from_db()
    assert appointment.ended_on == COMPANY_DAY and not appointment.is_active


def test_a_unit_zone_is_inherited_down_the_tree(chain):
    chain.region_b.time_zone = "Asia/Urumqi"
    chain.region_b.save()
    b1 = Store.objects.get(code="B1")
    assert selectors.unit_zone(b1) == ZoneInfo("Asia/Urumqi")
    assert selectors.unit_zone(Store.objects.get(code="A1")) == ZoneInfo("Asia/Shanghai")  # the company's
    b1.time_zone = "Europe/London"
    b1.save()
    assert selectors.unit_zone(b1) == ZoneInfo("Europe/London")
    zones = selectors.unit_zones()
    assert all(zones[unit.pk] == selectors.unit_zone(unit) for unit in OrgUnit.objects.all())

    api = _client(chain.users["mgmt"])
    rows = {row["code"]: row for row in api.get("/api/org/stores").json()}
    assert (rows["B1"]["time_zone"], rows["B1"]["zone"]) == ("Europe/London", "Europe/London")
    assert (rows["B2"]["time_zone"], rows["B2"]["zone"]) == ("", "Asia/Urumqi")
    assert (rows["A1"]["time_zone"], rows["A1"]["zone"]) == ("", "Asia/Shanghai")
    assert api.get("/api/org/units/RB").json()["zone"] == "Asia/Urumqi"


@pytest.mark.parametrize("server", ["UTC", "Asia/Shanghai"])
def test_whether_a_store_is_open_is_decided_on_its_own_day(chain, server):
    """A store closing on 12-01: at 00:30 in Shanghai it is already closed; in Los Angeles it is 08:30 on
    11-30, so a store there is still open until its own midnight."""
    shanghai, los_angeles = chain.stores_a[0], chain.stores_a[1]
    los_angeles.time_zone = "America/Los_Angeles"
    for store in (shanghai, los_angeles):
        store.closed_on = COMPANY_DAY
        store.save()
    with frozen_at(MOMENTS["00:30"], server):
        assert shanghai.today == COMPANY_DAY and not shanghai.is_open
        assert los_angeles.today == YESTERDAY and los_angeles.is_open
    with frozen_at(MOMENTS["23:30"], server):
        assert los_angeles.today == COMPANY_DAY and not los_angeles.is_open


def test_bad_zone_names_are_refused_by_the_service_the_page_the_import_and_the_admin(chain, admin_client):
    store = Store.objects.get(code="A1")
    with pytest.raises(DomainError) as info:
        services.store_update(actor=chain.users["mgmt"], store=store, time_zone="Asia/Beijing")
    assert BAD_ZONE in str(info.value) and info.value.field == "time_zone"
    with pytest.raises(DomainError):
        services.store_create(
            actor=chain.users["mgmt"], code="Z1", name="新店", area="浦东", time_zone="GMT+8x"
        )
    assert not Store.objects.filter(code="Z1").exists()

    page = _client(chain.users["mgmt"])
    fields = {"action": "edit", "name": store.name, "area": store.area, "time_zone": "Asia/Beijing"}
    response = page.post("/org/stores/A1/", fields)
    assert response.status_code == 200 and BAD_ZONE in response.content.decode()
    store.refresh_from_db()
    assert store.time_zone == ""
    assert page.post("/org/stores/A1/", {**fields, "time_zone": "Asia/Urumqi"}).status_code == 302
    store.refresh_from_db()
    assert store.time_zone == "Asia/Urumqi"
    assert "Asia/Urumqi" in page.get("/org/stores/A1/").content.decode()

    content = "门店编码,门店名称,所在地区,区域编码,开业日期,地址,电话,时区\nN1,新店,南京,,,,,Asia/Beijing\n"
    report = import_file(actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=content.encode())
    assert not report.ok and report.written == 0
    assert [(e.column, BAD_ZONE in e.message) for e in report.errors] == [("时区", True)]
    assert not Store.objects.filter(code="N1").exists()
    good = content.replace("Asia/Beijing", "Asia/Urumqi")
    assert import_file(actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=good.encode()).ok
    assert Store.objects.get(code="N1").time_zone == "Asia/Urumqi"

    unit = chain.region_b
    admin_form = {
        "kind": unit.kind,
        "code": unit.code,
        "name": unit.name,
        "parent": unit.parent_id,
        "area": unit.area,
        "time_zone": "Asia/Beijing",
        "sort_order": 0,
    }
    response = admin_client.post(f"/admin/org/orgunit/{unit.pk}/change/", admin_form)
    assert response.status_code == 200 and BAD_ZONE in response.content.decode()
    unit.refresh_from_db()
    assert unit.time_zone == ""
