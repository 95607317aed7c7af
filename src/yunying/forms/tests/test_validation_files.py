"""Attachments and photos: type, size and count limits; nothing written until the caller stores them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from yunying.core.errors import ValidationFailed
from yunying.forms.files import file_token
from yunying.forms.services import form_submission_files_store
from yunying.forms.tests.factories import field, version_with
from yunying.forms.validation import form_submission_validate

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(name: str, content: bytes = b"%PDF-1.4 test", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def error(version, files, data=None):
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data=data or {}, files=files, user=None)
    (only,) = caught.value.errors
    return only["field"], only["message"]


def test_attachment_is_checked_then_stored_on_request(media):
    version = version_with(field("doc", "attachment", required=True, max_files=2, max_size_mb=0.001))
    cleaned = form_submission_validate(
        version=version, data={}, files={"doc": upload("报价单.pdf")}, user=None
    )
    assert cleaned.data["doc"] == [
        {"name": "报价单.pdf", "size": 13, "content_type": "application/pdf", "path": None}
    ]
    assert not any(media.rglob("*.pdf"))  # validation wrote nothing
    data = form_submission_files_store(cleaned=cleaned)
    (path,) = [ref["path"] for ref in data["doc"]]
    assert path.startswith("forms/") and path.endswith(".pdf")
    assert (media / path).read_bytes() == b"%PDF-1.4 test"

    assert error(version, {}) == ("doc", "请上传文件。")
    assert error(version, {"doc": upload("run.exe")})[1].startswith("不支持文件“run.exe”的类型")
    assert error(version, {"doc": upload("big.pdf", b"x" * 2000)}) == ("doc", "文件“big.pdf”超过 0.001 MB。")
    many = MultiValueDict({"doc": [upload("a.pdf"), upload("b.pdf"), upload("c.pdf")]})
    assert error(version, many) == ("doc", "最多上传 2 个文件。")


def test_kept_files_come_back_as_signed_tokens():
    version = version_with(field("doc", "attachment"))
    ref = {"name": "a.pdf", "size": 3, "content_type": "application/pdf", "path": "forms/2025/01/x.pdf"}
    cleaned = form_submission_validate(version=version, data={"doc": [file_token(ref)]}, user=None)
    assert cleaned.data["doc"] == [ref]
    assert error(version, {}, {"doc": ["forged"]}) == ("doc", "附件无效或已过期，请重新上传。")
    assert error(version, {}, {"doc": [ref]}) == ("doc", "附件无效或已过期，请重新上传。")


def test_photo_must_be_an_image():
    version = version_with(field("pic", "photo"), field("rows", "table", columns=[field("pic", "photo")]))
    files = {
        "pic": upload("shelf.png", PNG, "image/png"),
        "rows[0].pic": upload("row.jpg", b"\xff\xd8\xff\xe0"),
    }
    cleaned = form_submission_validate(version=version, data={}, files=files, user=None)
    assert cleaned.data["pic"][0]["name"] == "shelf.png"
    assert cleaned.data["rows"] == [
        {"pic": [{"name": "row.jpg", "size": 4, "content_type": "application/pdf", "path": None}]}
    ]
    assert error(version, {"pic": upload("fake.png", b"not an image")}) == ("pic", "文件“fake.png”不是图片。")
    assert error(version, {"pic": upload("doc.pdf")})[1].startswith("不支持文件“doc.pdf”的类型")
