from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from yunying.web.navigation import sections_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The sidebar and the header's counts, read only by a template that shows them (not by fragments)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    from yunying.web.selectors import badge_counts

    return {
        "nav_sections": SimpleLazyObject(lambda: sections_for(user)),
        "nav_counts": SimpleLazyObject(lambda: badge_counts(user)),
    }
