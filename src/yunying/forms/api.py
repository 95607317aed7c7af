"""Forms endpoints: read definitions and versions, save a draft, publish, and validate a submission
without storing it. A field definition is a JSON object (see yunying.forms.schema); errors in a
definition come back as 422 `{"detail", "errors": [{"field", "property", "message"}]}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from yunying.core.errors import ValidationFailed
from yunying.core.limits import TooLarge
from yunying.forms import selectors, services
from yunying.forms.files import clean_files, file_token, store_upload
from yunying.forms.models import FormDefinition, FormVersion
from yunying.forms.schema import ATTACHMENT, MAX_SIZE_MB_LIMIT, FieldSpec
from yunying.forms.validation import form_submission_validate
from yunying.forms.values import InvalidValue

router = Router(tags=["forms"])

FIELDS_DOC = (
    "Ordered field definitions: {key, type, label_zh, label_en?, required?, help_zh?, help_en?, visible_if?, "
    "min?, max?, min_length?, max_length?, regex?, decimals?, unit?, choices?: [{value, label_zh, label_en?}], "
    "default?, accept?, max_size_mb?, max_files?, columns? (table), min_rows?, max_rows?, total? (column), "
    "expression? and result_type? (computed)}. type: text, textarea, number, money, date, datetime, choice, "
    "multichoice, boolean, employee, store, position, attachment, photo, table, computed."
)


class VersionSummaryOut(Schema):
    number: int
    is_published: bool
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class VersionOut(VersionSummaryOut):
    key: str
    fields: list[dict[str, Any]]

    @staticmethod
    def of(version: FormVersion) -> VersionOut:
        return VersionOut(
            key=version.definition.key,
            number=version.number,
            is_published=version.is_published,
            published_at=version.published_at,
            created_at=version.created_at,
            updated_at=version.updated_at,
            fields=version.fields,
        )


class DefinitionOut(Schema):
    key: str
    name: str
    name_en: str
    category: str
    description: str
    latest_number: int | None = None
    published_number: int | None = None


class DefinitionDetailOut(DefinitionOut):
    versions: list[VersionSummaryOut]


class DefinitionIn(Schema):
    key: str
    name: str
    name_en: str = ""
    category: str = ""
    description: str = ""
    fields: list[dict[str, Any]] | None = None


class DefinitionUpdateIn(Schema):
    name: str
    name_en: str = ""
    category: str = ""
    description: str = ""


class DraftIn(Schema):
    fields: list[dict[str, Any]]


class PublishIn(Schema):
    number: int | None = None


class SubmissionIn(Schema):
    data: dict[str, Any]
    version: int | None = None


class SubmissionOut(Schema):
    valid: bool
    key: str
    version: int
    data: dict[str, Any]
    totals: dict[str, dict[str, str]]


class UploadOut(Schema):
    token: str
    name: str
    size: int
    content_type: str


def _detail(request: HttpRequest, definition: FormDefinition) -> DefinitionDetailOut:
    definition = selectors.form_definition_get(user=request.user, key=definition.key)
    versions = selectors.form_version_list(definition=definition, user=request.user)
    return DefinitionDetailOut(
        key=definition.key,
        name=definition.name,
        name_en=definition.name_en,
        category=definition.category,
        description=definition.description,
        latest_number=getattr(definition, "latest_number", None),
        published_number=getattr(definition, "published_number", None),
        versions=[VersionSummaryOut.from_orm(v) for v in versions],
    )


@router.post("/uploads", response={201: UploadOut}, url_name="forms_upload")
def upload(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Store a file for a later submission; send the returned token as the value of an attachment field."""
    spec = FieldSpec(
        key="upload", type=ATTACHMENT, label_zh="附件", max_files=1, max_size_mb=MAX_SIZE_MB_LIMIT
    )
    try:
        refs, _pending = clean_files(spec, [], [file])
    except InvalidValue as exc:
        raise ValidationFailed(exc.message, errors=[{"field": "file", "message": exc.message}])
    try:
        path = store_upload(file, owner=request.user)
    except TooLarge as exc:
        raise ValidationFailed(str(exc), errors=[{"field": "file", "message": str(exc)}]) from None
    ref = {**refs[0], "path": path}
    return 201, UploadOut(
        token=file_token(ref), name=ref["name"], size=ref["size"] or 0, content_type=ref["content_type"]
    )


