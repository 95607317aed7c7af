"""Domain errors: raised by services and selectors, shown to users by views and the API."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the business was broken; `message` is shown to the user in their language."""

    code = "invalid"

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    """The object does not exist or lies outside the caller's scope (the two are not told apart)."""

    code = "not_found"


class PermissionDenied(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    """The object changed under the caller (e.g. a task already handled by someone else)."""

    code = "conflict"


class ValidationFailed(DomainError):
    """Several problems at once: `errors` maps a field (or row) to its messages."""

    def __init__(self, message: str | Promise, *, errors: list[dict[str, object]]):
        super().__init__(message)
        self.errors = errors
