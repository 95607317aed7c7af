"""Template tags of duties: a person's review history, an occurrence's title."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


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


@register.inclusion_tag("duties/_store_bulletins.html")
def store_bulletins(store: Any) -> dict[str, Any]:
    """The bulletins sent on to ``store`` (the latest first), each readable in place."""
    from yunying.duties.delivery import store_bulletins as latest
    from yunying.forms.rendering import render_readonly

    deliveries = latest(store=store)
    return {
        "bulletins": [
            (d, render_readonly(d.occurrence.form_version, d.occurrence.data or {})) for d in deliveries
        ]
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
