from __future__ import annotations

from typing import Any

from django import template

from yunying.notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: dict[str, Any], unread: int | None = None) -> dict[str, Any]:
    """The bell in the header of every page, with the person's unread count (``unread`` when the page
    read it already)."""
    user = context.get("user")
    count = unread if isinstance(unread, int) else None
    if count is None:
        count = selectors.unread_count(user=user) if user is not None and user.is_authenticated else 0
    return {"unread": count, "oob": False}


@register.inclusion_tag("notifications/_preferences.html", takes_context=True)
def notification_preferences(context: dict[str, Any]) -> dict[str, Any]:
    """The person's notification settings (kinds × channels, quiet hours), shown on the profile page."""
    user = context["user"]
    preference = selectors.preference_get(user=user)
    return {
        "preference": preference,
        "kinds": selectors.kind_choices(preference=preference),
        "has_email": bool(user.email),
        "csrf_token": context.get("csrf_token"),
    }
