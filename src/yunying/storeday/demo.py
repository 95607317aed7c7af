"""The demo chain's store days: three weeks of routines (mostly on time, some late, a few missed, two
careless stores), a morning meeting on most days with the top five from the demo sales (when loaded), this
week's and last week's duty rosters with one accepted swap at S01, and S01's handover book with an open
item carried over two shifts before it was resolved. Deterministic for a given seed and day."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from yunying.core import clock
from yunying.core.calendar import unit_calendar
from yunying.org.models import Appointment, OrgUnit, UnitKind
from yunying.storeday import selectors
from yunying.storeday.models import (
    Handover,
    HandoverItem,
    MorningMeeting,
    RosterDuty,
    RosterSwap,
    SlotRecord,
    SwapStatus,
)
from yunying.storeday.slots import slot_times

DAYS = 21
CARELESS = {"S05", "S12"}
PROBLEMS = [
    "午市高峰出餐慢，已调整备餐顺序",
    "洗手间纸巾补充不及时，已安排专人每小时检查",
    "外卖打包漏放餐具两单，已加核对环节",
    "",
    "顾客反映空调偏冷，已调高两度",
]
TRAINING = ["新品推荐话术", "产品知识：本周新品", "陈列标准", "收银差错预防", "服务礼仪", "消防器材使用"]
TASKS = ["周末备货加量，检查冷库", "迎接督导巡店", "完成月度盘点准备", "推广会员储值活动"]
NOTICES = ["", "总部通知：本周六起新品上市", "区域通知：加强食品安全自查", ""]


def _staff(store: OrgUnit) -> list[Any]:
    rows = Appointment.objects.active().filter(unit=store, employee__user__isnull=False)
    return [r.employee.user for r in rows.select_related("employee__user").order_by("position__sort_order")]


@transaction.atomic
def storeday_demo_load(*, seed: int = 2026) -> int:
    """Create the demo's store days unless there are records already; returns the slot records written."""
    if SlotRecord.objects.exists():
        return 0
    rng = random.Random(seed)
    now = clock.now()
    stores = list(OrgUnit.objects.filter(kind=UnitKind.STORE, closed_on__isnull=True).order_by("code"))
    records: list[SlotRecord] = []
    meetings: list[MorningMeeting] = []
    for store in stores:
        users = _staff(store)
        if not users:
            continue
        calendar, zone, today = unit_calendar(store), store.zone, store.today
        routines = selectors.routines_for(store)
        miss = 0.15 if store.code in CARELESS else 0.03
        late = 0.25 if store.code in CARELESS else 0.08
        for back in range(DAYS, -1, -1):
            day = today - dt.timedelta(days=back)
            if calendar.day(day).working is False or (store.opened_on and day < store.opened_on):
                continue
            for routine in routines:
                _starts, ends, _missed = slot_times(routine, day, zone)
                roll = rng.random()
                if roll < miss:
                    continue
                done_at = (
                    ends + dt.timedelta(minutes=rng.randint(5, routine.missed_after_minutes - 5))
                    if roll < miss + late
                    else ends - dt.timedelta(minutes=rng.randint(1, 15))
                )
                if done_at > now:
                    continue
                records.append(
                    SlotRecord(
                        store=store,
                        date=day,
                        routine_key=routine.key,
                        done_by=users[0] if rng.random() < 0.7 else rng.choice(users),
                        done_at=done_at,
                        checked=[i["key"] for i in routine.items],
                    )
                )
            if (back > 0 and rng.random() < 0.92) or (back == 0 and now.astimezone(zone).hour >= 10):
                meetings.append(_meeting(rng, store, day, users[0], len(users)))
    SlotRecord.objects.bulk_create(records)
    MorningMeeting.objects.bulk_create(meetings)
    _rosters(rng, stores, now)
    _handovers(stores)
    return len(records)


