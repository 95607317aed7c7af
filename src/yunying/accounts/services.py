"""Accounts: personal access tokens and login throttling."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.accounts.models import ApiToken, LoginFailure, User
from yunying.core.errors import DomainError, NotFound

TOKEN_PREFIX = "yy_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token; returns it with its secret, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise DomainError(_("请填写令牌名称。"), field="name")
    if days is not None and not 1 <= days <= 3650:
        raise DomainError(_("有效天数应在 1 到 3650 之间。"), field="days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=_digest(secret),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return token, secret


def token_authenticate(secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound(_("找不到该令牌。"))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def login_is_locked(username: str) -> bool:
    since = timezone.now() - timedelta(seconds=settings.YUNYING_LOGIN_WINDOW_SECONDS)
    failures = LoginFailure.objects.filter(username__iexact=username, at__gte=since).order_by("-at")
    if failures.count() < settings.YUNYING_LOGIN_MAX_FAILURES:
        return False
    latest = failures.first()
    assert latest is not None
    return timezone.now() - latest.at < timedelta(seconds=settings.YUNYING_LOGIN_LOCK_SECONDS)


def login_failed(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip=ip)


def login_succeeded(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()


def user_set_language(*, user: User, language: str) -> User:
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("不支持的语言。"))
    user.language = language
    user.save(update_fields=["language"])
    return user
