"""Who may send a request body to which endpoint, and how large: decided before the body is read.

Each endpoint that accepts files (or bulk data) has a policy here, keyed by its URL name: the permission
that lets someone use it, and the largest body it takes. `RequestLimitMiddleware` applies the policy
before Django's CSRF check or a view reads `request.POST` / `request.FILES`, so a person without the
permission, or a body over the limit, costs nothing but the headers. Every other request carries at most
`YUNYING_MAX_BODY_BYTES`.

Endpoints whose files count against a person's storage quota (`quota=True`) are also refused unread when
the body's Content-Length, less `QUOTA_ENVELOPE_BYTES` for the multipart envelope and the form's other
fields, cannot fit in what is left of the sender's quota: a person at their quota does not make Django
spool a 100 MB body to temporary files only to be refused. The exact check (the files' real sizes) still
runs after parsing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class UploadPolicy:
    allowed: Callable[[Any], bool]
    max_bytes: Callable[[], int]
    quota: bool = False  # the files sent count against the sender's YUNYING_UPLOAD_USER_QUOTA_BYTES


# What a multipart body may carry besides files (boundaries, part headers, the form's other fields)
# before its length is taken as files for the early quota check.
QUOTA_ENVELOPE_BYTES = 256 * 1024


def _signed_in(user: Any) -> bool:
    return bool(user.is_authenticated)


def _has_any(*perms: str) -> Callable[[Any], bool]:
    def check(user: Any) -> bool:
        return bool(user.is_authenticated and any(user.has_perm(p) for p in perms))

    return check


def _may_deploy(user: Any) -> bool:
    from yunying.workflow.deploy import can_deploy

    return can_deploy(user)


def _setting(name: str) -> Callable[[], int]:
    return lambda: int(getattr(settings, name))


_ORG_IMPORT = UploadPolicy(
    _has_any("org.add_store", "org.change_store", "org.add_employee", "org.add_appointment"),
    _setting("YUNYING_IMPORT_MAX_BYTES"),
)
_SALES_IMPORT = UploadPolicy(
    _has_any("analytics.add_salesimport"), _setting("YUNYING_SALES_IMPORT_MAX_BYTES")
)
_SALES_PUSH = UploadPolicy(  # JSON, read into memory: the import limit, not the streamed-file one
    _has_any("analytics.add_salesimport"), _setting("YUNYING_IMPORT_MAX_BYTES")
)
_TARGETS = UploadPolicy(_has_any("analytics.change_storetarget"), _setting("YUNYING_IMPORT_MAX_BYTES"))
_DEPLOY = UploadPolicy(_may_deploy, _setting("YUNYING_DEPLOY_MAX_BYTES"))
_FORM_POST = UploadPolicy(_signed_in, _setting("YUNYING_UPLOAD_MAX_REQUEST_BYTES"), quota=True)
_ONE_FILE = UploadPolicy(
    _signed_in,
    lambda: int(settings.YUNYING_UPLOAD_MAX_FILE_BYTES) + 64 * 1024,  # the multipart envelope
    quota=True,
)

POLICIES: dict[str, UploadPolicy] = {
    "org:import": _ORG_IMPORT,
    "analytics:import": _SALES_IMPORT,
    "analytics:targets": _TARGETS,
    "api:push_daily": _SALES_PUSH,
    "api:deploy": _DEPLOY,
    "workflow:designer-new": _DEPLOY,
    "workflow:designer-edit": _DEPLOY,
    "workflow:designer-preview": _DEPLOY,
    "api:forms_upload": _ONE_FILE,
    "yyforms:fill": _FORM_POST,
    "workflow:start": _FORM_POST,
    "workflow:task": _FORM_POST,
    "workflow:instance-act": _FORM_POST,
    "inspections:template-import": UploadPolicy(
        _has_any("inspections.add_templateversion"), _setting("YUNYING_IMPORT_MAX_BYTES")
    ),
    "assets:import": UploadPolicy(_has_any("assets.add_asset"), _setting("YUNYING_IMPORT_MAX_BYTES")),
    "duties:occurrence": _FORM_POST,
}


def policy_for(view_name: str | None) -> UploadPolicy | None:
    return POLICIES.get(view_name or "")
