"""Redaction of a request's data for the person reading it: a process may keep some of its fields from
people who see the request but do not handle it (a customer's phone number in a complaint).

Another app registers a redactor per process key (:func:`register`); every page and API answer that
shows a request's data passes it through :func:`redact` with the reader. Without a redactor the data
is returned as it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Redactor = Callable[[Any, Any, dict[str, Any]], dict[str, Any]]

REDACTORS: dict[str, Redactor] = {}


def register(key: str, redactor: Redactor) -> None:
    REDACTORS[key] = redactor


def redact(user: Any, instance: Any, data: Any) -> Any:
    """``data`` (the request's form data, a step's data or an event's data) as ``user`` may read it."""
    redactor = REDACTORS.get(instance.definition.key) if REDACTORS else None
    if redactor is None or not isinstance(data, dict):
        return data
    return redactor(user, instance, data)