@router.get("/", response=list[DefinitionOut], url_name="forms_list")
def definitions(request: HttpRequest, category: str | None = None) -> Any:
    """Forms the caller may see: published ones for everyone, all for those who design forms."""
    return list(selectors.form_definition_list(user=request.user, category=category))


@router.post("/", response={201: DefinitionDetailOut}, url_name="forms_create", description=FIELDS_DOC)
def definition_create(request: HttpRequest, payload: DefinitionIn) -> Any:
    definition = services.form_definition_create(actor=request.user, **payload.dict())
    return 201, _detail(request, definition)


@router.get("/{key}", response=DefinitionDetailOut, url_name="forms_detail")
def definition_read(request: HttpRequest, key: str) -> Any:
    return _detail(request, selectors.form_definition_get(user=request.user, key=key))


@router.patch("/{key}", response=DefinitionDetailOut, url_name="forms_update")
def definition_update(request: HttpRequest, key: str, payload: DefinitionUpdateIn) -> Any:
    definition = selectors.form_definition_get(user=request.user, key=key)
    services.form_definition_update(actor=request.user, definition=definition, **payload.dict())
    return _detail(request, definition)


@router.get("/{key}/current", response=VersionOut, url_name="forms_current")
def version_current(request: HttpRequest, key: str) -> Any:
    """The newest published version: the one a new submission uses."""
    selectors.form_definition_get(user=request.user, key=key)
    return VersionOut.of(selectors.form_version_current(key=key))


@router.get("/{key}/versions/{number}", response=VersionOut, url_name="forms_version")
def version_read(request: HttpRequest, key: str, number: int) -> Any:
    definition = selectors.form_definition_get(user=request.user, key=key)
    return VersionOut.of(selectors.form_version_get(definition=definition, number=number, user=request.user))


@router.put("/{key}/draft", response=VersionOut, url_name="forms_draft_save", description=FIELDS_DOC)
def draft_save(request: HttpRequest, key: str, payload: DraftIn) -> Any:
    """Check the fields and store them as the draft (a new draft version when the newest is published)."""
    definition = selectors.form_definition_get(user=request.user, key=key)
    return VersionOut.of(
        services.form_draft_save(actor=request.user, definition=definition, fields=payload.fields)
    )


@router.post("/{key}/publish", response=VersionOut, url_name="forms_publish")
def publish(request: HttpRequest, key: str, payload: PublishIn) -> Any:
    """Freeze the draft; `number`, when given, must be the draft the caller saw (409 otherwise)."""
    definition = selectors.form_definition_get(user=request.user, key=key)
    version = services.form_version_publish(actor=request.user, definition=definition, number=payload.number)
    return VersionOut.of(version)


@router.post("/{key}/validate", response=SubmissionOut, url_name="forms_validate")
def validate(request: HttpRequest, key: str, payload: SubmissionIn) -> Any:
    """Validate a submission against the current (or the given) version; nothing is stored.

    Attachments are the tokens returned by `POST /api/forms/uploads`. 422 with one message per field
    path (`items[2].qty`) when invalid."""
    definition = selectors.form_definition_get(user=request.user, key=key)
    if payload.version is not None:
        version = selectors.form_version_get(definition=definition, number=payload.version, user=request.user)
    else:
        version = selectors.form_version_current(key=key)
    cleaned = form_submission_validate(version=version, data=payload.data, user=request.user)
    totals = {t: {c: str(v) for c, v in cols.items()} for t, cols in cleaned.totals.items()}
    return SubmissionOut(valid=True, key=key, version=version.number, data=cleaned.data, totals=totals)
