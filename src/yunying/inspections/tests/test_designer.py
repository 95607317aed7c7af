"""The checklist designer: a new checklist and a new version from the browser form (reference photos kept
across re-renders), every problem at once, versions in use unchanged; the API's way to the same."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yunying.inspections import selectors, services
from yunying.inspections.factories import small_template
from yunying.inspections.models import ChecklistTemplate, TemplateVersion
from yunying.inspections.tests.test_services import PNG

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides) -> dict[str, str]:
    data = {
        "key": "hygiene",
        "name": "卫生专项检查",
        "critical_rule": "fail",
        "critical_cap": "60",
        "pass_mark": "85",
        "sections": "1",
        "s-0-key": "kitchen",
        "s-0-title": "后厨",
        "s-0-items": "2",
        "i-0-0-title": "砧板生熟分开",
        "i-0-0-scoring": "yes_no",
        "i-0-0-weight": "2",
        "i-0-0-critical": "1",
        "i-0-1-title": "地面无积水",
        "i-0-1-scoring": "points",
        "i-0-1-max_points": "5",
        "i-0-1-weight": "1",
        "i-0-1-photo_required": "1",
    }
    data.update(overrides)
    return data


def test_a_new_checklist_is_designed_and_published(chain):
    client = client_for(chain.users["mgmt"])
    assert client.get("/inspections/designer/").status_code == 200
    photo = SimpleUploadedFile("砧板.png", PNG, content_type="image/png")
    # adding an item re-renders the form with the photo already stored, nothing published
    page = client.post("/inspections/designer/", {**_form(op="add-item-0"), "i-0-0-ref": photo})
    assert page.status_code == 200 and not ChecklistTemplate.objects.filter(key="hygiene").exists()
    design = page.context["design"]
    assert len(design.sections[0].items) == 3 and design.sections[0].items[0].ref_token
    token = design.sections[0].items[0].ref_token
    data = _form(op="publish", **{"i-0-0-ref_token": token})
    done = client.post("/inspections/designer/", data)
    assert done.status_code == 302 and done["Location"] == "/inspections/templates/hygiene/"
    version = selectors.version_current(ChecklistTemplate.objects.get(key="hygiene"))
    items = services.version_sections(version)[0].items
    assert [i.key for i in items] == ["kitchen-1", "kitchen-2"]
    assert items[0].critical and items[0].reference_photo and items[0].reference_photo["path"]
    assert items[1].max_points == 5 and items[1].photo_required and version.pass_mark == 85


def test_a_new_version_leaves_the_version_in_use_alone(chain):
    first = small_template()
    visit = services.visit_create(
        actor=chain.users["supervisor"], store=chain.stores_a[0], template=first.template
    )
    client = client_for(chain.users["mgmt"])
    page = client.get("/inspections/templates/mini/designer/")
    design = page.context["design"]
    assert [s.key for s in design.sections] == ["front", "safety"] and design.sections[0].items[
        0
    ].photo_required
    form = {
        "name": "小检查表",
        "critical_rule": "cap",
        "critical_cap": "50",
        "pass_mark": "80",
        "sections": "1",
        "s-0-key": "front",
        "s-0-title": "前厅",
        "s-0-items": "1",
        "i-0-0-key": "door",
        "i-0-0-title": "门口整洁有序",
        "i-0-0-scoring": "yes_no",
        "i-0-0-weight": "1",
        "op": "publish",
    }
    assert client.post("/inspections/templates/mini/designer/", form).status_code == 302
    assert TemplateVersion.objects.filter(template=first.template).count() == 2
    first.refresh_from_db()
    assert len(first.sections) == 2 and first.critical_rule == "fail"
    visit.refresh_from_db()
    assert visit.version_id == first.pk  # a visit started on the first version stays on it
    again = services.visit_create(actor=visit.inspector, store=visit.store, template=first.template)
    assert again.version.number == 2 and again.version.critical_rule == "cap"


def test_every_problem_is_named_and_nothing_published(chain):
    client = client_for(chain.users["mgmt"])
    bad = _form(
        op="publish",
        key="Bad Key",
        name="",
        pass_mark="120",
        **{"i-0-1-max_points": "500", "i-0-0-title": "", "i-0-1-key": "空 格"},
    )
    page = client.post("/inspections/designer/", bad)
    assert page.status_code == 400
    text = " ".join(str(e["message"]) for e in page.context["errors"])
    for words in ("标识须为", "名称", "0 到 100", "满分", "缺少名称", "检查项标识只能"):
        assert words in text, words
    assert not ChecklistTemplate.objects.filter(name="卫生专项检查").exists()
    not_image = SimpleUploadedFile("a.png", b"not an image", content_type="image/png")
    page = client.post("/inspections/designer/", {**_form(op="publish"), "i-0-0-ref": not_image})
    assert page.status_code == 400 and "不是图片" in str(page.context["errors"])
    assert not ChecklistTemplate.objects.filter(key="hygiene").exists()


def test_only_designers_design(chain):
    small_template()
    assert (
        client_for(chain.users["supervisor"]).get("/inspections/templates/mini/designer/").status_code == 404
    )
    response = client_for(chain.users["supervisor"]).post(
        "/api/inspections/templates/mini/versions",
        {
            "sections": [
                {"key": "a", "title": "A", "items": [{"key": "x", "title": "X", "scoring": "yes_no"}]}
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def test_the_api_publishes_a_version_with_a_reference_photo(chain):
    client = client_for(chain.users["mgmt"])
    photo = client.post(
        "/api/inspections/reference-photos", {"file": SimpleUploadedFile("a.png", PNG, "image/png")}
    )
    assert photo.status_code == 201, photo.content
    token = photo.json()["token"]
    body = {
        "name": "开档检查",
        "pass_mark": 90,
        "sections": [
            {
                "key": "a",
                "title": "备料",
                "items": [{"key": "x", "title": "备料齐全", "scoring": "yes_no", "reference_photo": token}],
            }
        ],
    }
    created = client.post("/api/inspections/templates/prep/versions", body, content_type="application/json")
    assert created.status_code == 201, created.content
    item = created.json()["sections"][0]["items"][0]
    assert item["reference_photo"] and "path" not in str(item["reference_photo"])
    body["sections"][0]["items"][0]["reference_photo"] = "forged"
    refused = client.post("/api/inspections/templates/prep/versions", body, content_type="application/json")
    assert refused.status_code == 422 and "标准照片" in str(refused.json())
    assert TemplateVersion.objects.filter(template__key="prep").count() == 1
