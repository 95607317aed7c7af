from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from yunying.accounts.models import ApiToken, LoginFailure
from yunying.accounts.services import token_authenticate, token_create, token_revoke

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_authenticates(chain):
    user = chain.users["mgmt"]
    token, secret = token_create(user=user, name="POS")
    assert secret.startswith("yy_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    assert token_authenticate(secret) == user
    token_revoke(user=user, token_id=token.pk)
    assert token_authenticate(secret) is None


def test_bearer_token_reaches_the_api_and_a_bad_one_does_not(chain):
    _token, secret = token_create(user=chain.users["area_a"], name="integration")
    client = Client()
    response = client.get("/api/org/stores", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert {row["code"] for row in response.json()} == {"A1", "A2", "A3", "A4"}
    assert client.get("/api/org/stores", HTTP_AUTHORIZATION="Bearer yy_wrong").status_code == 401


def test_create_token_command_prints_a_working_secret(chain, capsys):
    call_command("create_token", "gm", "--name", "cli")
    secret = capsys.readouterr().out.strip()
    assert token_authenticate(secret) == chain.users["gm"]


def test_login_locks_after_repeated_failures(chain, settings):
    settings.YUNYING_LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(3):
        response = client.post("/login/", {"username": "mgmt", "password": "wrong"})
        assert "用户名或密码不正确" in response.content.decode()
    response = client.post("/login/", {"username": "mgmt", "password": "pass-word-1"})
    assert response.status_code == 429
    assert "已暂时锁定" in response.content.decode()
    assert LoginFailure.objects.filter(username="mgmt").count() == 3


def test_successful_login_clears_failures_and_redirects(chain):
    client = Client()
    client.post("/login/", {"username": "mgmt", "password": "wrong"})
    response = client.post("/login/", {"username": "mgmt", "password": "pass-word-1"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not LoginFailure.objects.filter(username="mgmt").exists()


def test_login_refuses_offsite_next(chain):
    client = Client()
    response = client.post(
        "/login/", {"username": "mgmt", "password": "pass-word-1", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_language_choice_is_saved_and_restored_at_login(chain):
    client = Client()
    client.force_login(chain.users["ops"] if "ops" in chain.users else chain.users["gm"])
    response = client.post("/language/", {"language": "en", "next": "/"})
    assert response.cookies["django_language"].value == "en"
    chain.users["gm"].refresh_from_db()
    assert chain.users["gm"].language == "en"
    fresh = Client()
    response = fresh.post("/login/", {"username": "gm", "password": "pass-word-1"})
    assert response.cookies["django_language"].value == "en"


def test_session_api_writes_need_csrf(chain):
    client = Client(enforce_csrf_checks=True)
    client.force_login(chain.users["mgmt"])
    assert client.get("/api/org/stores").status_code == 200


def test_passwords_are_hashed_with_argon2_in_production(settings):
    from django.conf import settings as live

    assert "Argon2PasswordHasher" in "".join(live.PASSWORD_HASHERS)


def test_chinese_by_default_whatever_the_browser_says(chain):
    client = Client()
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录您的账号" in page
    client.cookies["django_language"] = "en"
    assert "Log in to your account" in client.get("/login/").content.decode()


@pytest.mark.parametrize("days", [0, -5, 100000])
def test_token_lifetime_must_be_sensible(chain, days):
    from yunying.core.errors import DomainError

    with pytest.raises(DomainError, match="有效天数"):
        token_create(user=chain.users["gm"], name="x", days=days)
    assert not ApiToken.objects.exists()
