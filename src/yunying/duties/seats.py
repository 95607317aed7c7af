"""Where a duty lands on a day: its seats and who sits in them, read from one snapshot of the organisation
(units, positions, appointments) so that materialising a year for hundreds of stores asks the database a few
times, not once per seat.

* **holders**: each unit where the duty's position is expected — every open store for a store position,
  every region for a region position, otherwise each unit the position has ever been held in — is a seat;
  its holder does the duty. A position that takes several people per unit (服务员) gives a seat per person.
  A seat nobody holds is still a seat (its occurrence has no assignee, and the board reports it).
* **superior**: each person holding the position is a seat of their own (the subject); the duty goes to their
  direct superior — the holder of the position's superior position nearest up the tree, then of the next
  position up when nobody holds that one (a store run by the management department is evaluated by the
  管理部主任)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from yunying.org.models import Appointment, OrgUnit, Position, UnitKind

MULTI_SEAT_LIMIT = 1  # positions allowing more holders per unit than this give one seat per holder


@dataclass(frozen=True)
class Seat:
    slot: str
    unit_id: int | None
    position_id: int | None
    subject_id: int | None = None
    assignee_id: int | None = None
    assignee_position_id: int | None = None
    assignee_unit_id: int | None = None

    @property
    def calendar_unit_id(self) -> int | None:
        """Whose calendar the due time is counted on: the assignee's unit, else the seat's."""
        return self.assignee_unit_id or self.unit_id


@dataclass(frozen=True)
class _Appt:
    employee_id: int
    position_id: int
    unit_id: int
    started_on: dt.date
    ended_on: dt.date | None

    def active(self, on: dt.date) -> bool:
        return self.started_on <= on and (self.ended_on is None or self.ended_on > on)


class OrgSnapshot:
    """Units, positions and appointments (of people still employed) as they are in the database now."""

    def __init__(self) -> None:
        self.parent: dict[int, int | None] = {}
        self.kind: dict[int, str] = {}
        self.opened: dict[int, dt.date | None] = {}
        self.closed: dict[int, dt.date | None] = {}
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for unit_id, up, kind, opened, closed in OrgUnit.objects.values_list(
            "pk", "parent_id", "kind", "opened_on", "closed_on"
        ):
            self.parent[unit_id], self.kind[unit_id] = up, kind
            self.opened[unit_id], self.closed[unit_id] = opened, closed
            self.children[up].append(unit_id)
        self.superior: dict[int, int | None] = {}
        self.position_kind: dict[int, str] = {}
        self.max_per_unit: dict[int, int | None] = {}
        for pk, superior_id, unit_kind, max_per_unit in Position.objects.values_list(
            "pk", "superior_id", "unit_kind", "max_per_unit"
        ):
            self.superior[pk], self.position_kind[pk], self.max_per_unit[pk] = (
                superior_id,
                unit_kind,
                max_per_unit,
            )
        self.by_seat: dict[tuple[int, int], list[_Appt]] = defaultdict(list)
        self.by_position: dict[int, list[_Appt]] = defaultdict(list)
        rows = (
            Appointment.objects.filter(employee__is_active=True)
            .order_by("started_on", "pk")
            .values_list("employee_id", "position_id", "unit_id", "started_on", "ended_on")
        )
        for row in rows:
            appt = _Appt(*row)
            self.by_seat[(appt.unit_id, appt.position_id)].append(appt)
            self.by_position[appt.position_id].append(appt)

    # -- the tree
    def descendants(self, unit_id: int) -> set[int]:
        found, stack = set(), [unit_id]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.children.get(current, []))
        return found

    def chain(self, unit_id: int | None) -> list[int]:
        """The unit and its ancestors, nearest first."""
        out: list[int] = []
        while unit_id is not None and unit_id not in out:
            out.append(unit_id)
            unit_id = self.parent.get(unit_id)
        return out

    def is_open(self, unit_id: int, on: dt.date) -> bool:
        opened, closed = self.opened.get(unit_id), self.closed.get(unit_id)
        return (closed is None or closed > on) and (opened is None or opened <= on)

    def store_of(self, unit_id: int | None) -> int | None:
        return unit_id if unit_id is not None and self.kind.get(unit_id) == UnitKind.STORE else None

    def region_of(self, unit_id: int | None) -> int | None:
        for pk in self.chain(unit_id):
            if self.kind.get(pk) == UnitKind.REGION:
                return pk
        return None

    # -- people
    def holders(self, unit_id: int, position_id: int, on: dt.date) -> list[int]:
        return [a.employee_id for a in self.by_seat.get((unit_id, position_id), []) if a.active(on)]

    def nearest_holder(self, unit_id: int, position_id: int, on: dt.date) -> tuple[int, int] | None:
        """(employee, unit) of the holder of ``position`` nearest up the tree from ``unit`` (itself first)."""
        for pk in self.chain(unit_id):
            found = self.holders(pk, position_id, on)
            if found:
                return found[0], pk
        return None

    def superior_of(self, unit_id: int, position_id: int, on: dt.date) -> tuple[int, int, int] | None:
        """(employee, position, unit) of the direct superior of ``position`` at ``unit``: the superior
        position's nearest holder, then the next position up when nobody holds it."""
        seen: set[int] = set()
        current = self.superior.get(position_id)
        while current is not None and current not in seen:
            seen.add(current)
            found = self.nearest_holder(unit_id, current, on)
            if found is not None:
                return found[0], current, found[1]
            current = self.superior.get(current)
        return None

    def holds(self, employee_id: int, unit_id: int, position_id: int, on: dt.date) -> bool:
        return employee_id in self.holders(unit_id, position_id, on)


