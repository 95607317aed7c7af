"""Approval center endpoints (审批中心): the processes I may start, grouped and recent first; my requests
with where each one waits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from yunying.workflow import center

router = Router(tags=["workflow"])


class GalleryItemOut(Schema):
    key: str
    name: str
    category: str
    description: str
    icon: str


class GalleryGroupOut(Schema):
    category: str
    processes: list[GalleryItemOut]


class GalleryOut(Schema):
    q: str
    recent: list[GalleryItemOut]
    groups: list[GalleryGroupOut]


class WaitingOut(Schema):
    step: str
    who: str
    due_at: datetime | None
    overdue: bool


class RequestOut(Schema):
    id: int
    process: str
    process_name: str
    title: str
    status: str
    unit: str | None
    started_at: datetime
    ended_at: datetime | None
    waiting: list[WaitingOut]


class RequestListOut(Schema):
    total: int
    items: list[RequestOut]


def _item(d: Any) -> dict[str, Any]:
    return {
        "key": d.key,
        "name": d.name,
        "category": d.category,
        "description": d.description,
        "icon": d.icon,
    }


@router.get("/gallery", response=GalleryOut, summary="Processes I may start, by category, recent first")
def gallery(request: HttpRequest, q: str = "") -> dict[str, Any]:
    found = center.gallery(user=request.user, q=q)
    return {
        "q": found.q,
        "recent": [_item(d) for d in found.recent],
        "groups": [
            {"category": g.category, "processes": [_item(d) for d in g.definitions]} for g in found.groups
        ],
    }


@router.get("/requests", response=RequestListOut, summary="My requests with where each one waits")
def requests(
    request: HttpRequest,
    state: Literal["", "running", "completed", "rejected", "withdrawn", "cancelled", "error"] = "",
    q: str = "",
    limit: int = center.REQUESTS_PAGE,
    offset: int = 0,
) -> dict[str, Any]:
    rows, total = center.my_requests(
        user=request.user, state=state, q=q, limit=min(max(limit, 1), 200), offset=min(max(offset, 0), 10**6)
    )
    return {
        "total": total,
        "items": [
            {
                "id": i.pk,
                "process": i.definition.key,
                "process_name": i.definition.name,
                "title": i.title,
                "status": i.status,
                "unit": i.unit.code if i.unit else None,
                "started_at": i.started_at,
                "ended_at": i.ended_at,
                "waiting": [w.__dict__ for w in i.waiting],  # type: ignore[attr-defined]
            }
            for i in rows
        ],
    }
