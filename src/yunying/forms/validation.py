"""Server-side validation of a submission: the authority (the browser only helps).

`form_submission_validate` cleans every value to its type, drops fields hidden by their `visible_if`,
checks person and store pickers against the submitting user's scope, evaluates computed fields itself
(values sent for computed fields are ignored) and either returns a `CleanedSubmission` or raises
`ValidationFailed` with one message per field path (`"reason"`, `"items[2].qty"`). It writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from yunying.core.errors import ValidationFailed
from yunying.core.expressions import ExpressionError, ExpressionLimitExceeded, compiled
from yunying.core.limits import TooLarge, upload_quota_check
from yunying.forms import schema as s
from yunying.forms.files import PendingUpload, clean_files
from yunying.forms.graph import evaluation_order
from yunying.forms.models import FormVersion
from yunying.forms.pickers import check_codes
from yunying.forms.schema import FieldSpec, FormSchema, schema_of
from yunying.forms.values import (
    InvalidValue,
    clean_scalar,
    coerce_result,
    empty_value,
    from_json,
    is_empty,
    to_json,
)
from yunying.forms.visibility import condition_holds, visibility_limit_message


@dataclass
class CleanedSubmission:
    """A valid submission. `values`: typed (Decimal, date…), for rules and conditions; `data`: the same as
    JSON for storage (see values.py); `totals`: per table, the sum of each numeric column."""

    version: FormVersion
    values: dict[str, Any]
    data: dict[str, Any]
    totals: dict[str, dict[str, int | Decimal]] = field(default_factory=dict)
    uploads: list[PendingUpload] = field(default_factory=list)
    user: Any = None


def _files_for(files: Any, path: str) -> list[Any]:
    if not files:
        return []
    if hasattr(files, "getlist"):
        return [f for f in files.getlist(path) if f]
    found = files.get(path)
    if found is None:
        return []
    return [f for f in (found if isinstance(found, (list, tuple)) else [found]) if f]


def _file_rows(files: Any, table: str) -> int:
    """How many rows of `table` the uploads reach (a row may hold nothing but a photo)."""
    pattern = re.compile(rf"^{re.escape(table)}\[(\d+)\]\.")
    indexes = [int(m.group(1)) for m in map(pattern.match, files or ()) if m]
    return min(max(indexes) + 1, s.MAX_TABLE_ROWS + 1) if indexes else 0


def _column_totals(table: FieldSpec, rows: list[dict[str, Any]]) -> dict[str, int | Decimal]:
    totals: dict[str, int | Decimal] = {}
    for column in table.columns:
        if column.is_numeric:
            totals[column.key] = sum((r[column.key] for r in rows if r.get(column.key) is not None), 0)
    return totals


class _Validation:
    def __init__(self, schema: FormSchema, data: Mapping[str, Any], files: Any, user: Any):
        self.schema = schema
        self.data = data
        self.files = files
        self.user = user
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.uploads: list[PendingUpload] = []
        self.visible: dict[str, bool] = {}
        self.codes: list[tuple[str, str, str]] = []  # (type, path, code)

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def run(self) -> None:
        for spec in self.schema:
            context = {k: v for k, v in self.values.items()}
            try:
                visible = not spec.visible_if or condition_holds(spec.visible_if, context)
            except ExpressionLimitExceeded:
                # Over the budget: neither shown nor hidden silently — the form says so on the field.
                self.fail(spec.key, visibility_limit_message(spec))
                self.visible[spec.key] = True
                self.values[spec.key] = empty_value(spec)
                continue
            self.visible[spec.key] = visible
            if not visible or spec.is_computed:
                self.values[spec.key] = empty_value(spec)
                continue
            if spec.type == s.TABLE:
                self.values[spec.key] = self.table(spec, self.data.get(spec.key))
            else:
                self.values[spec.key] = self.value(spec, self.data.get(spec.key), spec.key)
        bad = check_codes(self.user, self.codes)
        for path, message in bad.items():
            self.fail(path, message)
        self.compute_rows()
        self.compute_top()

    def value(self, spec: FieldSpec, raw: Any, path: str) -> Any:
        if spec.is_file:
            uploads = _files_for(self.files, path)
            if is_empty(raw) and not uploads:
                if spec.required:
                    self.fail(path, _("请上传文件。") if spec.type == s.ATTACHMENT else _("请上传照片。"))
                return []
            try:
                refs, pending = clean_files(spec, raw, uploads)
            except InvalidValue as exc:
                self.fail(path, exc.message)
                return []
            self.uploads.extend(pending)
            return refs
        if is_empty(raw):
            if spec.required:
                self.fail(path, _("请选择。") if spec.type in _PICKED else _("此项必填。"))
            return empty_value(spec)
        try:
            value = clean_scalar(spec, raw)
        except InvalidValue as exc:
            self.fail(path, exc.message)
            return empty_value(spec)
        if spec.type in (s.EMPLOYEE, s.STORE, s.POSITION):
            self.codes.append((spec.type, path, value))
        return value

    def table(self, spec: FieldSpec, raw: Any) -> list[dict[str, Any]]:
        if isinstance(raw, Mapping):  # {"0": {...}, "1": {...}} from some clients
            raw = [raw[k] for k in sorted(raw, key=lambda k: int(k) if str(k).isdigit() else 0)]
        if raw is None:
            raw = []
        if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
            self.fail(spec.key, _("明细数据格式不正确。"))
            return []
        rows: list[dict[str, Any]] = []
        inputs = [c for c in spec.columns if not c.is_computed]
        raw = raw + [{}] * (_file_rows(self.files, spec.key) - len(raw))
        for index, row in enumerate(raw[: s.MAX_TABLE_ROWS + 1]):
            paths = {c.key: f"{spec.key}[{index}].{c.key}" for c in spec.columns}
            blank = all(is_empty(row.get(c.key)) and not _files_for(self.files, paths[c.key]) for c in inputs)
            if blank:
                continue
            cleaned = {c.key: self.value(c, row.get(c.key), paths[c.key]) for c in inputs}
            cleaned.update({c.key: None for c in spec.columns if c.is_computed})
            cleaned["__index"] = index
            rows.append(cleaned)
        count = len(rows)
        minimum = max(spec.min_rows or 0, 1 if spec.required else 0)
        if count < minimum:
            self.fail(spec.key, _("请至少填写 %(n)d 行。") % {"n": minimum})
        if count > (spec.max_rows or s.MAX_TABLE_ROWS):
            self.fail(spec.key, _("最多填写 %(n)d 行。") % {"n": spec.max_rows or s.MAX_TABLE_ROWS})
        return rows

    def evaluate(self, spec: FieldSpec, context: Mapping[str, Any], path: str) -> Any:
        expression = compiled(spec.expression)
        try:
            return coerce_result(spec, expression.evaluate(context))
        except (ExpressionError, InvalidValue) as exc:
            inputs_missing = any(
                context.get(name) is None or is_empty(context.get(name)) for name in expression.names
            )
            over_limits = isinstance(exc, ExpressionLimitExceeded)  # shown even beside other errors
            if over_limits or (not inputs_missing and not self.errors):
                self.fail(path, _("无法计算：%(error)s") % {"error": exc.message})
            return None

    def compute_rows(self) -> None:
        inputs = {f.key: self.values[f.key] for f in self.schema if f.type not in (s.TABLE, s.COMPUTED)}
        for table in self.schema:
            if table.type != s.TABLE or not self.visible[table.key]:
                continue
            computed = [c for c in table.columns if c.is_computed]
            deps = {c.key: compiled(c.expression).names & {x.key for x in computed} for c in computed}
            order = evaluation_order([c.key for c in computed], deps)
            by_key = {c.key: c for c in computed}
            for row in self.values[table.key]:
                index = row.pop("__index")
                for key in order:
                    context = {**inputs, **row}
                    row[key] = self.evaluate(by_key[key], context, f"{table.key}[{index}].{key}")

    def compute_top(self) -> None:
        computed = {f.key: f for f in self.schema if f.is_computed}
        deps = {k: compiled(f.expression).names & set(computed) for k, f in computed.items()}
        for key in evaluation_order(list(computed), deps):
            if self.visible[key]:
                self.values[key] = self.evaluate(computed[key], self.values, key)

    def totals(self) -> dict[str, dict[str, int | Decimal]]:
        return {t.key: _column_totals(t, self.values[t.key]) for t in self.schema if t.type == s.TABLE}


def form_values_so_far(*, version: FormVersion, data: Mapping[str, Any] | None, user: Any) -> dict[str, Any]:
    """The typed values a partly filled form gives (computed fields included where their inputs are
    there), its errors ignored: what a preview of the form's consequences works from. Stores nothing,
    reads no files."""
    run = _Validation(schema_of(version), data if isinstance(data, Mapping) else {}, None, user)
    run.run()
    return {k: v for k, v in run.values.items() if v is not None and not (isinstance(v, list) and not v)}


_PICKED = frozenset({s.CHOICE, s.EMPLOYEE, s.STORE, s.POSITION, s.BOOLEAN})


def data_to_json(schema: FormSchema, values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values → the JSON stored with a submission."""
    out: dict[str, Any] = {}
    for spec in schema:
        value = values.get(spec.key)
        if spec.type == s.TABLE:
            columns = {c.key: c for c in spec.columns}
            out[spec.key] = [{k: to_json(columns[k], v) for k, v in row.items()} for row in value or []]
        elif spec.type == s.MULTICHOICE or spec.is_file:
            out[spec.key] = list(value or [])
        else:
            out[spec.key] = to_json(spec, value)
    return out


