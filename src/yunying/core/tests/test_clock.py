"""The company's clock: one calendar day for everyone, whatever the server's own time zone; and a lint that
keeps every other module from asking the server for the date."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from yunying.core import clock
from yunying.core.expressions import evaluate
from yunying.core.tests.company_time import COMPANY_DAY, MOMENTS, company_time, frozen_at  # noqa: F401

PACKAGE = Path(clock.__file__).resolve().parents[1]  # src/yunying


@pytest.mark.usefixtures("company_time")
def test_today_is_the_company_day_at_any_hour_on_any_server():
    assert clock.today() == COMPANY_DAY
    assert clock.local_now().date() == COMPANY_DAY
    assert clock.local_now().utcoffset() == dt.timedelta(hours=8)
    assert clock.now().utcoffset() == dt.timedelta(0)  # the stored instant stays UTC
    assert clock.business_date(clock.now()) == COMPANY_DAY


@pytest.mark.usefixtures("company_time")
def test_the_expression_language_counts_the_company_day():
    assert evaluate("today()", {}) == COMPANY_DAY
    assert evaluate("now()", {}).date() == COMPANY_DAY
    assert evaluate("today() == date(2026, 12, 1)", {}) is True


def test_a_zone_gives_that_zone_day():
    with frozen_at(MOMENTS["00:30"], "UTC"):
        assert clock.today(ZoneInfo("Europe/London")) == dt.date(2026, 11, 30)
        assert clock.today(ZoneInfo("Asia/Shanghai")) == dt.date(2026, 12, 1)
        assert clock.business_date(clock.now(), ZoneInfo("America/Los_Angeles")) == dt.date(2026, 11, 30)


def test_the_company_zone_is_the_setting():
    with override_settings(TIME_ZONE="Europe/Berlin"), frozen_at(MOMENTS["00:30"], "Asia/Shanghai"):
        assert clock.company_zone() == ZoneInfo("Europe/Berlin")
        assert clock.today() == dt.date(2026, 11, 30)  # 17:30 in Berlin


def test_zone_names_are_checked():
    assert clock.zone_named("Asia/Urumqi") == ZoneInfo("Asia/Urumqi")
    assert clock.zone_named(" UTC ") == ZoneInfo("UTC")
    for bad in ("", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "Asia/", "北京时间"):
        assert clock.zone_named(bad) is None, bad


# --------------------------------------------------------------------------- the lint
def server_date_uses(source: str) -> list[tuple[int, str]]:
    """Where ``source`` asks the server for the date or the local time instead of yunying.core.clock."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            owner = (
                node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", "")
            )
            if node.attr == "today" and owner in ("date", "datetime"):
                found.append((node.lineno, f"{owner}.today"))
            elif node.attr == "localdate":
                found.append((node.lineno, f"{owner}.localdate"))
        if isinstance(node, ast.Name) and node.id == "localdate":
            found.append((node.lineno, "localdate"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            owner = (
                func.value.attr if isinstance(func.value, ast.Attribute) else getattr(func.value, "id", "")
            )
            if func.attr == "now" and owner == "datetime" and not node.args and not node.keywords:
                found.append((node.lineno, "datetime.now() without a time zone"))
            if (
                func.attr == "date"
                and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Attribute)
                and func.value.func.attr == "now"
            ):
                found.append((node.lineno, ".now().date()"))
            if (
                func.attr == "date"
                and not node.args
                and isinstance(func.value, ast.Name)
                and func.value.id == "now"
            ):
                found.append(
                    (node.lineno, "now.date(): the UTC date of an instant, use clock.business_date(now)")
                )
    return sorted(set(found))


def _modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "tests" not in path.relative_to(PACKAGE).parts
        and "migrations" not in path.relative_to(PACKAGE).parts
        and path != PACKAGE / "core" / "clock.py"
    ]


def test_nothing_outside_the_clock_asks_the_server_for_the_date():
    modules = _modules()
    assert len(modules) > 50 and PACKAGE / "workflow" / "assignment.py" in modules
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
        for path in modules
        for line, what in server_date_uses(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "use yunying.core.clock (today(), local_now(), business_date()):\n" + "\n".join(
        offenders
    )


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import date\nx = date.today()",
        "import datetime as dt\nx = dt.date.today()",
        "from datetime import datetime\nx = datetime.today()",
        "from datetime import datetime\nx = datetime.now()",
        "import datetime\nx = datetime.datetime.now()",
        "from django.utils import timezone\nx = timezone.now().date()",
        "from django.utils import timezone\nx = timezone.localdate()",
        "from django.utils.timezone import localdate\nx = localdate()",
        "from django.utils import timezone\nnow = timezone.now()\nx = now.date()",
        "from dataclasses import field\nfrom datetime import date\nx: date = field(default_factory=date.today)",
    ],
)
def test_the_lint_catches_each_way_of_asking(source):
    assert server_date_uses(source), source


@pytest.mark.parametrize(
    "source",
    [
        "from yunying.core import clock\nx = clock.today()",
        "from django.utils import timezone\nx = timezone.now()",
        "import datetime as dt\nx = dt.datetime.now(dt.UTC)",
        "from yunying.core import clock\nx = clock.business_date(clock.now())",
        "x = row.date()",
    ],
)
def test_the_lint_lets_the_clock_through(source):
    assert not server_date_uses(source), source
