"""Reads of the organisation, always through the caller's scope (org.scope)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import NotFound
from yunying.org.models import Appointment, Employee, OrgUnit, Position, Store, UnitKind
from yunying.org.scope import employees_visible_to, scope_for, stores_visible_to, units_visible_to


def unit_zone(unit: OrgUnit) -> ZoneInfo:
    """The time zone a unit lives in: its own, else the nearest ancestor's, else the company's."""
    return unit.zone


def unit_zones() -> dict[int, ZoneInfo]:
    """Every unit's time zone (as :func:`unit_zone`), read in one query: for checks over many stores."""
    rows = {
        pk: (parent_id, name)
        for pk, parent_id, name in OrgUnit.objects.values_list("pk", "parent_id", "time_zone")
    }
    company = clock.company_zone()
    zones: dict[int, ZoneInfo] = {}

    def zone_of(pk: int, depth: int = 0) -> ZoneInfo:
        if pk in zones:
            return zones[pk]
        parent_id, name = rows[pk]
        found = clock.zone_named(name) if name else None
        if found is None:
            found = zone_of(parent_id, depth + 1) if parent_id in rows and depth < 50 else company
        zones[pk] = found
        return found

    for pk in rows:
        zone_of(pk)
    return zones


def _active_appointments() -> Prefetch[Any]:
    return Prefetch(
        "appointments",
        queryset=Appointment.objects.active().select_related("employee", "position"),
        to_attr="active_appointments",
    )


def store_list(*, user: Any, region: str | None = None, q: str | None = None) -> QuerySet[Store]:
    qs = (
        stores_visible_to(user)
        .select_related("parent")
        .annotate(staff_count=Count("appointments", filter=Q(appointments__ended_on__isnull=True)))
    )
    if region == "-":
        qs = qs.exclude(parent__kind=UnitKind.REGION)
    elif region:
        qs = qs.filter(parent__code=region)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(area__icontains=q))
    return qs.order_by("code")


def store_get(*, user: Any, code: str) -> Store:
    store = stores_visible_to(user).select_related("parent").filter(code=code).first()
    if store is None:
        raise NotFound(_("找不到门店 %(code)s。") % {"code": code})
    return store


def unit_get(*, user: Any, code: str) -> OrgUnit:
    unit = units_visible_to(user).select_related("parent").filter(code=code).first()
    if unit is None:
        raise NotFound(_("找不到单位 %(code)s。") % {"code": code})
    return unit


def unit_list(*, user: Any, kind: str | None = None) -> QuerySet[OrgUnit]:
    qs = units_visible_to(user).select_related("parent")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("sort_order", "code")


def region_list(*, user: Any) -> QuerySet[OrgUnit]:
    return unit_list(user=user, kind=UnitKind.REGION).annotate(
        store_count=Count("children", filter=Q(children__kind=UnitKind.STORE))
    )


def employee_list(*, user: Any, q: str | None = None, unit: str | None = None) -> QuerySet[Employee]:
    qs = employees_visible_to(user).prefetch_related(
        Prefetch(
            "appointments",
            queryset=Appointment.objects.active().select_related("position", "unit"),
            to_attr="active_appointments",
        )
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(employee_no__icontains=q) | Q(phone__icontains=q))
    if unit:
        qs = qs.filter(appointments__unit__code=unit, appointments__ended_on__isnull=True)
    return qs.distinct().order_by("employee_no")


def employee_get(*, user: Any, employee_no: str) -> Employee:
    employee = employees_visible_to(user).filter(employee_no=employee_no).first()
    if employee is None:
        raise NotFound(_("找不到员工 %(no)s。") % {"no": employee_no})
    return employee


def appointment_get(*, user: Any, pk: int) -> Appointment:
    """An appointment in a unit the user may see."""
    appointment = Appointment.objects.filter(pk=pk).select_related("unit", "employee", "position").first()
    if appointment is None or not scope_for(user).sees_unit(appointment.unit_id):
        raise NotFound(_("找不到该任职。"))
    return appointment


def employee_appointments(employee: Employee) -> QuerySet[Appointment]:
    """Every appointment, past and present: the career history."""
    return employee.appointments.select_related("position", "unit").order_by("-started_on")


def position_list() -> QuerySet[Position]:
    return Position.objects.select_related("superior").annotate(
        holders=Count("appointments", filter=Q(appointments__ended_on__isnull=True))
    )


