"""Workflow domain errors (shown to users; the API maps them to 4xx answers)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise

from yunying.core.errors import DomainError


class DeployRefused(DomainError):
    """A diagram the engine cannot run. ``elements``: ``(element_id, element_type)`` the engine cannot
    execute; ``problems``: ``(element_id, message)`` for expressions, assignees and forms it refuses."""

    code = "deploy_refused"

    def __init__(
        self,
        message: str | Promise,
        *,
        elements: Iterable[tuple[str, str]] = (),
        problems: Iterable[tuple[str, str]] = (),
        reasons: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.elements = list(elements)
        self.problems = list(problems)
        self.reasons = dict(reasons or {})

    def as_dict(self) -> dict[str, object]:
        return {
            "detail": str(self),
            "code": self.code,
            "elements": [
                {"id": eid, "type": etype, "reason": self.reasons.get(eid, "")}
                for eid, etype in self.elements
            ],
            "problems": [{"id": eid, "message": msg} for eid, msg in self.problems],
        }


class ProcessError(DomainError):
    """The engine refused a step (an expression failed, a form was invalid…); nothing was changed."""

    code = "process_error"

    def __init__(self, message: str | Promise, *, element_id: str = "") -> None:
        super().__init__(message)
        self.element_id = element_id
