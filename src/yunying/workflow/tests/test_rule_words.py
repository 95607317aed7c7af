"""Assignee rules and history lines read with names: positions, units and people, never codes or logins."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from yunying.org.factories import EmployeeFactory, UnitFactory, UserFactory
from yunying.org.models import Position, UnitKind
from yunying.workflow.rule_words import rule_text


@pytest.mark.django_db
def test_rules_in_words() -> None:
    Position.objects.create(code="GMX", name="总经理甲", unit_kind=UnitKind.COMPANY)
    Position.objects.create(code="AREA-X", name="区域经理甲", unit_kind=UnitKind.REGION)
    UnitFactory(code="C9", name="运营中心甲")
    with translation.override("zh-hans"):
        assert rule_text("position:GMX") == "总经理甲"
        assert rule_text("position:GMX@C9") == "运营中心甲 · 总经理甲"
        assert rule_text("region:AREA-X|position:GMX") == "所属区域区域经理甲，没有则 总经理甲"
        assert rule_text("superior:2") == "上 2 级上级"
        assert "position:" not in rule_text("queue:position:GMX@C9")
    with translation.override("en"):
        assert rule_text("store:AREA-X") == "the store's 区域经理甲"


@pytest.mark.django_db
def test_history_filters_name_people_and_modes() -> None:
    user = UserFactory(username="sup9")
    EmployeeFactory(user=user, name="督导乙")
    template = Template("{% load yunying %}{{ login|person }}（{{ mode|signer_mode }}）")
    with translation.override("zh-hans"):
        assert template.render(Context({"login": "sup9", "mode": "before"})) == "督导乙（前加签）"
