"""The workflow's window on forms: a step's form is either a form of the forms app (``yunying:form`` =
form key) or a tiny inline form written in the diagram (``yunying:fields``).

The forms app (``yunying.forms``) is used when it is installed and offers the documented interface
(``form_submission_validate``, ``render_form``, ``render_readonly``); otherwise inline fields are
validated here with a minimal, typed check, and any other data is kept as plain JSON."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from yunying.core.errors import ValidationFailed

INLINE_TYPES = ("text", "textarea", "number", "money", "date", "bool", "choice")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")


# --------------------------------------------------------------------------- the forms app, if present
def _forms_app() -> bool:
    return apps.is_installed("yunying.forms")


def _forms_api(name: str) -> Any:
    for module in (
        "yunying.forms.validation",
        "yunying.forms.services",
        "yunying.forms.rendering",
        "yunying.forms.posted",
    ):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        if hasattr(mod, name):
            return getattr(mod, name)
    return None


def form_version(key: str) -> Any:
    """The latest published version of form ``key`` in the forms app, or None."""
    if not key or not _forms_app():
        return None
    from yunying.forms.models import FormVersion
    from yunying.workflow.hotcache import memo

    # Read at every start and step: memoised per process until a form (or its version) changes.
    return memo(
        f"form:{key}",
        lambda: (
            FormVersion.objects.filter(definition__key=key, is_published=True)
            .select_related("definition")
            .order_by("-number")
            .first()
        ),
    )


def check_form_key(key: str) -> str | None:
    if not _forms_app():
        return None  # cannot check yet: stored as plain JSON
    if form_version(key) is None:
        return _("表单“%(key)s”不存在或尚未发布") % {"key": key}
    return None


# --------------------------------------------------------------------------- inline fields
@dataclass(frozen=True)
class InlineField:
    name: str
    type: str
    label: str
    required: bool
    choices: tuple[str, ...] = ()


def parse_inline_fields(spec: str) -> list[InlineField]:
    """``amount:money:金额, reason:textarea:事由, note?:text:备注, kind:choice(a|b):类别``."""
    fields: list[InlineField] = []
    for part in [p.strip() for p in re.split(r"[,，;\n]", spec or "") if p.strip()]:
        bits = part.split(":", 2)
        name = bits[0].strip()
        required = not name.endswith("?")
        name = name.rstrip("?")
        ftype = (bits[1].strip() if len(bits) > 1 else "text") or "text"
        choices: tuple[str, ...] = ()
        m = re.match(r"^choice\((.*)\)$", ftype)
        if m:
            choices = tuple(c.strip() for c in m.group(1).split("|") if c.strip())
            ftype = "choice"
        if not _NAME.match(name):
            raise ValueError(f"field name '{name}' is not a plain name")
        if ftype not in INLINE_TYPES:
            raise ValueError(f"field '{name}': type '{ftype}' is not one of {', '.join(INLINE_TYPES)}")
        fields.append(InlineField(name, ftype, bits[2].strip() if len(bits) > 2 else name, required, choices))
    return fields


def check_inline_fields(spec: str) -> str | None:
    try:
        parse_inline_fields(spec)
    except ValueError as exc:
        return f"fields: {exc}"
    return None


def _clean_inline(field: InlineField, raw: Any) -> Any:
    if field.type == "bool":
        return raw in (True, "true", "on", "1", 1, "yes", "是")
    text = raw if not isinstance(raw, str) else raw.strip()
    if text in (None, "", []):
        if field.required:
            raise ValueError(_("必填"))
        return None
    if field.type in ("number", "money"):
        try:
            value = Decimal(str(text))
        except InvalidOperation:
            raise ValueError(_("请输入数字")) from None
        if not value.is_finite():
            raise ValueError(_("请输入数字"))
        if field.type == "money":
            return value.quantize(Decimal("0.01"))
        return int(value) if value == value.to_integral_value() else value
    if field.type == "date":
        try:
            return dt.date.fromisoformat(str(text))
        except ValueError:
            raise ValueError(_("请输入日期（YYYY-MM-DD）")) from None
    if field.type == "choice" and str(text) not in field.choices:
        raise ValueError(_("请选择列表中的选项"))
    if not isinstance(text, str):
        raise ValueError(_("请输入文字"))
    if len(text) > 5000:
        raise ValueError(_("内容过长"))
    return text


def to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


# --------------------------------------------------------------------------- one step's form
@dataclass
class Submission:
    """``values``: typed (Decimal, date…) for the engine's conditions; ``data``: JSON for storage."""

    values: dict[str, Any]
    data: dict[str, Any]
    cleaned: Any = None

    def store_files(self) -> dict[str, Any]:
        """Write uploads of file fields (inside the caller's transaction); returns the JSON data."""
        store = _forms_api("form_submission_files_store")
        if self.cleaned is not None and store is not None and getattr(self.cleaned, "uploads", None):
            self.data = dict(store(cleaned=self.cleaned))
        return self.data


