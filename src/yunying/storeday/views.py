"""Pages of a store's day: thin adapters over storeday.selectors (reads) and storeday.services (writes).
A store outside the person's scope is a 404; a refused write shows its message and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yunying.core.errors import DomainError, NotFound
from yunying.org.models import Employee
from yunying.org.scope import stores_visible_to
from yunying.storeday import selectors, services


def _store(user: Any, code: str) -> Any:
    try:
        return selectors.store_for(user=user, code=code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _date(text: str | None, default: dt.date) -> dt.date:
    """A date from the address or a form; anything unreadable or out of range is the default."""
    try:
        found = parse_date(text or "") or default
    except ValueError:
        return default
    return found if selectors.FIRST_DAY <= found <= selectors.LAST_DAY else default


def _day_url(code: str, day: dt.date) -> str:
    return reverse("storeday:day", args=[code]) + f"?date={day.isoformat()}"


@login_required
def board(request: HttpRequest) -> HttpResponse:
    stores = list(stores_visible_to(request.user).filter(closed_on__isnull=True).order_by("code")[:500])
    if not stores:
        raise Http404(_("你的管辖范围内没有门店。"))
    context = {
        "rows": selectors.attention_board(user=request.user),
        "stores": stores,
        "nav_active": "storeday",
    }
    return render(request, "storeday/board.html", context)


@login_required
def day(request: HttpRequest, code: str) -> HttpResponse:
    store = _store(request.user, code)
    found = selectors.store_day(user=request.user, code=code, day=_date(request.GET.get("date"), store.today))
    context = {
        "day": found,
        "store": store,
        "previous": found.date - dt.timedelta(days=1),
        "next": found.date + dt.timedelta(days=1),
        "nav_active": "storeday",
    }
    return render(request, "storeday/day.html", context)


@login_required
@require_POST
def slot_submit(request: HttpRequest, code: str, routine: str) -> HttpResponse:
    store = _store(request.user, code)
    when = _date(request.POST.get("date"), store.today)
    try:
        _record, created = services.slot_submit(
            actor=request.user,
            store=store,
            routine_key=routine,
            day=when,
            checked=request.POST.getlist("checked"),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        if created:
            messages.success(request, _("已提交。"))
        else:
            messages.info(request, _("这一项已经提交过，未重复记录。"))
    return redirect(_day_url(code, when) + f"#slot-{routine}")


@login_required
def meeting(request: HttpRequest, code: str) -> HttpResponse:
    store = _store(request.user, code)
    when = _date(request.GET.get("date") or request.POST.get("date"), store.today)
    found = selectors.store_day(user=request.user, code=code, day=when)
    data: dict[str, Any] = {}
    if request.method == "POST":
        data = {key: request.POST.get(key, "") for key in services.MEETING_FIELDS}
        data["appearance_ok"] = request.POST.get("appearance_ok") == "1"
        data["top_products"] = [request.POST.get(f"top_{i}", "") for i in range(1, 6)]
        try:
            services.meeting_save(actor=request.user, store=store, day=when, data=data)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("晨会记录已保存。"))
            return redirect(_day_url(code, when) + "#meeting")
    sales = selectors.sales_of_day(store, when - dt.timedelta(days=1))
    context = {
        "store": store,
        "day": found,
        "meeting": found.meeting,
        "sales": sales,
        "posted": data,
        "top_slots": range(1, 6),
        "nav_active": "storeday",
    }
    return render(request, "storeday/meeting.html", context)


@login_required
def handovers(request: HttpRequest, code: str) -> HttpResponse:
    store = _store(request.user, code)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                services.handover_confirm(
                    actor=request.user, store=store, handover_id=int(request.POST.get("handover") or 0)
                )
                messages.success(request, _("已确认接班。"))
            else:
                services.handover_create(
                    actor=request.user,
                    store=store,
                    shift=request.POST.get("shift", ""),
                    receiver=request.POST.get("receiver", ""),
                    cash=request.POST.get("cash", ""),
                    keys=request.POST.get("keys", ""),
                    stock_notes=request.POST.get("stock_notes", ""),
                    items=request.POST.get("items", "").splitlines(),
                    resolved=[int(x) for x in request.POST.getlist("resolved") if x.isdigit()],
                )
                messages.success(request, _("交班记录已提交，等待接班人确认。"))
            return redirect("storeday:handovers", code=code)
        except DomainError as exc:
            messages.error(request, str(exc))
    previous = selectors.handover_last_confirmed(store)
    context = {
        "store": store,
        "pending": selectors.handover_pending(store),
        "carried": [i for i in previous.items.all() if not i.resolved] if previous else [],
        "pages": selectors.handover_book(store=store),
        "staff": [(u, e, p) for u, e, p in selectors.store_staff_users(store) if u.pk != request.user.pk],
        "posted": request.POST if request.method == "POST" else {},
        "nav_active": "storeday",
    }
    return render(request, "storeday/handovers.html", context)


@login_required
def roster(request: HttpRequest, code: str) -> HttpResponse:
    store = _store(request.user, code)
    monday = selectors.week_of(_date(request.GET.get("week") or request.POST.get("week"), store.today))
    if request.method == "POST":
        try:
            _roster_post(request, store, monday)
            return redirect(reverse("storeday:roster", args=[code]) + f"?week={monday.isoformat()}")
        except DomainError as exc:
            messages.error(request, str(exc))
    me = Employee.objects.filter(user_id=request.user.pk or 0).first()
    context = {
        "store": store,
        "monday": monday,
        "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
        "week": selectors.roster_week(store, monday),
        "eligible": selectors.duty_managers_eligible(store),
        "swaps": selectors.swaps_for(store, around=monday),
        "can_manage": services.can_manage(request.user, store),
        "me": me,
        "today": store.today,
        "nav_active": "storeday",
    }
    return render(request, "storeday/roster.html", context)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _roster_post(request: HttpRequest, store: Any, monday: dt.date) -> None:
    action = request.POST.get("action")
    if action == "save":
        days = [monday + dt.timedelta(days=i) for i in range(7)]
        managers = {d: _int(request.POST.get(f"day_{d.isoformat()}")) for d in days}
        services.roster_save(actor=request.user, store=store, monday=monday, managers=managers)
        messages.success(request, _("值班表已保存。"))
    elif action == "swap":
        day = parse_date(request.POST.get("date") or "")
        if day is None:
            raise DomainError(_("请选择换出的日期。"), field="date")
        other_day = (
            parse_date(request.POST.get("other_date") or "") if request.POST.get("other_date") else None
        )
        services.swap_request(
            actor=request.user,
            store=store,
            day=day,
            other_id=_int(request.POST.get("other")) or 0,
            other_day=other_day,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("换班申请已发出，等待对方确认。"))
    elif action in ("accept", "decline"):
        services.swap_decide(
            actor=request.user,
            store=store,
            swap_id=_int(request.POST.get("swap")) or 0,
            accept=action == "accept",
        )
        messages.success(request, _("已同意换班。") if action == "accept" else _("已拒绝换班。"))
    else:
        raise DomainError(_("未知的操作。"))
