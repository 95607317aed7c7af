"""A store's day under /api/stores/{code}/…: the day (slots with their state, the morning meeting, the
handover pages, the duty manager), ticking off a slot, saving the meeting, the handover book and the duty
roster with swaps. Scoped like the pages (``yunying.org.scope``): a store outside it answers 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from yunying.core.errors import DomainError, NotFound
from yunying.org.models import Employee
from yunying.storeday import selectors, services
from yunying.storeday.models import Handover, MorningMeeting, RosterSwap
from yunying.storeday.slots import Slot

router = Router(tags=["storeday"])


class ItemOut(Schema):
    key: str
    label: str
    checked: bool


class SlotOut(Schema):
    routine: str
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    missed_at: dt.datetime
    state: str
    done_at: dt.datetime | None
    done_by: str | None
    note: str
    items: list[ItemOut]


class ProductOut(Schema):
    name: str
    qty: str
    amount: str


class MeetingOut(Schema):
    date: dt.date
    held_by: str
    present: int
    absent: str
    appearance_ok: bool
    appearance_notes: str
    sales_date: dt.date | None
    sales_amount: Decimal | None
    top_products: list[ProductOut]
    problems: str
    training_topic: str
    today_tasks: str
    notices: str


class HandoverItemOut(Schema):
    id: int
    text: str
    resolved: bool
    carried: bool
    first_date: dt.date


class HandoverOut(Schema):
    id: int
    date: dt.date
    shift: str
    handed_by: str
    received_by: str
    cash: Decimal
    keys: str
    stock_notes: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    items: list[HandoverItemOut]


class PersonOut(Schema):
    employee_no: str
    name: str


class DayOut(Schema):
    store: str
    store_name: str
    date: dt.date
    closed: bool
    closed_note: str
    duty_manager: PersonOut | None
    slots: list[SlotOut]
    meeting: MeetingOut | None
    handovers: list[HandoverOut]


def _slot_out(slot: Slot) -> dict[str, Any]:
    record = slot.record
    return {
        "routine": slot.routine.key,
        "name": slot.routine.name,
        "starts_at": slot.starts,
        "ends_at": slot.ends,
        "missed_at": slot.missed_at,
        "state": slot.state,
        "done_at": record.done_at if record else None,
        "done_by": record.done_by.get_username() if record else None,
        "note": record.note if record else "",
        "items": slot.items(),
    }


def _meeting_out(m: MorningMeeting | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {
        "date": m.date,
        "held_by": m.held_by.get_username(),
        "present": m.present,
        "absent": m.absent,
        "appearance_ok": m.appearance_ok,
        "appearance_notes": m.appearance_notes,
        "sales_date": m.sales_date,
        "sales_amount": m.sales_amount,
        "top_products": m.top_products,
        "problems": m.problems,
        "training_topic": m.training_topic,
        "today_tasks": m.today_tasks,
        "notices": m.notices,
    }


def _handover_out(h: Handover) -> dict[str, Any]:
    return {
        "id": h.pk,
        "date": h.date,
        "shift": h.shift,
        "handed_by": h.handed_by.get_username(),
        "received_by": h.received_by.get_username(),
        "cash": h.cash,
        "keys": h.keys,
        "stock_notes": h.stock_notes,
        "created_at": h.created_at,
        "confirmed_at": h.confirmed_at,
        "items": [
            {
                "id": i.pk,
                "text": i.text,
                "resolved": i.resolved,
                "carried": i.carried_from_id is not None,
                "first_date": i.first_date,
            }
            for i in h.items.all()
        ],
    }


def _person(e: Employee | None) -> dict[str, str] | None:
    return {"employee_no": e.employee_no, "name": e.name} if e else None


@router.get("/attention", response=list[dict[str, Any]], url_name="storeday_attention")
def attention(request: HttpRequest) -> Any:
    """Late and missed slots (not done yet) today in the stores the caller sees."""
    return [
        {"store": r.store.code, "store_name": r.store.name, **_slot_out(r.slot)}
        for r in selectors.attention_board(user=request.user)
    ]


@router.get("/{code}/day", response=DayOut, url_name="storeday_day")
def store_day(request: HttpRequest, code: str, date: dt.date | None = None) -> Any:
    day = selectors.store_day(user=request.user, code=code, day=date)
    return {
        "store": day.store.code,
        "store_name": day.store.name,
        "date": day.date,
        "closed": day.closed,
        "closed_note": day.closed_note,
        "duty_manager": _person(day.duty_manager),
        "slots": [_slot_out(s) for s in day.slots],
        "meeting": _meeting_out(day.meeting),
        "handovers": [_handover_out(h) for h in day.handovers],
    }


class SlotIn(Schema):
    date: dt.date
    checked: list[str] = Field(default_factory=list, max_length=50)
    note: str = ""


class SlotSubmitOut(SlotOut):
    repeated: bool


@router.post("/{code}/day/slots/{routine}", response=SlotSubmitOut, url_name="storeday_slot_submit")
def slot_submit(request: HttpRequest, code: str, routine: str, payload: SlotIn) -> Any:
    store = selectors.store_for(user=request.user, code=code)
    _record, created = services.slot_submit(
        actor=request.user,
        store=store,
        routine_key=routine,
        day=payload.date,
        checked=payload.checked,
        note=payload.note,
    )
    slot = next((s for s in selectors.slots_for(store, payload.date) if s.routine.key == routine), None)
    if slot is None:  # recorded before the routine was switched off at this store
        raise NotFound(_("找不到日常流程 %(key)s。") % {"key": routine})
    return {**_slot_out(slot), "repeated": not created}


class MeetingIn(Schema):
    date: dt.date
    present: int = 0
    absent: str = ""
    appearance_ok: bool = True
    appearance_notes: str = ""
    sales_amount: Decimal | None = None
    top_products: list[str] = Field(default_factory=list, max_length=5)
    problems: str = ""
    training_topic: str = ""
    today_tasks: str = ""
    notices: str = ""


class SalesOut(Schema):
    date: dt.date
    amount: Decimal | None
    top_products: list[ProductOut]


@router.get("/{code}/day/sales", response=SalesOut, url_name="storeday_sales")
def sales(request: HttpRequest, code: str, date: dt.date) -> Any:
    """The day's sales and top five from the sales data (what the meeting of the next day shows)."""
    store = selectors.store_for(user=request.user, code=code)
    found = selectors.sales_of_day(store, date)
    return {"date": found.date, "amount": found.amount, "top_products": found.top}


