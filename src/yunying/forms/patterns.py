"""Form field patterns (格式，正则表达式) run on RE2, whose matching time grows linearly with the input: a
pattern such as ``^([a-zA-Z]+\\s?)*$`` cannot make validation exponential. What RE2 cannot run
(backreferences, lookarounds) is refused when the form is saved, and the input is capped before matching
(``YUNYING_FORM_PATTERN_MAX_INPUT``). Python's four-digit ``\\u`` escapes (``\\u4e00``) are accepted and
passed to RE2 in its own form (``\\x{4e00}``). The browser never runs these patterns: the server checks them.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import re2
from django.conf import settings
from django.utils.translation import gettext as _

MAX_PATTERN_LENGTH = 300
_PYTHON_U_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9A-Fa-f]{4})")


class PatternError(ValueError):
    """A pattern RE2 cannot run; ``str()`` says why, in the user's language."""


def _for_re2(pattern: str) -> str:
    return _PYTHON_U_ESCAPE.sub(lambda m: f"{m.group(1)}\\x{{{m.group(2)}}}", pattern)


def _reason(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if "invalid escape sequence: \\" in text and text.rstrip()[-1:].isdigit():
        return _("不支持反向引用（如 \\1）")
    if "invalid perl operator: (?" in text:
        return _("不支持环视（如 (?=…)、(?!…)、(?<=…)）")
    return _("有误（%(error)s）") % {"error": text}


@functools.lru_cache(maxsize=512)
def compiled(pattern: str) -> Any:
    """The RE2 program of ``pattern``; raises :class:`PatternError`."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(_("最长 %(n)d 个字符") % {"n": MAX_PATTERN_LENGTH})
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(_for_re2(pattern), options)
    except re2.error as exc:
        raise PatternError(_reason(exc)) from None


def problem(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be used as a field pattern, or None."""
    if not isinstance(pattern, str):
        return _("须为文字")
    try:
        compiled(pattern)
    except PatternError as exc:
        return str(exc)
    return None


def max_input() -> int:
    return int(getattr(settings, "YUNYING_FORM_PATTERN_MAX_INPUT", 1000))


def full_match(pattern: str, text: str) -> bool:
    """Whether the whole of ``text`` matches; the caller has capped ``text`` at :func:`max_input`."""
    if len(text) > max_input():
        return False
    return compiled(pattern).fullmatch(text) is not None
