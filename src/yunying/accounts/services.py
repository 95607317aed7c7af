"""Accounts: personal access tokens and login throttling."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.accounts.models import ApiToken, LoginAddress, LoginFailure, User
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
    token = token_valid(secret)
    return token.user if token is not None else None


def token_valid(secret: str) -> ApiToken | None:
    """The token of ``secret`` (with its user) when it is not revoked or expired and its user is active;
    its last use is noted (at most once a minute)."""
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
    return token


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound(_("找不到该令牌。"))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    from yunying.core.api_auth import token_forget

    token_forget(token.digest)  # the API's cached look-up ends with it
    return token


class LoginLock:
    """Why a login attempt is refused now (None from `login_lock` when it is not)."""

    PAIR = "pair"  # this username from this address failed too often
    ADDRESS = "address"  # this address failed too often, across usernames (password spraying)
    USERNAME = "username"  # this username failed too often from addresses it never signed in from


def _recent_failures() -> Any:
    since = timezone.now() - timedelta(seconds=settings.YUNYING_LOGIN_WINDOW_SECONDS)
    return LoginFailure.objects.filter(at__gte=since)


def _locked_by(failures: Any, limit: int) -> bool:
    """`limit` or more failures, the latest within the lock time."""
    if limit <= 0:
        return False
    latest = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    if len(latest) < limit:
        return False
    return timezone.now() - latest[0] < timedelta(seconds=settings.YUNYING_LOGIN_LOCK_SECONDS)


def login_lock(username: str, ip: str | None) -> str | None:
    """Throttle by (username, address) and by address across usernames, so an attacker locks out
    themselves, not the account's owner. Failures for a username from many addresses lock it only for
    addresses it has never signed in from: the owner's usual address keeps working."""
    recent = _recent_failures()
    address = ip or None
    if _locked_by(recent.filter(username__iexact=username, ip=address), settings.YUNYING_LOGIN_MAX_FAILURES):
        return LoginLock.PAIR
    if address and _locked_by(recent.filter(ip=address), settings.YUNYING_LOGIN_MAX_FAILURES_PER_IP):
        return LoginLock.ADDRESS
    known = bool(address) and LoginAddress.objects.filter(username__iexact=username, ip=address).exists()
    if not known and _locked_by(
        recent.filter(username__iexact=username), settings.YUNYING_LOGIN_MAX_FAILURES_PER_USERNAME
    ):
        return LoginLock.USERNAME
    return None


def login_is_locked(username: str, ip: str | None = None) -> bool:
    return login_lock(username, ip) is not None


def login_failed(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip=ip or None)


def login_succeeded(*, username: str, ip: str | None = None) -> None:
    """Forget this address's failures for the username and remember the address as a usual one."""
    LoginFailure.objects.filter(username__iexact=username, ip=ip or None).delete()
    if ip:
        LoginAddress.objects.update_or_create(
            username=username.lower()[:150], ip=ip, defaults={"last_success_at": timezone.now()}
        )


def user_set_language(*, user: User, language: str) -> User:
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("不支持的语言。"))
    user.language = language
    user.save(update_fields=["language"])
    return user
