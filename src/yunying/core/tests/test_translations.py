"""The English catalogues are complete: every message translated, none fuzzy, placeholders kept.

zh-Hans is the source language of every user-facing string; English comes from the .po files
(src/yunying/locale for the project, src/yunying/forms/locale for the forms app). After adding or
changing a string: ``make messages``, translate what is empty or fuzzy, ``make translations``.
"""

from __future__ import annotations

import ast
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(PACKAGE.glob("**/locale/en/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%%|%[sdif]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def _unquote(text: str) -> str:
    value = ast.literal_eval(text.strip())
    assert isinstance(value, str)
    return value


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete ``#~`` entries and the header left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    flags: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{number}: stray string"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _unquote(line))
            continue
        if keyword in ("msgctxt", "msgid") and (current is None or current.msgstr):
            current = Entry(line=number, flags=flags)
            entries.append(current)
            flags = set()
        assert current is not None, f"{path}:{number}: {line}"
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(current, keyword, _unquote(rest))
            target = (keyword, 0)
        elif keyword == "msgstr" or keyword.startswith("msgstr["):
            index = int(keyword[7:-1]) if keyword != "msgstr" else 0
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {line!r}")
    return [e for e in entries if e.msgid or e.msgctxt]


def problems(path: Path) -> list[str]:
    found = []
    for entry in parse_po(path):
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy, {entry.where}")
        forms = [entry.msgstr.get(i, "") for i in range(2 if entry.msgid_plural else 1)]
        if not all(forms):
            found.append(f"untranslated, {entry.where}")
            continue
        if "python-format" in entry.flags or PLACEHOLDER.search(entry.msgid):
            for i, text in enumerate(forms):
                source = entry.msgid_plural if i and entry.msgid_plural else entry.msgid
                if sorted(set(PLACEHOLDER.findall(text))) != sorted(set(PLACEHOLDER.findall(source))):
                    found.append(f"placeholders differ ({text!r}), {entry.where}")
    return found


def test_both_catalogues_exist():
    relative = {str(p.relative_to(PACKAGE)) for p in CATALOGUES}
    assert relative >= {"locale/en/LC_MESSAGES/django.po", "forms/locale/en/LC_MESSAGES/django.po"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_catalogue_is_complete(path):
    found = problems(path)
    assert not found, f"{path}: run `make messages`, then translate:\n" + "\n".join(found)


def test_parser_sees_untranslated_fuzzy_and_placeholder_mistakes(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        'msgid "门店"\nmsgstr "Store"\n\n'
        '#, fuzzy\nmsgid "区域"\nmsgstr "Regions"\n\n'
        'msgid ""\n"长的"\n"消息"\nmsgstr ""\n\n'
        '#, python-format\nmsgid "%(n)s 人"\nmsgid_plural "%(n)s 人"\nmsgstr[0] "%(n)s person"\nmsgstr[1] ""\n\n'
        '#, python-format\nmsgid "找不到门店 %(code)s。"\nmsgstr "Store %(cod)s not found."\n\n'
        '#~ msgid "旧的"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    found = problems(po)
    kinds = [f.split(" (")[0].split(",")[0] for f in found]
    assert kinds == ["fuzzy", "untranslated", "untranslated", "placeholders differ"]
    assert "'长的消息'" in found[1]
    assert "'%(n)s 人'" in found[2]


def test_every_string_in_the_code_is_in_a_catalogue(tmp_path, monkeypatch):
    """makemessages over a copy of the code: what it adds to the copied catalogues is untranslated."""
    assert shutil.which("xgettext"), "GNU gettext is needed (make test installs it)"
    copy = tmp_path / "yunying"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("tests", "static", "__pycache__", "*.mo", "node_modules"),
    )
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        assert Path(settings.LOCALE_PATHS[0]).is_relative_to(tmp_path)
        call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    found = [
        f"{p.relative_to(copy)}: {problem}"
        for p in sorted(copy.glob("**/locale/en/LC_MESSAGES/django.po"))
        for problem in problems(p)
    ]
    assert not found, "strings missing from the catalogues: run `make messages` and translate:\n" + "\n".join(
        found
    )
