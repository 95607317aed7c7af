"""Rendering a form version as HTML: an editable form (with errors) and a read-only view of stored data.

Embed in a page:  `{% load yyforms %}<form method="post" enctype="multipart/form-data">{% csrf_token %}
{% render_form version data=data errors=errors prefix="f-" %}…</form>` (or call `render_form(...)`), then
read the post back with `form_post_parse(version, request.POST, request.FILES, prefix="f-")`.
Input names are the error paths (`items[2].qty`) with the prefix in front.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from yunying.forms import pickers
from yunying.forms import schema as s
from yunying.forms.files import file_token
from yunying.forms.models import FormVersion
from yunying.forms.schema import FieldSpec, FormSchema, schema_of
from yunying.forms.values import InvalidValue, clean_scalar, from_json, is_empty
from yunying.forms.visibility import visible_keys

ROW = "__row__"  # the index placeholder in a table's new-row template


@dataclass
class Widget:
    spec: FieldSpec
    name: str
    id: str
    value: str = ""
    selected: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    rows: list[list[Widget]] = field(default_factory=list)
    row_errors: list[str] = field(default_factory=list)
    template_row: list[Widget] = field(default_factory=list)
    hidden: bool = False

    @property
    def template(self) -> str:
        return f"yyforms/widgets/{self.spec.type}.html"


def _error_map(errors: Any) -> dict[str, str]:
    if not errors:
        return {}
    if isinstance(errors, Mapping):
        return {str(k): str(v) for k, v in errors.items()}
    return {str(e.get("field", "")): str(e.get("message", "")) for e in errors}


def _as_text(spec: FieldSpec, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if spec.type == s.DATETIME:
        try:
            moment = value if isinstance(value, dt.datetime) else clean_scalar(spec, value)
        except InvalidValue:
            return str(value)
        return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_FILE_URL: ContextVar[Callable[[str], str] | None] = ContextVar("yunying_file_url", default=None)


@contextmanager
def files_linked_by(url_of: Callable[[str], str]) -> Iterator[None]:
    """Inside the block, a rendered file links to ``url_of(token)`` instead of the forms app's own
    download: a page that shows a submission kept elsewhere (a request) serves its files through its
    own authorised view."""
    token = _FILE_URL.set(url_of)
    try:
        yield
    finally:
        _FILE_URL.reset(token)


def _file_entries(value: Any) -> list[dict[str, Any]]:
    entries = []
    url_of = _FILE_URL.get() or (lambda t: reverse("yyforms:file", args=[t]))
    for ref in value if isinstance(value, list) else []:
        if isinstance(ref, Mapping) and ref.get("path"):
            token = file_token(dict(ref))
            entries.append({**ref, "token": token, "url": url_of(token)})
    return entries


class _Builder:
    def __init__(self, schema: FormSchema, prefix: str, errors: dict[str, str], user: Any):
        self.schema = schema
        self.prefix = prefix
        self.errors = errors
        self.user = user
        self._options: dict[str, list[tuple[str, str]]] = {}

    def options(self, spec: FieldSpec) -> list[tuple[str, str]]:
        if spec.type in (s.CHOICE, s.MULTICHOICE):
            return [(c.value, c.label) for c in spec.choices]
        if spec.type not in self._options:
            if spec.type == s.STORE:
                stores = pickers.store_options(self.user) if self.user is not None else []
                self._options[s.STORE] = [(st.code, f"{st.name}（{st.code}）") for st in stores]
            elif spec.type == s.POSITION:
                self._options[s.POSITION] = [(p.code, p.display_name) for p in pickers.position_options()]
            else:
                self._options[spec.type] = []
        return self._options[spec.type]

    def widget(self, spec: FieldSpec, value: Any, path: str) -> Widget:
        widget = Widget(
            spec=spec,
            name=f"{self.prefix}{path}",
            id="yy-" + f"{self.prefix}{path}".replace("[", "-").replace("].", "-").replace(".", "-"),
            error=self.errors.get(path, ""),
            options=self.options(spec),
        )
        if spec.type == s.MULTICHOICE:
            widget.selected = [str(v) for v in (value if isinstance(value, list) else [value]) if v]
        elif spec.is_file:
            widget.files = _file_entries(value)
        elif spec.is_computed:
            widget.value = _as_text(spec, value)
        else:
            widget.value = _as_text(spec, value)
        return widget

    def table(self, spec: FieldSpec, value: Any, path: str) -> Widget:
        widget = self.widget(spec, None, path)
        rows = value if isinstance(value, list) else []
        for index, row in enumerate(rows):
            row = row if isinstance(row, Mapping) else {}
            widget.rows.append(
                [self.widget(c, row.get(c.key), f"{path}[{index}].{c.key}") for c in spec.columns]
            )
        widget.template_row = [self.widget(c, c.default, f"{path}[{ROW}].{c.key}") for c in spec.columns]
        return widget


def _initial(schema: FormSchema, data: Mapping[str, Any] | None, user: Any = None) -> dict[str, Any]:
    """The values a form shows: ``data`` as given, or for a new form each field's default; a store field
    without one starts at the store the person works in (a 店长 on a phone picks nothing)."""
    if data is not None:
        return dict(data)
    initial: dict[str, Any] = {}
    own_store: str | None = None
    for spec in schema:
        if spec.type == s.TABLE:
            initial[spec.key] = [{c.key: c.default for c in spec.columns}] * max(spec.min_rows or 1, 1)
        elif spec.type == s.STORE and not spec.default and user is not None:
            if own_store is None:
                own_store = pickers.own_store_code(user)
            initial[spec.key] = own_store or spec.default
        else:
            initial[spec.key] = spec.default
    return initial


def client_config(schema: FormSchema, prefix: str) -> dict[str, Any]:
    """What the browser needs to recompute computed fields, totals and display conditions live."""

    def meta(spec: FieldSpec) -> dict[str, Any]:
        return {
            "key": spec.key,
            "type": spec.type,
            "expression": spec.expression,
            "visible_if": spec.visible_if,
            "result_type": spec.result_type,
            "scale": spec.scale,
            "numeric": spec.is_numeric,
            "total": spec.total,
            "columns": [meta(c) for c in spec.columns],
        }

    return {"prefix": prefix, "fields": [meta(f) for f in schema]}


def render_form(
    version: FormVersion,
    data: Mapping[str, Any] | None = None,
    errors: Any = None,
    prefix: str = "",
    *,
    user: Any = None,
) -> SafeString:
    """The form's fields as HTML (no <form> tag: the page supplies it, with enctype multipart/form-data).

    `data`: values to show (raw from a post, or stored JSON; None → defaults); `errors`: ValidationFailed
    errors or {path: message}; `prefix`: put before every input name; `user`: whose scope fills pickers."""
    schema = schema_of(version)
    values = _initial(schema, data or None, user)
    builder = _Builder(schema, prefix, _error_map(errors), user)
    shown = visible_keys(schema, values)
    widgets = []
    for spec in schema:
        if spec.type == s.TABLE:
            widget = builder.table(spec, values.get(spec.key), spec.key)
        else:
            widget = builder.widget(spec, values.get(spec.key), spec.key)
        widget.hidden = spec.key not in shown
        widgets.append(widget)
    context = {
        "widgets": widgets,
        "config": client_config(schema, prefix),
        "prefix": prefix,
        "version": version,
        "non_field_error": _error_map(errors).get(""),
    }
    return mark_safe(render_to_string("yyforms/_render.html", context))


def _display(spec: FieldSpec, value: Any, names: Mapping[tuple[str, str], str]) -> Any:
    if is_empty(value) and not isinstance(value, bool):
        return ""
    if spec.type == s.BOOLEAN:
        return value
    if spec.type == s.CHOICE:
        return spec.choice_label(value)
    if spec.type == s.MULTICHOICE:
        return "、".join(spec.choice_label(v) for v in value)
    if spec.type in (s.EMPLOYEE, s.STORE, s.POSITION):
        return names.get((spec.type, value), value)
    typed = from_json(spec, value)
    if isinstance(typed, Decimal) or (spec.is_numeric and isinstance(typed, int)):
        return f"{typed:,.{spec.scale}f}"
    if isinstance(typed, dt.datetime):
        return timezone.localtime(typed).strftime("%Y-%m-%d %H:%M")
    if isinstance(typed, dt.date):
        return typed.isoformat()
    return typed


def _codes(schema: Iterable[FieldSpec], data: Mapping[str, Any]) -> dict[str, set[str]]:
    codes: dict[str, set[str]] = {}
    for spec in schema:
        if spec.type == s.TABLE:
            for row in data.get(spec.key) or []:
                for kind, found in _codes(spec.columns, row).items():
                    codes.setdefault(kind, set()).update(found)
        elif spec.type in (s.EMPLOYEE, s.STORE, s.POSITION) and data.get(spec.key):
            codes.setdefault(spec.type, set()).add(str(data[spec.key]))
    return codes


def readonly_items(version: FormVersion, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Label / display value pairs (tables: rows and column totals), hidden fields left out."""
    schema = schema_of(version)
    names = pickers.display_names(_codes(schema, data))
    typed = {f.key: (from_json(f, data.get(f.key)) if f.type != s.TABLE else data.get(f.key)) for f in schema}
    shown = visible_keys(schema, typed)
    items = []
    for spec in schema:
        if spec.key not in shown:
            continue
        value = data.get(spec.key)
        item: dict[str, Any] = {"spec": spec, "label": spec.label, "key": spec.key}
        if spec.type == s.TABLE:
            rows = value if isinstance(value, list) else []
            item["rows"] = [
                [{"spec": c, "value": _cell(c, row.get(c.key), names)} for c in spec.columns] for row in rows
            ]
            item["totals"] = _totals(spec, rows)
        elif spec.is_file:
            item["files"] = _file_entries(value)
        else:
            item["value"] = _display(spec, value, names)
        items.append(item)
    return items


def _cell(spec: FieldSpec, value: Any, names: Mapping[tuple[str, str], str]) -> Any:
    return {"files": _file_entries(value)} if spec.is_file else _display(spec, value, names)


def _totals(table: FieldSpec, rows: list[Mapping[str, Any]]) -> list[dict[str, str]] | None:
    """One cell per column: the column's label and its sum, or an empty value where it has no total (the
    label lets a phone, which shows the table as cards, say what each sum is)."""
    if not any(c.total for c in table.columns):
        return None
    out = []
    for column in table.columns:
        if not column.total:
            out.append({"label": str(column.label), "value": ""})
            continue
        total = sum(
            (Decimal(str(r[column.key])) for r in rows if r.get(column.key) not in (None, "")), Decimal(0)
        )
        out.append({"label": str(column.label), "value": f"{total:,.{column.scale}f}"})
    return out


def render_readonly(version: FormVersion, data: Mapping[str, Any]) -> SafeString:
    """Stored submission data (`CleanedSubmission.data`) shown for reading, e.g. to an approver."""
    context = {"items": readonly_items(version, data or {}), "version": version}
    return mark_safe(render_to_string("yyforms/_readonly.html", context))