@router.put("/{code}/day/meeting", response=MeetingOut, url_name="storeday_meeting_save")
def meeting_save(request: HttpRequest, code: str, payload: MeetingIn) -> Any:
    store = selectors.store_for(user=request.user, code=code)
    data = payload.dict()
    day = data.pop("date")
    return _meeting_out(services.meeting_save(actor=request.user, store=store, day=day, data=data))


class HandoverIn(Schema):
    shift: str
    receiver: str = Field(description="the incoming person's username")
    cash: Decimal
    keys: str
    stock_notes: str = ""
    items: list[str] = Field(default_factory=list, max_length=50)
    resolved: list[int] = Field(
        default_factory=list, max_length=50, description="ids of carried items now resolved"
    )


@router.get("/{code}/handovers", response=list[HandoverOut], url_name="storeday_handovers")
def handover_list(request: HttpRequest, code: str) -> Any:
    store = selectors.store_for(user=request.user, code=code)
    return [_handover_out(h) for h in selectors.handover_book(store=store)]


@router.post("/{code}/handovers", response={201: HandoverOut}, url_name="storeday_handover_create")
def handover_create(request: HttpRequest, code: str, payload: HandoverIn) -> Any:
    store = selectors.store_for(user=request.user, code=code)
    page = services.handover_create(actor=request.user, store=store, **payload.dict())
    return 201, _handover_out(page)


