"""Writes to form definitions. Each checks permission and the definition, then changes in one transaction.

A published version never changes: saving a form whose newest version is published starts a new draft."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.core.errors import Conflict, DomainError, PermissionDenied
from yunying.forms.definition import definition_clean
from yunying.forms.files import store_upload
from yunying.forms.models import DESIGN_PERMISSION, FormDefinition, FormVersion
from yunying.forms.selectors import form_version_latest
from yunying.forms.validation import CleanedSubmission

DEFINITION_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{1,59}$")


def _require_designer(actor: Any | None) -> None:
    """`None` is the system itself (seed data)."""
    if actor is not None and not actor.has_perm(DESIGN_PERMISSION):
        raise PermissionDenied(_("您没有设计表单的权限。"))


def _user(actor: Any | None) -> Any | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _check_names(name: str, name_en: str, category: str) -> None:
    if not name.strip():
        raise DomainError(_("请填写表单名称。"), field="name")
    if len(name) > 100 or len(name_en) > 150 or len(category) > 50:
        raise DomainError(_("名称或分类太长。"), field="name")


@transaction.atomic
def form_definition_create(
    *,
    actor: Any | None,
    key: str,
    name: str,
    name_en: str = "",
    category: str = "",
    description: str = "",
    fields: list[dict[str, Any]] | None = None,
) -> FormDefinition:
    """A new form with a first draft version (`fields` checked when given, else empty until designed)."""
    _require_designer(actor)
    key = key.strip()
    if not DEFINITION_KEY_RE.match(key):
        raise DomainError(
            _("表单标识“%(key)s”无效：须以小写字母开头，只含小写字母、数字、下划线和连字符，2 到 60 个字符。")
            % {"key": key},
            field="key",
        )
    _check_names(name, name_en, category)
    cleaned = definition_clean(fields) if fields is not None else []
    if FormDefinition.objects.filter(key=key).exists():
        raise DomainError(_("表单标识“%(key)s”已被使用。") % {"key": key}, field="key")
    definition = FormDefinition.objects.create(
        key=key,
        name=name.strip(),
        name_en=name_en.strip(),
        category=category.strip(),
        description=description.strip(),
        created_by=_user(actor),
    )
    FormVersion.objects.create(definition=definition, number=1, fields=cleaned, created_by=_user(actor))
    return definition


@transaction.atomic
def form_definition_update(
    *, actor: Any | None, definition: FormDefinition, name: str, name_en: str = "", category: str = "",
    description: str = "",
) -> FormDefinition:  # fmt: skip
    """Names and category are not part of a version: they change for every version at once."""
    _require_designer(actor)
    _check_names(name, name_en, category)
    definition.name, definition.name_en = name.strip(), name_en.strip()
    definition.category, definition.description = category.strip(), description.strip()
    definition.save(update_fields=["name", "name_en", "category", "description", "updated_at"])
    return definition


def _locked(definition: FormDefinition) -> FormDefinition:
    return FormDefinition.objects.select_for_update().get(pk=definition.pk)


@transaction.atomic
def form_draft_save(*, actor: Any | None, definition: FormDefinition, fields: Any) -> FormVersion:
    """Check `fields` (ValidationFailed with precise messages), then store them in the draft version,
    creating the draft when the newest version is published. Locks the definition row."""
    _require_designer(actor)
    cleaned = definition_clean(fields)
    _locked(definition)
    latest = form_version_latest(definition=definition)
    if latest is not None and not latest.is_published:
        latest.fields = cleaned
        latest.created_by = latest.created_by or _user(actor)
        latest.save(update_fields=["fields", "created_by", "updated_at"])
        return latest
    number = (latest.number + 1) if latest is not None else 1
    return FormVersion.objects.create(
        definition=definition, number=number, fields=cleaned, created_by=_user(actor)
    )


@transaction.atomic
def form_version_publish(
    *, actor: Any | None, definition: FormDefinition, number: int | None = None
) -> FormVersion:
    """Freeze the draft (`number`, when given, must be the draft the caller saw). Locks the definition."""
    _require_designer(actor)
    _locked(definition)
    draft = form_version_latest(definition=definition)
    if draft is None or draft.is_published:
        raise Conflict(_("没有待发布的草稿：请先保存修改。"))
    if number is not None and draft.number != number:
        raise Conflict(_("草稿已变为第 %(n)d 版，请刷新后再发布。") % {"n": draft.number})
    draft.fields = definition_clean(draft.fields)
    draft.is_published = True
    draft.published_at = timezone.now()
    draft.published_by = _user(actor)
    draft.save(update_fields=["fields", "is_published", "published_at", "published_by", "updated_at"])
    return draft


def form_submission_files_store(*, cleaned: CleanedSubmission) -> dict[str, Any]:
    """Write the submission's new files to storage and return its JSON data with their paths filled in.

    Call it inside the caller's transaction, after validation; a rolled-back transaction leaves orphan
    files behind, never a submission pointing at a missing file."""
    for pending in cleaned.uploads:
        if pending.ref.get("path") is None:
            pending.ref["path"] = store_upload(pending.file, owner=cleaned.user)
    return cleaned.data