def _meeting(rng: random.Random, store: OrgUnit, day: dt.date, user: Any, staff: int) -> MorningMeeting:
    sales = selectors.sales_of_day(store, day - dt.timedelta(days=1))
    absent = rng.random() < 0.2
    sloppy = rng.random() < 0.1
    return MorningMeeting(
        store=store,
        date=day,
        held_by=user,
        present=8 + rng.randint(0, 2) - int(absent),
        absent="请假 1 人" if absent else "",
        appearance_ok=not sloppy,
        appearance_notes="一名员工未戴工牌，已纠正" if sloppy else "",
        sales_date=sales.date,
        sales_amount=sales.amount,
        top_products=sales.top,
        problems=rng.choice(PROBLEMS),
        training_topic=rng.choice(TRAINING),
        today_tasks=rng.choice(TASKS),
        notices=rng.choice(NOTICES),
    )


def _rosters(rng: random.Random, stores: list[OrgUnit], now: dt.datetime) -> None:
    duties: list[RosterDuty] = []
    for store in stores:
        managers = selectors.duty_managers_eligible(store)
        if not managers:
            continue
        monday = selectors.week_of(store.today) - dt.timedelta(days=7)
        offset = rng.randint(0, len(managers) - 1)
        for i in range(14):
            duties.append(
                RosterDuty(
                    store=store,
                    date=monday + dt.timedelta(days=i),
                    manager=managers[(i + offset) % len(managers)],
                )
            )
    RosterDuty.objects.bulk_create(duties)
    first = next((s for s in stores if s.code == "S01"), None)
    if first is None:
        return
    week = {d.date: d for d in RosterDuty.objects.filter(store=first).order_by("date")}
    days = sorted(week)[7:]
    a, b = days[1], next((d for d in days[2:] if week[d].manager_id != week[days[1]].manager_id), None)
    if b is None:
        return
    requester, other = week[a].manager, week[b].manager
    RosterSwap.objects.create(
        store=first,
        date=a,
        requester=requester,
        other=other,
        other_date=b,
        reason="孩子家长会",
        status=SwapStatus.ACCEPTED,
        requested_at=now - dt.timedelta(days=3),
        decided_at=now - dt.timedelta(days=3, hours=-2),
    )
    week[a].manager, week[b].manager = other, requester
    RosterDuty.objects.bulk_update([week[a], week[b]], ["manager"])


def _handovers(stores: list[OrgUnit]) -> None:
    """S01's book for the last four days: a fridge problem noted, carried over twice, then resolved."""
    store = next((s for s in stores if s.code == "S01"), None)
    if store is None:
        return
    users = _staff(store)
    if len(users) < 2:
        return
    manager, waiter = users[0], users[-1]
    zone, today = store.zone, store.today
    open_items: list[HandoverItem] = []
    notes = ["冷柜温度偏高，已报修", "外卖包装袋库存不足"]
    for back in range(4, 0, -1):
        day = today - dt.timedelta(days=back)
        created = dt.datetime.combine(day, dt.time(15), tzinfo=zone)
        page = Handover.objects.create(
            store=store,
            date=day,
            shift="早班→晚班",
            handed_by=manager if back % 2 else waiter,
            received_by=waiter if back % 2 else manager,
            cash=Decimal(1000 + back * 37),
            keys="大门、仓库、收银台各 1 把",
            stock_notes="牛肉余 12 公斤，明早到货" if back == 3 else "",
            created_at=created,
            confirmed_at=created + dt.timedelta(minutes=12),
        )
        carried = [
            HandoverItem.objects.create(
                handover=page,
                text=i.text,
                resolved=back == 1 and i.text == notes[0],
                carried_from=i,
                first_date=i.first_date,
            )
            for i in open_items
        ]
        if back == 4:
            carried.append(HandoverItem.objects.create(handover=page, text=notes[0], first_date=day))
        if back == 2:
            carried.append(HandoverItem.objects.create(handover=page, text=notes[1], first_date=day))
        open_items = [i for i in carried if not i.resolved]
