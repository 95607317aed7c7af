"""Attachments and photos of a submission: checked during validation, written to storage only on request.

A stored file is referenced in the submission's JSON as `{"name", "size", "content_type", "path"}`.
A form shown again (a returned task, a corrected submission) sends the files it keeps back as signed
tokens (`file_token(ref)`), so a client can never point a submission at someone else's file.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.core.limits import TooLarge, upload_file_check, upload_quota_check
from yunying.forms.schema import PHOTO, FieldSpec
from yunying.forms.values import InvalidValue

SALT = "yunying.forms.file"
UPLOAD_DIR = "forms"
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


# Files written to storage inside the innermost `files_discarded_on_error` block.
_STORED: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("yunying_stored_files", default=None)


@contextmanager
def files_discarded_on_error() -> Iterator[None]:
    """Files stored inside the block are deleted again when the block raises (wrap a transaction with
    it: its rows roll back, and the files they named go too). On success the files are handed to an
    enclosing block, which still deletes them if it fails later; a file kept is one whose rows commit."""
    mine: list[tuple[Storage, str]] = []
    token = _STORED.set(mine)
    try:
        yield
    except BaseException:
        for storage, path in mine:
            with suppress(OSError):  # already gone, or the storage is down: nothing more to do
                storage.delete(path)
        raise
    finally:
        _STORED.reset(token)
    outer = _STORED.get()
    if outer is not None:
        outer.extend(mine)


def file_stored(path: str, storage: Storage | None = None) -> None:
    """Note a file just written, so an enclosing `files_discarded_on_error` block can remove it."""
    stored = _STORED.get()
    if stored is not None:
        stored.append((storage or default_storage, path))


@dataclass
class PendingUpload:
    """A file received with a submission, not yet stored; `ref` is its entry in the cleaned data."""

    file: UploadedFile
    ref: dict[str, Any]


def file_token(ref: dict[str, Any]) -> str:
    return signing.dumps(
        {k: ref.get(k) for k in ("name", "size", "content_type", "path")}, salt=SALT, compress=True
    )


def file_from_token(token: str) -> dict[str, Any] | None:
    try:
        ref = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return ref if isinstance(ref, dict) and ref.get("path") else None


def _looks_like_image(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(_IMAGE_MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[4:8] == b"ftyp"  # HEIC / HEIF from phones


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _check_limits(spec: FieldSpec, name: str, size: int | None) -> None:
    allowed = spec.allowed_extensions
    if _extension(name) not in allowed:
        raise InvalidValue(
            _("不支持文件“%(name)s”的类型；允许：%(types)s。") % {"name": name, "types": " ".join(allowed)}
        )
    if size is not None and size > int(spec.max_size_mb * 1024 * 1024):
        raise InvalidValue(_("文件“%(name)s”超过 %(n)s MB。") % {"name": name, "n": f"{spec.max_size_mb:g}"})
    try:
        upload_file_check(name, size)
    except TooLarge as exc:
        raise InvalidValue(str(exc)) from None


def clean_files(
    spec: FieldSpec, kept: Any, uploads: list[UploadedFile]
) -> tuple[list[dict[str, Any]], list[PendingUpload]]:
    """The field's files (kept ones first, then new ones) or InvalidValue with the first problem."""
    refs: list[dict[str, Any]] = []
    tokens = kept if isinstance(kept, (list, tuple)) else ([kept] if kept else [])
    for token in tokens:
        if not token:
            continue
        ref = file_from_token(token) if isinstance(token, str) else None
        if ref is None:
            raise InvalidValue(_("附件无效或已过期，请重新上传。"))
        _check_limits(spec, ref["name"], ref.get("size"))
        refs.append(ref)
    pending: list[PendingUpload] = []
    for upload in uploads:
        name = os.path.basename(upload.name or "file")[:200]
        _check_limits(spec, name, upload.size)
        if spec.type == PHOTO and not _looks_like_image(upload):
            raise InvalidValue(_("文件“%(name)s”不是图片。") % {"name": name})
        ref = {"name": name, "size": upload.size, "content_type": upload.content_type or "", "path": None}
        refs.append(ref)
        pending.append(PendingUpload(upload, ref))
    if len(refs) > spec.max_files:
        raise InvalidValue(_("最多上传 %(n)d 个文件。") % {"n": spec.max_files})
    return refs, pending


def store_upload(upload: UploadedFile, *, owner: Any = None, storage: Storage | None = None) -> str:
    """Write one upload under MEDIA_ROOT/forms/YYYY/MM/ with a random name; return its storage path.

    With `owner`, the file counts against their quota (checked first: TooLarge when over it)."""
    from yunying.forms.models import StoredFile

    storage = storage or default_storage
    now = timezone.now()
    name = f"{UPLOAD_DIR}/{now:%Y/%m}/{uuid.uuid4().hex}{_extension(upload.name or '')}"
    if owner is not None and owner.is_authenticated:
        upload_quota_check(user=owner, incoming=upload.size or 0)
    upload.seek(0)
    path = storage.save(name, upload)
    file_stored(path, storage)
    if owner is not None and owner.is_authenticated:
        StoredFile.objects.create(owner=owner, path=path, size=upload.size or 0)
    return path
