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
