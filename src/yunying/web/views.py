"""Pages that belong to no single app: login, language, home, profile, health."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yunying.accounts import services as account_services
from yunying.accounts.backends import client_ip
from yunying.core.errors import DomainError
from yunying.core.health import health_check
from yunying.web import selectors


def _safe_next(request: HttpRequest, target: str | None, default: str = "/") -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _with_language(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax"
    )
    return response


def login_view(request: HttpRequest) -> HttpResponse:
    context = {"next": request.GET.get("next", ""), "username": "", "error": ""}
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        context.update(username=username, next=request.POST.get("next", ""))
        if account_services.login_is_locked(username, client_ip(request)):
            context["error"] = _("登录失败次数过多，已暂时锁定，请 15 分钟后再试。")
            return render(request, "registration/login.html", context, status=429)
        try:
            user = authenticate(request, username=username, password=password)
        except DjangoPermissionDenied:
            user = None
        if user is None:
            context["error"] = _("用户名或密码不正确。")
            return render(request, "registration/login.html", context, status=200)
        login(request, user)
        response = redirect(_safe_next(request, context["next"], "/"))
        if user.language:  # type: ignore[attr-defined]
            _with_language(response, user.language)  # type: ignore[attr-defined]
        return response
    return render(request, "registration/login.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        account_services.user_set_language(user=request.user, language=language)  # type: ignore[arg-type]
    activate(language)
    response = HttpResponseRedirect(_safe_next(request, request.POST.get("next"), "/"))
    return _with_language(response, language)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = selectors.home_for(user=request.user)
    return render(request, "web/home.html", {**context, "nav_active": "home"})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    new_secret = None
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                account_services.token_revoke(user=request.user, token_id=int(request.POST["revoke"]))  # type: ignore[arg-type]
                messages.success(request, _("令牌已吊销。"))
                return redirect("profile")
            days = int(request.POST["days"]) if request.POST.get("days") else None
            _token, new_secret = account_services.token_create(
                user=request.user,  # type: ignore[arg-type]
                name=request.POST.get("name", ""),
                days=days,
            )
        except (DomainError, ValueError) as exc:
            messages.error(request, str(exc) if isinstance(exc, DomainError) else _("请输入有效的天数。"))
    tokens = request.user.api_tokens.filter(revoked_at__isnull=True)  # type: ignore[union-attr]
    return render(request, "web/profile.html", {"tokens": tokens, "new_secret": new_secret})


def healthz(request: HttpRequest) -> JsonResponse:
    status = health_check()
    ok = all(status.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", **status}, status=200 if ok else 503)
