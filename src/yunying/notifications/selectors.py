"""Reads of the notification pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yunying.notifications.models import (
    PERSONAL_CHANNELS,
    Delivery,
    DeliveryState,
    EventKind,
    Notification,
    Preference,
    Robot,
)


def notification_list(*, user: Any, unread: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient=user)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-pk")


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@dataclass(frozen=True)
class KindChoice:
    code: str
    name: str
    urgent: bool
    channels: dict[str, bool]


def preference_get(*, user: Any) -> Preference:
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def kind_choices(*, preference: Preference) -> list[KindChoice]:
    """Each event kind with the channels the person gets it on (their choice, else the kind's default)."""
    choices = []
    for kind in EventKind.objects.exclude(code="test"):
        chosen = preference.channels.get(kind.code, kind.channels)
        choices.append(
            KindChoice(
                kind.code, _(kind.name), kind.urgent, {c.value: c.value in chosen for c in PERSONAL_CHANNELS}
            )
        )
    return choices


def kind_names() -> dict[str, str]:
    return {k.code: _(k.name) for k in EventKind.objects.all()}


def robot_list() -> QuerySet[Robot]:
    return Robot.objects.select_related("unit").order_by("name", "pk")


def robot_get(*, robot_id: int) -> Robot | None:
    return Robot.objects.filter(pk=robot_id).first()


def failed_deliveries(*, limit: int = 50) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(state=DeliveryState.FAILED)
        .select_related("robot")
        .order_by("-created_at")[:limit]
    )


def outbox_counts() -> dict[str, int]:
    from django.db.models import Count

    rows = Delivery.objects.values("state").annotate(n=Count("pk"))
    return {r["state"]: r["n"] for r in rows}
