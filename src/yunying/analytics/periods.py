"""Months, weeks and the holidays that move sales (Spring Festival first)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.utils.translation import gettext as _

from yunying.core.errors import DomainError

# 春节 (the first day of the lunar year); the week around it empties offices and fills family restaurants.
SPRING_FESTIVAL = {
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    """The first day of the following month (exclusive end)."""
    return add_months(month, 1)


def month_days(month: date) -> list[date]:
    count = calendar.monthrange(month.year, month.month)[1]
    return [month.replace(day=d) for d in range(1, count + 1)]


def first_weekday() -> int:
    """The weekday a week starts on (0 = Monday … 6 = Sunday): ``YUNYING_WEEK_START`` (1 = Monday … 7 =
    Sunday, default Monday). After changing it, `yunying rebuild_sales_aggregates` regroups the weeks."""
    from django.conf import settings

    try:
        number = int(getattr(settings, "YUNYING_WEEK_START", 1))
    except (TypeError, ValueError):
        number = 1
    return (number - 1) % 7 if 1 <= number <= 7 else 0


def week_start(day: date) -> date:
    """The first day of the week `day` falls in (Monday unless the company's weeks start on another day)."""
    return day - timedelta(days=(day.weekday() - first_weekday()) % 7)


def parse_month(text: str | None, *, default: date | None = None) -> date:
    """'2026-03' → date(2026, 3, 1); a DomainError the user can read otherwise."""
    if not text:
        if default is None:
            raise DomainError(_("请指定月份（YYYY-MM）。"), field="month")
        return default
    try:
        year, month = text.strip()[:7].split("-")
        return date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise DomainError(_("“%(v)s”不是有效月份，格式为 YYYY-MM。") % {"v": text}, field="month")


def parse_week(text: str | None, *, default: date) -> date:
    if not text:
        return default
    try:
        return week_start(date.fromisoformat(text.strip()))
    except ValueError:
        raise DomainError(_("“%(v)s”不是有效日期。") % {"v": text}, field="week")


def holiday_kind(day: date) -> str | None:
    """'spring' for the Spring Festival week (eve to the sixth day), 'golden' for the national-day and
    labour-day holidays, 'newyear' for 1 January; None for an ordinary day."""
    for candidate in (SPRING_FESTIVAL.get(day.year), SPRING_FESTIVAL.get(day.year + 1)):
        if candidate and -1 <= (day - candidate).days <= 6:
            return "spring"
    if (day.month == 10 and day.day <= 7) or (day.month == 5 and day.day <= 5):
        return "golden"
    if day.month == 1 and day.day == 1:
        return "newyear"
    return None


def spring_festival_month(year: int) -> date | None:
    day = SPRING_FESTIVAL.get(year)
    return month_start(day) if day else None
