"""Calendar endpoints: the working days of a range for an org unit."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema

from yunying.core import calendar_services

calendar_router = Router(tags=["calendar"])


class DayOut(Schema):
    date: date
    working: bool | None
    reason: str
    reason_label: str
    label: str


class WorkingDaysOut(Schema):
    unit: str | None
    known_years: list[int]
    days: list[DayOut]


@calendar_router.get(
    "/working-days",
    response=WorkingDaysOut,
    summary="Working days of a range for an org unit",
    description=(
        "Each day from `from` to `to` (YYYY-MM-DD, inclusive, at most 366 days) with `working` and the "
        "`reason`: workday, weekend, holiday, makeup_workday, open_every_day, override, or unknown_year "
        "(`working` is null: the year's public holidays are not known yet)."
    ),
)
def working_days(
    request: HttpRequest,
    from_: str | None = Query(None, alias="from"),  # type: ignore[type-arg]
    to: str | None = None,
    unit: str | None = None,
) -> dict[str, object]:
    result = calendar_services.working_days(user=request.user, start=from_, end=to, unit_code=unit)
    return {
        "unit": result.unit.code if result.unit is not None else None,
        "known_years": [result.library_first, result.library_last],
        "days": [
            {
                "date": d.date,
                "working": d.working,
                "reason": d.reason,
                "reason_label": d.reason_label,
                "label": d.label,
            }
            for d in result.days
        ],
    }
