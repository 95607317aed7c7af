"""A checklist version's content: sections of items, read from the version's JSON into typed objects.

An item: ``{key, title, title_en?, guidance?, scoring, max_points?, weight?, photo_required?, na_allowed?,
critical?, reference_photo?}`` where ``scoring`` is ``yes_no`` (是/否), ``points`` (0…max_points) or ``ppf`` (合格/部分合格/
不合格). A section: ``{key, title, title_en?, items: [...]}``. :func:`sections_parse` checks a definition
and raises :class:`~yunying.core.errors.ValidationFailed` naming every problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yunying.core.errors import ValidationFailed

YES_NO = "yes_no"
POINTS = "points"
PPF = "ppf"
SCORINGS = (YES_NO, POINTS, PPF)
NA = "na"
MAX_POINTS_LIMIT = 100


@dataclass(frozen=True)
class Item:
    key: str
    title: str
    scoring: str
    weight: Decimal = Decimal(1)
    max_points: int = 0
    guidance: str = ""
    title_en: str = ""
    photo_required: bool = False
    na_allowed: bool = False
    critical: bool = False
    reference_photo: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    """The stored file (the forms app's file reference) showing what good looks like, or None."""

    @property
    def display_title(self) -> str:
        return self.title_en if self.title_en and (get_language() or "").startswith("en") else self.title

    def choices(self) -> list[str]:
        """The answers this item accepts (besides N/A when allowed)."""
        if self.scoring == YES_NO:
            return ["yes", "no"]
        if self.scoring == PPF:
            return ["pass", "partial", "fail"]
        return [str(n) for n in range(self.max_points + 1)]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: tuple[Item, ...]
    title_en: str = ""

    @property
    def display_title(self) -> str:
        return self.title_en if self.title_en and (get_language() or "").startswith("en") else self.title


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _item(raw: Any, where: str, errors: list[dict[str, object]]) -> Item | None:
    def problem(message: str) -> None:
        errors.append({"field": where, "message": message})

    if not isinstance(raw, dict):
        problem(_("检查项必须是对象。"))
        return None
    key, title, scoring = (
        str(raw.get("key") or "").strip(),
        str(raw.get("title") or "").strip(),
        raw.get("scoring"),
    )
    if not key:
        problem(_("检查项缺少标识。"))
    if not title:
        problem(_("检查项缺少名称。"))
    if scoring not in SCORINGS:
        problem(_("评分方式必须是 yes_no、points 或 ppf。"))
    weight = _decimal(raw.get("weight", 1))
    if weight is None or weight <= 0 or weight > 1000:
        problem(_("权重必须是 0 到 1000 之间的正数。"))
    max_points = raw.get("max_points", 0) if scoring == POINTS else 0
    if scoring == POINTS and (
        not isinstance(max_points, int)
        or isinstance(max_points, bool)
        or not 1 <= max_points <= MAX_POINTS_LIMIT
    ):
        problem(_("分值型检查项的满分必须是 1 到 %(n)d 的整数。") % {"n": MAX_POINTS_LIMIT})
    if not key or not title or scoring not in SCORINGS or weight is None or weight <= 0:
        return None
    return Item(
        key=key,
        title=title,
        scoring=str(scoring),
        weight=weight,
        max_points=int(max_points) if isinstance(max_points, int) else 0,
        guidance=str(raw.get("guidance") or ""),
        title_en=str(raw.get("title_en") or ""),
        photo_required=bool(raw.get("photo_required")),
        na_allowed=bool(raw.get("na_allowed")),
        critical=bool(raw.get("critical")),
        reference_photo=_reference(raw.get("reference_photo")),
    )


def _reference(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, dict) and isinstance(raw.get("path"), str) and raw["path"]:
        return {k: raw.get(k) for k in ("name", "size", "content_type", "path")}
    return None


def sections_parse(raw: Any) -> list[Section]:
    """The typed sections of a definition, or ValidationFailed listing each problem."""
    errors: list[dict[str, object]] = []
    sections: list[Section] = []
    seen: set[str] = set()
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed(
            _("检查表至少需要一个分区。"),
            errors=[{"field": "sections", "message": _("检查表至少需要一个分区。")}],
        )
    for s_index, s_raw in enumerate(raw):
        where = f"sections[{s_index}]"
        if not isinstance(s_raw, dict) or not str(s_raw.get("key") or "").strip() or not s_raw.get("title"):
            errors.append({"field": where, "message": _("分区需要标识和名称。")})
            continue
        items: list[Item] = []
        raw_items = s_raw.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            errors.append({"field": where, "message": _("分区至少需要一个检查项。")})
            continue
        for i_index, i_raw in enumerate(raw_items):
            item = _item(i_raw, f"{where}.items[{i_index}]", errors)
            if item is None:
                continue
            if item.key in seen:
                errors.append(
                    {
                        "field": f"{where}.items[{i_index}]",
                        "message": _("检查项标识“%(key)s”重复。") % {"key": item.key},
                    }
                )
            seen.add(item.key)
            items.append(item)
        sections.append(
            Section(
                str(s_raw["key"]).strip(), str(s_raw["title"]), tuple(items), str(s_raw.get("title_en") or "")
            )
        )
    if errors:
        raise ValidationFailed(_("检查表定义有误。"), errors=errors)
    return sections


def items_of(sections: list[Section]) -> list[tuple[Section, Item]]:
    return [(section, item) for section in sections for item in section.items]
