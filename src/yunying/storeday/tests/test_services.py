"""A store's day: slot states on the company clock, idempotent submission, alerts once per slot and
state, the morning meeting with the top five, the handover book and the roster with swaps."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yunying.core.models import CalendarOverride
from yunying.notifications.models import Notification
from yunying.org.factories import person_with_login
from yunying.storeday import selectors, services
from yunying.storeday.factories import at, sales_day
from yunying.storeday.models import Handover, MorningMeeting, RosterDuty, Routine, SlotAlert, SlotRecord

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 1)  # a Tuesday
ALL_OPENING = ["locks", "clock_in", "power", "equipment"]


def states(store, day=DAY):
    return {s.routine.key: s.state for s in selectors.slots_for(store, day)}


def test_the_shipped_routines_and_a_store_of_its_own(chain):
    store = chain.stores_a[0]
    keys = [r.key for r in selectors.routines_for(store)]
    assert keys == ["opening", "ready", "patrol", "closing"]
    Routine.objects.create(
        store=store, key="opening", name="早开店", starts_at=dt.time(7), ends_at=dt.time(7, 20), items=[]
    )
    own = selectors.routines_for(store)[0]
    assert own.name == "早开店" and own.starts_at == dt.time(7)
    assert selectors.routines_for(chain.stores_a[1])[0].name == "开店准备"


def test_states_follow_the_clock(chain):
    store, user = chain.stores_a[0], chain.users["store_a1"]
    with time_machine.travel(at(DAY, 8, 55), tick=False):
        assert states(store) == {
            "opening": "pending",
            "ready": "pending",
            "patrol": "pending",
            "closing": "pending",
        }
        record, created = services.slot_submit(
            actor=user, store=store, routine_key="opening", day=DAY, checked=ALL_OPENING
        )
        assert created and record.checked == ALL_OPENING
    with time_machine.travel(at(DAY, 9, 45), tick=False):
        assert states(store)["opening"] == "done" and states(store)["ready"] == "late"
    with time_machine.travel(at(DAY, 10, 31), tick=False):
        assert states(store)["ready"] == "missed"
        with pytest.raises(DomainError, match="补做时限"):
            services.slot_submit(
                actor=user, store=store, routine_key="ready", day=DAY, checked=[], note="忘了"
            )
    with time_machine.travel(at(DAY, 14, 50), tick=False):  # patrol ended 14:30: late, may still be done
        services.slot_submit(
            actor=user,
            store=store,
            routine_key="patrol",
            day=DAY,
            checked=["floor", "kitchen", "fire", "complaints"],
        )
        assert states(store)["patrol"] == "late"


def test_a_store_in_another_time_zone_uses_its_own_wall_clock(chain):
    store = chain.stores_a[1]
    store.time_zone = "Asia/Urumqi"  # two hours behind Shanghai
    store.save()
    with time_machine.travel(at(DAY, 9, 45), tick=False):  # 07:45 in Urumqi
        assert states(store)["opening"] == "pending"


def test_submitting_twice_is_idempotent(chain):
    store, user = chain.stores_a[0], chain.users["store_a1"]
    with time_machine.travel(at(DAY, 8, 55), tick=False):
        first, created = services.slot_submit(
            actor=user, store=store, routine_key="opening", day=DAY, checked=ALL_OPENING
        )
        again, created_again = services.slot_submit(
            actor=chain.users["staff_a1"], store=store, routine_key="opening", day=DAY, checked=[], note="x"
        )
    assert created and not created_again and again.pk == first.pk and again.checked == ALL_OPENING
    assert SlotRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("key", "day", "checked", "note", "message"),
    [
        ("opening", DAY, ["locks", "bogus"], "", "未知的检查项"),
        ("opening", DAY, ["locks"], "", "请在备注中说明"),
        ("opening", DAY + dt.timedelta(days=1), ALL_OPENING, "", "未来"),
        ("nope", DAY, [], "", "找不到日常流程"),
        ("opening", DAY, ALL_OPENING, "长" * 501, "500"),
    ],
)
def test_bad_input_changes_nothing(chain, key, day, checked, note, message):
    with time_machine.travel(at(DAY, 8, 55), tick=False), pytest.raises(DomainError, match=message):
        services.slot_submit(
            actor=chain.users["store_a1"],
            store=chain.stores_a[0],
            routine_key=key,
            day=day,
            checked=checked,
            note=note,
        )
    assert not SlotRecord.objects.exists()


def test_a_day_the_calendar_closes_has_no_slots(chain):
    store = chain.stores_a[0]
    CalendarOverride.objects.create(date=DAY, unit=store, working=False, note="装修")
    with time_machine.travel(at(DAY, 8, 55), tick=False):
        day = selectors.store_day(user=chain.users["store_a1"], code=store.code)
        assert day.closed and day.slots == [] and "装修" in day.closed_note
        with pytest.raises(DomainError, match="不营业"):
            services.slot_submit(
                actor=chain.users["store_a1"],
                store=store,
                routine_key="opening",
                day=DAY,
                checked=ALL_OPENING,
            )


def test_a_person_outside_the_store_does_not_find_it(chain):
    with pytest.raises(NotFound):
        selectors.store_day(user=chain.users["store_a1"], code=chain.stores_a[1].code)
    with pytest.raises(NotFound):
        selectors.store_day(user=chain.users["nobody"], code=chain.stores_a[0].code)
    assert (
        selectors.store_day(user=chain.users["area_a"], code=chain.stores_a[1].code).store
        == chain.stores_a[1]
    )


def test_alerts_go_to_the_store_and_area_managers_once_per_state(chain):
    store = chain.stores_a[0]
    others = [s for s in chain.stores_a + chain.stores_b + [chain.direct] if s != store]
    with time_machine.travel(at(DAY, 8, 55), tick=False):
        for other in others:  # everybody else opened on time
            services.slot_submit(
                actor=chain.users["gm"], store=other, routine_key="opening", day=DAY, checked=ALL_OPENING
            )
    with time_machine.travel(at(DAY, 9, 5), tick=False):
        assert services.slot_alerts_send() == 1
        assert services.slot_alerts_send() == 0  # run twice: nothing new
    told = Notification.objects.filter(kind="overdue")
    assert sorted(n.recipient.username for n in told) == ["area_a", "store_a1"]
    assert "开店准备" in told[0].message and "迟做" in told[0].message
    with time_machine.travel(at(DAY, 10, 5), tick=False):
        sent = services.slot_alerts_send()
    # opening is now missed (a second alert); "ready" became late in every store (one alert each)
    assert sent == 1 + 10
    assert SlotAlert.objects.filter(store=store, routine_key="opening").count() == 2
    board = selectors.attention_board(user=chain.users["area_a"], now=at(DAY, 10, 5))
    assert {r.store.code for r in board} == {"A1", "A2", "A3", "A4"} and board[0].slot.state == "missed"


def test_meeting_with_the_top_five_from_sales(chain):
    store, user = chain.stores_a[0], chain.users["store_a1"]
    products = {f"菜{i}": (i, f"{i * 100}.00") for i in range(1, 8)}
    sales_day(store, DAY - dt.timedelta(days=1), products, "12345.60")
    data = {"present": "12", "appearance_ok": True, "training_topic": "推荐新品", "top_products": ["乱填"]}
    with time_machine.travel(at(DAY, 9, 5), tick=False):
        meeting = services.meeting_save(actor=user, store=store, day=DAY, data=data)
        assert [p["name"] for p in meeting.top_products] == ["菜7", "菜6", "菜5", "菜4", "菜3"]
        assert str(meeting.sales_amount) == "12345.60" and meeting.sales_date == DAY - dt.timedelta(days=1)
        again = services.meeting_save(actor=user, store=store, day=DAY, data={**data, "present": "13"})
    assert again.pk == meeting.pk and again.present == 13 and MorningMeeting.objects.count() == 1


def test_meeting_without_sales_keeps_what_was_typed_and_refuses_nonsense(chain):
    store, user = chain.stores_a[0], chain.users["store_a1"]
    with time_machine.travel(at(DAY, 9, 5), tick=False):
        meeting = services.meeting_save(
            actor=user,
            store=store,
            day=DAY,
            data={
                "present": 9,
                "appearance_ok": True,
                "sales_amount": "8000",
                "top_products": ["红烧肉", ""],
            },
        )
        assert meeting.top_products == [{"name": "红烧肉", "qty": "", "amount": ""}]
        for bad, message in [
            ({"present": "abc"}, "整数"),
            ({"present": 0}, "出勤人数"),
            ({"present": 5, "appearance_ok": False}, "仪容仪表"),
            ({"present": 5, "appearance_ok": True, "sales_amount": "十万"}, "金额"),
        ]:
            with pytest.raises(DomainError, match=message):
                services.meeting_save(actor=user, store=store, day=DAY, data=bad)
    meeting.refresh_from_db()
    assert meeting.present == 9


def test_handover_signed_by_both_and_open_items_carry(chain):
    store = chain.stores_a[0]
    manager, waiter = chain.users["store_a1"], chain.users["staff_a1"]
    with time_machine.travel(at(DAY, 15), tick=False):
        page = services.handover_create(
            actor=manager,
            store=store,
            shift="早班→晚班",
            receiver="staff_a1",
            cash="1200.50",
            keys="大门、仓库",
            items=["冷柜温度偏高，已报修", "外卖袋不足"],
        )
        with pytest.raises(Conflict, match="尚未确认"):
            services.handover_create(
                actor=manager, store=store, shift="x", receiver="staff_a1", cash="1", keys="k"
            )
        with pytest.raises(PermissionDenied):
            services.handover_confirm(actor=manager, store=store, handover_id=page.pk)
        services.handover_confirm(actor=waiter, store=store, handover_id=page.pk)
        services.handover_confirm(actor=waiter, store=store, handover_id=page.pk)  # again: no change
    with time_machine.travel(at(DAY, 22), tick=False):
        fridge = page.items.get(text__startswith="冷柜")
        nxt = services.handover_create(
            actor=waiter,
            store=store,
            shift="晚班→早班",
            receiver="store_a1",
            cash="0",
            keys="大门",
            resolved=[fridge.pk],
        )
    rows = {i.text: (i.resolved, i.carried_from_id is not None, i.first_date) for i in nxt.items.all()}
    assert rows == {"冷柜温度偏高，已报修": (True, True, DAY), "外卖袋不足": (False, True, DAY)}
    assert Handover.objects.count() == 2
    assert Notification.objects.filter(recipient=waiter, kind="assigned").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"receiver": "store_a1"}, "本人"),
        ({"receiver": "area_b"}, "接班人"),
        ({"cash": "-1"}, "超出范围"),
        ({"cash": "abc"}, "金额"),
        ({"keys": ""}, "钥匙"),
        ({"shift": ""}, "班次"),
    ],
)
def test_handover_bad_input(chain, fields, message):
    base = {"shift": "早班", "receiver": "staff_a1", "cash": "100", "keys": "大门"}
    with pytest.raises(DomainError, match=message):
        services.handover_create(actor=chain.users["store_a1"], store=chain.stores_a[0], **{**base, **fields})
    assert not Handover.objects.exists()


def test_roster_and_a_swap_accepted_by_the_other_manager(chain):
    store = chain.stores_a[0]
    lead = person_with_login("lead_a1", "FOH-LEAD", store)
    manager = chain.users["store_a1"]
    eligible = {e.name: e for e in selectors.duty_managers_eligible(store)}
    assert set(eligible) == {"store_a1", "lead_a1"}  # the waiter is not a manager
    monday = dt.date(2026, 11, 30)
    with time_machine.travel(at(DAY, 8), tick=False):
        plan = {
            monday + dt.timedelta(days=i): eligible["store_a1" if i % 2 else "lead_a1"].pk for i in range(7)
        }
        assert services.roster_save(actor=manager, store=store, monday=monday, managers=plan) == 7
        with pytest.raises(PermissionDenied):
            services.roster_save(actor=chain.users["staff_a1"], store=store, monday=monday, managers=plan)
        with pytest.raises(DomainError, match="管理人员"):
            services.roster_save(
                actor=manager,
                store=store,
                monday=monday,
                managers={monday: chain.users["staff_a1"].employee.pk},
            )
        assert selectors.duty_manager(store, DAY).name == "store_a1"  # Tuesday
        thursday, friday = DAY + dt.timedelta(days=2), DAY + dt.timedelta(days=3)
        with pytest.raises(DomainError, match="不是你值班"):
            services.swap_request(actor=manager, store=store, day=friday, other_id=eligible["lead_a1"].pk)
        swap = services.swap_request(
            actor=manager,
            store=store,
            day=thursday,
            other_id=eligible["lead_a1"].pk,
            other_day=friday,
            reason="家事",
        )
        with pytest.raises(Conflict):
            services.swap_request(actor=manager, store=store, day=thursday, other_id=eligible["lead_a1"].pk)
        with pytest.raises(PermissionDenied):
            services.swap_decide(actor=manager, store=store, swap_id=swap.pk, accept=True)
        services.swap_decide(actor=lead, store=store, swap_id=swap.pk, accept=True)
        services.swap_decide(actor=lead, store=store, swap_id=swap.pk, accept=True)  # the same answer twice
    duties = {d.date: d.manager.name for d in RosterDuty.objects.filter(store=store)}
    assert duties[thursday] == "lead_a1" and duties[friday] == "store_a1"


def test_the_periodic_task_sends_the_alerts_and_the_board_reads_in_bounded_queries(
    chain, django_assert_max_num_queries
):
    from yunying.storeday.tasks import slot_alerts

    with time_machine.travel(at(DAY, 9, 5), tick=False):
        assert slot_alerts.call_local() == 10  # every store's opening is late
        assert slot_alerts.call_local() == 0
        with django_assert_max_num_queries(12):  # the calendars of all stores with late slots read at once
            board = selectors.attention_board(user=chain.users["gm"])
    assert len(board) == 10


def test_the_board_reads_the_calendar_in_the_same_queries_for_two_stores_or_ten(
    chain, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yunying.org.models import Store

    CalendarOverride.objects.create(date=DAY, unit=chain.stores_b[0], working=False, note="装修停业")
    now = at(DAY, 9, 5)  # every store's opening is late

    def open_stores():
        return list(Store.objects.filter(closed_on__isnull=True).order_by("code"))

    few, every = open_stores()[:2], open_stores()
    with time_machine.travel(now, tick=False):
        with CaptureQueriesContext(connection) as two:
            assert len(selectors.attention_rows(few, day=None, now=now)) == 2
        with django_assert_max_num_queries(len(two.captured_queries)):
            rows = selectors.attention_rows(every, day=None, now=now)
    assert len(every) == 10 and len(rows) == 9  # B1 is closed for renovation that day
    assert "B1" not in {r.store.code for r in rows}
