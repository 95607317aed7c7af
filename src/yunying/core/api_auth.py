"""API authentication: the browser's session (with CSRF) or a personal access token (Bearer)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from yunying.accounts.models import ApiToken
from yunying.accounts.services import TOKEN_PREFIX, _digest, token_authenticate

TOKEN_CACHE_SECONDS = 30  # how long a token look-up is reused (a revoke drops it at once)


def _key(digest: str) -> str:
    return f"yunying:api-token:{digest}"


def token_user(secret: str) -> Any:
    """The active user of a personal access token, looked up at most every ``TOKEN_CACHE_SECONDS``
    (in Django's cache: Redis in production, shared by every process); None when it is not valid."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    key = _key(_digest(secret))
    try:
        hit = cache.get(key)
    except Exception:  # a cache outage: ask the database
        hit = None
    if hit is not None:
        return hit
    user = token_authenticate(secret)
    if user is not None:
        expires = ApiToken.objects.filter(digest=_digest(secret)).values_list("expires_at", flat=True).first()
        seconds = TOKEN_CACHE_SECONDS
        if expires is not None:
            seconds = min(seconds, int((expires - timezone.now()).total_seconds()))
        if seconds > 0:
            with contextlib.suppress(Exception):  # without the cache every request asks the database
                cache.set(key, user, seconds)
    return user


def token_forget(digest: str) -> None:
    """A token was revoked or changed: the next request looks it up again."""
    with contextlib.suppress(Exception):  # nothing cached where the cache is down
        cache.delete(_key(digest))


def _token_changed(sender: Any, instance: ApiToken, **_kwargs: Any) -> None:
    token_forget(instance.digest)


post_save.connect(_token_changed, sender=ApiToken, dispatch_uid="api-token-cache-save")
post_delete.connect(_token_changed, sender=ApiToken, dispatch_uid="api-token-cache-delete")


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Django's session cookie; unsafe methods need the CSRF token (ninja checks it)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


API_AUTH = [TokenAuth(), SessionAuth(csrf=True)]
