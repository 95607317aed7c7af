"""GET /api/notifications?unread=true, POST /api/notifications/{id}/read, POST /api/notifications/read-all."""

from __future__ import annotations

from typing import Any

from yunying.accounts.services import token_create
from yunying.notifications import services
from yunying.notifications.models import Notification


def _auth(user: Any) -> dict[str, str]:
    _token, secret = token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_list_read_and_read_all(chain: Any, client: Any, django_assert_max_num_queries: Any) -> None:
    me, other = chain.users["store_a1"], chain.users["area_a"]
    for i in range(3):
        services.notify([me, other], kind="overdue", message=f"第{i}条", url=f"/workflow/tasks/{i}/")
    auth = _auth(me)
    with django_assert_max_num_queries(6):
        body = client.get("/api/notifications?unread=true", **auth).json()
    assert body["unread"] == 3 and [n["message"] for n in body["items"]] == ["第2条", "第1条", "第0条"]
    assert body["items"][0]["urgent"] and body["items"][0]["url"] == "/workflow/tasks/2/"
    first = body["items"][0]["id"]

    read = client.post(f"/api/notifications/{first}/read", **auth)
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/api/notifications?unread=true", **auth).json()["unread"] == 2
    assert len(client.get("/api/notifications", **auth).json()["items"]) == 3

    theirs = Notification.objects.filter(recipient=other).first()
    assert theirs is not None
    assert client.post(f"/api/notifications/{theirs.pk}/read", **auth).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None

    done = client.post("/api/notifications/read-all", **auth).json()
    assert done == {"marked": 2, "unread": 0}
    assert client.get("/api/notifications?unread=true", **auth).json()["items"] == []
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 3


def test_needs_authentication(client: Any, db: Any) -> None:
    assert client.get("/api/notifications").status_code == 401
    assert client.post("/api/notifications/read-all").status_code == 401


def test_paths_are_in_the_openapi(client: Any, db: Any) -> None:
    from yunying.accounts.models import User

    client.force_login(
        User.objects.create_user("reader", password="pass-word-1")
    )  # the docs are behind login
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/notifications",
        "/api/notifications/{notification_id}/read",
        "/api/notifications/read-all",
    } <= set(paths)
