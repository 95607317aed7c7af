"""Attachments of a request (附件) as records: kept with whichever action brought them, served only to
people who may see the request.

* A file arrives as an upload (a page's multipart form) or as a token from ``POST /api/forms/uploads``
  (the API). Both pass the forms app's checks (:func:`yunying.forms.files.clean_files`: allowed types,
  sizes) and the sender's quota; a token must name a file its sender uploaded.
* Stored under a random name (``workflow/<instance>/<random><ext>``), never the sender's file name.
* Written inside :func:`yunying.forms.files.files_discarded_on_error`: a rolled-back action leaves no file.
* Served by :func:`attachment_open`: 404 unless the viewer sees the request; images and PDFs whose bytes
  match their type are shown inline, everything else is a download.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from yunying.core.errors import NotFound, ValidationFailed
from yunying.core.limits import TooLarge, upload_quota_check
from yunying.forms.files import clean_files, file_stored
from yunying.forms.schema import ATTACHMENT, MAX_SIZE_MB_LIMIT, FieldSpec
from yunying.forms.values import InvalidValue
from yunying.workflow.models import Attachment, ProcessInstance

MAX_FILES_PER_ACTION = 10
THUMB_SIZE = (320, 320)
THUMB_MAX_PIXELS = 40_000_000  # a larger picture is not thumbnailed (bounded memory and time)
# Types shown in the browser: the bytes must start as the type says, else the file is a download.
INLINE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _spec() -> FieldSpec:
    return FieldSpec(
        key="attachments",
        type=ATTACHMENT,
        label_zh="附件",
        max_files=MAX_FILES_PER_ACTION,
        max_size_mb=MAX_SIZE_MB_LIMIT,
    )


def _extension(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    return ext if ext[1:].isalnum() and len(ext) <= 10 else ""


def _sniffed_type(name: str, head: bytes) -> str:
    """The type the file is served as: a safe inline type when its first bytes agree, else a download."""
    known = INLINE_TYPES.get(_extension(name))
    if known and head.startswith(known[1]):
        if known[0] == "image/webp" and head[8:12] != b"WEBP":
            return "application/octet-stream"
        return known[0]
    return "application/octet-stream"


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": "attachments", "message": message}])


def attachments_check(files: Iterable[Any], *, user: Any) -> list[Any]:
    """The action's files (uploads or upload tokens) checked before anything changes; ValidationFailed
    with the first problem. Returns them as a list, ready for :func:`attachments_save`."""
    files = [f for f in (files or ()) if f]
    if not files:
        return []
    tokens = [f for f in files if isinstance(f, str)]
    uploads = [f for f in files if not isinstance(f, str)]
    try:
        clean_files(_spec(), tokens, uploads)
        upload_quota_check(user=user, incoming=sum(int(getattr(f, "size", 0) or 0) for f in uploads))
    except InvalidValue as exc:
        raise _invalid(exc.message) from None
    except TooLarge as exc:
        raise _invalid(str(exc)) from None
    return files


def attachments_save(
    instance: ProcessInstance, files: Iterable[Any], *, user: Any, task: Any = None
) -> list[Attachment]:
    """Store ``files`` (checked again here) as the instance's attachments, sent by ``user`` with
    ``task`` (None: on the request itself). Call inside the action's transaction."""
    from yunying.forms.files import file_from_token
    from yunying.forms.models import StoredFile

    rows: list[Attachment] = []
    for f in attachments_check(files, user=user):
        if isinstance(f, str):
            ref = file_from_token(f) or {}
            owned = StoredFile.objects.filter(owner=user, path=ref.get("path") or "")
            if not owned.exists():
                raise _invalid(_("附件无效或已过期，请重新上传。"))
            owned.delete()  # the attachment row now counts against the sender's quota
            with default_storage.open(ref["path"], "rb") as fh:
                head = fh.read(16)
            row = Attachment(
                instance=instance,
                task=task,
                name=str(ref.get("name") or "file")[-200:],
                size=int(ref.get("size") or 0),
                content_type=_sniffed_type(str(ref.get("name") or ""), head),
                uploaded_by=user,
            )
            row.file.name = ref["path"]
            row.save()
        else:
            name = os.path.basename(str(getattr(f, "name", "") or "file"))[-200:]
            f.seek(0)
            head = f.read(16)
            f.seek(0)
            row = Attachment(
                instance=instance,
                task=task,
                name=name,
                size=int(getattr(f, "size", 0) or 0),
                content_type=_sniffed_type(name, head),
                uploaded_by=user,
            )
            row.file.save(name, f, save=False)  # stored under a random name (models._attachment_path)
            file_stored(str(row.file.name))
            row.save()
        rows.append(row)
    return rows


