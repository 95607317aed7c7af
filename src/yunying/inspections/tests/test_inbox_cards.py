"""Corrective actions arrive in the same inbox as approvals: the 店长 while open, the inspector while the
answer waits for verification, nobody once closed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yunying.inspections import services
from yunying.inspections.factories import answers, png_bytes, small_template
from yunying.inspections.models import Finding
from yunying.workflow.inbox import todo_cards


def _titles(user) -> list[str]:
    return [c.title for c in todo_cards(user).filter(kind="rectification")]


@pytest.mark.django_db
def test_the_card_follows_the_finding(chain):
    supervisor, owner = chain.users["supervisor"], chain.users["store_a1"]
    visit = services.visit_create(
        actor=supervisor, store=chain.stores_a[0], template=small_template().template
    )
    data = answers(door="yes", floor="5", exit="no", drill="na")
    upload = SimpleUploadedFile("门口.png", png_bytes(), content_type="image/png")
    data["door"]["photos"] = [services.photo_store(actor=supervisor, visit=visit, upload=upload)["token"]]
    services.visit_submit(actor=supervisor, visit=visit, answers=data, idempotency_key="k")
    finding = Finding.objects.get(visit=visit)
    assert _titles(owner) == ["整改：安全出口畅通"] and _titles(supervisor) == []
    card = todo_cards(owner).get(kind="rectification")
    assert card.url == f"/inspections/findings/{finding.pk}/" and ["红线", "是"] in card.summary

    client = Client()
    client.force_login(owner)
    inbox = client.get("/workflow/inbox/").content.decode()
    assert "整改：安全出口畅通" in inbox

    services.finding_answer(actor=owner, finding=finding, note="已清理通道")
    assert _titles(owner) == [] and _titles(supervisor) == ["整改：安全出口畅通"]
    services.finding_verify(actor=supervisor, finding=finding, accepted=False, comment="仍有纸箱")
    assert _titles(owner) == ["整改：安全出口畅通"] and _titles(supervisor) == []
    services.finding_answer(actor=owner, finding=finding, note="已全部搬走")
    services.finding_verify(actor=supervisor, finding=finding, accepted=True)
    assert _titles(owner) == [] and _titles(supervisor) == []
    assert chain.users["area_b"] and _titles(chain.users["area_b"]) == []
