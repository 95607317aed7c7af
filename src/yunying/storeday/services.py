"""Writes of a store's day. Each ``check_*`` validates (raising a DomainError the caller shows) before
anything changes; each write runs in one transaction and is safe to repeat where the brief says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yunying.notifications.services import notify
from yunying.org.models import Appointment, Employee, OrgUnit
from yunying.org.scope import scope_for
from yunying.storeday import selectors
from yunying.storeday.models import (
    Handover,
    HandoverItem,
    MorningMeeting,
    RosterDuty,
    RosterSwap,
    SlotAlert,
    SlotRecord,
    SwapStatus,
)
from yunying.storeday.slots import MISSED, STATE_LABELS

MAX_TEXT = 2000
MAX_ITEMS = 20
MAX_CASH = Decimal("10000000")


def _text(value: Any, *, field: str, limit: int, required: bool = False, label: str = "") -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(text) > limit:
        raise DomainError(
            _("%(label)s不能超过 %(limit)s 个字。") % {"label": label, "limit": limit}, field=field
        )
    return text


def _check_not_future(store: OrgUnit, day: dt.date) -> None:
    selectors.day_checked(day)
    if day > store.today:
        raise DomainError(_("不能为未来的日期（%(date)s）记录。") % {"date": day.isoformat()}, field="date")


def _check_open(store: OrgUnit, day: dt.date) -> None:
    closed, note = selectors.day_closed(store, day)
    if closed:
        raise DomainError(
            _("%(date)s 门店不营业%(note)s。")
            % {"date": day.isoformat(), "note": f"（{note}）" if note else ""},
            field="date",
        )


def can_manage(user: Any, store: OrgUnit) -> bool:
    """The store's head, the heads above it and people who see everything may plan its roster."""
    scope = scope_for(user)
    if scope.everything:
        return True
    units = [store.pk]
    parent = store.parent
    while parent is not None and parent.pk not in units:
        units.append(parent.pk)
        parent = parent.parent
    return (
        Appointment.objects.active(store.today)
        .filter(employee__user=user, unit_id__in=units, position__is_head=True)
        .exists()
    )


# -- routine slots -----------------------------------------------------------------------------------


def slot_submit(
    *, actor: Any, store: OrgUnit, routine_key: str, day: dt.date, checked: list[str], note: str = ""
) -> tuple[SlotRecord, bool]:
    """Tick off a routine; returns (record, created). Submitting again returns the first record unchanged."""
    existing = SlotRecord.objects.filter(store=store, date=day, routine_key=routine_key).first()
    if existing is not None:
        return existing, False
    routine = next((r for r in selectors.routines_for(store) if r.key == routine_key), None)
    if routine is None:
        raise NotFound(_("找不到日常流程 %(key)s。") % {"key": routine_key})
    _check_not_future(store, day)
    _check_open(store, day)
    note = _text(note, field="note", limit=500, label=_("备注"))
    keys = [item["key"] for item in routine.items]
    unknown = [k for k in checked if k not in keys]
    if unknown:
        raise DomainError(_("未知的检查项：%(keys)s。") % {"keys": "、".join(unknown)}, field="checked")
    if len(set(checked)) < len(keys) and not note:
        raise DomainError(_("有未勾选的检查项，请在备注中说明原因。"), field="note")
    slot = next(s for s in selectors.slots_for(store, day) if s.routine.key == routine_key)
    if slot.state == MISSED:
        raise DomainError(
            _("%(name)s已超过补做时限（%(time)s），记为漏做。")
            % {"name": routine.name, "time": slot.missed_at.strftime("%H:%M")},
            field="routine",
        )
    try:
        with transaction.atomic():
            record = SlotRecord.objects.create(
                store=store,
                date=day,
                routine_key=routine_key,
                done_by=actor,
                done_at=clock.now(),
                checked=[k for k in keys if k in set(checked)],
                note=note,
            )
    except IntegrityError:  # the same slot submitted at the same moment from another phone
        return SlotRecord.objects.get(store=store, date=day, routine_key=routine_key), False
    return record, True