@dataclass(frozen=True)
class StepForm:
    form_key: str = ""
    inline: str = ""

    @classmethod
    def of(cls, props: dict[str, str]) -> StepForm:
        return cls(
            form_key=props.get("yunying:form") or props.get("form") or "",
            inline=props.get("yunying:fields") or props.get("fields") or "",
        )

    @property
    def empty(self) -> bool:
        return not self.form_key and not self.inline

    def version(self) -> Any:
        return form_version(self.form_key) if self.form_key else None

    def posted(self, post: Any, files: Any = None, *, prefix: str = "f_") -> tuple[dict[str, Any], Any]:
        """(data, files) from a browser post of :meth:`render` output."""
        version = self.version()
        parse = _forms_api("form_post_parse")
        if version is not None and parse is not None:
            return parse(version, post, files, prefix=prefix)  # type: ignore[no-any-return]
        return {k[len(prefix) :]: v for k, v in post.items() if k.startswith(prefix)}, None

    def validate(self, data: dict[str, Any], *, files: Any = None, user: Any = None) -> Submission:
        """The cleaned submission, or ValidationFailed with one message per field (nothing stored)."""
        data = dict(data or {})
        version = self.version()
        validate = _forms_api("form_submission_validate")
        if version is not None and validate is not None:
            cleaned = validate(version=version, data=data, files=files, user=user)
            return Submission(dict(cleaned.values), dict(cleaned.data), cleaned)
        if self.inline:
            errors: list[dict[str, object]] = []
            values: dict[str, Any] = {}
            for field in parse_inline_fields(self.inline):
                try:
                    values[field.name] = _clean_inline(field, data.get(field.name))
                except ValueError as exc:
                    errors.append({"field": field.name, "message": f"{field.label}：{exc}"})
            if errors:
                raise ValidationFailed(_("表单填写有误。"), errors=errors)
            return Submission(values, to_json(values))
        plain = _plain(data)
        return Submission(plain, to_json(plain))

    def values_so_far(self, data: dict[str, Any], *, user: Any = None) -> dict[str, Any]:
        """Typed values of a form being filled in, its errors ignored (for previews; nothing stored)."""
        version = self.version()
        lenient = _forms_api("form_values_so_far")
        if version is not None and lenient is not None:
            return dict(lenient(version=version, data=data, user=user))
        values: dict[str, Any] = {}
        for field in parse_inline_fields(self.inline) if self.inline else ():
            try:
                values[field.name] = _clean_inline(field, data.get(field.name))
            except ValueError:
                continue
        return values

    def render(
        self, data: dict[str, Any] | None = None, errors: Any = None, prefix: str = "", *, user: Any = None
    ) -> SafeString:
        if self.form_key:
            version = form_version(self.form_key)
            render = _forms_api("render_form")
            if version is not None and render is not None:
                return mark_safe(render(version, data=data, errors=errors, prefix=prefix, user=user))
        if self.inline:
            return _render_inline(parse_inline_fields(self.inline), data or {}, errors or {}, prefix)
        return mark_safe("")

    def render_readonly(self, data: dict[str, Any]) -> SafeString:
        if self.form_key:
            version = form_version(self.form_key)
            render = _forms_api("render_readonly")
            if version is not None and render is not None:
                return mark_safe(render(version, data))
        labels = {f.name: f.label for f in parse_inline_fields(self.inline)} if self.inline else {}
        return render_plain(data, labels)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Data without a form: JSON scalars, lists and dicts only, bounded in size and depth."""
    from yunying.core.limits import plain_data_check

    plain_data_check(data)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not _NAME.match(key):
            raise ValidationFailed(
                _("表单填写有误。"), errors=[{"field": str(key), "message": _("字段名无效")}]
            )
        if isinstance(value, str) and len(value) > 5000:
            raise ValidationFailed(_("表单填写有误。"), errors=[{"field": key, "message": _("内容过长")}])
        if not isinstance(value, (str, int, float, bool, list, dict, type(None))):
            raise ValidationFailed(_("表单填写有误。"), errors=[{"field": key, "message": _("类型不支持")}])
        out[key] = value
    return out


def _render_inline(fields: list[InlineField], data: dict[str, Any], errors: Any, prefix: str) -> SafeString:
    by_field = {}
    if isinstance(errors, list):
        by_field = {str(e.get("field")): str(e.get("message")) for e in errors}
    elif isinstance(errors, dict):
        by_field = {k: str(v) for k, v in errors.items()}
    parts = []
    for f in fields:
        name = f"{prefix}{f.name}"
        value = data.get(f.name)
        value = "" if value is None else value
        err = by_field.get(f.name, "")
        invalid = " is-invalid" if err else ""
        req = " required" if f.required and f.type != "bool" else ""
        if f.type == "textarea":
            control = format_html(
                '<textarea class="form-control{}" name="{}" id="id_{}" rows="3"{}>{}</textarea>',
                invalid,
                name,
                name,
                req,
                value,
            )
        elif f.type == "bool":
            control = format_html(
                '<label class="form-check"><input class="form-check-input" type="checkbox" name="{}" id="id_{}"{}>'
                '<span class="form-check-label">{}</span></label>',
                name,
                name,
                mark_safe(" checked") if value in (True, "on", "true") else "",
                f.label,
            )
        elif f.type == "choice":
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((c, mark_safe(" selected") if str(value) == c else "", c) for c in f.choices),
            )
            control = format_html(
                '<select class="form-select{}" name="{}" id="id_{}"{}><option value=""></option>{}</select>',
                invalid,
                name,
                name,
                req,
                options,
            )
        else:
            kind = {"number": "number", "money": "number", "date": "date"}.get(f.type, "text")
            step = (
                mark_safe(' step="0.01"')
                if f.type == "money"
                else mark_safe(' step="any"')
                if f.type == "number"
                else ""
            )
            control = format_html(
                '<input class="form-control{}" type="{}" name="{}" id="id_{}" value="{}"{}{}>',
                invalid,
                kind,
                name,
                name,
                value,
                step,
                req,
            )
        label = (
            ""
            if f.type == "bool"
            else format_html(
                '<label class="form-label{}" for="id_{}">{}</label>',
                mark_safe(" required") if f.required else "",
                name,
                f.label,
            )
        )
        feedback = format_html('<div class="invalid-feedback d-block">{}</div>', err) if err else ""
        parts.append(format_html('<div class="mb-3">{}{}{}</div>', label, control, feedback))
    return mark_safe("".join(parts))


def render_plain(data: dict[str, Any], labels: dict[str, str] | None = None) -> SafeString:
    labels = labels or {}
    rows = format_html_join(
        "",
        '<div class="datagrid-item"><div class="datagrid-title">{}</div><div class="datagrid-content">{}</div></div>',
        ((labels.get(k, k), _shown(v)) for k, v in data.items() if not str(k).startswith("_")),
    )
    return format_html('<div class="datagrid">{}</div>', rows)


def _shown(value: Any) -> str:
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "、".join(_shown(v) for v in value)
    return str(value)
