"""The Bearer-token look-up memo: bounded in size and in how long a revoke elsewhere takes to apply."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yunying.accounts.models import ApiToken, User
from yunying.accounts.services import token_create, token_revoke
from yunying.core import api_auth

pytestmark = pytest.mark.django_db

URL = "/api/notifications"


@pytest.fixture(autouse=True)
def fresh_memo() -> Any:
    api_auth.token_memo_clear()
    yield
    api_auth.token_memo_clear()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The memo's clock, moved by hand."""

    class Clock:
        now = 1_000_000.0

    monkeypatch.setattr(api_auth, "_clock", lambda: Clock.now)
    return Clock


@pytest.fixture
def person() -> User:
    return User.objects.create(username="tok")


def _status(secret: str) -> int:
    return int(Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code)


def test_a_token_is_looked_up_once_and_each_request_gets_its_own_user(
    person: User, django_assert_num_queries: Any
) -> None:
    _token, secret = token_create(user=person, name="t")
    first = api_auth.token_user(secret)
    with django_assert_num_queries(0):
        again = api_auth.token_user(secret)
    assert first == again == person
    again._yunying_todo_count = 3  # what a request caches on its user stays with that request
    assert not hasattr(api_auth.token_user(secret), "_yunying_todo_count")


def test_a_revoke_takes_effect_at_once(person: User, clock: Any) -> None:
    token, secret = token_create(user=person, name="t")
    assert _status(secret) == 200
    token_revoke(user=person, token_id=token.pk)
    assert _status(secret) == 401


def test_a_revoke_elsewhere_takes_effect_within_the_bound(person: User, clock: Any) -> None:
    """Another process revokes (here: an update that sends no signal): refused once the memo ends."""
    token, secret = token_create(user=person, name="t")
    assert _status(secret) == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    clock.now += api_auth.TOKEN_MEMO_SECONDS - 0.5
    assert _status(secret) == 200  # still remembered …
    clock.now += 1
    assert _status(secret) == 401  # … but not past the bound
    assert api_auth.TOKEN_MEMO_SECONDS <= 5


def test_a_deactivated_user_is_refused(person: User, clock: Any) -> None:
    _token, secret = token_create(user=person, name="t")
    assert _status(secret) == 200
    person.is_active = False
    person.save()  # in this process: at once
    assert _status(secret) == 401
    person.is_active = True
    person.save()
    assert _status(secret) == 200
    User.objects.filter(pk=person.pk).update(is_active=False)  # elsewhere: within the bound
    clock.now += api_auth.TOKEN_MEMO_SECONDS + 0.1
    assert _status(secret) == 401


def test_the_memo_ends_when_the_token_expires(person: User, clock: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token, secret = token_create(user=person, name="t")
    expires = timezone.now() + timedelta(seconds=2)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=expires)
    clock.now = expires.timestamp() - 1
    assert api_auth.token_user(secret) == person
    clock.now = expires.timestamp() + 0.01  # within the memo's time, past the token's
    with CaptureQueriesContext(connection) as looked_up:
        api_auth.token_user(secret)
    assert len(looked_up) >= 1  # asked the database again (which refuses it once it has expired)


def test_the_memo_is_bounded_in_size(person: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_auth, "TOKEN_MEMO_SIZE", 2)
    secrets = [token_create(user=person, name=f"t{n}")[1] for n in range(4)]
    for secret in secrets:
        assert api_auth.token_user(secret) == person
    assert len(api_auth._memo) == 2
    assert api_auth.token_user(secrets[0]) == person  # forgotten, looked up again


def test_a_bad_token_is_not_remembered(db: Any) -> None:
    assert api_auth.token_user("yy_nothing") is None
    assert _status("yy_nothing") == 401
    assert len(api_auth._memo) == 0