def slot_alerts_send(*, now: dt.datetime | None = None) -> int:
    """Tell the 店长 and the 区域经理 about every late or missed slot, once per slot and state; safe to
    run twice or in two workers at once (the alert row is the claim). Returns how many alerts were sent."""
    from yunying.org.models import Store

    now = now or clock.now()
    stores = list(Store.objects.filter(closed_on__isnull=True).select_related("parent").order_by("code"))
    sent = 0
    for row in selectors.attention_rows(stores, day=None, now=now):
        slot = row.slot
        try:
            with transaction.atomic():
                SlotAlert.objects.create(
                    store=row.store,
                    date=slot.date,
                    routine_key=slot.routine.key,
                    state=slot.state,
                    sent_at=now,
                )
                message = _("%(store)s %(date)s「%(name)s」%(state)s（应于 %(time)s 前完成）。") % {
                    "store": row.store.name,
                    "date": slot.date.isoformat(),
                    "name": slot.routine.name,
                    "state": STATE_LABELS[slot.state],
                    "time": slot.ends.strftime("%H:%M"),
                }
                url = reverse("storeday:day", args=[row.store.code]) + f"?date={slot.date.isoformat()}"
                notify(
                    selectors.people_to_alert(row.store),
                    kind="overdue",
                    message=message,
                    url=url,
                    unit=row.store,
                )
        except IntegrityError:
            continue
        sent += 1
    return sent


# -- morning meeting -------------------------------------------------------------------------------


def _count(value: Any, *, field: str, label: str, maximum: int = 999) -> int:
    try:
        number = int(str(value if value not in (None, "") else 0).strip())
    except ValueError:
        raise DomainError(_("%(label)s必须是整数。") % {"label": label}, field=field) from None
    if not 0 <= number <= maximum:
        raise DomainError(
            _("%(label)s必须在 0 到 %(max)s 之间。") % {"label": label, "max": maximum}, field=field
        )
    return number


