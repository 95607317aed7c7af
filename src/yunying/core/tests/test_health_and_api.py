from __future__ import annotations

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

pytestmark = pytest.mark.django_db


def test_healthz_ok():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "queue": True}


def test_healthz_503_when_queue_unreachable(monkeypatch):
    def broken() -> int:
        raise ConnectionError("queue storage unreachable")

    monkeypatch.setattr(HUEY, "pending_count", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["queue"] is False


def test_openapi_document_lists_org_endpoints(chain):
    assert Client().get("/api/openapi.json").status_code == 302  # behind login
    client = Client()
    client.force_login(chain.users["staff_a1"])
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/org/units",
        "/api/org/stores",
        "/api/org/stores/{code}",
        "/api/org/positions",
        "/api/org/people",
        "/api/org/people/{employee_no}",
    ):
        assert path in paths, path
    schemes = response.json()["components"]["securitySchemes"]
    assert {"TokenAuth", "SessionAuth"} <= set(schemes)


def test_api_docs_page(chain):
    client = Client()
    client.force_login(chain.users["gm"])
    assert client.get("/api/docs").status_code == 200


def test_positions_catalog_api(chain):
    client = Client()
    client.force_login(chain.users["staff_a1"])
    rows = {row["code"]: row for row in client.get("/api/org/positions").json()}
    assert rows["WAITER"]["superior_code"] == "FOH-LEAD"
    assert rows["STORE-MGR"]["superior_code"] == "AREA-MGR"
    assert sum(1 for r in rows.values() if r["is_store_standard"]) == 7


def test_store_detail_api_shows_vacancies(chain):
    client = Client()
    client.force_login(chain.users["mgmt"])
    store = client.get("/api/org/stores/A1").json()
    assert store["region_code"] == "RA"
    vacant = [s["position_name"] for s in store["seats"] if s["vacant"]]
    assert len(store["seats"]) == 7 and len(vacant) == 5
