"""The base layout's fixed cost: its sidebar, badges, bell and user menu cost one statement on top of the
session, the user and the page's own; what it shows follows permissions and appointments at once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yunying.notifications.models import Notification
from yunying.org.models import Appointment, Position

# session, user (with their employee record), the profile's tokens and notification settings (2), the
# layout's counts
PROFILE_STATEMENTS = 6
PAGE = "/profile/"


def _get(client: Client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured.captured_queries]


def _nav(html: str) -> set[str]:
    return set(re.findall(r'data-nav="([^"]+)"', html))


@pytest.mark.parametrize("login", ["store_a1", "supervisor"])
def test_the_layout_costs_one_statement(chain: Any, login: str) -> None:
    user = chain.users[login]
    Notification.objects.create(recipient=user, kind="test", message="hello")
    client = Client()
    client.force_login(user)
    first, _statements = _get(client)
    html, statements = _get(client)  # the navigation and permissions are memoised now
    assert len(statements) <= PROFILE_STATEMENTS, "\n".join(statements)
    assert not [sql for sql in statements if "auth_permission" in sql or "org_appointment" in sql]
    assert html == first.replace(_csrf(first), _csrf(html))  # the same page as the first view
    assert re.search(r'data-testid="bell-count">1<', html)
    assert 'data-testid="current-user">' + user.display_name in html
    assert "stores" in _nav(html) and "insp-visits" in _nav(html)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_navigation_follows_permissions_and_appointments_at_once(chain: Any) -> None:
    user = chain.users["store_a1"]
    client = Client()
    client.force_login(user)
    html, _statements = _get(client)
    assert "import" not in _nav(html) and "stores" in _nav(html)

    perm = Permission.objects.get(content_type__app_label="org", codename="add_store")
    Position.objects.get(code="STORE-MGR").permissions.add(perm)
    html, _statements = _get(client)
    assert "import" in _nav(html)

    Position.objects.get(code="STORE-MGR").permissions.remove(perm)
    user.user_permissions.add(perm)
    html, _statements = _get(client)
    assert "import" in _nav(html)
    user.user_permissions.remove(perm)
    assert "import" not in _nav(_get(client)[0])

    for appointment in Appointment.objects.filter(employee__user=user):
        appointment.ended_on = dt.date(2020, 1, 2)
        appointment.save()
    html, _statements = _get(client)
    assert "stores" not in _nav(html) and "insp-visits" not in _nav(html)