@dataclass
class Seat:
    """A position in a unit with whoever holds it; `vacant` when no one does."""

    position: Position
    appointments: list[Appointment]

    @property
    def vacant(self) -> bool:
        return not self.appointments


def unit_seats(unit: OrgUnit) -> list[Seat]:
    """The unit's positions: for a store every standard position, filled or vacant; then any other."""
    active = list(Appointment.objects.active().filter(unit=unit).select_related("employee", "position"))
    by_position: dict[int, list[Appointment]] = {}
    for appointment in active:
        by_position.setdefault(appointment.position_id, []).append(appointment)
    seats: list[Seat] = []
    expected = Position.objects.filter(unit_kind=unit.kind)
    if unit.kind == UnitKind.STORE:
        expected = expected.filter(is_store_standard=True)
    else:
        expected = expected.filter(is_head=True)
    seen: set[int] = set()
    for position in expected.order_by("sort_order"):
        seats.append(Seat(position, by_position.get(position.pk, [])))
        seen.add(position.pk)
    extra = [a.position for a in active if a.position_id not in seen]
    for position in sorted({p.pk: p for p in extra}.values(), key=lambda p: p.sort_order):
        seats.append(Seat(position, by_position[position.pk]))
    return seats


@dataclass
class ChartNode:
    unit: OrgUnit
    heads: list[Appointment] = field(default_factory=list)
    staff_count: int = 0
    vacancies: int = 0
    children: list[ChartNode] = field(default_factory=list)
    context_only: bool = False

    @property
    def store_children(self) -> list[ChartNode]:
        return [c for c in self.children if c.unit.kind == UnitKind.STORE]

    @property
    def branch_children(self) -> list[ChartNode]:
        return [c for c in self.children if c.unit.kind != UnitKind.STORE]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.unit.code,
            "name": self.unit.name,
            "kind": self.unit.kind,
            "heads": [{"name": a.employee.name, "position": a.position.name} for a in self.heads],
            "staff_count": self.staff_count,
            "vacancies": self.vacancies,
            "children": [c.as_dict() for c in self.children],
        }


def org_chart(*, user: Any) -> list[ChartNode]:
    """The tree the user may see, with each unit's head(s), head-count and store vacancies.

    Ancestors of the user's units appear as context (name only)."""
    scope = scope_for(user)
    units = list(units_visible_to(user, with_context=True).order_by("sort_order", "code"))
    visible_ids = {u.pk for u in units}
    heads_positions = set(Position.objects.filter(is_head=True).values_list("pk", flat=True))
    standard_count = Position.objects.filter(is_store_standard=True).count()
    standard_ids = set(Position.objects.filter(is_store_standard=True).values_list("pk", flat=True))
    nodes = {u.pk: ChartNode(unit=u, context_only=not scope.sees_unit(u.pk)) for u in units}
    filled: dict[int, set[int]] = {}
    for appointment in (
        Appointment.objects.active().filter(unit_id__in=visible_ids).select_related("employee", "position")
    ):
        node = nodes[appointment.unit_id]
        if node.context_only:
            continue
        node.staff_count += 1
        if appointment.position_id in heads_positions:
            node.heads.append(appointment)
        if appointment.position_id in standard_ids:
            filled.setdefault(appointment.unit_id, set()).add(appointment.position_id)
    roots: list[ChartNode] = []
    for unit in units:
        node = nodes[unit.pk]
        if unit.kind == UnitKind.STORE:
            node.vacancies = standard_count - len(filled.get(unit.pk, set()))
        if unit.parent_id in nodes:
            nodes[unit.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


def direct_superiors(employee: Employee) -> list[Appointment]:
    """Who the employee reports to: holders of each of their positions' superior position, looking
    from the employee's unit upwards through the tree."""
    found: list[Appointment] = []
    for appointment in (
        Appointment.objects.active().filter(employee=employee).select_related("position", "unit")
    ):
        superior = appointment.position.superior
        if superior is None:
            continue
        unit: OrgUnit | None = appointment.unit
        while unit is not None:
            holders = list(
                Appointment.objects.active()
                .filter(unit=unit, position=superior)
                .select_related("employee", "position", "unit")
            )
            if holders:
                found.extend(holders)
                break
            unit = unit.parent
    return found
