"""Durations in the working language's units: "2 小时 13 分" / "2 h 13 min", never timedelta's own text.

One helper for every page, message and export that shows a length of time (the template filter
``duration`` in ``{% load yunying %}`` calls it)."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _


def duration_text(value: timedelta | float | int | None, *, empty: str = "—") -> str:
    """A duration (a timedelta or seconds) as its two largest units: days and hours, hours and minutes, or
    minutes; under a minute reads "不到 1 分"; None reads ``empty``. Negative durations read as their size."""
    if value is None or value == "":
        return empty
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    minutes_total = int(abs(seconds) // 60)
    if minutes_total < 1:
        return _("不到 1 分")
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts: list[str] = []
    if days:
        parts.append(_("%(n)d 天") % {"n": days})
        if hours:
            parts.append(_("%(n)d 小时") % {"n": hours})
    elif hours:
        parts.append(_("%(n)d 小时") % {"n": hours})
        if minutes:
            parts.append(_("%(n)d 分") % {"n": minutes})
    else:
        parts.append(_("%(n)d 分") % {"n": minutes})
    return " ".join(parts)
