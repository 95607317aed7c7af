"""The forms API: list/read, create, save draft, publish, validate without storing, uploads; in OpenAPI."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yunying.forms.models import FormDefinition, FormVersion
from yunying.forms.tests.factories import field

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def put(client, url, body):
    return client.put(url, body, content_type="application/json")


def test_list_and_read_follow_design_permission(chain, django_assert_max_num_queries):
    staff = client_for(chain.users["staff_a1"])
    FormDefinition.objects.create(key="secret_draft", name="草稿表单")
    with django_assert_max_num_queries(8):
        listed = staff.get("/api/forms/").json()
    shipped = set(FormDefinition.objects.exclude(key="secret_draft").values_list("key", flat=True))
    assert "material_purchase" in shipped
    assert {d["key"] for d in listed} == shipped  # the published forms, not the draft
    assert all(d["published_number"] == 1 for d in listed)
    assert staff.get("/api/forms/secret_draft").status_code == 404
    designer = client_for(chain.users["mgmt"])
    assert {d["key"] for d in designer.get("/api/forms/").json()} == {*shipped, "secret_draft"}
    detail = staff.get("/api/forms/material_purchase").json()
    assert detail["name"] == "物料申购" and detail["versions"][0]["number"] == 1
    version = staff.get("/api/forms/material_purchase/versions/1").json()
    assert version["fields"][2]["key"] == "items"
    assert staff.get("/api/forms/material_purchase/current").json()["number"] == 1
    assert staff.get("/api/forms/material_purchase/versions/9").status_code == 404


def test_create_save_draft_publish_cycle(chain):
    designer = client_for(chain.users["mgmt"])
    created = designer.post(
        "/api/forms/",
        {"key": "shop_repair", "name": "门店报修", "name_en": "Store repair", "category": "维修"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    fields = [field("what", "text", required=True, label_en="What broke")]
    saved = put(designer, "/api/forms/shop_repair/draft", {"fields": fields})
    assert saved.status_code == 200 and saved.json()["number"] == 1
    published = designer.post(
        "/api/forms/shop_repair/publish", {"number": 1}, content_type="application/json"
    )
    assert published.json()["is_published"] is True
    again = designer.post("/api/forms/shop_repair/publish", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["detail"] == "没有待发布的草稿：请先保存修改。"
    # Editing a published form starts draft v2; v1 stays frozen.
    fields.append(field("cost", "money"))
    assert put(designer, "/api/forms/shop_repair/draft", {"fields": fields}).json()["number"] == 2
    assert put(designer, "/api/forms/shop_repair/draft", {"fields": fields}).json()["number"] == 2
    assert len(FormVersion.objects.get(definition__key="shop_repair", number=1).fields) == 1
    stale = designer.post("/api/forms/shop_repair/publish", {"number": 1}, content_type="application/json")
    assert stale.status_code == 409
    renamed = designer.patch("/api/forms/shop_repair", {"name": "报修"}, content_type="application/json")
    assert renamed.json()["name"] == "报修"


def test_bad_definition_is_refused_with_precise_errors_and_nothing_saved(chain):
    designer = client_for(chain.users["mgmt"])
    bad = [field("qty", "number"), field("total", "computed", expression="qty * price")]
    response = put(designer, "/api/forms/material_purchase/draft", {"fields": bad})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "total",
            "property": "expression",
            "message": "表达式有误：unknown name 'price' (line 1, column 7)",
        }
    ]
    assert FormVersion.objects.filter(definition__key="material_purchase").count() == 1


def test_designing_needs_the_permission(chain):
    staff = client_for(chain.users["store_a1"])
    response = staff.post("/api/forms/", {"key": "x_form", "name": "X"}, content_type="application/json")
    assert response.status_code == 403
    assert (
        put(staff, "/api/forms/material_purchase/draft", {"fields": [field("a", "text")]}).status_code == 403
    )


def test_validate_a_submission_without_storing(chain):
    store_manager = client_for(chain.users["store_a1"])
    good = {
        "store": "A1",
        "reason": "备货",
        "items": [{"name": "米", "qty": 3, "unit": "袋", "price": "120.5"}],
    }
    response = store_manager.post(
        "/api/forms/material_purchase/validate", {"data": good}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["data"]["total"] == "361.50" and body["totals"]["items"]["amount"] == "361.50"
    bad = {"store": "B1", "items": [{"name": "米", "qty": "x", "unit": "袋", "price": "1"}]}
    response = store_manager.post(
        "/api/forms/material_purchase/validate",
        {"data": bad},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"store", "reason", "items[0].qty"}


def test_upload_then_reference_the_token(chain, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(chain.users["store_a1"])
    pdf = SimpleUploadedFile("报价.pdf", b"%PDF-1.4", content_type="application/pdf")
    uploaded = client.post("/api/forms/uploads", {"file": pdf})
    assert uploaded.status_code == 201, uploaded.content
    token = uploaded.json()["token"]
    data = {
        "store": "A1",
        "reason": "x",
        "items": [{"name": "a", "qty": 1, "unit": "个", "price": 1}],
        "attachments": [token],
    }
    response = client.post(
        "/api/forms/material_purchase/validate", {"data": data}, content_type="application/json"
    )
    assert response.json()["data"]["attachments"][0]["name"] == "报价.pdf"
    assert client.get(f"/forms/files/{token}/").status_code == 200
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    assert client.post("/api/forms/uploads", {"file": exe}).status_code == 422


def test_openapi_lists_the_forms_endpoints(chain):
    schema = client_for(chain.users["mgmt"]).get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/forms/",
        "/api/forms/{key}",
        "/api/forms/{key}/draft",
        "/api/forms/{key}/publish",
        "/api/forms/{key}/validate",
        "/api/forms/{key}/versions/{number}",
        "/api/forms/uploads",
    ):
        assert path in paths, path
