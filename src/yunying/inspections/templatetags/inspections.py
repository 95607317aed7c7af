from __future__ import annotations

from typing import Any

from django import template

from yunying.forms.files import file_token

register = template.Library()


@register.filter
def photo_token(ref: dict[str, Any]) -> str:
    """The signed token that serves a stored photo (the forms app's file view)."""
    return file_token(ref)


@register.filter
def lookup(mapping: dict[str, Any], key: str) -> Any:
    """``mapping[key]`` in a template (None when absent)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def listed(value: Any) -> list[Any]:
    """One value as a one-element list (for includes that take a list)."""
    return [value] if value else []


@register.inclusion_tag("inspections/_store_location.html", takes_context=True)
def store_location(context: Any, store: Any) -> dict[str, Any]:
    """The store page's coordinates card: where the store is, and the form to set them for people with
    ``inspections.change_storelocation``."""
    from yunying.inspections.models import StoreLocation

    user = context["request"].user
    return {
        "store": store,
        "location": StoreLocation.objects.filter(store_id=store.pk).first(),
        "can_change": user.has_perm("inspections.change_storelocation"),
        "csrf_token": context.get("csrf_token"),
    }
