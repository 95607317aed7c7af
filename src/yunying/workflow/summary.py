"""Summary fields (摘要字段): which form fields say what a request is about, so an inbox row reads
“申购门店 朝阳店 · 合计 ¥320.00 · 牛肉 等 3 项” instead of a process name and a date.

A process declares them on its start event: ``yunying:summary="store, total, items.name"`` — field
keys of the start form (its ``yunying:form`` or ``yunying:fields``), or ``table.column`` for the first
row of a table field. Labels, types and choice labels come from the form; the list is cached per
version (a deployed version never changes; a form's labels are read again after a few minutes)."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from yunying.workflow.models import ProcessVersion

_LOCK = threading.Lock()
_CACHE: dict[tuple[int, str], tuple[float, list[SummaryField]]] = {}
_TTL = 300.0


@dataclass(frozen=True)
class SummaryField:
    path: str
    label: str
    type: str = "text"
    choices: dict[str, str] = field(default_factory=dict)


MAX_FIELDS = 5


def _paths(props: dict[str, str]) -> list[str]:
    raw = props.get("yunying:summary") or props.get("summary") or ""
    return [p.strip() for p in re.split(r"[,，;\s]+", raw) if p.strip()]


def declared(props: dict[str, str]) -> list[str]:
    return _paths(props)[:MAX_FIELDS]


def check(props: dict[str, str]) -> list[str]:
    """Deploy's check of a start event's summary fields: each names a field of the start form (or ``store``),
    ``table.column`` a column of a table field; at most five."""
    paths = _paths(props)
    if not paths:
        return []
    problems = []
    if len(paths) > MAX_FIELDS:
        problems.append(
            _("摘要字段最多 %(max)d 个，这里有 %(n)d 个。") % {"max": MAX_FIELDS, "n": len(paths)}
        )
    fields = _form_fields(props)
    known = "、".join(fields) or _("（启动表单没有字段）")
    for path in paths:
        name, dot, column = path.partition(".")
        f = fields.get(name)
        if f is None and path == "store":
            continue
        if f is None:
            problems.append(
                _("摘要字段“%(path)s”不是启动表单的字段（可用：%(known)s）。")
                % {"path": path, "known": known}
            )
        elif dot and column not in f["columns"]:
            columns = "、".join(str(c) for c in f["columns"]) or _("（不是表格字段）")
            problems.append(
                _("摘要字段“%(path)s”：表格“%(name)s”没有列“%(column)s”（可用：%(columns)s）。")
                % {"path": path, "name": name, "column": column, "columns": columns}
            )
    return problems


def _form_fields(props: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Field key → {label, type, choices, columns} of the start form (forms app or inline fields)."""
    from yunying.workflow.forms_bridge import StepForm, parse_inline_fields

    form = StepForm.of(props)
    out: dict[str, dict[str, Any]] = {}
    version = form.version() if form.form_key else None
    if version is not None:
        for f in version.fields or []:
            if not isinstance(f, dict) or not f.get("key"):
                continue
            out[f["key"]] = {
                "label": f.get("label_zh") or f.get("label") or f["key"],
                "type": "money" if f.get("result_type") == "money" else (f.get("type") or "text"),
                "choices": {
                    str(c.get("value")): str(c.get("label_zh") or c.get("label") or c.get("value"))
                    for c in f.get("choices") or []
                    if isinstance(c, dict)
                },
                "columns": {
                    c.get("key"): c.get("label_zh") or c.get("label") or c.get("key")
                    for c in f.get("columns") or []
                    if isinstance(c, dict)
                },
            }
    elif form.inline:
        try:
            inline = parse_inline_fields(form.inline)
        except ValueError:
            inline = []
        for f in inline:
            out[f.name] = {"label": f.label, "type": f.type, "choices": {}, "columns": {}}
    return out


def summary_fields(version: ProcessVersion) -> list[SummaryField]:
    """The summary fields of ``version`` (none declared: none shown)."""
    from yunying.workflow.runtime import start_event_properties

    key = (version.pk, version.deployed_at.isoformat())
    now = time.monotonic()
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    props = start_event_properties(version)
    paths = declared(props)
    found: list[SummaryField] = []
    if paths:
        fields = _form_fields(props)
        for path in paths:
            name, _dot, column = path.partition(".")
            f = fields.get(name)
            if path == "store" and f is None:
                found.append(SummaryField("store", str(_("门店")), "store"))
            elif f is None:
                found.append(SummaryField(path, path))
            elif column:
                found.append(SummaryField(path, str(f["columns"].get(column) or column)))
            else:
                found.append(SummaryField(path, str(f["label"]), str(f["type"]), dict(f["choices"])))
    with _LOCK:
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = (now + _TTL, found)
    return found


def summary_forget() -> None:
    with _LOCK:
        _CACHE.clear()
