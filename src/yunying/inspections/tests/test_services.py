"""Visits from start to findings: scope, validation, idempotent submission, rectification."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yunying.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from yunying.inspections import selectors, services
from yunying.inspections.factories import answers, png_bytes, small_template
from yunying.inspections.models import Finding, FindingEvent, FindingStatus, Visit, VisitAnswer

PNG = png_bytes()


def _png() -> SimpleUploadedFile:
    return SimpleUploadedFile("门口.png", PNG, content_type="image/png")


@pytest.fixture
def version(chain):
    return small_template()


@pytest.fixture
def visit(chain, version):
    return services.visit_create(
        actor=chain.users["supervisor"], store=chain.stores_a[0], template=version.template
    )


def _full(visit, **overrides):
    photo = services.photo_store(actor=visit.inspector, visit=visit, upload=_png())
    data = answers(door="no", floor="3", exit="yes", drill="na")
    data["door"]["photos"] = [photo["token"]]
    data["door"]["note"] = "门口有纸箱"
    data.update(answers(**overrides))
    return data


def test_shipped_checklists_are_seeded(chain):
    templates = {t.key: selectors.version_current(t) for t in selectors.template_list()}
    assert set(templates) >= {"qsc", "opening", "fire"}
    qsc = services.version_sections(templates["qsc"])
    assert 38 <= sum(len(s.items) for s in qsc) <= 45
    assert any(item.critical for s in qsc for item in s.items)
    assert templates["opening"].critical_rule == "cap"


def test_scope_decides_who_may_start_a_visit(chain, version):
    area_a = chain.users["area_a"]
    assert services.visit_create(actor=area_a, store=chain.stores_a[1], template=version.template).pk
    with pytest.raises(PermissionDenied):
        services.visit_create(actor=area_a, store=chain.stores_b[0], template=version.template)
    with pytest.raises(PermissionDenied):
        services.visit_create(
            actor=chain.users["store_a1"], store=chain.stores_a[0], template=version.template
        )


def test_submit_scores_writes_answers_and_findings_once(chain, visit):
    data = _full(visit)
    first = services.visit_submit(actor=visit.inspector, visit=visit, answers=data, idempotency_key="k-1")
    assert not first.repeated
    visit.refresh_from_db()
    # door 0/1, floor 0.6×2, exit 3/3, drill N/A → 100 × 4.2 / 6 = 70.0
    assert visit.score == Decimal("70.0") and visit.passed is False and visit.critical_failures == 0
    assert VisitAnswer.objects.filter(visit=visit).count() == 4
    findings = Finding.objects.filter(visit=visit).order_by("item_key")
    assert [f.item_key for f in findings] == ["door", "floor"]
    door = findings[0]
    assert door.owner is None or door.owner.user is None or door.owner.user.username == "store_a1"
    assert door.photos and door.photos[0]["path"] and door.inspector_note == "门口有纸箱"
    again = services.visit_submit(actor=visit.inspector, visit=visit, answers=data, idempotency_key="k-1")
    assert again.repeated and Finding.objects.filter(visit=visit).count() == 2
    assert VisitAnswer.objects.filter(visit=visit).count() == 4
    with pytest.raises(Conflict):
        services.visit_submit(actor=visit.inspector, visit=visit, answers=data, idempotency_key="k-2")


def test_a_finding_failed_on_the_previous_visit_too_is_repeated(chain, visit):
    services.visit_submit(actor=visit.inspector, visit=visit, answers=_full(visit), idempotency_key="k1")
    again = services.visit_create(actor=visit.inspector, store=visit.store, template=visit.version.template)
    data = _full(again)
    data["floor"]["value"] = "5"
    data["exit"]["value"] = "no"
    services.visit_submit(actor=visit.inspector, visit=again, answers=data, idempotency_key="k2")
    flags = dict(Finding.objects.filter(visit=again).values_list("item_key", "repeated"))
    assert flags == {"door": True, "exit": False}
    assert not Finding.objects.filter(visit=visit, repeated=True).exists()


def test_finding_owner_is_the_store_manager_and_deadline_follows_severity(chain, visit):
    services.visit_submit(
        actor=visit.inspector, visit=visit, answers=_full(visit, exit="no"), idempotency_key="k"
    )
    visit.refresh_from_db()
    assert visit.score == 0 and visit.passed is False and visit.critical_failures == 1
    exit_finding = Finding.objects.get(visit=visit, item_key="exit")
    door = Finding.objects.get(visit=visit, item_key="door")
    assert exit_finding.critical and exit_finding.owner.user.username == "store_a1"
    # one working day for a red line, three for the rest (a weekend in between counts no days)
    assert exit_finding.due_on == services.working_days_after(visit.store, visit.visited_on, 1)
    assert door.due_on == services.working_days_after(visit.store, visit.visited_on, 3)
    assert visit.visited_on < exit_finding.due_on < door.due_on


def test_bad_submissions_change_nothing(chain, visit):
    bad = answers(door="yes", floor="6", exit="na")  # no photo, out of range, N/A not allowed, drill missing
    with pytest.raises(ValidationFailed) as caught:
        services.visit_submit(actor=visit.inspector, visit=visit, answers=bad, idempotency_key="k")
    fields = sorted(e["field"] for e in caught.value.errors)
    assert fields == ["door", "drill", "exit", "floor"]
    assert "超出范围" in str(caught.value.errors)
    visit.refresh_from_db()
    assert visit.status == "draft" and not VisitAnswer.objects.exists() and not Finding.objects.exists()
    with pytest.raises(PermissionDenied):
        services.visit_submit(
            actor=chain.users["area_a"], visit=visit, answers=_full(visit), idempotency_key="k"
        )


def test_draft_keeps_answers_and_gives_the_running_score(chain, visit):
    preview = services.visit_draft_save(
        actor=visit.inspector, visit=visit, answers=answers(exit="yes", floor="9")
    )
    assert preview.score == Decimal("100.0") and preview.applicable == 1  # floor=9 is out of range: left out
    assert Visit.objects.get(pk=visit.pk).draft["exit"]["value"] == "yes"


def test_photo_must_be_an_image(chain, visit):
    with pytest.raises(DomainError, match="不是图片"):
        services.photo_store(
            actor=visit.inspector,
            visit=visit,
            upload=SimpleUploadedFile("a.jpg", b"not an image", "image/jpeg"),
        )


def test_rectification_answer_reopen_accept(chain, visit):
    services.visit_submit(actor=visit.inspector, visit=visit, answers=_full(visit), idempotency_key="k")
    finding = Finding.objects.get(visit=visit, item_key="door")
    store_manager = chain.users["store_a1"]
    with pytest.raises(PermissionDenied):
        services.finding_answer(actor=chain.users["staff_a1"], finding=finding, note="x")
    with pytest.raises(DomainError):
        services.finding_answer(actor=store_manager, finding=finding, note="  ")
    services.finding_answer(actor=store_manager, finding=finding, note="纸箱已清走", photos=[_png()])
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ANSWERED and finding.answer_photos[0]["path"]
    with pytest.raises(DomainError):
        services.finding_verify(actor=visit.inspector, finding=finding, accepted=False)  # reason required
    services.finding_verify(actor=visit.inspector, finding=finding, accepted=False, comment="仍有杂物")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    services.finding_answer(actor=store_manager, finding=finding, note="已全部清理")
    services.finding_verify(actor=visit.inspector, finding=finding, accepted=True)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED and finding.closed_at
    actions = list(FindingEvent.objects.filter(finding=finding).values_list("action", flat=True))
    assert actions == ["opened", "answered", "reopened", "answered", "accepted"]
    with pytest.raises(Conflict):
        services.finding_verify(actor=visit.inspector, finding=finding, accepted=True)


def test_store_manager_sees_only_their_stores_visits(chain, version):
    supervisor = chain.users["supervisor"]
    mine = services.visit_create(actor=supervisor, store=chain.stores_a[0], template=version.template)
    other = services.visit_create(actor=supervisor, store=chain.stores_b[0], template=version.template)
    for v in (mine, other):
        services.visit_submit(actor=supervisor, visit=v, answers=_full(v), idempotency_key=f"k{v.pk}")
    store_manager = chain.users["store_a1"]
    assert [v.pk for v in selectors.visit_list(user=store_manager)] == [mine.pk]
    assert {f.store_id for f in selectors.finding_list(user=store_manager)} == {chain.stores_a[0].pk}
    assert len(selectors.visit_list(user=supervisor)) == 2
    draft = services.visit_create(actor=supervisor, store=chain.stores_a[0], template=version.template)
    assert draft.pk not in [v.pk for v in selectors.visit_list(user=chain.users["area_a"])]


def test_seeding_an_existing_database_grants_the_inspection_permissions(chain):
    from django.contrib.auth.models import Permission

    from yunying.inspections.models import ChecklistTemplate
    from yunying.inspections.seed import seed_inspections
    from yunying.org.models import Position

    ChecklistTemplate.objects.all().delete()
    supervisor = Position.objects.get(code="SUPERVISOR")
    supervisor.permissions.remove(*Permission.objects.filter(content_type__app_label="inspections"))
    assert seed_inspections() == {"checklists": 3, "quality_processes": 0}
    assert supervisor.permissions.filter(codename="conduct_visit").exists()
    assert seed_inspections() == {"checklists": 0, "quality_processes": 0}
