"""The inspections API: checklists, a visit from creation to submission (twice), actions, scope."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yunying.inspections.factories import answers, small_template
from yunying.inspections.models import Finding
from yunying.inspections.tests.test_services import PNG

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_templates_are_listed_and_read(chain, django_assert_max_num_queries):
    client = client_for(chain.users["staff_a1"])
    with django_assert_max_num_queries(8):
        listed = client.get("/api/inspections/templates").json()
    by_key = {t["key"]: t for t in listed}
    assert by_key["qsc"]["name"] == "餐厅 QSC 巡店检查" and by_key["qsc"]["items"] >= 38
    detail = client.get("/api/inspections/templates/opening").json()
    assert detail["critical_rule"] == "cap" and detail["sections"][1]["title"] == "09:00–09:10 晨会"
    assert client.get("/api/inspections/templates/nope").status_code == 404


def test_visit_round_trip_and_idempotent_submit(chain):
    small_template()
    supervisor = client_for(chain.users["supervisor"])
    created = supervisor.post(
        "/api/inspections/visits", {"store": "A1", "template": "mini"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    visit_id = created.json()["id"]
    photo = supervisor.post(
        f"/api/inspections/visits/{visit_id}/photos", {"file": SimpleUploadedFile("a.png", PNG, "image/png")}
    )
    assert photo.status_code == 201
    data = answers(door="no", floor="5", exit="yes", drill="pass")
    data["door"]["photos"] = [photo.json()["token"]]
    preview = supervisor.put(
        f"/api/inspections/visits/{visit_id}/answers", {"answers": data}, content_type="application/json"
    ).json()
    assert preview["score"] == "85.7" and preview["deducted"] == 1  # 100 × 6 / 7
    body = {"answers": data, "idempotency_key": "abc"}
    first = supervisor.post(
        f"/api/inspections/visits/{visit_id}/submit", body, content_type="application/json"
    )
    second = supervisor.post(
        f"/api/inspections/visits/{visit_id}/submit", body, content_type="application/json"
    )
    assert first.status_code == second.status_code == 200
    assert first.json()["score"] == "85.7" and not first.json()["repeated"] and second.json()["repeated"]
    assert Finding.objects.filter(visit_id=visit_id).count() == 1
    other = {**body, "idempotency_key": "other"}
    assert (
        supervisor.post(
            f"/api/inspections/visits/{visit_id}/submit", other, content_type="application/json"
        ).status_code
        == 409
    )
    today = supervisor.get(f"/api/inspections/visits/{visit_id}").json()["visited_on"]
    assert [
        v["id"] for v in supervisor.get(f"/api/inspections/visits?store=A1&from={today}&to={today}").json()
    ] == [visit_id]
    assert supervisor.get("/api/inspections/visits?to=2000-01-01").json() == []
    detail = supervisor.get(f"/api/inspections/visits/{visit_id}").json()
    assert detail["status"] == "submitted" and len(detail["answers"]) == 4 and len(detail["findings"]) == 1

    # The store manager of A1 sees it and answers; area manager of region B does not see it.
    assert client_for(chain.users["area_b"]).get(f"/api/inspections/visits/{visit_id}").status_code == 404
    store = client_for(chain.users["store_a1"])
    actions = store.get("/api/inspections/actions?status=open").json()
    assert [a["item"] for a in actions] == ["door"] and actions[0]["owner"] == "store_a1"
    action_id = actions[0]["id"]
    answered = store.post(
        f"/api/inspections/actions/{action_id}/answer",
        {"note": "已清理", "photos": [SimpleUploadedFile("b.png", PNG, "image/png")]},
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    verified = supervisor.post(
        f"/api/inspections/actions/{action_id}/verify", {"accepted": True}, content_type="application/json"
    )
    assert verified.json()["status"] == "closed"
    assert client_for(chain.users["area_b"]).get("/api/inspections/actions").json() == []


def test_bad_submission_lists_each_problem(chain):
    small_template()
    supervisor = client_for(chain.users["supervisor"])
    visit_id = supervisor.post(
        "/api/inspections/visits", {"store": "A1", "template": "mini"}, content_type="application/json"
    ).json()["id"]
    response = supervisor.post(
        f"/api/inspections/visits/{visit_id}/submit",
        {"answers": answers(door="yes", floor="7"), "idempotency_key": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"door", "floor", "exit", "drill"}
    outside = supervisor.post(
        "/api/inspections/visits", {"store": "ZZ", "template": "mini"}, content_type="application/json"
    )
    assert outside.status_code == 404
    store_manager = client_for(chain.users["store_a1"])
    refused = store_manager.post(
        "/api/inspections/visits", {"store": "A1", "template": "mini"}, content_type="application/json"
    )
    assert refused.status_code == 403


def test_openapi_lists_the_paths(chain):
    paths = client_for(chain.users["gm"]).get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/inspections/templates",
        "/api/inspections/templates/{key}",
        "/api/inspections/visits",
        "/api/inspections/visits/{visit_id}",
        "/api/inspections/visits/{visit_id}/answers",
        "/api/inspections/visits/{visit_id}/submit",
        "/api/inspections/actions",
        "/api/inspections/actions/{action_id}/answer",
        "/api/inspections/actions/{action_id}/verify",
    ):
        assert path in paths


def test_list_endpoints_keep_a_fixed_number_of_queries(chain, django_assert_max_num_queries):
    from yunying.inspections import services
    from yunying.inspections.tests.test_services import _full

    version = small_template()
    supervisor = chain.users["supervisor"]
    for store in [*chain.stores_a, *chain.stores_b]:
        visit = services.visit_create(actor=supervisor, store=store, template=version.template)
        services.visit_submit(
            actor=supervisor, visit=visit, answers=_full(visit), idempotency_key=f"k{visit.pk}"
        )
    client = client_for(supervisor)
    with django_assert_max_num_queries(8):
        visits = client.get("/api/inspections/visits").json()
    with django_assert_max_num_queries(8):
        actions = client.get("/api/inspections/actions").json()
    assert len(visits) == 9 and len(actions) == 18
