"""Inspection writes: publish a checklist version, start a visit, keep its draft, submit it (idempotent),
upload photos, and the rectification steps of a finding (answer, accept, reopen). Reads: selectors.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.calendar import CalendarUnknown, UnitCalendar, unit_calendar
from yunying.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from yunying.core.settings_store import setting_get, setting_get_int
from yunying.forms.files import clean_files, file_from_token, file_token, store_upload
from yunying.forms.schema import PHOTO, FieldSpec
from yunying.forms.values import InvalidValue
from yunying.inspections.cards import finding_card_sync, findings_cards_sync
from yunying.inspections.definition import NA, Item, Section, items_of, sections_parse
from yunying.inspections.models import (
    ANSWER_PERMISSION,
    CONDUCT_PERMISSION,
    ChecklistTemplate,
    CriticalRule,
    Finding,
    FindingEvent,
    FindingStatus,
    TemplateVersion,
    Visit,
    VisitAnswer,
    VisitEdit,
    VisitStatus,
)
from yunying.inspections.scoring import BadAnswer, ScoreResult, item_ratio, score_compute
from yunying.org.models import Appointment, Employee, OrgUnit, UnitKind
from yunying.org.scope import scope_for

MAX_NOTE = 2000
MAX_PHOTOS_PER_ITEM = 6
PHOTO_SPEC = FieldSpec(
    key="photo", type=PHOTO, label_zh="照片", max_size_mb=10, max_files=MAX_PHOTOS_PER_ITEM
)


# ----- templates -----------------------------------------------------------------------------------------


@transaction.atomic
def template_publish(
    *,
    key: str,
    name: str,
    sections: list[dict[str, Any]],
    name_en: str = "",
    description: str = "",
    critical_rule: str = CriticalRule.FAIL,
    critical_cap: Decimal | int = 60,
    pass_mark: Decimal | int = 80,
    sort_order: int = 0,
) -> TemplateVersion:
    """Publish a new version of a checklist (creating the checklist the first time); earlier versions and
    the visits done on them stay as they are."""
    sections_parse(sections)
    if critical_rule not in CriticalRule.values:
        raise DomainError(_("红线规则无效。"), field="critical_rule")
    if not 0 <= Decimal(pass_mark) <= 100 or not 0 <= Decimal(critical_cap) <= 100:
        raise DomainError(_("合格分和封顶分必须在 0 到 100 之间。"), field="pass_mark")
    template, _created = ChecklistTemplate.objects.get_or_create(
        key=key,
        defaults={"name": name, "name_en": name_en, "description": description, "sort_order": sort_order},
    )
    if not _created:
        template.name, template.name_en, template.description = name, name_en, description
        template.save(update_fields=["name", "name_en", "description", "updated_at"])
    last = TemplateVersion.objects.select_for_update().filter(template=template).order_by("-number").first()
    return TemplateVersion.objects.create(
        template=template,
        number=(last.number + 1) if last else 1,
        sections=sections,
        critical_rule=critical_rule,
        critical_cap=critical_cap,
        pass_mark=pass_mark,
        is_published=True,
        published_at=clock.now(),
    )


DESIGN_PERMISSION = "inspections.add_templateversion"


def template_design_publish(
    *, actor: Any, design: Any, template: ChecklistTemplate | None = None
) -> TemplateVersion:
    """Publish a design from the browser designer as the checklist's next version (a new checklist when
    ``template`` is None). Versions already published stay as they are: a visit keeps the one it was done
    on. Every problem of the design comes back at once and nothing is written."""
    from yunying.inspections.designer import TEMPLATE_KEY_RE, design_sections

    if not actor.has_perm(DESIGN_PERMISSION):
        raise PermissionDenied(_("您没有设计检查表的权限。"))
    errors: list[dict[str, object]] = list(design.errors)
    key = template.key if template is not None else design.key
    if template is None:
        if not TEMPLATE_KEY_RE.match(key):
            errors.append({"field": "key", "message": _("标识须为 2–60 个小写字母、数字、- 或 _。")})
        elif ChecklistTemplate.objects.filter(key=key).exists():
            errors.append({"field": "key", "message": _("标识“%(key)s”已被使用。") % {"key": key}})
    if not design.name:
        errors.append({"field": "name", "message": _("请填写检查表名称。")})
    numbers: dict[str, Decimal] = {}
    for name in ("pass_mark", "critical_cap"):
        try:
            numbers[name] = Decimal(getattr(design, name) or "x")
        except ArithmeticError:
            errors.append({"field": name, "message": _("合格分和封顶分必须在 0 到 100 之间。")})
            continue
        if not numbers[name].is_finite() or not 0 <= numbers[name] <= 100:
            errors.append({"field": name, "message": _("合格分和封顶分必须在 0 到 100 之间。")})
    if design.critical_rule not in CriticalRule.values:
        errors.append({"field": "critical_rule", "message": _("红线规则无效。")})
    try:
        sections = design_sections(design)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        sections = []
    if errors:
        raise ValidationFailed(_("检查表有 %(n)d 个问题，未发布。") % {"n": len(errors)}, errors=errors)
    return template_publish(
        key=key,
        name=design.name,
        name_en=design.name_en,
        description=design.description,
        sections=sections,
        critical_rule=design.critical_rule,
        critical_cap=numbers["critical_cap"],
        pass_mark=numbers["pass_mark"],
        sort_order=template.sort_order if template is not None else 100,
    )


def template_version_publish(
    *,
    actor: Any,
    key: str,
    template: ChecklistTemplate | None,
    name: str | None,
    name_en: str | None,
    description: str | None,
    critical_rule: str,
    critical_cap: Decimal,
    pass_mark: Decimal,
    sections: Any,
) -> TemplateVersion:
    """The API's way to publish a version: sections as JSON with reference photos as tokens."""
    from yunying.inspections.designer import TEMPLATE_KEY_RE

    if not actor.has_perm(DESIGN_PERMISSION):
        raise PermissionDenied(_("您没有设计检查表的权限。"))
    if template is None and not TEMPLATE_KEY_RE.match(key):
        raise DomainError(_("标识须为 2–60 个小写字母、数字、- 或 _。"), field="key")
    name = str(name or (template.name if template else "")).strip()[:100]
    if not name:
        raise DomainError(_("请填写检查表名称。"), field="name")
    if not isinstance(sections, list) or len(sections) > 30:
        raise DomainError(_("检查表定义有误。"), field="sections")
    resolved: list[Any] = []
    errors: list[dict[str, object]] = []
    for s_index, section in enumerate(sections):
        if not isinstance(section, dict):
            resolved.append(section)
            continue
        items = []
        for i_index, item in enumerate(section.get("items") or []):
            if isinstance(item, dict) and item.get("reference_photo"):
                ref = file_from_token(str(item["reference_photo"]))
                if ref is None:
                    errors.append(
                        {
                            "field": f"sections[{s_index}].items[{i_index}]",
                            "message": _("标准照片无效，请重新上传。"),
                        }
                    )
                item = {**item, "reference_photo": ref}
            items.append(item)
        resolved.append({**section, "items": items})
    if errors:
        raise ValidationFailed(_("检查表定义有误。"), errors=errors)
    return template_publish(
        key=key,
        name=name,
        name_en=str(name_en if name_en is not None else (template.name_en if template else ""))[:150],
        description=str(
            description if description is not None else (template.description if template else "")
        )[:2000],
        sections=resolved,
        critical_rule=critical_rule,
        critical_cap=critical_cap,
        pass_mark=pass_mark,
        sort_order=template.sort_order if template is not None else 100,
    )


