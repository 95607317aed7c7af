"""Permission first, then size, then parsing: uploads, JSON bodies and spreadsheets within bounds."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest
from django.test import Client, override_settings

from yunying.core.errors import DomainError
from yunying.core.limits import check_xlsx_archive
from yunying.org.models import Store
from yunying.web.tests.attacks import CountingPayload, multipart, nested_json, xlsx_bomb

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return xlsx_bomb(150)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(
    client: Client, path: str, body: bytes, content_type: str, **extra: Any
) -> tuple[Any, CountingPayload]:
    payload = CountingPayload(body)
    response = client.generic(
        "POST",
        path,
        b"x",
        content_type=content_type,
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": payload},
        **extra,
    )
    return response, payload


def test_a_waiter_posting_an_import_is_refused_before_the_body_is_read(chain, bomb):
    body, content_type = multipart({"kind": "stores"}, {"file": ("bomb.xlsx", bomb)})
    response, payload = _post(_client(chain.users["staff_a1"]), "/org/import/", body, content_type)
    assert response.status_code == 403
    assert payload.read_bytes == 0


def test_anonymous_upload_goes_to_login_unread(chain, bomb):
    body, content_type = multipart({"kind": "stores"}, {"file": ("bomb.xlsx", bomb)})
    response, payload = _post(Client(), "/org/import/", body, content_type)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert payload.read_bytes == 0


def test_xlsx_bomb_is_refused_from_its_directory_with_little_memory(chain, bomb):
    assert len(bomb) < 1 * MB
    body, content_type = multipart({"kind": "stores"}, {"file": ("bomb.xlsx", bomb)})
    client = _client(chain.users["mgmt"])
    tracemalloc.start()
    try:
        response, _payload = _post(client, "/org/import/", body, content_type)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    assert "解压后过大" in response.content.decode()
    assert peak < 20 * MB  # the sheet inflates to 150 MB
    assert not Store.objects.filter(code__startswith="A" * 10).exists()


def test_xlsx_ratio_is_checked_even_under_the_size_limit(bomb):
    with (
        override_settings(YUNYING_XLSX_MAX_UNCOMPRESSED_BYTES=500 * MB),
        pytest.raises(DomainError, match="压缩比"),
    ):
        check_xlsx_archive(bomb)


def test_an_ordinary_xlsx_passes_the_archive_check():
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    for i in range(500):
        workbook.active.append([f"S{i}", "门店", "浦东", "", "", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    check_xlsx_archive(buffer.getvalue())


@override_settings(YUNYING_IMPORT_MAX_BYTES=1 * MB)
def test_an_import_over_the_size_limit_is_413_unread(chain):
    body, content_type = multipart({"kind": "stores"}, {"file": ("big.csv", b"a,b,c\n" * (MB // 3))})
    response, payload = _post(_client(chain.users["mgmt"]), "/org/import/", body, content_type)
    assert response.status_code == 413
    assert "上限 1 MB" in response.content.decode()
    assert payload.read_bytes == 0


def test_a_csv_field_over_128_kb_is_a_clear_message_not_a_500(chain):
    content = ('门店编码,门店名称,所在地区\nN1,"' + "x" * (200 * 1024) + '",浦东\n').encode()
    body, content_type = multipart({"kind": "stores"}, {"file": ("long.csv", content)})
    response, _payload = _post(_client(chain.users["mgmt"]), "/org/import/", body, content_type)
    assert response.status_code == 200
    assert "单元格过长" in response.content.decode()
    assert not Store.objects.filter(code="N1").exists()


def test_json_nested_600_levels_is_422(chain):
    client = _client(chain.users["mgmt"])
    response = client.post("/api/workflow/instances", nested_json(600), content_type="application/json")
    assert response.status_code == 422
    assert "嵌套过深" in response.json()["detail"]


def test_json_body_over_the_limit_is_422_unread(chain):
    body = b'{"key": "k", "data": {"x": "' + b"a" * (3 * MB) + b'"}}'
    response, payload = _post(
        _client(chain.users["mgmt"]), "/api/workflow/instances", body, "application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "too_large"
    assert payload.read_bytes == 0


def test_deploy_upload_needs_the_deploy_permission_before_reading(chain):
    body, content_type = multipart({"key": "x", "name": "x"}, {"bpmn": ("x.bpmn", b"<x/>" * 1000)})
    response, payload = _post(
        _client(chain.users["staff_a1"]), "/api/workflow/definitions", body, content_type
    )
    assert response.status_code == 403
    assert payload.read_bytes == 0


def test_bearer_token_owner_is_recognised_before_reading(chain):
    from yunying.accounts.services import token_create

    _token, secret = token_create(user=chain.users["staff_a1"], name="t")
    body, content_type = multipart({"key": "x", "name": "x"}, {"bpmn": ("x.bpmn", b"<x/>")})
    response, payload = _post(
        Client(), "/api/workflow/definitions", body, content_type, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 403
    assert payload.read_bytes == 0
    anonymous, payload = _post(Client(), "/api/workflow/definitions", body, content_type)
    assert anonymous.status_code == 401 and payload.read_bytes == 0


def test_sales_import_page_refuses_a_waiter_unread(chain):
    body, content_type = multipart({}, {"file": ("sales.csv", b"x" * 100_000)})
    response, payload = _post(_client(chain.users["staff_a1"]), "/analytics/import/", body, content_type)
    assert response.status_code == 403 and payload.read_bytes == 0