def _money(value: Any, *, field: str, label: str, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise DomainError(_("请填写%(label)s。") % {"label": label}, field=field)
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise DomainError(_("%(label)s必须是金额数字。") % {"label": label}, field=field) from None
    if not amount.is_finite() or not Decimal(0) <= amount < MAX_CASH:
        raise DomainError(_("%(label)s超出范围。") % {"label": label}, field=field)
    return amount.quantize(Decimal("0.01"))


def meeting_save(*, actor: Any, store: OrgUnit, day: dt.date, data: dict[str, Any]) -> MorningMeeting:
    """Record (or correct) the day's morning meeting. Yesterday's sales and the top five come from the
    sales data when there are any; without data, the amount and product names typed in are kept."""
    _check_not_future(store, day)
    _check_open(store, day)
    fields = {
        "present": _count(data.get("present"), field="present", label=_("出勤人数")),
        "absent": _text(data.get("absent"), field="absent", limit=300, label=_("缺勤人员")),
        "appearance_ok": bool(data.get("appearance_ok")),
        "appearance_notes": _text(
            data.get("appearance_notes"), field="appearance_notes", limit=300, label=_("仪容仪表问题")
        ),
        "problems": _text(data.get("problems"), field="problems", limit=MAX_TEXT, label=_("问题与改进")),
        "training_topic": _text(
            data.get("training_topic"), field="training_topic", limit=200, label=_("培训主题")
        ),
        "today_tasks": _text(
            data.get("today_tasks"), field="today_tasks", limit=MAX_TEXT, label=_("今日工作")
        ),
        "notices": _text(data.get("notices"), field="notices", limit=MAX_TEXT, label=_("上级通知")),
    }
    if fields["present"] == 0:
        raise DomainError(_("请填写出勤人数。"), field="present")
    if not fields["appearance_ok"] and not fields["appearance_notes"]:
        raise DomainError(_("仪容仪表不合格时请写明问题。"), field="appearance_notes")
    sales_day = day - dt.timedelta(days=1)
    sales = selectors.sales_of_day(store, sales_day)
    if sales.has_data:
        amount, top = sales.amount, sales.top
    else:
        amount = _money(data.get("sales_amount"), field="sales_amount", label=_("昨日销售额"))
        names = [str(n or "").strip() for n in (data.get("top_products") or [])]
        if len(names) > selectors.TOP:
            raise DomainError(_("销售前五最多填 5 项。"), field="top_products")
        for name in names:
            _text(name, field="top_products", limit=60, label=_("商品名称"))
        top = [{"name": n, "qty": "", "amount": ""} for n in names if n]
    with transaction.atomic():
        meeting, _created = MorningMeeting.objects.select_for_update().get_or_create(
            store=store, date=day, defaults={"held_by": actor, **fields}
        )
        for key, value in fields.items():
            setattr(meeting, key, value)
        meeting.held_by = actor
        meeting.sales_date, meeting.sales_amount, meeting.top_products = sales_day, amount, top
        meeting.save()
    return meeting


# -- handover book -----------------------------------------------------------------------------------


def handover_create(
    *,
    actor: Any,
    store: OrgUnit,
    shift: str,
    receiver: str,
    cash: Any,
    keys: str,
    stock_notes: str = "",
    items: list[str] | None = None,
    resolved: list[int] | None = None,
) -> Handover:
    """The outgoing person writes the page (signing it with their login); the open items of the last
    confirmed page are carried over unless ticked as resolved now."""
    shift = _text(shift, field="shift", limit=40, required=True, label=_("班次"))
    amount = _money(cash, field="cash", label=_("现金"), required=True)
    keys = _text(keys, field="keys", limit=300, required=True, label=_("钥匙"))
    stock_notes = _text(stock_notes, field="stock_notes", limit=MAX_TEXT, label=_("库存情况"))
    new_items = [_text(t, field="items", limit=300, label=_("事项")) for t in (items or [])]
    new_items = [t for t in new_items if t]
    if len(new_items) > MAX_ITEMS:
        raise DomainError(_("待办事项最多 %(n)s 条。") % {"n": MAX_ITEMS}, field="items")
    staff = {user.username: user for user, _e, _p in selectors.store_staff_users(store)}
    if actor.username not in staff and not can_manage(actor, store):
        raise PermissionDenied(_("只有本店员工可以交班。"))
    other = staff.get(str(receiver or "").strip())
    if other is None:
        raise DomainError(_("请选择本店的接班人。"), field="receiver")
    if other.pk == actor.pk:
        raise DomainError(_("接班人不能是交班人本人。"), field="receiver")
    today = store.today
    with transaction.atomic():
        OrgUnit.objects.select_for_update().filter(pk=store.pk).first()  # one page at a time per store
        pending = selectors.handover_pending(store)
        if pending is not None:
            raise Conflict(
                _("上一班交接（%(who)s → %(to)s）尚未确认，请先由接班人确认。")
                % {"who": _person(pending.handed_by), "to": _person(pending.received_by)}
            )
        previous = selectors.handover_last_confirmed(store)
        carried = [i for i in previous.items.all() if not i.resolved] if previous else []
        done = set(resolved or [])
        unknown = done - {i.pk for i in carried}
        if unknown:
            raise DomainError(_("要关闭的事项不在上一班的未解决事项中。"), field="resolved")
        page = Handover.objects.create(
            store=store,
            date=today,
            shift=shift,
            handed_by=actor,
            received_by=other,
            cash=amount or Decimal(0),
            keys=keys,
            stock_notes=stock_notes,
            created_at=clock.now(),
        )
        HandoverItem.objects.bulk_create(
            [
                HandoverItem(
                    handover=page, text=i.text, resolved=i.pk in done, carried_from=i, first_date=i.first_date
                )
                for i in carried
            ]
            + [HandoverItem(handover=page, text=t, first_date=today) for t in new_items]
        )
        notify(
            [other],
            kind="assigned",
            message=_("%(who)s 向你交班（%(store)s %(shift)s），请确认接班。")
            % {"who": _person(actor), "store": store.name, "shift": shift},
            url=reverse("storeday:handovers", args=[store.code]),
            unit=store,
        )
    return page


def handover_confirm(*, actor: Any, handover_id: int, store: OrgUnit) -> Handover:
    """The incoming person confirms with their own login; confirming again changes nothing."""
    with transaction.atomic():
        page = Handover.objects.select_for_update().filter(pk=handover_id, store=store).first()
        if page is None:
            raise NotFound(_("找不到交接班记录。"))
        if page.received_by_id != actor.pk:
            raise PermissionDenied(
                _("只有接班人 %(who)s 本人可以确认。") % {"who": _person(page.received_by)}
            )
        if page.confirmed_at is None:
            page.confirmed_at = clock.now()
            page.save(update_fields=["confirmed_at"])
    return page


def _person(user: Any) -> str:
    employee = Employee.objects.filter(user=user).only("name").first()
    return employee.name if employee else user.get_username()


# -- roster --------------------------------------------------------------------------------------------


def roster_save(*, actor: Any, store: OrgUnit, monday: dt.date, managers: dict[dt.date, int | None]) -> int:
    """Set a week's duty managers (one per day; None clears the day). Returns the number of days set."""
    if not can_manage(actor, store):
        raise PermissionDenied(_("只有店长及上级可以排值班表。"))
    selectors.day_checked(monday)
    if monday.weekday() != 0:
        raise DomainError(_("值班表按周排，请从星期一开始。"), field="week")
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    stray = [d for d in managers if d not in days]
    if stray:
        raise DomainError(_("日期 %(date)s 不在这一周内。") % {"date": stray[0].isoformat()}, field="days")
    eligible = {e.pk: e for e in selectors.duty_managers_eligible(store)}
    for day, employee_id in managers.items():
        if employee_id is not None and employee_id not in eligible:
            raise DomainError(
                _("%(date)s 所选人员不是本店管理人员，不能值班。") % {"date": day.isoformat()}, field="days"
            )
    count = 0
    with transaction.atomic():
        for day, employee_id in managers.items():
            if employee_id is None:
                RosterDuty.objects.filter(store=store, date=day).delete()
                continue
            RosterDuty.objects.update_or_create(store=store, date=day, defaults={"manager_id": employee_id})
            count += 1
    return count


def _employee_of(user: Any) -> Employee:
    employee = Employee.objects.filter(user=user, is_active=True).first()
    if employee is None:
        raise PermissionDenied(_("你的账号没有对应的员工档案。"))
    return employee


def swap_request(
    *,
    actor: Any,
    store: OrgUnit,
    day: dt.date,
    other_id: int,
    other_day: dt.date | None = None,
    reason: str = "",
) -> RosterSwap:
    """The manager on duty on ``day`` asks ``other`` to swap (with their ``other_day``) or to take it over."""
    me = _employee_of(actor)
    selectors.day_checked(day)
    if other_day is not None:
        selectors.day_checked(other_day)
    reason = _text(reason, field="reason", limit=200, label=_("原因"))
    if day < store.today:
        raise DomainError(_("不能调换已经过去的值班。"), field="date")
    mine = RosterDuty.objects.filter(store=store, date=day).first()
    if mine is None or mine.manager_id != me.pk:
        raise DomainError(_("%(date)s 不是你值班，不能申请换班。") % {"date": day.isoformat()}, field="date")
    other = next((e for e in selectors.duty_managers_eligible(store) if e.pk == other_id), None)
    if other is None or other.pk == me.pk:
        raise DomainError(_("请选择本店的另一位管理人员。"), field="other")
    if other_day is not None:
        theirs = RosterDuty.objects.filter(store=store, date=other_day).first()
        if theirs is None or theirs.manager_id != other.pk:
            raise DomainError(
                _("%(date)s 不是 %(who)s 值班。") % {"date": other_day.isoformat(), "who": other.name},
                field="other_date",
            )
        if other_day < store.today:
            raise DomainError(_("不能调换已经过去的值班。"), field="other_date")
    with transaction.atomic():
        if RosterSwap.objects.filter(store=store, date=day, status=SwapStatus.REQUESTED).exists():
            raise Conflict(_("%(date)s 已有一个待确认的换班申请。") % {"date": day.isoformat()})
        swap = RosterSwap.objects.create(
            store=store,
            date=day,
            requester=me,
            other=other,
            other_date=other_day,
            reason=reason,
            requested_at=clock.now(),
        )
        if other.user is not None:
            notify(
                [other.user],
                kind="assigned",
                message=_("%(who)s 申请与你换班（%(date)s），请确认。")
                % {"who": me.name, "date": day.isoformat()},
                url=reverse("storeday:roster", args=[store.code])
                + f"?week={selectors.week_of(day).isoformat()}",
                unit=store,
            )
    return swap


def swap_decide(*, actor: Any, store: OrgUnit, swap_id: int, accept: bool) -> RosterSwap:
    """The other person accepts (the two duties are exchanged at once) or declines."""
    me = _employee_of(actor)
    with transaction.atomic():
        swap = RosterSwap.objects.select_for_update().filter(pk=swap_id, store=store).first()
        if swap is None:
            raise NotFound(_("找不到换班申请。"))
        if swap.other_id != me.pk:
            raise PermissionDenied(_("只有被申请换班的人可以确认。"))
        if swap.status != SwapStatus.REQUESTED:
            if swap.status == (SwapStatus.ACCEPTED if accept else SwapStatus.DECLINED):
                return swap  # the same answer twice
            raise Conflict(_("这个换班申请已处理（%(status)s）。") % {"status": swap.get_status_display()})
        if accept:
            _swap_duties(swap)
        swap.status = SwapStatus.ACCEPTED if accept else SwapStatus.DECLINED
        swap.decided_at = clock.now()
        swap.save(update_fields=["status", "decided_at"])
        if swap.requester.user is not None:
            notify(
                [swap.requester.user],
                kind="approved" if accept else "rejected",
                message=(
                    _("%(who)s 同意了你 %(date)s 的换班申请。")
                    if accept
                    else _("%(who)s 拒绝了你 %(date)s 的换班申请。")
                )
                % {"who": me.name, "date": swap.date.isoformat()},
                url=reverse("storeday:roster", args=[store.code]),
                unit=store,
            )
    return swap


def _swap_duties(swap: RosterSwap) -> None:
    dates = [swap.date] + ([swap.other_date] if swap.other_date else [])
    duties = {
        d.date: d for d in RosterDuty.objects.select_for_update().filter(store=swap.store, date__in=dates)
    }
    mine = duties.get(swap.date)
    if mine is None or mine.manager_id != swap.requester_id:
        raise Conflict(_("值班表已变动，这个换班申请不再有效。"))
    if swap.other_date:
        theirs = duties.get(swap.other_date)
        if theirs is None or theirs.manager_id != swap.other_id:
            raise Conflict(_("值班表已变动，这个换班申请不再有效。"))
        theirs.manager_id = swap.requester_id
        theirs.save(update_fields=["manager"])
    mine.manager_id = swap.other_id
    mine.save(update_fields=["manager"])


MEETING_FIELDS = (
    "present",
    "absent",
    "appearance_notes",
    "sales_amount",
    "problems",
    "training_topic",
    "today_tasks",
    "notices",
)
