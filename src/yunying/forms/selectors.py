"""Reads of form definitions and versions.

Everyone signed in may read a form that has a published version (they fill it in processes); drafts and
forms never published are for those who may design forms."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from yunying.core.errors import NotFound
from yunying.forms.models import DESIGN_PERMISSION, FormDefinition, FormVersion


def can_design(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(DESIGN_PERMISSION))


def form_definition_list(*, user: Any, category: str | None = None) -> QuerySet[FormDefinition]:
    qs = FormDefinition.objects.annotate(
        latest_number=Max("versions__number"),
        published_number=Max("versions__number", filter=Q(versions__is_published=True)),
    )
    if not can_design(user):
        qs = qs.filter(published_number__isnull=False)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("category", "key")


def form_definition_get(*, user: Any, key: str) -> FormDefinition:
    definition = form_definition_list(user=user).filter(key=key).first()
    if definition is None:
        raise NotFound(_("找不到表单“%(key)s”。") % {"key": key})
    return definition


def form_version_list(*, definition: FormDefinition, user: Any = None) -> QuerySet[FormVersion]:
    qs = definition.versions.select_related("created_by", "published_by").order_by("-number")
    if user is not None and not can_design(user):
        qs = qs.filter(is_published=True)
    return qs


def form_version_get(*, definition: FormDefinition, number: int, user: Any = None) -> FormVersion:
    version = form_version_list(definition=definition, user=user).filter(number=number).first()
    if version is None:
        raise NotFound(_("表单“%(key)s”没有第 %(n)d 版。") % {"key": definition.key, "n": number})
    return version


def form_version_latest(*, definition: FormDefinition) -> FormVersion | None:
    return definition.versions.order_by("-number").first()


def form_version_draft(*, definition: FormDefinition) -> FormVersion | None:
    latest = form_version_latest(definition=definition)
    return latest if latest is not None and not latest.is_published else None


def form_version_current(*, key: str) -> FormVersion:
    """The form's newest published version: what a new submission (or a new process) uses."""
    version = (
        FormVersion.objects.select_related("definition")
        .filter(definition__key=key, is_published=True)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise NotFound(_("表单“%(key)s”还没有发布的版本。") % {"key": key})
    return version
