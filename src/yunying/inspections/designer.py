"""The checklist designer's form, in the browser without script: a checklist's settings and its sections and
items as form fields, read back into a :class:`Design` on every post. Adding or removing a section or an item
is a post that re-renders the form with the change (nothing published); "publish" turns the design into a
new version through :func:`yunying.inspections.services.template_publish`. Reference photos are stored when
they arrive and travel as signed tokens, so a re-rendered form keeps them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError
from yunying.forms.files import file_from_token, file_token
from yunying.inspections.definition import POINTS, YES_NO, sections_parse
from yunying.inspections.models import ChecklistTemplate, CriticalRule, TemplateVersion

MAX_SECTIONS = 30
MAX_ITEMS = 500
MAX_ITEMS_PER_SECTION = 100
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
TEMPLATE_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,59}$")


@dataclass
class DesignItem:
    key: str = ""
    title: str = ""
    title_en: str = ""
    scoring: str = YES_NO
    max_points: str = "5"
    weight: str = "1"
    guidance: str = ""
    photo_required: bool = False
    na_allowed: bool = False
    critical: bool = False
    ref_token: str = ""
    ref_name: str = ""


@dataclass
class DesignSection:
    key: str = ""
    title: str = ""
    title_en: str = ""
    items: list[DesignItem] = field(default_factory=list)


@dataclass
class Design:
    key: str = ""
    name: str = ""
    name_en: str = ""
    description: str = ""
    critical_rule: str = CriticalRule.FAIL
    critical_cap: str = "60"
    pass_mark: str = "80"
    sections: list[DesignSection] = field(default_factory=list)
    errors: list[dict[str, object]] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(len(s.items) for s in self.sections)


def design_new() -> Design:
    return Design(sections=[DesignSection(key="s1", items=[DesignItem(key="s1-1")])])


def design_of(template: ChecklistTemplate, version: TemplateVersion | None) -> Design:
    """The design of a checklist's current version (the starting point of its next one)."""
    design = Design(
        key=template.key, name=template.name, name_en=template.name_en, description=template.description
    )
    if version is None:
        design.sections = design_new().sections
        return design
    design.critical_rule, design.critical_cap = version.critical_rule, f"{version.critical_cap:g}"
    design.pass_mark = f"{version.pass_mark:g}"
    for section in sections_parse(version.sections):
        design.sections.append(
            DesignSection(
                key=section.key,
                title=section.title,
                title_en=section.title_en,
                items=[
                    DesignItem(
                        key=item.key,
                        title=item.title,
                        title_en=item.title_en,
                        scoring=item.scoring,
                        max_points=str(item.max_points or 5),
                        weight=f"{item.weight:g}",
                        guidance=item.guidance,
                        photo_required=item.photo_required,
                        na_allowed=item.na_allowed,
                        critical=item.critical,
                        ref_token=file_token(item.reference_photo) if item.reference_photo else "",
                        ref_name=str((item.reference_photo or {}).get("name") or ""),
                    )
                    for item in section.items
                ],
            )
        )
    return design


def _count(post: Any, name: str, limit: int) -> int:
    try:
        return max(0, min(int(post.get(name, "0")), limit))
    except ValueError:
        return 0


def design_from_post(post: Any, files: Any, *, store_photo: Any) -> Design:
    """Read the posted form back (counts bounded); new reference photos are stored through ``store_photo``
    (upload → {token, name}); a photo that is refused is named in ``errors`` and left out."""
    text = lambda name, n=300: str(post.get(name, "") or "").strip()[:n]  # noqa: E731
    design = Design(
        key=text("key", 60),
        name=text("name", 100),
        name_en=text("name_en", 150),
        description=text("description", 2000),
        critical_rule=text("critical_rule", 10),
        critical_cap=text("critical_cap", 10),
        pass_mark=text("pass_mark", 10),
    )
    total = 0
    for i in range(_count(post, "sections", MAX_SECTIONS)):
        section = DesignSection(
            key=text(f"s-{i}-key", 40), title=text(f"s-{i}-title", 100), title_en=text(f"s-{i}-title_en", 150)
        )
        for j in range(_count(post, f"s-{i}-items", MAX_ITEMS_PER_SECTION)):
            if total >= MAX_ITEMS:
                break
            total += 1
            prefix = f"i-{i}-{j}-"
            item = DesignItem(
                key=text(prefix + "key", 40),
                title=text(prefix + "title"),
                title_en=text(prefix + "title_en"),
                scoring=text(prefix + "scoring", 10),
                max_points=text(prefix + "max_points", 10),
                weight=text(prefix + "weight", 10),
                guidance=text(prefix + "guidance", 2000),
                photo_required=bool(post.get(prefix + "photo_required")),
                na_allowed=bool(post.get(prefix + "na_allowed")),
                critical=bool(post.get(prefix + "critical")),
            )
            token = text(prefix + "ref_token", 2000)
            if token and not post.get(prefix + "ref_remove") and (ref := file_from_token(token)):
                item.ref_token, item.ref_name = token, str(ref.get("name") or "")
            upload: UploadedFile | None = files.get(prefix + "ref") if files else None
            if upload is not None:
                try:
                    stored = store_photo(upload)
                except DomainError as exc:
                    design.errors.append(
                        {"field": prefix + "ref", "message": f"{item.title or item.key}：{exc}"}
                    )
                else:
                    item.ref_token, item.ref_name = stored["token"], stored["name"]
            section.items.append(item)
        design.sections.append(section)
    return design


