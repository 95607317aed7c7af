"""Slot states, computed (never stored) from a routine's times, its record and the company clock.

* ``done`` — ticked off by the routine's end;
* ``late`` — ticked off after the end, or not yet ticked off while the end has passed (it may still be
  done until ``missed_after_minutes`` after the end);
* ``missed`` — not ticked off by then: it can no longer be recorded;
* ``pending`` — the end has not come yet.

Times are wall-clock times at the store (its own time zone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from yunying.storeday.models import Routine, SlotRecord

PENDING, DONE, LATE, MISSED = "pending", "done", "late", "missed"
STATE_LABELS: dict[str, Any] = {
    PENDING: _("待完成"),
    DONE: _("已完成"),
    LATE: _("迟做"),
    MISSED: _("漏做"),
}
ATTENTION = (LATE, MISSED)


@dataclass(frozen=True)
class Slot:
    routine: Routine
    date: dt.date
    starts: dt.datetime
    ends: dt.datetime
    missed_at: dt.datetime
    state: str
    record: SlotRecord | None

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def open(self) -> bool:
        """Whether it can still be ticked off."""
        return self.record is None and self.state in (PENDING, LATE)

    def items(self) -> list[dict[str, Any]]:
        checked = set(self.record.checked) if self.record else set()
        return [{**item, "checked": item["key"] in checked} for item in self.routine.items]


def slot_times(
    routine: Routine, day: dt.date, zone: ZoneInfo
) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    starts = dt.datetime.combine(day, routine.starts_at, tzinfo=zone)
    ends = dt.datetime.combine(day, routine.ends_at, tzinfo=zone)
    return starts, ends, ends + dt.timedelta(minutes=routine.missed_after_minutes)


def slot_state(
    *, ends: dt.datetime, missed_at: dt.datetime, record: SlotRecord | None, now: dt.datetime
) -> str:
    if record is not None:
        return DONE if record.done_at <= ends else LATE
    if now < ends:
        return PENDING
    return LATE if now < missed_at else MISSED


def slots_of(
    routines: list[Routine], day: dt.date, zone: ZoneInfo, records: dict[str, SlotRecord], now: dt.datetime
) -> list[Slot]:
    slots = []
    for routine in routines:
        starts, ends, missed_at = slot_times(routine, day, zone)
        record = records.get(routine.key)
        state = slot_state(ends=ends, missed_at=missed_at, record=record, now=now)
        slots.append(Slot(routine, day, starts, ends, missed_at, state, record))
    return slots
