"""A checklist as an Excel sheet, both ways: one row per item, its section on the row. Exporting the current
version and importing the edited file publishes a new version (earlier visits keep theirs).

Import is all-or-nothing: every problem of every row is reported (row, column, message) and nothing is
published while one remains; a column the sheet has and the checklist does not use is named back, never
dropped silently."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from yunying.core.errors import DomainError, PermissionDenied, ValidationFailed
from yunying.core.tabular import RowError, cell_text, map_header, read_rows, xlsx_workbook
from yunying.inspections.definition import MAX_POINTS_LIMIT, POINTS, PPF, YES_NO, Section, sections_parse
from yunying.inspections.models import ChecklistTemplate, TemplateVersion

PERMISSION = "inspections.add_templateversion"
MAX_ITEMS = 500

COLUMNS: dict[str, tuple[str, ...]] = {
    "section_key": ("分区标识",),
    "section": ("分区",),
    "key": ("检查项标识",),
    "title": ("检查项",),
    "scoring": ("评分方式",),
    "max_points": ("满分",),
    "weight": ("权重",),
    "critical": ("红线项",),
    "photo_required": ("必须拍照",),
    "na_allowed": ("允许不适用",),
    "guidance": ("评分说明",),
    "title_en": ("英文名称",),
}
REQUIRED = ("section_key", "section", "key", "title", "scoring")
HEADINGS = [names[0] for names in COLUMNS.values()]
SCORING_LABELS = {YES_NO: "是/否", POINTS: "分值", PPF: "合格/部分合格/不合格"}
SCORING_READ = {
    **{label: key for key, label in SCORING_LABELS.items()},
    **{key: key for key in SCORING_LABELS},
    "是否": YES_NO,
    "合格/不合格": PPF,
}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"", "否", "n", "no", "false", "0"}


def _flag(value: bool) -> str:
    return "是" if value else ""


def checklist_rows(sections: list[Section]) -> list[list[Any]]:
    return [
        [
            section.key,
            section.title,
            item.key,
            item.title,
            SCORING_LABELS[item.scoring],
            item.max_points if item.scoring == POINTS else None,
            float(item.weight),
            _flag(item.critical),
            _flag(item.photo_required),
            _flag(item.na_allowed),
            item.guidance,
            item.title_en,
        ]
        for section in sections
        for item in section.items
    ]


def checklist_export(version: TemplateVersion) -> bytes:
    return xlsx_workbook(HEADINGS, checklist_rows(sections_parse(version.sections)))


@dataclass
class ChecklistImport:
    version: TemplateVersion | None = None
    errors: list[RowError] = field(default_factory=list)
    unused_columns: list[str] = field(default_factory=list)


def checklist_import(
    *, actor: Any, template: ChecklistTemplate, filename: str, content: bytes
) -> ChecklistImport:
    """Publish the sheet as the template's next version (the version settings — red-line rule, cap, pass
    mark — carry over from the current one)."""
    from yunying.inspections.services import template_publish

    if not actor.has_perm(PERMISSION):
        raise PermissionDenied(_("您没有修改检查表的权限。"))
    header, rows = read_rows(filename=filename, content=content)
    positions = map_header(header, COLUMNS)
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in positions]
    if missing:
        raise DomainError(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    known = {name.lower() for key, names in COLUMNS.items() for name in (key, *names)}
    result = ChecklistImport(unused_columns=[h for h in header if h and h.lower() not in known])
    sections: dict[str, dict[str, Any]] = {}
    count = 0
    for number, cells in rows:
        count += 1
        if count > MAX_ITEMS:
            raise DomainError(_("一张检查表最多 %(n)d 个检查项。") % {"n": MAX_ITEMS})
        values = {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()}
        item, problems = _row_item(values)
        result.errors.extend(RowError(number, COLUMNS[k][0], m) for k, m in problems)
        if item is None:
            continue
        section_key, section_title = cell_text(values["section_key"]), cell_text(values["section"])
        section = sections.setdefault(section_key, {"key": section_key, "title": section_title, "items": []})
        if section["title"] != section_title:
            result.errors.append(
                RowError(
                    number,
                    COLUMNS["section"][0],
                    _("分区“%(key)s”的名称与前面的行不一致（“%(title)s”）。")
                    % {"key": section_key, "title": section["title"]},
                )
            )
        section["items"].append(item)
    if count == 0:
        raise DomainError(_("文件中没有数据行。"))
    if result.errors:
        return result
    current = template.versions.order_by("-number").first()
    settings_of_current: dict[str, Any] = (
        {
            "critical_rule": current.critical_rule,
            "critical_cap": current.critical_cap,
            "pass_mark": current.pass_mark,
        }
        if current
        else {}
    )
    # the sheet has no photos: an item keeps the reference photo its key had in the current version
    photos = {
        item["key"]: item["reference_photo"]
        for section in (current.sections if current else [])
        for item in section.get("items", [])
        if isinstance(item, dict) and item.get("reference_photo")
    }
    for section in sections.values():
        for item in section["items"]:
            if item.get("key") in photos:
                item["reference_photo"] = photos[item["key"]]
    try:
        result.version = template_publish(
            key=template.key,
            name=template.name,
            name_en=template.name_en,
            description=template.description,
            sections=list(sections.values()),
            **settings_of_current,
        )
    except ValidationFailed as exc:
        result.errors.extend(
            RowError(0, str(e.get("field", "")), str(e.get("message", ""))) for e in exc.errors
        )
    return result


def _row_item(values: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    for key in REQUIRED:
        if not cell_text(values.get(key)):
            problems.append((key, _("不能为空")))
    scoring = SCORING_READ.get(cell_text(values.get("scoring")).lower()) or SCORING_READ.get(
        cell_text(values.get("scoring"))
    )
    if cell_text(values.get("scoring")) and scoring is None:
        problems.append(
            ("scoring", _("评分方式应为：%(allowed)s") % {"allowed": "、".join(SCORING_LABELS.values())})
        )
    item: dict[str, Any] = {
        "key": cell_text(values.get("key")),
        "title": cell_text(values.get("title")),
        "scoring": scoring,
        "guidance": cell_text(values.get("guidance")),
        "title_en": cell_text(values.get("title_en")),
    }
    weight_text = cell_text(values.get("weight")) or "1"
    try:
        weight = Decimal(weight_text)
        if not weight.is_finite() or not 0 < weight <= 1000:
            raise InvalidOperation
        item["weight"] = int(weight) if weight == weight.to_integral_value() else float(weight)
    except InvalidOperation:
        problems.append(("weight", _("权重必须是 0 到 1000 之间的正数。")))
    if scoring == POINTS:
        points = cell_text(values.get("max_points"))
        if not points.isdigit() or not 1 <= int(points) <= MAX_POINTS_LIMIT:
            problems.append(
                ("max_points", _("分值型检查项的满分必须是 1 到 %(n)d 的整数。") % {"n": MAX_POINTS_LIMIT})
            )
        else:
            item["max_points"] = int(points)
    for flag in ("critical", "photo_required", "na_allowed"):
        text = cell_text(values.get(flag)).lower()
        if text in YES:
            item[flag] = True
        elif text not in NO:
            problems.append((flag, _("请填写“是”或留空。")))
    return (None if problems else item), problems