def _in(scope: set[int] | None, unit_id: int) -> bool:
    return scope is None or unit_id in scope


def seats_holders(
    snap: OrgSnapshot, position_ids: list[int], on: dt.date, within: set[int] | None
) -> list[Seat]:
    seats: list[Seat] = []
    for position_id in position_ids:
        kind = snap.position_kind.get(position_id)
        if kind in (UnitKind.STORE, UnitKind.REGION):
            units = sorted(
                pk for pk, k in snap.kind.items() if k == kind and _in(within, pk) and snap.is_open(pk, on)
            )
        else:
            units = sorted(
                {a.unit_id for a in snap.by_position.get(position_id, []) if _in(within, a.unit_id)}
            )
        if not units:
            seats.append(Seat(f"p{position_id}", None, position_id))
            continue
        multi = (snap.max_per_unit.get(position_id) or 2) > MULTI_SEAT_LIMIT
        for unit_id in units:
            holders = snap.holders(unit_id, position_id, on)
            base = f"u{unit_id}:p{position_id}"
            if multi and holders:
                for employee_id in holders:
                    seats.append(
                        Seat(
                            f"{base}:e{employee_id}",
                            unit_id,
                            position_id,
                            None,
                            employee_id,
                            position_id,
                            unit_id,
                        )
                    )
            else:
                who = holders[0] if holders else None
                seats.append(
                    Seat(
                        base,
                        unit_id,
                        position_id,
                        None,
                        who,
                        position_id if who else None,
                        unit_id if who else None,
                    )
                )
    return seats


def seats_superior(
    snap: OrgSnapshot, position_ids: list[int], on: dt.date, within: set[int] | None
) -> list[Seat]:
    seats: list[Seat] = []
    for position_id in position_ids:
        for appt in snap.by_position.get(position_id, []):
            if not appt.active(on) or not _in(within, appt.unit_id) or not snap.is_open(appt.unit_id, on):
                continue
            boss = snap.superior_of(appt.unit_id, position_id, on)
            slot = f"u{appt.unit_id}:p{position_id}:s{appt.employee_id}"
            if boss is None:
                seats.append(Seat(slot, appt.unit_id, position_id, appt.employee_id))
            else:
                seats.append(
                    Seat(slot, appt.unit_id, position_id, appt.employee_id, boss[0], boss[1], boss[2])
                )
    return seats


def duty_seats(snap: OrgSnapshot, duty: Any, position_ids: list[int], on: dt.date) -> list[Seat]:
    within = snap.descendants(duty.unit_id) if duty.unit_id else None
    if duty.assign_to == "superior":
        return seats_superior(snap, position_ids, on, within)
    return seats_holders(snap, position_ids, on, within)


def seat_now(snap: OrgSnapshot, occurrence: Any, on: dt.date) -> Seat | None:
    """Who should hold an existing occurrence's seat on ``on``; None when the seat itself is gone (the
    subject of a review left their position, a per-person seat's holder left)."""
    unit_id, position_id = occurrence.unit_id, occurrence.position_id
    if occurrence.subject_id is not None:
        if (
            unit_id is None
            or position_id is None
            or not snap.holds(occurrence.subject_id, unit_id, position_id, on)
        ):
            return None
        boss = snap.superior_of(unit_id, position_id, on)
        if boss is None:
            return Seat(occurrence.slot, unit_id, position_id, occurrence.subject_id)
        return Seat(occurrence.slot, unit_id, position_id, occurrence.subject_id, boss[0], boss[1], boss[2])
    if unit_id is None or position_id is None:
        # A seat made while nobody anywhere held the position: the one person who holds it now takes it.
        anyone = sorted({a.employee_id for a in snap.by_position.get(position_id or 0, []) if a.active(on)})
        if len(anyone) == 1:
            unit = next(
                a.unit_id
                for a in snap.by_position[position_id or 0]
                if a.employee_id == anyone[0] and a.active(on)
            )
            return Seat(occurrence.slot, unit_id, position_id, None, anyone[0], position_id, unit)
        return Seat(occurrence.slot, unit_id, position_id)
    holders = snap.holders(unit_id, position_id, on)
    if ":e" in occurrence.slot:
        person = int(occurrence.slot.rsplit(":e", 1)[1])
        if person not in holders:
            return None
        return Seat(occurrence.slot, unit_id, position_id, None, person, position_id, unit_id)
    who = holders[0] if holders else None
    return Seat(
        occurrence.slot,
        unit_id,
        position_id,
        None,
        who,
        position_id if who else None,
        unit_id if who else None,
    )


def reviewer_for(
    snap: OrgSnapshot,
    *,
    reviewer_position_id: int | None,
    unit_id: int | None,
    assignee_position_id: int | None,
    on: dt.date,
) -> int | None:
    """Who reviews an occurrence: the duty's reviewer position nearest up the tree from the assignee's unit
    (anyone holding it when nobody does up the tree), else the assignee's direct superior."""
    if reviewer_position_id is not None:
        if unit_id is not None:
            found = snap.nearest_holder(unit_id, reviewer_position_id, on)
            if found is not None:
                return found[0]
        anyone = [a.employee_id for a in snap.by_position.get(reviewer_position_id, []) if a.active(on)]
        return anyone[0] if anyone else None
    if unit_id is None or assignee_position_id is None:
        return None
    boss = snap.superior_of(unit_id, assignee_position_id, on)
    return boss[0] if boss else None
