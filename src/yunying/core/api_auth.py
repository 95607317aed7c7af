"""API authentication: the browser's session (with CSRF) or a personal access token (Bearer)."""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from yunying.accounts.models import ApiToken
from yunying.accounts.services import TOKEN_PREFIX, _digest, token_valid

# A token's look-up is reused in the process for at most this long: a token revoked, expired or changed,
# or a user deactivated, elsewhere (another process, a queryset update) is refused within this delay; in
# this process a revoke, a token's or a user's save ends it at once.
TOKEN_MEMO_SECONDS = 5.0
TOKEN_MEMO_SIZE = 1024  # tokens remembered per process (the least recently used go first)

# digest -> (the user as the database gave it, never handed out; when the memo of it ends)
_memo: OrderedDict[str, tuple[Any, float]] = OrderedDict()
_lock = threading.Lock()


def _clock() -> float:
    return time.time()


def token_user(secret: str) -> Any:
    """The active user of a personal access token, looked up in the database at most every
    ``TOKEN_MEMO_SECONDS`` per process (never past the token's expiry); None when it is not valid. Each
    call answers its own copy of the user (requests cache things on it)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    digest = _digest(secret)
    now = _clock()
    with _lock:
        hit = _memo.get(digest)
        if hit is not None:
            if hit[1] > now:
                _memo.move_to_end(digest)
                return copy.copy(hit[0])
            del _memo[digest]
    token = token_valid(secret)
    if token is None:
        return None
    user = token.user
    until = now + TOKEN_MEMO_SECONDS
    if token.expires_at is not None:
        until = min(until, token.expires_at.timestamp())
    if until > now:
        pristine = copy.copy(user)
        with _lock:
            _memo[digest] = (pristine, until)
            _memo.move_to_end(digest)
            while len(_memo) > TOKEN_MEMO_SIZE:
                _memo.popitem(last=False)
    return user


def token_forget(digest: str) -> None:
    """A token was revoked or changed: the next request of this process looks it up again."""
    with _lock:
        _memo.pop(digest, None)


def token_memo_clear() -> None:
    with _lock:
        _memo.clear()


def _token_changed(sender: Any, instance: ApiToken, **_kwargs: Any) -> None:
    token_forget(instance.digest)


def _user_changed(sender: Any, instance: Any, **_kwargs: Any) -> None:
    """A user saved (deactivated, say): their tokens are looked up again."""
    with _lock:
        for digest in [d for d, (user, _until) in _memo.items() if user.pk == instance.pk]:
            del _memo[digest]


post_save.connect(_token_changed, sender=ApiToken, dispatch_uid="api-token-cache-save")
post_delete.connect(_token_changed, sender=ApiToken, dispatch_uid="api-token-cache-delete")
post_save.connect(_user_changed, sender=get_user_model(), dispatch_uid="api-token-cache-user")
post_delete.connect(_user_changed, sender=get_user_model(), dispatch_uid="api-token-cache-user-delete")


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
