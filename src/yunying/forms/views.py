"""Form pages: the list, a definition with its versions, the designer, a live preview, and a page to fill
a form in and see the server's validation (nothing stored). Thin adapters over selectors and services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yunying.core.errors import DomainError, ValidationFailed
from yunying.core.limits import json_loads_limited
from yunying.forms import pickers, selectors, services
from yunying.forms.definition import definition_clean
from yunying.forms.files import file_from_token
from yunying.forms.models import DESIGN_PERMISSION, FormVersion
from yunying.forms.posted import form_post_parse
from yunying.forms.rendering import render_form, render_readonly
from yunying.forms.schema import FIELD_TYPES, schema_of
from yunying.forms.validation import form_submission_validate

design_required = permission_required(DESIGN_PERMISSION, raise_exception=True)


@login_required
def definition_list(request: HttpRequest) -> HttpResponse:
    can_design = selectors.can_design(request.user)
    if request.method == "POST" and can_design:
        post = request.POST
        try:
            definition = services.form_definition_create(
                actor=request.user,
                key=post.get("key", ""),
                name=post.get("name", ""),
                name_en=post.get("name_en", ""),
                category=post.get("category", ""),
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("yyforms:design", key=definition.key)
    context = {
        "definitions": selectors.form_definition_list(user=request.user),
        "can_design": can_design,
        "nav_active": "forms",
        "post": request.POST if request.method == "POST" else {},
    }
    return render(request, "yyforms/list.html", context)


@login_required
def definition_detail(request: HttpRequest, key: str) -> HttpResponse:
    definition = selectors.form_definition_get(user=request.user, key=key)
    versions = list(selectors.form_version_list(definition=definition, user=request.user))
    shown = next((v for v in versions if v.is_published), versions[0] if versions else None)
    context = {
        "definition": definition,
        "versions": versions,
        "shown": shown,
        "preview": render_form(shown, user=request.user) if shown and shown.fields else "",
        "can_design": selectors.can_design(request.user),
        "nav_active": "forms",
    }
    return render(request, "yyforms/detail.html", context)


@login_required
@design_required
def designer(request: HttpRequest, key: str) -> HttpResponse:
    definition = selectors.form_definition_get(user=request.user, key=key)
    latest = selectors.form_version_latest(definition=definition)
    versions = list(selectors.form_version_list(definition=definition))
    state = {
        "key": definition.key,
        "fields": latest.fields if latest else [],
        "draft_number": latest.number if latest and latest.is_draft else None,
        "latest_number": latest.number if latest else None,
        "types": [
            {"type": k, "label": str(label), "props": sorted(props)}
            for k, (label, props) in FIELD_TYPES.items()
        ],
        "versions": [
            {"number": v.number, "is_published": v.is_published, "updated_at": v.updated_at.isoformat()}
            for v in versions
        ],
        "urls": {
            "save": reverse("api:forms_draft_save", args=[definition.key]),
            "publish": reverse("api:forms_publish", args=[definition.key]),
            "preview": reverse("yyforms:preview", args=[definition.key]),
            "detail": reverse("yyforms:detail", args=[definition.key]),
        },
    }
    context = {"definition": definition, "state": state, "nav_active": "forms"}
    return render(request, "yyforms/designer.html", context)


@login_required
@design_required
@require_POST
def preview(request: HttpRequest, key: str) -> HttpResponse:
    """The designer's unsaved fields, checked and rendered exactly as the saved form will be."""
    definition = selectors.form_definition_get(user=request.user, key=key)
    try:
        fields = json_loads_limited(request.body or b"{}").get("fields")
        cleaned = definition_clean(fields)
    except ValidationFailed as exc:
        return render(request, "yyforms/_definition_errors.html", {"errors": exc.errors}, status=422)
    except (ValueError, AttributeError):
        return HttpResponse(_("请求格式不正确。"), status=400)
    except DomainError as exc:
        return HttpResponse(str(exc), status=422)
    version = FormVersion(definition=definition, number=0, fields=cleaned)
    return HttpResponse(render_form(version, user=request.user, prefix="preview-"))


def _version_to_fill(request: HttpRequest, key: str) -> FormVersion:
    definition = selectors.form_definition_get(user=request.user, key=key)
    number = request.GET.get("version")
    if number and number.isdigit():
        return selectors.form_version_get(definition=definition, number=int(number), user=request.user)
    if selectors.can_design(request.user):
        latest = selectors.form_version_latest(definition=definition)
        if latest is not None:
            return latest
    return selectors.form_version_current(key=key)


@login_required
def fill(request: HttpRequest, key: str) -> HttpResponse:
    """Fill the form in and have the server check it: a try-out page; nothing is stored."""
    version = _version_to_fill(request, key)
    data: dict[str, Any] | None = None
    errors: list[dict[str, object]] | None = None
    cleaned = None
    if request.method == "POST":
        data, files = form_post_parse(version, request.POST, request.FILES)
        try:
            cleaned = form_submission_validate(version=version, data=data, files=files, user=request.user)
        except ValidationFailed as exc:
            errors = exc.errors
            messages.error(request, str(exc))
    context = {
        "version": version,
        "definition": version.definition,
        "form_html": render_form(version, data, errors, user=request.user),
        "cleaned": cleaned,
        "readonly": render_readonly(version, cleaned.data) if cleaned else "",
        "cleaned_json": json.dumps(cleaned.data, ensure_ascii=False, indent=2) if cleaned else "",
        "has_files": schema_of(version).has_files,
        "nav_active": "forms",
    }
    return render(request, "yyforms/fill.html", context, status=422 if errors else 200)


@login_required
def file_download(request: HttpRequest, token: str) -> FileResponse:
    ref = file_from_token(token)
    if ref is None or not default_storage.exists(ref["path"]):
        raise Http404(_("找不到该文件。"))
    inline = str(ref.get("content_type", "")).startswith("image/")
    return FileResponse(
        default_storage.open(ref["path"], "rb"), as_attachment=not inline, filename=ref["name"]
    )


@login_required
def employee_options(request: HttpRequest) -> HttpResponse:
    """<option>s for a person picker's datalist: the active people in the user's scope matching the text."""
    query = next((str(v) for v in request.GET.values() if v), "")[:50]
    people = pickers.employee_search(request.user, query)
    return HttpResponse(
        format_html_join("", '<option value="{}">{}</option>', ((p.employee_no, p.name) for p in people))
    )
