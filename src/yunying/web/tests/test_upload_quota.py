"""Form uploads: a per-file limit and a per-person quota (settings); data without a form is bounded."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yunying.forms.models import StoredFile
from yunying.workflow.models import ProcessInstance
from yunying.workflow.tests.conftest import deploy, deployer, single_xml  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
KB = 1024


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _pdf(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("报价.pdf", b"%PDF-1.4" + b"0" * (size - 8), content_type="application/pdf")


def test_per_file_limit_is_a_setting(chain, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.YUNYING_UPLOAD_MAX_FILE_BYTES = 100 * KB
    client = _client(chain.users["store_a1"])
    assert client.post("/api/forms/uploads", {"file": _pdf(50 * KB)}).status_code == 201
    refused = client.post("/api/forms/uploads", {"file": _pdf(150 * KB)})
    assert refused.status_code == 422
    assert "超过" in refused.json()["detail"]


def test_per_person_quota_stops_the_next_file_and_keeps_others_working(chain, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.YUNYING_UPLOAD_USER_QUOTA_BYTES = 120 * KB
    client = _client(chain.users["store_a1"])
    assert client.post("/api/forms/uploads", {"file": _pdf(50 * KB)}).status_code == 201
    assert client.post("/api/forms/uploads", {"file": _pdf(50 * KB)}).status_code == 201
    refused = client.post("/api/forms/uploads", {"file": _pdf(50 * KB)})
    assert refused.status_code == 422
    assert "总量" in refused.json()["detail"]
    assert StoredFile.objects.filter(owner=chain.users["store_a1"]).count() == 2
    assert len(list((tmp_path / "forms").rglob("*.pdf"))) == 2  # the refused file was not written
    # someone else's quota is their own
    other = _client(chain.users["area_a"])
    assert other.post("/api/forms/uploads", {"file": _pdf(50 * KB)}).status_code == 201


def test_a_process_without_a_start_form_refuses_large_data(chain, deploy, settings):  # noqa: F811
    deploy("single.bpmn", key="single", xml=single_xml("user:area_a"))
    client = _client(chain.users["store_a1"])
    big = {"key": "single", "data": {"notes": ["x" * 1000] * 100}}
    response = client.post("/api/workflow/instances", big, content_type="application/json")
    assert response.status_code == 422
    assert "数据过大" in str(response.json())
    assert not ProcessInstance.objects.exists()
    small = {"key": "single", "data": {"note": "ok"}}
    assert client.post("/api/workflow/instances", small, content_type="application/json").status_code == 201


def test_a_person_at_their_quota_is_refused_before_the_body_is_read(chain, settings, tmp_path):
    """The quota is judged from Content-Length first: a large body is never spooled to refuse it."""
    from yunying.web.tests.attacks import CountingPayload, multipart
    from yunying.web.uploads import QUOTA_ENVELOPE_BYTES

    settings.MEDIA_ROOT = tmp_path
    settings.YUNYING_UPLOAD_USER_QUOTA_BYTES = 600 * KB
    user = chain.users["store_a1"]
    client = _client(user)
    assert client.post("/api/forms/uploads", {"file": _pdf(500 * KB)}).status_code == 201

    body, content_type = multipart(
        {}, {"file": ("大文件.pdf", b"%PDF-1.4" + b"0" * (QUOTA_ENVELOPE_BYTES + 200 * KB))}
    )
    for path in ("/api/forms/uploads",):
        payload = CountingPayload(body)
        response = client.generic(
            "POST",
            path,
            b"x",
            content_type=content_type,
            CONTENT_LENGTH=str(len(body)),
            **{"wsgi.input": payload},
        )
        assert response.status_code == 422
        assert "总量" in response.json()["detail"]
        assert payload.read_bytes == 0
    assert StoredFile.objects.filter(owner=user).count() == 1
    # a small file that fits the rest of the quota is read and stored as before
    assert client.post("/api/forms/uploads", {"file": _pdf(50 * KB)}).status_code == 201
    # the same body from someone with room is read in full
    other = _client(chain.users["area_a"])
    payload = CountingPayload(body)
    response = other.generic(
        "POST",
        "/api/forms/uploads",
        b"x",
        content_type=content_type,
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": payload},
    )
    assert response.status_code == 201
    assert payload.read_bytes == len(body)


def test_a_form_post_over_the_quota_is_refused_unread(chain, settings):
    from yunying.web.tests.attacks import CountingPayload, multipart
    from yunying.web.uploads import QUOTA_ENVELOPE_BYTES

    settings.YUNYING_UPLOAD_USER_QUOTA_BYTES = 100 * KB
    body, content_type = multipart(
        {"title": "x"}, {"photo": ("p.jpg", b"0" * (QUOTA_ENVELOPE_BYTES + 200 * KB))}
    )
    payload = CountingPayload(body)
    response = _client(chain.users["store_a1"]).generic(
        "POST",
        "/workflow/processes/purchase/start/",
        b"x",
        content_type=content_type,
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": payload},
    )
    assert response.status_code == 413
    assert "总量" in response.content.decode()
    assert payload.read_bytes == 0
