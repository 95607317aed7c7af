from __future__ import annotations

from datetime import date

import pytest

from yunying.core.errors import DomainError, NotFound, PermissionDenied
from yunying.core.settings_store import setting_set
from yunying.org import services
from yunying.org.factories import EmployeeFactory, StoreFactory
from yunying.org.models import Appointment, OrgUnit, Position, Store, UnitKind

pytestmark = pytest.mark.django_db


def test_store_without_region_is_managed_by_the_management_department(chain):
    store = services.store_create(actor=chain.users["mgmt"], code="N1", name="新店", area="南京")
    assert store.parent == chain.mgmt
    assert store.region is None


def test_store_joins_region_of_same_area_only(chain):
    with pytest.raises(DomainError, match="不属于区域"):
        services.store_create(
            actor=chain.users["mgmt"], code="N2", name="新店", area="南京", region=chain.region_a
        )
    assert not Store.objects.filter(code="N2").exists()
    store = services.store_create(
        actor=chain.users["mgmt"], code="N3", name="新店", area="浦东", region=chain.region_a
    )
    assert store.region == chain.region_a


def test_region_needs_four_stores_of_one_area(chain):
    stores = [StoreFactory(area="苏州", parent=chain.mgmt) for _ in range(3)]
    with pytest.raises(DomainError, match="至少需要同一地区的 4 家门店"):
        services.region_create(
            actor=chain.users["mgmt"], code="RS", name="苏州区域", area="苏州", stores=stores
        )
    assert not OrgUnit.objects.filter(code="RS").exists()
    stores.append(StoreFactory(area="苏州", parent=chain.mgmt))
    region = services.region_create(
        actor=chain.users["mgmt"], code="RS", name="苏州区域", area="苏州", stores=stores
    )
    assert Store.objects.filter(parent=region).count() == 4


def test_region_minimum_is_a_setting(chain):
    setting_set(key="org.region_min_stores", value=2)
    stores = [StoreFactory(area="苏州", parent=chain.mgmt) for _ in range(2)]
    region = services.region_create(
        actor=chain.users["mgmt"], code="RS", name="苏州", area="苏州", stores=stores
    )
    assert region.kind == UnitKind.REGION


def test_region_refuses_stores_of_another_area(chain):
    stores = [StoreFactory(area="苏州", parent=chain.mgmt) for _ in range(3)] + [chain.direct]
    with pytest.raises(DomainError, match="不属于区域"):
        services.region_create(actor=chain.users["mgmt"], code="RS", name="苏州", area="苏州", stores=stores)
    chain.direct.refresh_from_db()
    assert chain.direct.parent == chain.mgmt


def test_moving_a_store_out_may_not_shrink_region_below_minimum(chain):
    store = Store.objects.get(pk=chain.stores_a[0].pk)
    with pytest.raises(DomainError, match="少于组建区域所需的 4 家"):
        services.store_move(actor=chain.users["mgmt"], store=store, region=None)
    store.refresh_from_db()
    assert store.parent == chain.region_a
    moved = services.store_move(actor=chain.users["mgmt"], store=Store.objects.get(code="B1"), region=None)
    assert moved.parent == chain.mgmt


def test_assistant_only_in_region_of_five_or_more(chain):
    assistant = Position.objects.get(code="AREA-ASST")
    with pytest.raises(DomainError, match="不少于 5 家"):
        services.appointment_create(
            actor=chain.users["mgmt"], employee=EmployeeFactory(), position=assistant, unit=chain.region_a
        )
    appointment = services.appointment_create(
        actor=chain.users["mgmt"], employee=EmployeeFactory(), position=assistant, unit=chain.region_b
    )
    assert appointment.is_active
    # With an assistant appointed, region B may not drop below five stores.
    setting_set(key="org.region_min_stores", value=2)
    with pytest.raises(DomainError, match="区域经理助理"):
        services.store_move(actor=chain.users["mgmt"], store=Store.objects.get(code="B1"), region=None)


def test_position_must_match_unit_kind_and_head_count(chain):
    with pytest.raises(DomainError, match="只能设在"):
        services.appointment_create(
            actor=chain.users["mgmt"],
            employee=EmployeeFactory(),
            position=Position.objects.get(code="STORE-MGR"),
            unit=chain.region_a,
        )
    with pytest.raises(DomainError, match="已满员"):
        services.appointment_create(
            actor=chain.users["mgmt"],
            employee=EmployeeFactory(),
            position=Position.objects.get(code="STORE-MGR"),
            unit=chain.stores_a[0],
        )


def test_ending_an_appointment_keeps_history(chain):
    appointment = Appointment.objects.get(employee__user=chain.users["store_a1"])
    services.appointment_end(
        actor=chain.users["mgmt"], appointment=appointment, ended_on=date.today(), reason="调任"
    )
    appointment.refresh_from_db()
    assert appointment.ended_on == date.today()
    assert not appointment.is_active
    assert appointment.history.count() == 2  # created, then ended
    with pytest.raises(DomainError, match="已经结束"):
        services.appointment_end(actor=chain.users["mgmt"], appointment=appointment)


def test_area_manager_cannot_touch_other_regions(chain):
    with pytest.raises(NotFound):
        services.appointment_create(
            actor=chain.users["area_a"],
            employee=EmployeeFactory(),
            position=Position.objects.get(code="WAITER"),
            unit=chain.stores_b[0],
        )
    appointment = services.appointment_create(
        actor=chain.users["area_a"],
        employee=EmployeeFactory(),
        position=Position.objects.get(code="WAITER"),
        unit=chain.stores_a[1],
    )
    assert appointment.unit == chain.stores_a[1]


def test_staff_cannot_change_the_organisation(chain):
    with pytest.raises(PermissionDenied):
        services.store_move(actor=chain.users["store_a1"], store=chain.stores_a[0], region=chain.region_b)


def test_store_update_checks_its_rules_and_changes_nothing_when_broken(chain):
    store = Store.objects.get(code="A1")
    with pytest.raises(DomainError, match="不属于区域"):
        services.store_update(actor=chain.users["mgmt"], store=store, area="苏州")
    with pytest.raises(DomainError, match="停业日期不能早于开业日期"):
        services.store_update(actor=chain.users["mgmt"], store=store, closed_on=date(2019, 1, 1))
    store.refresh_from_db()
    assert store.area == "浦东" and store.closed_on is None
    updated = services.store_update(
        actor=chain.users["mgmt"], store=store, name=" 陆家嘴旗舰店 ", phone="021-1"
    )
    assert updated.name == "陆家嘴旗舰店"