def reference_photo_store(*, actor: Any, upload: UploadedFile) -> dict[str, Any]:
    """Store a checklist item's reference photo; returns {token, name}."""
    if not actor.has_perm(DESIGN_PERMISSION):
        raise PermissionDenied(_("您没有设计检查表的权限。"))
    return _photo_store(upload)


def version_sections(version: TemplateVersion) -> list[Section]:
    return sections_parse(version.sections)


# ----- visits --------------------------------------------------------------------------------------------


def _check_may_inspect(user: Any, store: OrgUnit) -> None:
    if not user.has_perm(CONDUCT_PERMISSION):
        raise PermissionDenied(_("您没有巡店检查的权限。"))
    if store.kind != UnitKind.STORE or not scope_for(user).sees_unit(store.pk):
        raise PermissionDenied(_("该门店不在您的管辖范围内。"))


@transaction.atomic
def visit_create(*, actor: Any, store: OrgUnit, template: ChecklistTemplate) -> Visit:
    """Start a visit of a store on the template's current published version."""
    _check_may_inspect(actor, store)
    if not template.is_active:
        raise DomainError(_("该检查表已停用。"), field="template")
    version = template.versions.filter(is_published=True).order_by("-number").first()
    if version is None:
        raise DomainError(_("该检查表还没有发布的版本。"), field="template")
    return Visit.objects.create(store=store, version=version, inspector=actor, visited_on=clock.today())


