"""Notification pages (HTMX + Tabler): the list under the bell, read marks, preferences, robots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yunying.core.errors import DomainError
from yunying.notifications import selectors, services
from yunying.notifications.models import PERSONAL_CHANNELS, Platform, Robot
from yunying.org.models import OrgUnit


def _bell(request: HttpRequest) -> dict[str, Any]:
    return {"unread": selectors.unread_count(user=request.user), "oob": True}


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notification_list(user=request.user, unread=unread_only).select_related("instance")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread_only": unread_only,
        "kinds": selectors.kind_names(),
        "unread": selectors.unread_count(user=request.user),
        "nav_active": "notifications",
    }
    if request.headers.get("HX-Request"):
        return render(request, "notifications/_list.html", context)
    return render(request, "notifications/list.html", context)


@login_required
def bell(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/_bell.html", {"unread": selectors.unread_count(user=request.user)})


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        row = services.notification_mark_read(user=request.user, notification_id=notification_id)
    except DomainError as exc:
        raise Http404(str(exc)) from None
    if request.headers.get("HX-Request"):
        context = {"n": row, "kinds": selectors.kind_names(), **_bell(request)}
        return render(request, "notifications/_row.html", context)
    return redirect(row.url or "notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if request.headers.get("HX-Request"):
        rows = selectors.notification_list(user=request.user)
        context = {
            "page": Paginator(rows, 30).get_page(1),
            "unread_only": False,
            "kinds": selectors.kind_names(),
            **_bell(request),
        }
        return render(request, "notifications/_list.html", context)
    messages.success(request, _("已将 %(n)d 条通知标记为已读。") % {"n": count})
    return redirect("notifications:list")


def _time(value: str) -> dt.time | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise DomainError(_("请输入有效的时间，例如 22:00。"), field="quiet_start") from None


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    kinds = [k.code for k in selectors.kind_choices(preference=selectors.preference_get(user=request.user))]
    channels = {
        kind: [c.value for c in PERSONAL_CHANNELS if request.POST.get(f"{kind}:{c.value}") == "on"]
        for kind in kinds
    }
    try:
        services.preference_save(
            user=request.user,
            channels=channels,
            quiet_start=_time(request.POST.get("quiet_start", "")),
            quiet_end=_time(request.POST.get("quiet_end", "")),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("通知设置已保存。"))
    return redirect("profile")


# --------------------------------------------------------------------------- robots (administrators)
def _require_admin(request: HttpRequest) -> None:
    user: Any = request.user
    if not (user.is_superuser or user.has_perm("notifications.change_robot")):
        raise DjangoPermissionDenied


def _robot_form(request: HttpRequest, robot: Robot | None) -> Robot:
    post = request.POST
    unit_code = post.get("unit", "").strip()
    unit = OrgUnit.objects.filter(code=unit_code).first() if unit_code else None
    if unit_code and unit is None:
        raise DomainError(_("组织单位不存在：%(code)s") % {"code": unit_code}, field="unit")
    secret = post.get("secret", "")
    try:
        rate = int(post["rate_per_minute"]) if post.get("rate_per_minute") else None
        digest_max = int(post.get("digest_max") or 10)
    except ValueError:
        raise DomainError(_("请输入有效的数字。"), field="rate_per_minute") from None
    quiet_hours = (_time(post.get("quiet_start", "")), _time(post.get("quiet_end", "")))
    return services.robot_save(
        actor=request.user,
        robot=robot,
        name=post.get("name", ""),
        platform=post.get("platform", ""),
        url=post.get("url", ""),
        secret=None if (robot is not None and not secret and "clear_secret" not in post) else secret,
        unit=unit,
        kinds=post.getlist("kinds"),
        is_active=post.get("is_active") == "on",
        rate_per_minute=rate,
        digest_max=digest_max,
        quiet_hours=quiet_hours,
        quiet_outside_hours=post.get("quiet_outside_hours") == "on",
    )


def _robots_context(request: HttpRequest, robot: Robot | None = None) -> dict[str, Any]:
    return {
        "robots": selectors.robot_list(),
        "robot": robot,
        "platforms": Platform.choices,
        "kinds": selectors.kind_names(),
        "units": OrgUnit.objects.exclude(kind="store").order_by("sort_order", "code"),
        "failed": selectors.failed_deliveries(),
        "counts": selectors.outbox_counts(),
        "nav_active": "robots",
    }


@login_required
def robots(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    if request.method == "POST":
        try:
            created = _robot_form(request, None)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已添加机器人“%(name)s”。") % {"name": created.name})
            return redirect("notifications:robots")
    return render(request, "notifications/robots.html", _robots_context(request))


@login_required
def robot_edit(request: HttpRequest, robot_id: int) -> HttpResponse:
    _require_admin(request)
    robot = selectors.robot_get(robot_id=robot_id)
    if robot is None:
        raise Http404
    if request.method == "POST":
        try:
            if "delete" in request.POST:
                services.robot_delete(actor=request.user, robot_id=robot.pk)
                messages.success(request, _("机器人已删除。"))
                return redirect("notifications:robots")
            _robot_form(request, robot)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("机器人已保存。"))
            return redirect("notifications:robots")
    return render(request, "notifications/robots.html", _robots_context(request, robot))


@login_required
@require_POST
def robot_test(request: HttpRequest, robot_id: int) -> HttpResponse:
    _require_admin(request)
    try:
        services.robot_send_test(actor=request.user, robot_id=robot_id)
    except DomainError as exc:
        ok, text = False, str(exc)
    else:
        ok, text = True, _("测试消息已发送，请在群里查看。")
    if request.headers.get("HX-Request"):
        return render(request, "notifications/_test_result.html", {"ok": ok, "text": text})
    (messages.success if ok else messages.error)(request, text)
    return redirect("notifications:robots")


@login_required
@require_POST
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    _require_admin(request)
    try:
        services.delivery_retry(actor=request.user, delivery_id=delivery_id)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已重新加入发送队列。"))
    return redirect("notifications:robots")
