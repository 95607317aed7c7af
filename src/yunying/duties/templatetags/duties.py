"""Template tags of duties: the "待办职责" section of the process inbox and a person's review history."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from yunying.core import clock

register = template.Library()


@register.inclusion_tag("duties/_inbox_section.html", takes_context=True)
def duties_inbox(context: dict[str, Any]) -> dict[str, Any]:
    """The duties waiting for the signed-in person (to submit, to review), for the process inbox."""
    from yunying.duties.selectors import inbox_items

    user = context.get("user")
    items = inbox_items(user) if user is not None and user.is_authenticated else None
    return {"items": items, "now": clock.now()}


@register.inclusion_tag("duties/_person_reviews.html", takes_context=True)
def person_reviews(context: dict[str, Any], employee: Any) -> dict[str, Any]:
    """Reviews about ``employee`` the viewer may see, and their onboarding programme."""
    from yunying.duties.onboarding import onboarding_progress
    from yunying.duties.reviews import person_onboardings
    from yunying.duties.reviews import person_reviews as history

    user = context.get("user")
    return {
        "reviews": history(user=user, employee=employee),
        "programmes": [onboarding_progress(o) for o in person_onboardings(employee=employee)],
    }


@register.filter
def occ_title(occ: Any) -> str:
    """An occurrence's title: duty, the person it is about, the period."""
    name = occ.duty.display_name
    if occ.subject_id:
        return f"{name} · {occ.subject.name}"
    return name


@register.filter
def is_overdue(occ: Any) -> bool:
    return occ.first_submitted_at is None and occ.due_at < timezone.now()
