"""Org endpoints: list and read units, stores, positions and people, each within the caller's scope."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Field, Router, Schema

from yunying.org import selectors
from yunying.org.models import Employee, OrgUnit

router = Router(tags=["org"])


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent_code: str | None
    area: str
    time_zone: str = Field(description="The unit's own time zone; empty: inherited from the unit above")
    zone: str = Field(description="The time zone the unit's days are counted in (own, inherited or company)")

    @staticmethod
    def from_unit(unit: OrgUnit, zones: dict[int, ZoneInfo] | None = None) -> UnitOut:
        return UnitOut(
            code=unit.code,
            name=unit.name,
            kind=unit.kind,
            parent_code=unit.parent.code if unit.parent else None,
            area=unit.area,
            time_zone=unit.time_zone,
            zone=_zone(unit, zones),
        )


def _zone(unit: OrgUnit, zones: dict[int, ZoneInfo] | None) -> str:
    zone = zones.get(unit.pk) if zones is not None else None
    return (zone or selectors.unit_zone(unit)).key


class StoreOut(Schema):
    code: str
    name: str
    area: str
    region_code: str | None
    region_name: str | None
    opened_on: date | None
    closed_on: date | None
    address: str
    phone: str
    time_zone: str = Field(description="The store's own time zone; empty: inherited from the unit above")
    zone: str = Field(
        description="The time zone the store's days (sales dates, open or closed) are counted in"
    )


class SeatOut(Schema):
    position_code: str
    position_name: str
    people: list[str]
    vacant: bool


class StoreDetailOut(StoreOut):
    seats: list[SeatOut]


class PositionOut(Schema):
    code: str
    name: str
    name_en: str
    unit_kind: str
    superior_code: str | None
    is_store_standard: bool
    holders: int


class AppointmentOut(Schema):
    position_code: str
    position_name: str
    unit_code: str
    unit_name: str
    started_on: date
    ended_on: date | None


class EmployeeOut(Schema):
    employee_no: str
    name: str
    phone: str
    is_active: bool
    employment_status: str
    probation_ends_on: date | None = None
    positions: list[AppointmentOut]


def _store_out(store: OrgUnit, zones: dict[int, ZoneInfo] | None = None) -> dict[str, object]:
    region = store.parent if store.parent and store.parent.kind == "region" else None
    return {
        "code": store.code,
        "name": store.name,
        "area": store.area,
        "region_code": region.code if region else None,
        "region_name": region.name if region else None,
        "opened_on": store.opened_on,
        "closed_on": store.closed_on,
        "address": store.address,
        "phone": store.phone,
        "time_zone": store.time_zone,
        "zone": _zone(store, zones),
    }


def _employee_out(employee: Employee, appointments: list) -> dict[str, object]:  # type: ignore[type-arg]
    return {
        "employee_no": employee.employee_no,
        "name": employee.name,
        "phone": employee.phone,
        "is_active": employee.is_active,
        "employment_status": employee.employment_status,
        "probation_ends_on": employee.probation_ends_on,
        "positions": [
            {
                "position_code": a.position.code,
                "position_name": a.position.name,
                "unit_code": a.unit.code,
                "unit_name": a.unit.name,
                "started_on": a.started_on,
                "ended_on": a.ended_on,
            }
            for a in appointments
        ],
    }


@router.get("/units", response=list[UnitOut], summary="List org units in scope")
def list_units(request: HttpRequest, kind: str | None = None) -> list[UnitOut]:
    zones = selectors.unit_zones()
    return [UnitOut.from_unit(u, zones) for u in selectors.unit_list(user=request.user, kind=kind)]


@router.get("/units/{code}", response=UnitOut, summary="Read an org unit")
def read_unit(request: HttpRequest, code: str) -> UnitOut:
    return UnitOut.from_unit(selectors.unit_get(user=request.user, code=code))


@router.get("/stores", response=list[StoreOut], summary="List stores in scope")
def list_stores(
    request: HttpRequest, region: str | None = None, q: str | None = None
) -> list[dict[str, object]]:
    zones = selectors.unit_zones()
    return [_store_out(s, zones) for s in selectors.store_list(user=request.user, region=region, q=q)]


@router.get("/stores/{code}", response=StoreDetailOut, summary="Read a store with its positions")
def read_store(request: HttpRequest, code: str) -> dict[str, object]:
    store = selectors.store_get(user=request.user, code=code)
    seats = [
        {
            "position_code": seat.position.code,
            "position_name": seat.position.name,
            "people": [a.employee.name for a in seat.appointments],
            "vacant": seat.vacant,
        }
        for seat in selectors.unit_seats(store)
    ]
    return {**_store_out(store), "seats": seats}


@router.get("/positions", response=list[PositionOut], summary="The positions catalog")
def list_positions(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {
            "code": p.code,
            "name": p.name,
            "name_en": p.name_en,
            "unit_kind": p.unit_kind,
            "superior_code": p.superior.code if p.superior else None,
            "is_store_standard": p.is_store_standard,
            "holders": p.holders,  # type: ignore[attr-defined]
        }
        for p in selectors.position_list()
    ]


@router.get("/people", response=list[EmployeeOut], summary="List people in scope")
def list_people(
    request: HttpRequest, q: str | None = None, unit: str | None = None
) -> list[dict[str, object]]:
    return [
        _employee_out(e, e.active_appointments)  # type: ignore[attr-defined]
        for e in selectors.employee_list(user=request.user, q=q, unit=unit)
    ]


@router.get("/people/{employee_no}", response=EmployeeOut, summary="Read a person with their career history")
def read_person(request: HttpRequest, employee_no: str) -> dict[str, object]:
    employee = selectors.employee_get(user=request.user, employee_no=employee_no)
    return _employee_out(employee, list(selectors.employee_appointments(employee)))
