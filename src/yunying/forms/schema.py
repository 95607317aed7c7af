"""The shape of a form: typed field specifications parsed from a version's `fields` JSON.

A field definition is a JSON object; `FieldSpec.from_json` reads one that `definition.definition_validate`
accepted. Every field has the common properties (`key`, `type`, `label_zh`, `label_en`, `required`,
`help_zh`, `help_en`, `visible_if`); the others apply per type (see `TYPE_PROPERTIES`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

TEXT = "text"
TEXTAREA = "textarea"
NUMBER = "number"
MONEY = "money"
DATE = "date"
DATETIME = "datetime"
CHOICE = "choice"
MULTICHOICE = "multichoice"
BOOLEAN = "boolean"
EMPLOYEE = "employee"
STORE = "store"
POSITION = "position"
ATTACHMENT = "attachment"
PHOTO = "photo"
TABLE = "table"
COMPUTED = "computed"

# type -> (label, the properties that apply beyond the common ones)
FIELD_TYPES: dict[str, tuple[Any, frozenset[str]]] = {
    TEXT: (_("单行文本"), frozenset({"min_length", "max_length", "regex", "default", "placeholder"})),
    TEXTAREA: (_("多行文本"), frozenset({"min_length", "max_length", "default", "placeholder"})),
    NUMBER: (_("数字"), frozenset({"min", "max", "decimals", "default", "unit"})),
    MONEY: (_("金额"), frozenset({"min", "max", "default"})),
    DATE: (_("日期"), frozenset({"min", "max", "default"})),
    DATETIME: (_("日期时间"), frozenset({"min", "max"})),
    CHOICE: (_("单选"), frozenset({"choices", "default"})),
    MULTICHOICE: (_("多选"), frozenset({"choices", "default", "min", "max"})),
    BOOLEAN: (_("是/否"), frozenset({"default"})),
    EMPLOYEE: (_("人员"), frozenset()),
    STORE: (_("门店"), frozenset()),
    POSITION: (_("岗位"), frozenset()),
    ATTACHMENT: (_("附件"), frozenset({"accept", "max_size_mb", "max_files"})),
    PHOTO: (_("照片"), frozenset({"max_size_mb", "max_files"})),
    TABLE: (_("明细表"), frozenset({"columns", "min_rows", "max_rows"})),
    COMPUTED: (_("计算字段"), frozenset({"expression", "result_type", "decimals"})),
}
COMMON_PROPERTIES = frozenset(
    {"key", "type", "label_zh", "label_en", "required", "help_zh", "help_en", "visible_if"}
)
COLUMN_PROPERTIES = frozenset({"total"})  # a table column may also ask for its column total
NUMERIC_TYPES = frozenset({NUMBER, MONEY})
FILE_TYPES = frozenset({ATTACHMENT, PHOTO})
RESULT_TYPES = ("number", "money", "text", "boolean")

DEFAULT_MAX_SIZE_MB = 10
MAX_SIZE_MB_LIMIT = 50
DEFAULT_MAX_FILES = 5
DEFAULT_ACCEPT = (
    ".pdf", ".jpg", ".jpeg", ".png", ".webp", ".heic", ".gif",
    ".doc", ".docx", ".xls", ".xlsx", ".csv", ".txt", ".zip",
)  # fmt: skip
PHOTO_ACCEPT = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif")
MAX_FIELDS = 200
MAX_TABLE_ROWS = 500


def is_english() -> bool:
    return (get_language() or "").startswith("en")


def pick(zh: str, en: str) -> str:
    """The text in the user's language: English when asked for and given, else Chinese."""
    return en if en and is_english() else zh


@dataclass(frozen=True)
class Choice:
    value: str
    label_zh: str
    label_en: str = ""

    @property
    def label(self) -> str:
        return pick(self.label_zh, self.label_en)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    type: str
    label_zh: str
    label_en: str = ""
    required: bool = False
    help_zh: str = ""
    help_en: str = ""
    visible_if: str = ""
    placeholder: str = ""
    min: Any = None
    max: Any = None
    min_length: int | None = None
    max_length: int | None = None
    regex: str = ""
    decimals: int = 0
    unit: str = ""
    choices: tuple[Choice, ...] = ()
    default: Any = None
    accept: tuple[str, ...] = ()
    max_size_mb: float = DEFAULT_MAX_SIZE_MB
    max_files: int = DEFAULT_MAX_FILES
    columns: tuple[FieldSpec, ...] = ()
    min_rows: int | None = None
    max_rows: int | None = None
    expression: str = ""
    result_type: str = "number"
    total: bool = False

    @property
    def label(self) -> str:
        return pick(self.label_zh, self.label_en) or self.key

    @property
    def help(self) -> str:
        return pick(self.help_zh, self.help_en)

    @property
    def is_computed(self) -> bool:
        return self.type == COMPUTED

    @property
    def is_file(self) -> bool:
        return self.type in FILE_TYPES

    @property
    def is_numeric(self) -> bool:
        """Holds a number: number and money fields, and computed fields with a numeric result."""
        return self.type in NUMERIC_TYPES or (self.is_computed and self.result_type in ("number", "money"))

    @property
    def is_money(self) -> bool:
        return self.type == MONEY or (self.is_computed and self.result_type == "money")

    @property
    def scale(self) -> int:
        """Digits after the decimal point for a numeric value."""
        return 2 if self.is_money else self.decimals

    @property
    def has_totals(self) -> bool:
        return any(c.total for c in self.columns)

    @property
    def allowed_extensions(self) -> tuple[str, ...]:
        if self.type == PHOTO:
            return PHOTO_ACCEPT
        return self.accept or DEFAULT_ACCEPT

    def choice_label(self, value: Any) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return "" if value is None else str(value)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> FieldSpec:
        known = {f for f in cls.__dataclass_fields__ if f not in {"choices", "columns", "accept"}}
        values = {k: v for k, v in raw.items() if k in known and v is not None}
        choices = tuple(
            Choice(str(c.get("value", "")), str(c.get("label_zh", "")), str(c.get("label_en", "") or ""))
            for c in raw.get("choices") or ()
        )
        columns = tuple(cls.from_json(c) for c in raw.get("columns") or ())
        accept = tuple(str(a).lower() for a in raw.get("accept") or ())
        return cls(**values, choices=choices, columns=columns, accept=accept)


@dataclass(frozen=True)
class FormSchema:
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, raw: list[Mapping[str, Any]]) -> FormSchema:
        return cls(tuple(FieldSpec.from_json(f) for f in raw))

    def __iter__(self) -> Iterator[FieldSpec]:
        return iter(self.fields)

    def get(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def has_files(self) -> bool:
        return any(f.is_file or any(c.is_file for c in f.columns) for f in self.fields)


def schema_of(version: Any) -> FormSchema:
    """The parsed schema of a FormVersion (cached on the instance until its `fields` change)."""
    cached = getattr(version, "_yy_schema", None)
    if cached is None or cached[0] is not version.fields:
        cached = (version.fields, FormSchema.from_json(version.fields))
        version._yy_schema = cached
    return cached[1]
