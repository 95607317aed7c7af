"""Every main page, rendered as each demo role in Chinese, speaks Chinese: no codes or logins where names
belong (``position:MGMT-HEAD``, ``→ supervisor``), no raw timedelta text (``0:12:41.684600``,
``2 days, 9:25:43``), no bare seconds (``232s``), no process slugs on the start cards."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from yunying.accounts.models import User
from yunying.web.navigation import navigation_for

ROLES = ["gm", "ops", "mgmt", "supervisor", "area1", "store01", "staff01"]

LEAKS = [
    (re.compile(r"position:[A-Za-z0-9_-]+"), "a position's code"),
    (re.compile(r"→\s*[a-z][a-z0-9_.-]*\b"), "a login after an arrow"),
    (re.compile(r"\b\d+:\d\d:\d\d\.\d+"), "raw timedelta text"),
    (re.compile(r"\b\d+ days?, \d"), "raw timedelta text"),
    (re.compile(r"(?<![\w.#-])\d+s(?![\w-])"), "bare seconds"),
]


def _visible_text(html: str) -> str:
    """The text a person reads: without scripts, styles, JSON data and tag attributes."""
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", html)


def _pages_for(user: User) -> list[str]:
    from yunying.workflow.models import ProcessInstance, WorkTask

    urls = [item.url for item in navigation_for(user) if not item.url.startswith("/admin")]
    urls += ["/workflow/authority/", "/workflow/delegations/", "/profile/"]
    task = WorkTask.objects.filter(assignee=user).order_by("-pk").first()
    if task is not None:
        urls.append(f"/workflow/tasks/{task.pk}/")
    instance = ProcessInstance.objects.filter(requester=user).order_by("-pk").first()
    if instance is None:
        instance = ProcessInstance.objects.order_by("-pk").first()
    if instance is not None:
        urls.append(f"/workflow/instances/{instance.pk}/")
    return list(dict.fromkeys(urls))


@pytest.mark.django_db(transaction=True)
def test_main_pages_speak_the_working_language_for_every_role() -> None:
    from tests.snapshots import demo_chain

    demo_chain()
    problems: list[str] = []
    seen = 0
    for username in ROLES:
        user = User.objects.get(username=username)
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        for url in _pages_for(user):
            response: Any = client.get(url, follow=True)
            if response.status_code in (403, 404):
                continue
            assert response.status_code == 200, (username, url, response.status_code)
            seen += 1
            text = _visible_text(response.content.decode())
            for pattern, what in LEAKS:
                for match in pattern.finditer(text):
                    problems.append(f"{username} {url}: {what}: {match.group(0)!r}")
            if url == "/workflow/":
                for slug in ("repair", "purchase"):
                    if re.search(rf"\b{slug}\b", text):
                        problems.append(f"{username} {url}: process slug {slug!r} on a start card")
    assert seen > 40
    assert not problems, "\n".join(sorted(set(problems)))