def form_submission_validate(
    *, version: FormVersion, data: Mapping[str, Any] | None, files: Any = None, user: Any
) -> CleanedSubmission:
    """Clean `data` (and `files`: a mapping of field path → upload(s), e.g. request.FILES) for `version`.

    Raises ValidationFailed(errors=[{"field": path, "message": …}, …]) in the user's language."""
    schema = schema_of(version)
    if data is not None and not isinstance(data, Mapping):
        raise ValidationFailed(
            _("表单数据格式不正确。"), errors=[{"field": "", "message": _("表单数据必须是对象。")}]
        )
    run = _Validation(schema, data or {}, files, user)
    run.run()
    if run.errors:
        errors: list[dict[str, object]] = [{"field": p, "message": m} for p, m in run.errors.items()]
        raise ValidationFailed(_("提交的表单有误，请检查标出的字段。"), errors=errors)
    if run.uploads:
        try:
            upload_quota_check(user=user, incoming=sum(p.file.size or 0 for p in run.uploads))
        except TooLarge as exc:
            raise ValidationFailed(str(exc), errors=[{"field": "", "message": str(exc)}]) from None
    return CleanedSubmission(
        version=version,
        values=run.values,
        data=data_to_json(schema, run.values),
        totals=run.totals(),
        uploads=run.uploads,
        user=user,
    )


def form_data_values(*, version: FormVersion, data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored JSON data back to typed values (Decimal, date…), e.g. for gateway conditions and rules."""
    out: dict[str, Any] = {}
    for spec in schema_of(version):
        value = data.get(spec.key)
        if spec.type == s.TABLE:
            columns = {c.key: c for c in spec.columns}
            out[spec.key] = [
                {k: from_json(columns[k], v) if k in columns else v for k, v in row.items()}
                for row in value or []
            ]
        else:
            out[spec.key] = from_json(spec, value)
    return out
