"""Attacks against a real server (pytest-django's live server, threaded) while other people keep working."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
import requests

from yunying.web.tests.attacks import multipart, xlsx_bomb

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pass-word-1"


def _session(base: str, username: str, ip: str) -> requests.Session:
    session = requests.Session()
    session.headers["X-Forwarded-For"] = ip
    page = session.get(f"{base}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:300]
    return session


def _attack(results: list[Any], action: Any, times: int) -> threading.Thread:
    def run() -> None:
        for _ in range(times):
            results.append(action())

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_owner_signs_in_while_an_attacker_hammers_the_account(chain, live_server, settings):
    settings.YUNYING_TRUSTED_PROXIES = 1
    settings.YUNYING_LOGIN_MAX_FAILURES = 3
    base = live_server.url
    attacker = requests.Session()
    attacker.headers["X-Forwarded-For"] = "203.0.113.66"
    token = re.search(
        r'value="([^"]+)"', attacker.get(f"{base}/login/", timeout=30).text.split("csrfmiddlewaretoken")[1]
    )
    assert token is not None
    statuses: list[int] = []
    thread = _attack(
        statuses,
        lambda: (
            attacker.post(
                f"{base}/login/",
                data={"username": "mgmt", "password": "guess", "csrfmiddlewaretoken": token.group(1)},
                headers={"Referer": f"{base}/login/"},
                timeout=30,
            ).status_code
        ),
        12,
    )
    owner = _session(base, "mgmt", "10.0.0.8")  # while the attack runs
    thread.join()
    assert owner.get(f"{base}/org/stores/", timeout=30).status_code == 200
    assert 429 in statuses and 500 not in statuses


def test_upload_bombs_do_not_stop_other_requests(chain, live_server):
    base = live_server.url
    bomb = xlsx_bomb(150)
    body, content_type = multipart({"kind": "stores"}, {"file": ("bomb.xlsx", bomb)})
    waiter = _session(base, "staff_a1", "10.0.0.20")
    manager = _session(base, "mgmt", "10.0.0.21")
    reader = _session(base, "area_a", "10.0.0.22")

    def post(session: requests.Session) -> tuple[int, str]:
        csrf = session.cookies.get("csrftoken", "")
        response = session.post(
            f"{base}/org/import/",
            data=body,
            headers={"Content-Type": content_type, "X-CSRFToken": csrf, "Referer": f"{base}/org/import/"},
            timeout=60,
            allow_redirects=False,
        )
        return response.status_code, response.text

    outcomes: list[tuple[int, str]] = []
    attacks = [_attack(outcomes, lambda s=s: post(s), 2) for s in (waiter, manager)]
    pages = [reader.get(f"{base}/org/stores/", timeout=60).status_code for _ in range(5)]
    for thread in attacks:
        thread.join()
    assert pages == [200] * 5
    statuses = sorted(status for status, _text in outcomes)
    assert statuses == [200, 200, 403, 403]
    assert all("解压后过大" in text for status, text in outcomes if status == 200)