@router.post(
    "/{code}/handovers/{handover_id}/confirm", response=HandoverOut, url_name="storeday_handover_confirm"
)
def handover_confirm(request: HttpRequest, code: str, handover_id: int) -> Any:
    store = selectors.store_for(user=request.user, code=code)
    return _handover_out(services.handover_confirm(actor=request.user, store=store, handover_id=handover_id))


class DutyOut(Schema):
    date: dt.date
    manager: PersonOut | None


class SwapOut(Schema):
    id: int
    date: dt.date
    requester: PersonOut
    other: PersonOut
    other_date: dt.date | None
    reason: str
    status: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None


class RosterOut(Schema):
    store: str
    week: dt.date
    days: list[DutyOut]
    eligible: list[PersonOut]
    swaps: list[SwapOut]


def _swap_out(s: RosterSwap) -> dict[str, Any]:
    return {
        "id": s.pk,
        "date": s.date,
        "requester": _person(s.requester),
        "other": _person(s.other),
        "other_date": s.other_date,
        "reason": s.reason,
        "status": s.status,
        "requested_at": s.requested_at,
        "decided_at": s.decided_at,
    }


class WeekQuery(Schema):
    week: dt.date | None = Field(None, description="any day of the week (default: this week)")


@router.get("/{code}/roster", response=RosterOut, url_name="storeday_roster")
def roster(request: HttpRequest, code: str, query: Query[WeekQuery]) -> Any:
    store = selectors.store_for(user=request.user, code=code)
    monday = selectors.week_of(query.week or store.today)
    return {
        "store": store.code,
        "week": monday,
        "days": [{"date": d, "manager": _person(e)} for d, e in selectors.roster_week(store, monday)],
        "eligible": [_person(e) for e in selectors.duty_managers_eligible(store)],
        "swaps": [_swap_out(s) for s in selectors.swaps_for(store, around=monday)],
    }


class DutyIn(Schema):
    date: dt.date
    manager: str | None = Field(None, description="employee number; empty clears the day")


class RosterIn(Schema):
    week: dt.date = Field(description="the Monday of the week")
    days: list[DutyIn] = Field(max_length=7)


def _employee_id(number: str | None, field: str) -> int | None:
    if not number:
        return None
    found = Employee.objects.filter(employee_no=number).values_list("pk", flat=True).first()
    if found is None:
        raise DomainError(_("找不到工号为 %(no)s 的员工。") % {"no": number}, field=field)
    return found


@router.put("/{code}/roster", response=RosterOut, url_name="storeday_roster_save")
def roster_save(request: HttpRequest, code: str, payload: RosterIn) -> Any:
    store = selectors.store_for(user=request.user, code=code)
    managers = {d.date: _employee_id(d.manager, "days") for d in payload.days}
    services.roster_save(actor=request.user, store=store, monday=payload.week, managers=managers)
    return roster(request, code, WeekQuery(week=payload.week))


class SwapIn(Schema):
    date: dt.date
    other: str = Field(description="the other manager's employee number")
    other_date: dt.date | None = None
    reason: str = ""


@router.post("/{code}/roster/swaps", response={201: SwapOut}, url_name="storeday_swap_request")
def swap_request(request: HttpRequest, code: str, payload: SwapIn) -> Any:
    store = selectors.store_for(user=request.user, code=code)
    other_id = _employee_id(payload.other, "other")
    if other_id is None:
        raise DomainError(_("请选择本店的另一位管理人员。"), field="other")
    swap = services.swap_request(
        actor=request.user,
        store=store,
        day=payload.date,
        other_id=other_id,
        other_day=payload.other_date,
        reason=payload.reason,
    )
    return 201, _swap_out(swap)


class DecisionIn(Schema):
    accept: bool


@router.post("/{code}/roster/swaps/{swap_id}/decision", response=SwapOut, url_name="storeday_swap_decide")
def swap_decide(request: HttpRequest, code: str, swap_id: int, payload: DecisionIn) -> Any:
    store = selectors.store_for(user=request.user, code=code)
    return _swap_out(
        services.swap_decide(actor=request.user, store=store, swap_id=swap_id, accept=payload.accept)
    )
