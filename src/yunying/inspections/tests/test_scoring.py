"""The score formula: bounds, N/A neutrality, the critical-item rules and rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yunying.inspections.definition import POINTS, PPF, YES_NO, Item
from yunying.inspections.scoring import BadAnswer, item_ratio, score_compute


@st.composite
def answered_items(draw: st.DrawFn, *, allow_na: bool = True) -> tuple[Item, str]:
    scoring = draw(st.sampled_from([YES_NO, POINTS, PPF]))
    max_points = draw(st.integers(1, 10)) if scoring == POINTS else 0
    na_allowed = draw(st.booleans()) if allow_na else False
    item = Item(
        key=f"k{draw(st.integers(0, 10**9))}",
        title="项",
        scoring=scoring,
        weight=draw(st.decimals(min_value=Decimal("0.1"), max_value=100, places=1)),
        max_points=max_points,
        na_allowed=na_allowed,
        critical=draw(st.booleans()),
    )
    choices = item.choices() + (["na"] if na_allowed else [])
    return item, draw(st.sampled_from(choices))


RULES = st.sampled_from(["fail", "cap"])
MARKS = st.decimals(min_value=0, max_value=100, places=1)


@settings(max_examples=300, deadline=None)
@given(st.lists(answered_items(), max_size=30), RULES, MARKS, MARKS)
def test_score_always_within_bounds(pairs, rule, cap, mark):
    result = score_compute(pairs, critical_rule=rule, critical_cap=cap, pass_mark=mark)
    if result.applicable == 0:
        assert result.score is None and result.passed is None
        return
    assert Decimal(0) <= result.score <= Decimal(100)
    assert Decimal(0) <= result.raw_score <= Decimal(100)
    assert result.score == result.score.quantize(Decimal("0.1"))
    if result.critical_failures and rule == "fail":
        assert result.score == 0 and result.passed is False
    if result.critical_failures and rule == "cap":
        assert result.score <= cap.quantize(Decimal("0.1"))
    if not result.critical_failures:
        assert result.score == result.raw_score
        assert result.passed is (result.score >= mark)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(answered_items(), max_size=20),
    st.lists(answered_items(allow_na=False), min_size=1, max_size=5),
    st.randoms(use_true_random=False),
    RULES,
)
def test_not_applicable_never_changes_the_score_of_the_rest(pairs, extra, rnd, rule):
    """Adding items answered N/A anywhere gives exactly the result without them."""
    before = score_compute(pairs, critical_rule=rule, critical_cap=Decimal(60), pass_mark=Decimal(80))
    mixed = list(pairs)
    for item, _value in extra:
        na_item = Item(**{**item.__dict__, "na_allowed": True})
        mixed.insert(rnd.randint(0, len(mixed)), (na_item, "na"))
    after = score_compute(mixed, critical_rule=rule, critical_cap=Decimal(60), pass_mark=Decimal(80))
    assert after == before


def _item(scoring: str = YES_NO, **kwargs) -> Item:
    return Item(key=kwargs.pop("key", "a"), title="项", scoring=scoring, **kwargs)


def test_weights_and_ratios_and_half_up_rounding():
    pairs = [
        (_item(key="a", weight=Decimal(2)), "yes"),  # 2 of 2
        (_item(POINTS, key="b", max_points=5, weight=Decimal(1)), "3"),  # 0.6 of 1
        (_item(PPF, key="c", weight=Decimal(3)), "partial"),  # 1.5 of 3
    ]
    result = score_compute(pairs, critical_rule="fail", critical_cap=Decimal(60), pass_mark=Decimal(80))
    # 100 × 4.1 / 6 = 68.333… → 68.3
    assert result.score == Decimal("68.3") and result.deducted == 2 and result.passed is False
    half = [(_item(key="a", weight=Decimal(1)), "yes"), (_item(PPF, key="b", weight=Decimal(7)), "partial")]
    # 100 × 4.5 / 8 = 56.25 → 56.3 (half up, not banker's)
    assert score_compute(
        half, critical_rule="fail", critical_cap=Decimal(0), pass_mark=Decimal(0)
    ).score == Decimal("56.3")


def test_critical_rules():
    pairs = [(_item(key="a", weight=Decimal(9)), "yes"), (_item(key="b", critical=True), "no")]
    failed = score_compute(pairs, critical_rule="fail", critical_cap=Decimal(60), pass_mark=Decimal(80))
    assert failed.score == 0 and failed.raw_score == Decimal("90.0") and failed.passed is False
    capped = score_compute(pairs, critical_rule="cap", critical_cap=Decimal(60), pass_mark=Decimal(50))
    assert capped.score == Decimal("60.0") and capped.passed is True and capped.critical_failures == 1


def test_answers_an_item_does_not_accept():
    with pytest.raises(BadAnswer):
        item_ratio(_item(POINTS, max_points=5), "6")
    with pytest.raises(BadAnswer):
        item_ratio(_item(), "na")
    with pytest.raises(BadAnswer):
        item_ratio(_item(PPF), "yes")
    assert item_ratio(_item(na_allowed=True), "na") is None