def _check_own_draft(actor: Any, visit: Visit) -> None:
    if visit.inspector_id != actor.pk:
        raise PermissionDenied(_("只有检查人本人可以填写这次巡店。"))
    if visit.status != VisitStatus.DRAFT:
        raise Conflict(_("这次巡店已经提交，不能再修改。"), code="already_submitted")


def _clean_entry(raw: Any) -> dict[str, Any]:
    """One item's answer as sent by a client: {value, note, photos: [token…]} (unknown keys dropped)."""
    if not isinstance(raw, dict):
        return {}
    photos = raw.get("photos")
    photos = photos if isinstance(photos, list) else []
    return {
        "value": str(raw.get("value") or "")[:20],
        "note": str(raw.get("note") or "")[:MAX_NOTE],
        "photos": [str(p) for p in photos if isinstance(p, str)][:MAX_PHOTOS_PER_ITEM],
    }


def _clean_answers(sections: list[Section], answers: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(answers, dict):
        raise DomainError(_("答案格式不正确。"), field="answers")
    keys = {item.key for _section, item in items_of(sections)}
    return {key: _clean_entry(raw) for key, raw in answers.items() if key in keys}


def _scored_pairs(sections: list[Section], answers: dict[str, dict[str, Any]]) -> list[tuple[Item, str]]:
    pairs = []
    for _section, item in items_of(sections):
        value = answers.get(item.key, {}).get("value", "")
        if value:
            pairs.append((item, value))
    return pairs


def visit_preview(visit: Visit, answers: dict[str, dict[str, Any]]) -> ScoreResult:
    """The running score of what is answered so far (answers the item does not accept are left out)."""
    sections = version_sections(visit.version)
    valid = []
    for item, value in _scored_pairs(sections, answers):
        try:
            item_ratio(item, value)
        except BadAnswer:
            continue
        valid.append((item, value))
    return _score(visit.version, valid)


def _score(version: TemplateVersion, pairs: list[tuple[Item, str]]) -> ScoreResult:
    return score_compute(
        pairs,
        critical_rule=version.critical_rule,
        critical_cap=version.critical_cap,
        pass_mark=version.pass_mark,
    )


@transaction.atomic
def visit_draft_save(*, actor: Any, visit: Visit, answers: Any) -> ScoreResult:
    """Keep the answers so far on the server (the device keeps its own copy too); returns the running score."""
    visit = Visit.objects.select_for_update().select_related("version").get(pk=visit.pk)
    _check_own_draft(actor, visit)
    cleaned = _clean_answers(version_sections(visit.version), answers)
    visit.draft = cleaned
    visit.save(update_fields=["draft", "updated_at"])
    return visit_preview(visit, cleaned)


def _validate_submission(
    sections: list[Section], answers: dict[str, dict[str, Any]]
) -> list[dict[str, object]]:
    errors: list[dict[str, object]] = []
    for _section, item in items_of(sections):
        entry = answers.get(item.key, {})
        value = entry.get("value", "")

        def problem(message: str, key: str = item.key) -> None:
            errors.append({"field": key, "message": message})

        if not value:
            problem(_("“%(item)s”还没有作答。") % {"item": item.title})
            continue
        try:
            item_ratio(item, value)
        except BadAnswer:
            if value == NA:
                problem(_("“%(item)s”不允许选择不适用。") % {"item": item.title})
            else:
                problem(_("“%(item)s”的答案“%(value)s”超出范围。") % {"item": item.title, "value": value})
            continue
        for token in entry.get("photos", []):
            if file_from_token(token) is None:
                problem(_("“%(item)s”的照片无效或已过期，请重新上传。") % {"item": item.title})
        if item.photo_required and value != NA and not entry.get("photos"):
            problem(_("“%(item)s”需要拍照。") % {"item": item.title})
    return errors


def _store_manager(store: OrgUnit) -> Employee | None:
    appointment = (
        Appointment.objects.active(clock.today())
        .filter(unit=store, position__is_head=True, position__unit_kind=UnitKind.STORE)
        .select_related("employee")
        .order_by("started_on")
        .first()
    )
    return appointment.employee if appointment else None


def finding_due_on(*, store: OrgUnit, opened_on: dt.date, critical: bool) -> dt.date:
    """The rectification deadline: working days of the store's calendar after the visit (settings; red
    lines sooner). A year the calendar has no data for counts calendar days (never a guessed holiday)."""
    days = setting_get_int("inspections.finding_days_critical" if critical else "inspections.finding_days")
    return working_days_after(store, opened_on, days)


def working_days_after(
    unit: OrgUnit, start: dt.date, days: int, *, calendar: UnitCalendar | None = None
) -> dt.date:
    """The date ``days`` working days after ``start`` in ``unit``'s business calendar (``calendar``: that
    calendar when the caller has read it already, e.g. with ``unit_calendars`` for many stores)."""
    if days <= 0:
        return start
    calendar = calendar or unit_calendar(unit)
    d, found = start, 0
    try:
        while found < days:
            d += dt.timedelta(days=1)
            found += int(calendar.is_working_day(d))
            if (d - start).days > 366:
                raise CalendarUnknown(d.year)
    except CalendarUnknown:
        return start + dt.timedelta(days=days)
    return d


@dataclass(frozen=True)
class Submitted:
    visit: Visit
    repeated: bool
    """True when this was the same submission sent again: nothing new was written."""


@transaction.atomic
def visit_submit(
    *,
    actor: Any,
    visit: Visit,
    answers: Any,
    idempotency_key: str,
    summary: str = "",
    signature: str = "",
    signed_by: str = "",
    inspector_signature: str = "",
) -> Submitted:
    """Score and close a visit: every item answered (or N/A where allowed), required photos present.
    Failed items become findings owned by the store's 店长. The store manager's and the inspector's signatures
    (PNG data URLs) are kept with it; with the setting ``inspections.signatures_required`` on, a submission
    without both is refused. Sending the same submission again (same ``idempotency_key``) returns the first
    result and writes nothing."""
    key = str(idempotency_key or "").strip()[:64]
    if not key:
        raise DomainError(_("缺少提交编号。"), field="idempotency_key")
    visit = Visit.objects.select_for_update().select_related("version", "store").get(pk=visit.pk)
    if visit.inspector_id != actor.pk:
        raise PermissionDenied(_("只有检查人本人可以提交这次巡店。"))
    if visit.status == VisitStatus.SUBMITTED:
        if visit.submission_key == key:
            return Submitted(visit, repeated=True)
        raise Conflict(_("这次巡店已经提交过了。"), code="already_submitted")
    sections = version_sections(visit.version)
    cleaned = _clean_answers(sections, answers)
    errors = _validate_submission(sections, cleaned)
    if bool(setting_get("inspections.signatures_required")):
        if not signature:
            errors.append({"field": "signature", "message": _("需要店长签字才能提交。")})
        if not inspector_signature:
            errors.append({"field": "inspector_signature", "message": _("需要检查人签字才能提交。")})
    if errors:
        raise ValidationFailed(_("提交不完整：%(n)d 个问题。") % {"n": len(errors)}, errors=errors)
    result = _score(visit.version, _scored_pairs(sections, cleaned))
    if result.score is None:
        raise DomainError(_("所有检查项都不适用，无法评分。"), field="answers")
    if signature:
        from yunying.inspections.evidence import signature_upload

        signed = signature_upload(signature)
        ref = _ref_of(_photo_store(signed))
        visit.signature, visit.signed_by = ref, str(signed_by or "").strip()[:50]
    if inspector_signature:
        from yunying.inspections.evidence import signature_upload

        visit.inspector_signature = _ref_of(_photo_store(signature_upload(inspector_signature)))
    _write_answers(visit, sections, cleaned, actor)
    visit.status = VisitStatus.SUBMITTED
    visit.submitted_at = clock.now()
    visit.submission_key = key
    visit.score, visit.raw_score, visit.passed = result.score, result.raw_score, result.passed
    visit.critical_failures = result.critical_failures
    visit.summary = str(summary or "")[:MAX_NOTE]
    visit.draft = {}
    visit.save()
    return Submitted(visit, repeated=False)


def _write_answers(
    visit: Visit, sections: list[Section], answers: dict[str, dict[str, Any]], actor: Any
) -> None:
    owner = _store_manager(visit.store)
    opened_on = clock.today()
    failed_before = _failed_last_time(visit)
    rows, findings = [], []
    for section, item in items_of(sections):
        entry = answers[item.key]
        ratio = item_ratio(item, entry["value"])
        photos = [ref for ref in (file_from_token(t) for t in entry["photos"]) if ref]
        failed = ratio is not None and ratio < 1
        rows.append(
            VisitAnswer(
                visit=visit,
                section_key=section.key,
                item_key=item.key,
                value=entry["value"],
                not_applicable=ratio is None,
                note=entry["note"],
                photos=photos,
                ratio=ratio,
                failed=failed,
                critical=item.critical,
            )
        )
        if failed:
            findings.append(
                Finding(
                    visit=visit,
                    store=visit.store,
                    item_key=item.key,
                    section_title=section.title,
                    item_title=item.title,
                    critical=item.critical,
                    repeated=item.key in failed_before,
                    inspector_note=entry["note"],
                    photos=photos,
                    owner=owner,
                    due_on=finding_due_on(store=visit.store, opened_on=opened_on, critical=item.critical),
                )
            )
    VisitAnswer.objects.bulk_create(rows)
    now = clock.now()
    for finding in findings:
        finding.save()
        FindingEvent.objects.create(finding=finding, action=FindingEvent.Action.OPENED, actor=actor, at=now)
    findings_cards_sync(findings)


def _failed_last_time(visit: Visit) -> set[str]:
    """Items failed on the store's previous submitted visit of the same checklist (any version)."""
    previous = (
        Visit.objects.filter(
            store_id=visit.store_id,
            version__template_id=visit.version.template_id,
            status=VisitStatus.SUBMITTED,
            visited_on__lte=visit.visited_on,
        )
        .exclude(pk=visit.pk)
        .order_by("-visited_on", "-pk")
        .first()
    )
    if previous is None:
        return set()
    return set(VisitAnswer.objects.filter(visit=previous, failed=True).values_list("item_key", flat=True))


# ----- corrections after submission (the edit trail) ----------------------------------------------------

MAX_CORRECTIONS = 100


def may_correct(user: Any, visit: Visit) -> bool:
    """The inspector corrects their own submitted visit; someone with ``inspections.change_visit`` whose scope
    holds the store may too. Nobody else, and never silently."""
    if visit.status != VisitStatus.SUBMITTED:
        return False
    if visit.inspector_id == user.pk:
        return True
    return bool(user.has_perm("inspections.change_visit") and scope_for(user).sees_unit(visit.store_id))


def _answer_state(answer: VisitAnswer) -> dict[str, Any]:
    return {"value": answer.value, "note": answer.note}


@transaction.atomic
def visit_correct(*, actor: Any, visit: Visit, changes: Any, reason: str) -> list[VisitEdit]:
    """Correct answers of a submitted visit: ``changes`` maps item keys to ``{value, note}``. A reason is
    required; each changed item is one ``VisitEdit`` (who, when, before/after, score before/after); the score
    is computed again with the same formula; an item that now fails opens a finding, an item that no longer
    fails withdraws its finding unless it is already closed. Nothing is written when any change is invalid."""
    visit = Visit.objects.select_for_update().select_related("version", "store").get(pk=visit.pk)
    if visit.status != VisitStatus.SUBMITTED:
        raise Conflict(_("这次巡店还没有提交，请直接修改草稿。"), code="not_submitted")
    if not may_correct(actor, visit):
        raise PermissionDenied(_("您不能修改这次巡店。"))
    reason = str(reason or "").strip()[:MAX_NOTE]
    if not reason:
        raise DomainError(_("修改已提交的巡店必须写明原因。"), field="reason")
    if not isinstance(changes, dict) or not changes:
        raise DomainError(_("没有要修改的内容。"), field="answers")
    if len(changes) > MAX_CORRECTIONS:
        raise DomainError(_("一次最多修改 %(n)d 项。") % {"n": MAX_CORRECTIONS}, field="answers")
    sections = version_sections(visit.version)
    by_key = {item.key: (section, item) for section, item in items_of(sections)}
    rows = {a.item_key: a for a in VisitAnswer.objects.select_for_update().filter(visit=visit)}
    errors: list[dict[str, object]] = []
    planned: list[tuple[Section, Item, VisitAnswer, dict[str, Any], dict[str, Any]]] = []
    for key, raw in changes.items():
        if key not in by_key or key not in rows:
            errors.append(
                {"field": str(key)[:40], "message": _("没有检查项“%(key)s”。") % {"key": str(key)[:40]}}
            )
            continue
        section, item = by_key[key]
        row = rows[key]
        raw = raw if isinstance(raw, dict) else {}
        value = str(raw.get("value") if raw.get("value") is not None else row.value)[:20]
        note = str(raw.get("note") if raw.get("note") is not None else row.note)[:MAX_NOTE]
        try:
            item_ratio(item, value)
        except BadAnswer:
            message = (
                _("“%(item)s”不允许选择不适用。") % {"item": item.title}
                if value == NA
                else _("“%(item)s”的答案“%(value)s”超出范围。") % {"item": item.title, "value": value}
            )
            errors.append({"field": key, "message": message})
            continue
        if item.photo_required and value != NA and not row.photos:
            errors.append({"field": key, "message": _("“%(item)s”需要拍照。") % {"item": item.title}})
            continue
        if value != row.value or note != row.note:
            planned.append((section, item, row, _answer_state(row), {"value": value, "note": note}))
    if errors:
        raise ValidationFailed(_("修改有误：%(n)d 个问题。") % {"n": len(errors)}, errors=errors)
    if not planned:
        raise DomainError(_("答案与原来相同，没有修改。"), field="answers")
    score_before = visit.score
    for _section, item, row, _before, after in planned:
        ratio = item_ratio(item, after["value"])
        row.value, row.note = after["value"], after["note"]
        row.ratio, row.not_applicable = ratio, ratio is None
        row.failed = ratio is not None and ratio < 1
        row.save(update_fields=["value", "note", "ratio", "not_applicable", "failed"])
    pairs = [(item, rows[item.key].value) for _s, item in items_of(sections) if item.key in rows]
    result = _score(visit.version, pairs)
    visit.score, visit.raw_score, visit.passed = result.score, result.raw_score, result.passed
    visit.critical_failures = result.critical_failures
    visit.save(update_fields=["score", "raw_score", "passed", "critical_failures", "updated_at"])
    now = clock.now()
    edits = []
    for section, item, row, before, _after in planned:
        edits.append(
            VisitEdit(
                visit=visit,
                item_key=item.key,
                item_title=item.title,
                actor=actor,
                at=now,
                reason=reason,
                before=before,
                after=_answer_state(row),
                score_before=score_before,
                score_after=visit.score,
            )
        )
        _finding_follow(visit, section, item, row, actor, reason)
    return VisitEdit.objects.bulk_create(edits)


def _finding_follow(
    visit: Visit, section: Section, item: Item, row: VisitAnswer, actor: Any, reason: str
) -> None:
    """Keep the visit's findings in step with a corrected answer."""
    finding = Finding.objects.filter(visit=visit, item_key=item.key).first()
    now = clock.now()
    if row.failed and finding is None:
        finding = Finding.objects.create(
            visit=visit,
            store=visit.store,
            item_key=item.key,
            section_title=section.title,
            item_title=item.title,
            critical=item.critical,
            repeated=item.key in _failed_last_time(visit),
            inspector_note=row.note,
            photos=row.photos,
            owner=_store_manager(visit.store),
            due_on=finding_due_on(store=visit.store, opened_on=clock.today(), critical=item.critical),
        )
        FindingEvent.objects.create(
            finding=finding, action=FindingEvent.Action.OPENED, actor=actor, comment=reason, at=now
        )
        finding_card_sync(finding)
    elif not row.failed and finding is not None and finding.status != FindingStatus.CLOSED:
        finding.status, finding.closed_at = FindingStatus.CLOSED, now
        finding.save(update_fields=["status", "closed_at", "updated_at"])
        FindingEvent.objects.create(
            finding=finding, action=FindingEvent.Action.WITHDRAWN, actor=actor, comment=reason, at=now
        )
        finding_card_sync(finding)


def photo_store(*, actor: Any, visit: Visit, upload: UploadedFile) -> dict[str, Any]:
    """Store one photo for an item of the actor's own draft visit, watermarked with the time, the store and
    the inspector; returns {token, name} to put in answers."""
    from django.utils import timezone

    from yunying.inspections.evidence import watermark

    _check_own_draft(actor, visit)
    try:
        clean_files(PHOTO_SPEC, [], [upload])  # the original: an image, within the size limit
    except InvalidValue as exc:
        raise DomainError(str(exc), field="photo") from exc
    store = visit.store
    moment = timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M")
    who = getattr(actor, "display_name", "") or actor.username
    marked = watermark(
        upload,
        [
            f"{moment} · {store.code} {store.name}",
            _("检查人 %(who)s · 巡店 #%(n)d") % {"who": who, "n": visit.pk},
        ],
        [f"{moment} {store.code}", f"{actor.username} #{visit.pk}"],
    )
    return _photo_store(marked)


@transaction.atomic
def store_location_set(*, actor: Any, store: OrgUnit, latitude: Any, longitude: Any) -> Any:
    """Set a store's coordinates (people with ``inspections.change_storelocation`` whose scope holds it)."""
    from yunying.inspections.models import StoreLocation

    if not actor.has_perm("inspections.change_storelocation") or not scope_for(actor).sees_unit(store.pk):
        raise PermissionDenied(_("您不能设置该门店的坐标。"))
    try:
        lat, lng = Decimal(str(latitude)), Decimal(str(longitude))
    except ArithmeticError:
        raise DomainError(_("定位数据无效。"), field="position") from None
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise DomainError(_("定位数据无效。"), field="position")
    location, _created = StoreLocation.objects.update_or_create(
        store=store,
        defaults={
            "latitude": lat.quantize(Decimal("0.000001")),
            "longitude": lng.quantize(Decimal("0.000001")),
        },
    )
    return location


def _coordinate(text: Any, *, label: str, limit: int) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except ArithmeticError:
        raise DomainError(_("%(what)s不是数字。") % {"what": label}, field="position") from None
    if not value.is_finite() or not -limit <= value <= limit:
        raise DomainError(
            _("%(what)s须在 −%(n)d 到 %(n)d 之间。") % {"what": label, "n": limit}, field="position"
        )
    return value


@transaction.atomic
def store_location_save(*, actor: Any, store: OrgUnit, latitude: Any, longitude: Any) -> Any:
    """The store page's coordinates: both given sets them (latitude −90–90, longitude −180–180, WGS-84), both
    empty removes them (the check-in is then never compared), one without the other is refused. Returns the
    location, or None when removed. Same permission as :func:`store_location_set`."""
    from yunying.inspections.models import StoreLocation

    if not actor.has_perm("inspections.change_storelocation") or not scope_for(actor).sees_unit(store.pk):
        raise PermissionDenied(_("您不能设置该门店的坐标。"))
    lat_text, lng_text = str(latitude or "").strip(), str(longitude or "").strip()
    if not lat_text and not lng_text:
        StoreLocation.objects.filter(store=store).delete()
        return None
    if not lat_text or not lng_text:
        raise DomainError(_("纬度和经度须同时填写，或同时留空以清除坐标。"), field="position")
    lat = _coordinate(lat_text, label=_("纬度"), limit=90)
    lng = _coordinate(lng_text, label=_("经度"), limit=180)
    return store_location_set(actor=actor, store=store, latitude=lat, longitude=lng)


def visit_checkin(*, actor: Any, visit: Visit, latitude: Any, longitude: Any, accuracy: Any = None) -> Visit:
    """Record where the phone was at the visit (the latest check-in counts): the distance to the store's
    coordinates when it has some, flagged beyond ``inspections.checkin_radius_m``. Never blocks a visit."""
    from yunying.inspections.evidence import distance_m
    from yunying.inspections.models import StoreLocation

    _check_own_draft(actor, visit)
    try:
        lat, lng = Decimal(str(latitude)), Decimal(str(longitude))
        acc = None if accuracy in (None, "") else int(Decimal(str(accuracy)))
    except (ArithmeticError, ValueError):
        raise DomainError(_("定位数据无效。"), field="position") from None
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise DomainError(_("定位数据无效。"), field="position")
    if acc is not None and not 0 <= acc <= 100_000:
        raise DomainError(_("定位精度无效。"), field="accuracy")
    location = StoreLocation.objects.filter(store_id=visit.store_id).first()
    distance = distance_m(lat, lng, location.latitude, location.longitude) if location else None
    visit.checkin_at = clock.now()
    visit.checkin_latitude, visit.checkin_longitude = (
        lat.quantize(Decimal("0.000001")),
        lng.quantize(Decimal("0.000001")),
    )
    visit.checkin_accuracy_m = acc
    visit.checkin_distance_m = distance
    visit.checkin_flagged = distance is not None and distance > setting_get_int(
        "inspections.checkin_radius_m"
    )
    visit.save(
        update_fields=[
            "checkin_at",
            "checkin_latitude",
            "checkin_longitude",
            "checkin_accuracy_m",
            "checkin_distance_m",
            "checkin_flagged",
            "updated_at",
        ]
    )
    return visit


def _photo_store(upload: UploadedFile) -> dict[str, Any]:
    try:
        refs, pending = clean_files(PHOTO_SPEC, [], [upload])
    except InvalidValue as exc:
        raise DomainError(str(exc), field="photo") from exc
    for item in pending:
        item.ref["path"] = store_upload(item.file)
    return {"token": file_token(refs[0]), "name": refs[0]["name"]}


# ----- findings ------------------------------------------------------------------------------------------


def _may_answer(user: Any, finding: Finding) -> bool:
    if finding.owner_id and finding.owner is not None and finding.owner.user_id == user.pk:
        return True
    return bool(user.has_perm(ANSWER_PERMISSION) and scope_for(user).sees_unit(finding.store_id))


def may_verify(user: Any, finding: Finding) -> bool:
    if finding.visit.inspector_id == user.pk:
        return True
    return bool(user.has_perm(CONDUCT_PERMISSION) and scope_for(user).sees_unit(finding.store_id))


def may_answer(user: Any, finding: Finding) -> bool:
    return _may_answer(user, finding)


@transaction.atomic
def finding_answer(
    *, actor: Any, finding: Finding, note: str, photos: list[UploadedFile] | None = None
) -> Finding:
    """The store says what it did (a note, optionally photos); the finding waits for verification."""
    finding = Finding.objects.select_for_update(of=("self",)).select_related("owner").get(pk=finding.pk)
    if not _may_answer(actor, finding):
        raise PermissionDenied(_("您不能回复这个整改项。"))
    if finding.status != FindingStatus.OPEN:
        raise Conflict(_("这个整改项现在不能回复（%(status)s）。") % {"status": finding.get_status_display()})
    note = str(note or "").strip()[:MAX_NOTE]
    if not note:
        raise DomainError(_("请说明整改情况。"), field="note")
    refs = [_ref_of(_photo_store(upload)) for upload in (photos or [])[:MAX_PHOTOS_PER_ITEM]]
    now = clock.now()
    finding.status = FindingStatus.ANSWERED
    finding.answer_note, finding.answer_photos, finding.answered_at = note, refs, now
    finding.save(update_fields=["status", "answer_note", "answer_photos", "answered_at", "updated_at"])
    FindingEvent.objects.create(
        finding=finding, action=FindingEvent.Action.ANSWERED, actor=actor, comment=note, photos=refs, at=now
    )
    finding_card_sync(finding)
    return finding


def _ref_of(stored: dict[str, Any]) -> dict[str, Any]:
    ref = file_from_token(stored["token"])
    assert ref is not None
    return ref


@transaction.atomic
def finding_verify(*, actor: Any, finding: Finding, accepted: bool, comment: str = "") -> Finding:
    """The inspector accepts the rectification (closed) or sends it back (open again, same deadline)."""
    finding = Finding.objects.select_for_update().select_related("visit").get(pk=finding.pk)
    if not may_verify(actor, finding):
        raise PermissionDenied(_("您不能验证这个整改项。"))
    if finding.status != FindingStatus.ANSWERED:
        raise Conflict(_("这个整改项还没有回复，不能验证。"))
    comment = str(comment or "").strip()[:MAX_NOTE]
    if not accepted and not comment:
        raise DomainError(_("退回时请写明原因。"), field="comment")
    now = clock.now()
    finding.status = FindingStatus.CLOSED if accepted else FindingStatus.OPEN
    finding.closed_at = now if accepted else None
    finding.save(update_fields=["status", "closed_at", "updated_at"])
    action = FindingEvent.Action.ACCEPTED if accepted else FindingEvent.Action.REOPENED
    FindingEvent.objects.create(finding=finding, action=action, actor=actor, comment=comment, at=now)
    finding_card_sync(finding)
    return finding
