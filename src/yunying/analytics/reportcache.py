"""Rendered report pages (and the monthly API's figures) kept until their figures change.

`ReportsVersion.number` changes whenever what the reports show changes: aggregates rebuilt (every import, push,
restore and repair goes through `aggregates.recompute`), a target set. A page fragment is cached under the
viewer, the page's parameters, the language and that number, so a page is computed once per import rather than
once per view, and never shows figures older than the last import. Changes to the organisation (a store renamed
or moved to another region) show within `TIMEOUT`."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from yunying.analytics.models import ReportsVersion

TIMEOUT = 300  # seconds


def reports_version() -> int:
    found = ReportsVersion.objects.filter(pk=1).values_list("number", flat=True).first()
    return int(found or 0)


def reports_changed() -> None:
    """The reports' figures changed: every cached page is stale (called inside the writing transaction).

    The new number is random, not the old one plus one: a database restored (or a test rolled back) never
    meets pages cached under a number it reaches again."""
    number = secrets.randbits(62) + 1
    if not ReportsVersion.objects.filter(pk=1).update(number=number):
        ReportsVersion.objects.get_or_create(pk=1, defaults={"number": number})


def cached_page(
    *, user: Any, page: str, params: tuple[Any, ...], build: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """A page's data-dependent parts (rendered fragments, picker choices) from the cache, or built (and kept)
    now. Rendered fragments come back as plain text: the caller marks what the template engine rendered."""
    version = reports_version()
    if not version:  # the figures never changed through an import: nothing worth keeping
        return build()
    raw = repr((page, getattr(user, "pk", None), params, get_language(), version))
    key = "analytics:page:" + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, {k: str(v) if isinstance(v, SafeString) else v for k, v in found.items()}, TIMEOUT)
    return dict(found)
