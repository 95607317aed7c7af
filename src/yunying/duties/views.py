"""Duty pages: thin adapters over duties.selectors / board / reviews (reads) and duties.services (writes)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import DomainError, NotFound, ValidationFailed
from yunying.duties import board as board_mod
from yunying.duties import selectors, services
from yunying.duties.models import Cadence, Status
from yunying.duties.recurrence import Rule, describe
from yunying.forms.posted import form_post_parse
from yunying.forms.rendering import render_form, render_readonly
from yunying.forms.schema import schema_of
from yunying.org.scope import scope_for, units_visible_to

PREFIX = "f_"


def _or_404(getter: Any, **kwargs: Any) -> Any:
    try:
        return getter(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    items = selectors.inbox_items(request.user)
    upcoming, _total = selectors.occurrence_list(
        user=request.user, mine=True, status=Status.OPEN, start=clock.today().isoformat(), limit=200
    )
    upcoming = [o for o in upcoming if o.available_at > clock.now()][:20]
    context = {
        "items": items,
        "upcoming": upcoming,
        "done": selectors.recent_done(request.user),
        "nav_active": "duties-mine",
        "now": clock.now(),
    }
    return render(request, "duties/mine.html", context)


def _act(request: HttpRequest, occ: Any) -> tuple[bool, Any]:
    """Run the posted action; (done, form errors)."""
    action = request.POST.get("action", "")
    try:
        if action == "submit":
            data, files = form_post_parse(occ.form_version, request.POST, request.FILES, prefix=PREFIX)
            services.occurrence_submit(actor=request.user, occurrence_id=occ.pk, data=data, files=files)
            messages.success(request, _("已提交。"))
        elif action == "draft":
            data, _files = form_post_parse(occ.form_version, request.POST, request.FILES, prefix=PREFIX)
            services.occurrence_draft_save(actor=request.user, occurrence_id=occ.pk, data=data)
            messages.success(request, _("草稿已保存，可以稍后继续填写。"))
        elif action in ("accept", "return"):
            services.occurrence_review(
                actor=request.user,
                occurrence_id=occ.pk,
                accepted=action == "accept",
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("已通过。") if action == "accept" else _("已退回。"))
        elif action == "comment":
            services.occurrence_comment(
                actor=request.user, occurrence_id=occ.pk, comment=request.POST.get("comment", "")
            )
            messages.success(request, _("已评论。"))
        else:
            messages.error(request, _("未知的操作。"))
            return False, None
    except ValidationFailed as exc:
        messages.error(request, str(exc))
        return False, exc.errors
    except DomainError as exc:
        messages.error(request, str(exc))
        return False, None
    return True, None


@login_required
def occurrence(request: HttpRequest, pk: int) -> HttpResponse:
    occ = _or_404(selectors.occurrence_get, user=request.user, pk=pk)
    errors: Any = None
    posted: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        done, errors = _act(request, occ)
        if done:
            return redirect("duties:occurrence", pk=pk)
        if request.POST.get("action") in ("submit", "draft"):
            posted = form_post_parse(occ.form_version, request.POST, request.FILES, prefix=PREFIX)[0]
        status = 422 if errors else 409
        occ = _or_404(selectors.occurrence_get, user=request.user, pk=pk)
    can_submit = selectors.may_submit(request.user, occ)
    context = {
        "occ": occ,
        "duty": occ.duty,
        "can_submit": can_submit,
        "can_review": selectors.may_review(request.user, occ),
        "form_html": render_form(
            occ.form_version,
            posted if posted is not None else _filling(occ),
            errors,
            PREFIX,
            user=request.user,
        )
        if can_submit
        else "",
        "has_files": schema_of(occ.form_version).has_files,
        "data_html": render_readonly(occ.form_version, occ.data) if occ.first_submitted_at else "",
        "events": selectors.occurrence_events(occ),
        "late": selectors.is_late(occ),
        "can_comment": selectors.may_comment(request.user, occ),
        "now": clock.now(),
        "nav_active": "duties-mine",
    }
    return render(
        request, "duties/occurrence.html", context, status=status if request.method == "POST" else 200
    )


def _filling(occ: Any) -> dict[str, Any]:
    """What the form shows its assignee: the saved draft over the occurrence's (pre-filled) content."""
    return {**(occ.data or {}), **(occ.draft or {})}


@login_required
def board(request: HttpRequest) -> HttpResponse:
    params = request.GET
    group = params.get("group") or "person"
    month, week, unit = params.get("month") or None, params.get("week") or None, params.get("unit") or None
    try:
        the_board = board_mod.board_compile(user=request.user, group=group, month=month, week=week, unit=unit)
        drill = (
            board_mod.board_drill(
                user=request.user,
                group=group,
                month=month,
                week=week,
                unit=unit,
                key=params["key"],
                status=params.get("status") or None,
            )
            if params.get("key")
            else None
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("duties:board")
    scope = scope_for(request.user)
    units = (
        units_visible_to(request.user)
        .filter(kind__in=("region", "store", "department"))
        .order_by("kind", "sort_order", "code")
    )
    context = {
        "board": the_board,
        "group": group,
        "month": the_board.start.strftime("%Y-%m") if not week else "",
        "week": week or "",
        "unit": unit or "",
        "units": units if scope.everything or scope.unit_ids else [],
        "drill": drill,
        "drill_key": params.get("key", ""),
        "drill_status": params.get("status", ""),
        "groups": [
            ("person", _("人员")),
            ("position", _("岗位")),
            ("store", _("门店 / 部门")),
            ("region", _("区域")),
        ],
        "now": clock.now(),
        "nav_active": "duties-board",
    }
    return render(request, "duties/board.html", context)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            on = selectors.parse_day(request.POST.get("on"), field="on")
            if on is None:
                raise DomainError(_("请选择日期。"), field="on")
            created = services.occasional_schedule(
                actor=request.user, duty_key=request.POST.get("duty", ""), on=on
            )
            messages.success(request, _("已安排，%(n)d 项。") % {"n": len(created)})
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("duties:calendar")
    duties = list(selectors.duty_list())
    rows = [
        {
            "duty": d,
            "rule": describe(Rule.of(d)),
            "positions": list(d.positions.all()),
            "next": selectors.next_due(d),
        }
        for d in duties
    ]
    context = {
        "rows": rows,
        "occasional": [d for d in duties if d.cadence == Cadence.OCCASIONAL and d.is_active],
        "today": clock.today(),
        "nav_active": "duties-calendar",
    }
    return render(request, "duties/calendar.html", context)


def occurrence_url(pk: int) -> str:
    return reverse("duties:occurrence", args=[pk])
