"""Corrections of a submitted visit: a reason, one trail row per changed item, the score again, findings in
step, nothing written on bad input, and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from yunying.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from yunying.inspections import services
from yunying.inspections.models import Finding, FindingEvent, FindingStatus, VisitAnswer, VisitEdit
from yunying.inspections.tests.test_services import _full

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(chain):
    from yunying.inspections.factories import small_template

    version = small_template()
    visit = services.visit_create(
        actor=chain.users["supervisor"], store=chain.stores_a[0], template=version.template
    )
    services.visit_submit(actor=visit.inspector, visit=visit, answers=_full(visit), idempotency_key="k")
    visit.refresh_from_db()
    assert visit.score == Decimal("70.0")
    return visit


def test_a_correction_is_recorded_and_rescored(submitted):
    visit = submitted
    edits = services.visit_correct(
        actor=visit.inspector,
        visit=visit,
        changes={"floor": {"value": "5"}, "door": {"value": "yes", "note": "纸箱已移走"}},
        reason="地面分数录错",
    )
    visit.refresh_from_db()
    # door 1, floor 2, exit 3 of 6 → 100
    assert visit.score == Decimal("100.0") and visit.passed is True
    assert {e.item_key for e in edits} == {"door", "floor"}
    floor = VisitEdit.objects.get(visit=visit, item_key="floor")
    assert floor.before == {"value": "3", "note": ""} and floor.after == {"value": "5", "note": ""}
    assert floor.score_before == Decimal("70.0") and floor.score_after == Decimal("100.0")
    assert floor.actor == visit.inspector and floor.reason == "地面分数录错"
    answer = VisitAnswer.objects.get(visit=visit, item_key="door")
    assert answer.value == "yes" and not answer.failed and answer.note == "纸箱已移走"
    # the findings of the items that no longer fail are withdrawn, with the reason
    assert set(Finding.objects.filter(visit=visit).values_list("status", flat=True)) == {FindingStatus.CLOSED}
    withdrawn = FindingEvent.objects.filter(finding__visit=visit, action="withdrawn")
    assert withdrawn.count() == 2 and withdrawn.first().comment == "地面分数录错"


def test_an_item_that_now_fails_opens_a_finding(submitted):
    visit = submitted
    services.visit_correct(
        actor=visit.inspector, visit=visit, changes={"exit": {"value": "no"}}, reason="复核"
    )
    visit.refresh_from_db()
    assert visit.score == 0 and visit.passed is False and visit.critical_failures == 1
    finding = Finding.objects.get(visit=visit, item_key="exit")
    assert finding.critical and finding.status == FindingStatus.OPEN


def test_bad_corrections_change_nothing(chain, submitted):
    visit = submitted
    with pytest.raises(DomainError, match="原因"):
        services.visit_correct(
            actor=visit.inspector, visit=visit, changes={"floor": {"value": "5"}}, reason=" "
        )
    with pytest.raises(ValidationFailed) as caught:
        services.visit_correct(
            actor=visit.inspector,
            visit=visit,
            changes={"floor": {"value": "5"}, "exit": {"value": "na"}, "nope": {"value": "yes"}},
            reason="x",
        )
    assert sorted(e["field"] for e in caught.value.errors) == ["exit", "nope"]
    with pytest.raises(DomainError, match="相同"):
        services.visit_correct(
            actor=visit.inspector, visit=visit, changes={"floor": {"value": "3"}}, reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.visit_correct(
            actor=chain.users["area_a"], visit=visit, changes={"floor": {"value": "5"}}, reason="x"
        )
    visit.refresh_from_db()
    assert visit.score == Decimal("70.0") and not VisitEdit.objects.exists()
    assert VisitAnswer.objects.get(visit=visit, item_key="floor").value == "3"


def test_a_draft_is_not_corrected_through_the_trail(chain, submitted):
    draft = services.visit_create(
        actor=submitted.inspector, store=submitted.store, template=submitted.version.template
    )
    with pytest.raises(Conflict):
        services.visit_correct(
            actor=draft.inspector, visit=draft, changes={"floor": {"value": "5"}}, reason="x"
        )


def test_the_api_corrects_and_lists_the_trail(chain, submitted):
    client = Client()
    client.force_login(submitted.inspector)
    url = f"/api/inspections/visits/{submitted.pk}/corrections"
    bad = client.post(
        url, {"answers": {"floor": {"value": "9"}}, "reason": "x"}, content_type="application/json"
    )
    assert bad.status_code == 422 and "超出范围" in str(bad.json()["errors"])
    done = client.post(
        url, {"answers": {"floor": {"value": "5"}}, "reason": "录错"}, content_type="application/json"
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["score"] == "83.3"  # door 0, floor 2, exit 3 of 6
    assert body["edits"][0]["before"]["value"] == "3" and body["edits"][0]["actor"] == "supervisor"
    other = Client()
    other.force_login(chain.users["store_a1"])
    refused = other.post(
        url, {"answers": {"floor": {"value": "0"}}, "reason": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
