"""Login throttling locks out attackers, not owners: per (username, address), per address across usernames,
and per username only for addresses it never signed in from."""

from __future__ import annotations

import pytest
from django.test import Client

from yunying.accounts.models import LoginAddress

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-1"  # the chain's users


def _login(username: str, password: str, ip: str) -> int:
    response = Client(REMOTE_ADDR=ip).post("/login/", {"username": username, "password": password})
    return response.status_code  # 302 signed in, 200 wrong password, 429 locked


@pytest.fixture
def limits(settings):
    settings.YUNYING_LOGIN_MAX_FAILURES = 3
    settings.YUNYING_LOGIN_MAX_FAILURES_PER_IP = 6
    settings.YUNYING_LOGIN_MAX_FAILURES_PER_USERNAME = 8
    settings.YUNYING_TRUSTED_PROXIES = 0
    return settings


def test_failures_elsewhere_do_not_lock_the_owner_out(chain, limits):
    for _ in range(3):
        assert _login("mgmt", "guess", "203.0.113.9") == 200
    assert _login("mgmt", PASSWORD, "203.0.113.9") == 429  # the attacker's address is locked for mgmt
    assert _login("mgmt", PASSWORD, "10.0.0.5") == 302  # the owner, from the office, is not


def test_password_spraying_across_usernames_locks_the_address(chain, limits):
    names = ["gm", "mgmt", "supervisor", "area_a", "area_b", "store_a1"]
    for name in names:  # one guess each: no single username reaches its limit
        assert _login(name, "123456", "198.51.100.7") == 200
    assert _login("staff_a1", PASSWORD, "198.51.100.7") == 429  # even a right password, from there
    assert _login("staff_a1", PASSWORD, "10.0.0.6") == 302


def test_distributed_guessing_locks_unknown_addresses_only(chain, limits):
    assert _login("area_a", PASSWORD, "10.0.0.7") == 302  # the owner's usual address
    assert LoginAddress.objects.filter(username="area_a", ip="10.0.0.7").exists()
    for i in range(8):
        assert _login("area_a", "guess", f"192.0.2.{i + 1}") == 200
    assert _login("area_a", PASSWORD, "192.0.2.200") == 429  # a new address: refused for now
    assert _login("area_a", PASSWORD, "10.0.0.7") == 302  # the usual one: still fine


def test_behind_a_proxy_the_forwarded_address_counts(chain, limits):
    limits.YUNYING_TRUSTED_PROXIES = 1
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for _ in range(3):
        proxy.post(
            "/login/", {"username": "gm", "password": "x"}, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50"
        )
    locked = proxy.post(
        "/login/", {"username": "gm", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.50"
    )
    assert locked.status_code == 429
    other = proxy.post("/login/", {"username": "gm", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert other.status_code == 302
