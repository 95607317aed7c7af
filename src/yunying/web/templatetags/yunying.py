from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def duration(value: Any) -> str:
    """A timedelta or a number of seconds in the working language's units (yunying.core.durations)."""
    from yunying.core.durations import duration_text

    return duration_text(value)


@register.filter
def duration_since(value: Any) -> str:
    """The time from ``value`` (a datetime) to now on the company clock, as ``duration`` reads it."""
    from yunying.core import clock
    from yunying.core.durations import duration_text

    return duration_text(clock.now() - value) if value else duration_text(None)


@register.filter
def person(login: Any) -> str:
    """The display name of the person with this login (history lines name people, not logins)."""
    from yunying.accounts.models import User

    user = User.objects.filter(username=login).first() if login else None
    return user.display_name if user is not None else str(login or "—")


@register.filter
def signer_mode(mode: Any) -> str:
    """前加签 / 后加签 / 并加签 for a stored add-signer mode."""
    from yunying.workflow.models import SignerMode

    try:
        return str(SignerMode(mode).label)
    except ValueError:
        return str(mode)


@register.filter
def system_action(name: Any) -> str:
    """A system step's action by its label in the working language."""
    from yunying.workflow.system_actions import REGISTRY

    action = REGISTRY.get(str(name))
    return str(action.label) if action is not None else str(name)


@register.filter
def event_files(data: Any) -> list[dict[str, str]]:
    """The files a history row recorded, each with its download address when the row kept the file's id."""
    from django.urls import reverse

    if not isinstance(data, dict):
        return []
    names = [str(name) for name in data.get("files") or []]
    ids = data.get("attachment_ids") or []
    if len(ids) != len(names):
        return [{"name": name, "url": ""} for name in names]
    return [
        {"name": n, "url": reverse("workflow:attachment", args=[int(i)])}
        for n, i in zip(names, ids, strict=True)
    ]


@register.filter
def rule_words(rule: Any) -> str:
    """An assignee rule (``position:GM``) in words: the position's, unit's or person's names."""
    from yunying.workflow.rule_words import rule_text

    return rule_text(str(rule or ""))
