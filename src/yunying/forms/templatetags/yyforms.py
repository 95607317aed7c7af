"""`{% load yyforms %}`: `{% render_form version data=… errors=… prefix="…" %}` and
`{% render_readonly version data %}`; pickers are filled from the scope of `request.user`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from yunying.forms import rendering

register = template.Library()


@register.simple_tag(takes_context=True)
def render_form(
    context: template.Context, version: Any, data: Any = None, errors: Any = None, prefix: str = ""
) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    return rendering.render_form(version, data, errors, prefix, user=user)


@register.simple_tag
def render_readonly(version: Any, data: Any) -> SafeString:
    return rendering.render_readonly(version, data)