def file_names(rows: list[Attachment]) -> dict[str, Any]:
    """What an action's history row records of the files sent with it: their names, and their ids so the row
    can link each one (the download view checks who may see it)."""
    return {"files": [a.name for a in rows], "attachment_ids": [a.pk for a in rows]} if rows else {}


# --------------------------------------------------------------------------- reading
@dataclass
class Served:
    """What the download view sends: an open file, its type, and whether the browser may show it."""

    file: Any
    name: str
    content_type: str
    inline: bool


def attachment_get(*, user: Any, attachment_id: int) -> Attachment:
    """The attachment if ``user`` sees its request; NotFound otherwise (the same answer as no file)."""
    from yunying.workflow.selectors import instances_visible_to

    row = Attachment.objects.filter(pk=attachment_id).select_related("instance").first()
    if row is None or not instances_visible_to(user).filter(pk=row.instance_id).exists():
        raise NotFound(_("找不到该附件。"))
    return row


def attachment_open(*, user: Any, attachment_id: int) -> Served:
    row = attachment_get(user=user, attachment_id=attachment_id)
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("找不到该附件。")) from None
    inline = row.content_type in {t for t, _m in INLINE_TYPES.values()}
    return Served(handle, row.name, row.content_type if inline else "application/octet-stream", inline)


def _mentions(value: Any, path: str, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if isinstance(value, dict):
        return value.get("path") == path or any(_mentions(v, path, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, path, depth + 1) for v in value)
    return False


def form_file_open(*, user: Any, instance_id: int, token: str) -> Served:
    """A file of a form field of the request (its start form or a step's form), named by its signed
    token: NotFound unless ``user`` sees the request and the request holds that file."""
    from yunying.forms.files import file_from_token
    from yunying.workflow.selectors import instance_get

    instance = instance_get(user=user, instance_id=instance_id)
    ref = file_from_token(token)
    path = str((ref or {}).get("path") or "")
    held = bool(path) and (
        _mentions(instance.data, path)
        or any(_mentions(d, path) for d in instance.tasks.exclude(data={}).values_list("data", flat=True))
    )
    if not held or not default_storage.exists(path):
        raise NotFound(_("找不到该附件。"))
    handle = default_storage.open(path, "rb")
    head = handle.read(16)
    handle.seek(0)
    name = str((ref or {}).get("name") or "file")
    kind = _sniffed_type(name, head)
    inline = kind != "application/octet-stream"
    return Served(handle, name, kind, inline)


def file_link(instance_id: int) -> Any:
    """The link of a request's form files (for :func:`yunying.forms.rendering.files_linked_by`)."""
    from django.urls import reverse

    return lambda token: reverse("workflow:instance-file", args=[instance_id, token])


def is_image(row: Attachment) -> bool:
    return row.content_type in IMAGE_TYPES


def attachment_thumbnail(*, user: Any, attachment_id: int) -> bytes:
    """A small JPEG of an image attachment (made once, then kept beside it); NotFound when the file is
    not a picture, is too large to decode, or cannot be read."""
    row = attachment_get(user=user, attachment_id=attachment_id)
    if not is_image(row):
        raise NotFound(_("该附件没有缩略图。"))
    thumb = f"{row.file.name}.thumb.jpg"
    if default_storage.exists(thumb):
        with default_storage.open(thumb, "rb") as fh:
            return bytes(fh.read())
    data = _make_thumbnail(row)
    if data is None:
        raise NotFound(_("该附件没有缩略图。"))
    default_storage.save(thumb, ContentFile(data))
    return data


def _make_thumbnail(row: Attachment) -> bytes | None:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with row.file.open("rb") as fh, Image.open(fh) as img:
            if img.width * img.height > THUMB_MAX_PIXELS:
                return None
            img.draft("RGB", THUMB_SIZE)
            shown = ImageOps.exif_transpose(img) or img
            shown.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            shown.convert("RGB").save(out, "JPEG", quality=80)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError):
        return None
