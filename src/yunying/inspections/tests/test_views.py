"""The pages: start a visit, the phone form, the report, findings with answer and verification, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from yunying.inspections import services
from yunying.inspections.models import Finding, Visit
from yunying.inspections.tests.test_services import _full

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_visit_pages_from_start_to_rectification(chain, django_assert_max_num_queries):
    from yunying.inspections.factories import small_template

    small_template()
    supervisor = client_for(chain.users["supervisor"])
    listing = supervisor.get("/inspections/")
    assert supervisor.get("/inspections/?from=2026-13-01&to=x").status_code == 200
    assert listing.status_code == 200 and "开始巡店" in listing.text and "巡店记录" in listing.text
    started = supervisor.post("/inspections/", {"store": "A1", "template": "mini"})
    visit = Visit.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/inspections/visits/{visit.pk}/"
    form = supervisor.get(f"/inspections/visits/{visit.pk}/")
    assert form.status_code == 200 and 'data-item="door"' in form.text and "需拍照" in form.text
    assert client_for(chain.users["area_a"]).get(f"/inspections/visits/{visit.pk}/").status_code == 404

    services.visit_submit(actor=visit.inspector, visit=visit, answers=_full(visit), idempotency_key="k")
    with django_assert_max_num_queries(20):
        report = supervisor.get(f"/inspections/visits/{visit.pk}/")
    assert 'data-testid="visit-score">70.0<' in report.text and "门口有纸箱" in report.text

    finding = Finding.objects.get(item_key="door")
    store = client_for(chain.users["store_a1"])
    assert "门口整洁" in store.get("/inspections/findings/").text
    assert client_for(chain.users["area_b"]).get(f"/inspections/findings/{finding.pk}/").status_code == 404
    page = store.get(f"/inspections/findings/{finding.pk}/")
    assert 'data-testid="answer-form"' in page.text and 'data-testid="verify-form"' not in page.text
    store.post(f"/inspections/findings/{finding.pk}/", {"action": "answer", "note": "已清理"})
    verify_page = supervisor.get(f"/inspections/findings/{finding.pk}/")
    assert 'data-testid="verify-form"' in verify_page.text
    supervisor.post(f"/inspections/findings/{finding.pk}/", {"action": "accept"})
    finding.refresh_from_db()
    assert finding.status == "closed"


def test_overdue_findings_are_listed(chain, visit_submitted=None):
    from yunying.inspections.factories import small_template

    version = small_template()
    supervisor = chain.users["supervisor"]
    visit = services.visit_create(actor=supervisor, store=chain.stores_a[0], template=version.template)
    services.visit_submit(actor=supervisor, visit=visit, answers=_full(visit), idempotency_key="k")
    Finding.objects.filter(item_key="door").update(due_on=dt.date(2020, 1, 1))
    overdue = client_for(supervisor).get("/inspections/findings/?overdue=1").text
    assert "门口整洁" in overdue and "地面干净" not in overdue and "逾期" in overdue


def test_templates_pages(chain):
    client = client_for(chain.users["store_a1"])
    listing = client.get("/inspections/templates/")
    assert "餐厅 QSC 巡店检查" in listing.text and "门店开店检查" in listing.text
    detail = client.get("/inspections/templates/opening/").text
    assert "09:00–09:10 晨会" in detail and "封顶" in detail and "红线" in detail
    assert client.get("/inspections/templates/missing/").status_code == 404
    assert "巡店记录" in client.get("/").text  # the sidebar
