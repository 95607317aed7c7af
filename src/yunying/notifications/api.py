"""HTTP API of the notification center (the person's own notifications)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from yunying.notifications import selectors, services
from yunying.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    message: str
    url: str
    urgent: bool
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    unread: int
    items: list[NotificationOut]


class ReadAllOut(Schema):
    marked: int
    unread: int


def _out(row: Notification) -> dict[str, Any]:
    return {
        "id": row.pk,
        "kind": row.kind,
        "message": row.message,
        "url": row.url,
        "urgent": row.urgent,
        "created_at": row.created_at,
        "read_at": row.read_at,
    }


@router.get("", response=NotificationPage, summary="My notifications (newest first)")
def notification_list(request: HttpRequest, unread: bool = False, limit: int = 50) -> dict[str, Any]:
    """``unread=true``: only the unread ones. At most ``limit`` (1–200) items."""
    limit = min(max(limit, 1), 200)
    rows = selectors.notification_list(user=request.user, unread=unread)[:limit]
    return {"unread": selectors.unread_count(user=request.user), "items": [_out(r) for r in rows]}


@router.post("/read-all", response=ReadAllOut, summary="Mark all my notifications read")
def notification_read_all(request: HttpRequest) -> dict[str, Any]:
    marked = services.notifications_mark_all_read(user=request.user)
    return {"marked": marked, "unread": selectors.unread_count(user=request.user)}


@router.post("/{notification_id}/read", response=NotificationOut, summary="Mark one notification read")
def notification_read(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    return _out(services.notification_mark_read(user=request.user, notification_id=notification_id))
