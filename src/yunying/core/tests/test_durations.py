"""Durations in the working language's units, through one helper and its template filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from yunying.core.durations import duration_text


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (timedelta(hours=2, minutes=13, seconds=41, microseconds=684600), "2 小时 13 分", "2 h 13 min"),
        (timedelta(days=2, hours=9, minutes=25, seconds=43), "2 天 9 小时", "2 d 9 h"),
        (timedelta(minutes=12, seconds=41), "12 分", "12 min"),
        (232, "3 分", "3 min"),
        (0, "不到 1 分", "under 1 min"),
        (timedelta(days=3), "3 天", "3 d"),
        (timedelta(hours=5), "5 小时", "5 h"),
        (None, "—", "—"),
    ],
)
def test_duration_text(value: object, zh: str, en: str) -> None:
    with translation.override("zh-hans"):
        assert duration_text(value) == zh  # type: ignore[arg-type]
    with translation.override("en"):
        assert duration_text(value) == en  # type: ignore[arg-type]


def test_template_filter_uses_the_helper() -> None:
    template = Template("{% load yunying %}{{ d|duration }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"d": timedelta(seconds=8003)})) == "2 小时 13 分"