def design_apply(design: Design, op: str) -> Design:
    """Add or remove a section or an item (``add-section``, ``add-item-<i>``, ``del-section-<i>``,
    ``del-item-<i>-<j>``); anything else changes nothing."""
    parts = op.split("-")
    try:
        numbers = [int(p) for p in parts[2:]]
    except ValueError:
        return design
    if op == "add-section" and len(design.sections) < MAX_SECTIONS:
        n = len(design.sections) + 1
        design.sections.append(DesignSection(key=f"s{n}", items=[DesignItem()]))
    elif op.startswith("add-item-") and len(numbers) == 1 and numbers[0] < len(design.sections):
        section = design.sections[numbers[0]]
        if len(section.items) < MAX_ITEMS_PER_SECTION and design.item_count < MAX_ITEMS:
            section.items.append(DesignItem())
    elif op.startswith("del-section-") and len(numbers) == 1 and numbers[0] < len(design.sections):
        del design.sections[numbers[0]]
    elif op.startswith("del-item-") and len(numbers) == 2 and numbers[0] < len(design.sections):
        items = design.sections[numbers[0]].items
        if numbers[1] < len(items):
            del items[numbers[1]]
    return design


def design_sections(design: Design) -> list[dict[str, Any]]:
    """The version JSON of a design: blank keys are made from the section's key and the item's place; every
    problem (bad key, bad number) raises ValidationFailed with the field it belongs to."""
    from yunying.core.errors import ValidationFailed

    errors: list[dict[str, object]] = []
    sections: list[dict[str, Any]] = []
    taken = {item.key for section in design.sections for item in section.items if item.key}
    for i, section in enumerate(design.sections):
        section_key = section.key or f"s{i + 1}"
        if not KEY_RE.match(section_key):
            errors.append({"field": f"s-{i}-key", "message": _("分区标识只能用字母、数字、- 和 _。")})
        items: list[dict[str, Any]] = []
        for j, item in enumerate(section.items):
            prefix = f"i-{i}-{j}-"
            key = item.key
            if not key:
                n = j + 1
                while f"{section_key}-{n}" in taken:
                    n += 1
                key = f"{section_key}-{n}"
                taken.add(key)
            elif not KEY_RE.match(key):
                errors.append(
                    {
                        "field": prefix + "key",
                        "message": _("检查项标识只能用字母、数字、- 和 _（最多 40 个）。"),
                    }
                )
            raw: dict[str, Any] = {"key": key, "title": item.title, "scoring": item.scoring}
            for name in ("title_en", "guidance"):
                if getattr(item, name):
                    raw[name] = getattr(item, name)
            try:
                raw["weight"] = float(item.weight or "1")
            except ValueError:
                raw["weight"] = item.weight
            if item.scoring == POINTS:
                raw["max_points"] = int(item.max_points) if item.max_points.isdigit() else item.max_points
            for flag in ("photo_required", "na_allowed", "critical"):
                if getattr(item, flag):
                    raw[flag] = True
            if item.ref_token and (ref := file_from_token(item.ref_token)):
                raw["reference_photo"] = ref
            items.append(raw)
        sections.append(
            {
                "key": section_key,
                "title": section.title,
                **({"title_en": section.title_en} if section.title_en else {}),
                "items": items,
            }
        )
    try:
        sections_parse(sections)
    except ValidationFailed as exc:
        errors.extend(_field_of(e) for e in exc.errors)
    if errors:
        raise ValidationFailed(_("检查表有 %(n)d 个问题，未发布。") % {"n": len(errors)}, errors=errors)
    return sections


def _field_of(error: dict[str, object]) -> dict[str, object]:
    """``sections[1].items[2]`` → ``i-1-2-`` (the designer's field prefix), ``sections[1]`` → ``s-1-``."""
    where = str(error.get("field", ""))
    match = re.match(r"sections\[(\d+)\](?:\.items\[(\d+)\])?", where)
    if match and match.group(2) is not None:
        return {**error, "field": f"i-{match.group(1)}-{match.group(2)}-"}
    if match:
        return {**error, "field": f"s-{match.group(1)}-"}
    return error
