"""The authority matrix under edited boundaries: every amount reaches exactly one tier (and so one final
approver) of the shipped purchase matrix with its boundaries moved, and a tier that would overlap another is
refused when the matrix is edited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yunying.workflow.authority import _matches, authority_rule_for, rules_in_force
from yunying.workflow.models import AuthorityRule

pytestmark = pytest.mark.django_db

CENTS = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100)


def _retier(low: Decimal, high: Decimal) -> None:
    """The purchase matrix edited as an administrator would: each tier's boundaries moved, each edit checked."""
    tiers = list(AuthorityRule.objects.filter(category="purchase"))  # the model's order: lowest tier first
    AuthorityRule.objects.filter(category="purchase").delete()
    bounds = [(None, low), (low, high), (high, None)]
    for rule, (lo, hi) in zip(tiers, bounds, strict=True):
        rule.pk = None
        rule.min_amount, rule.min_inclusive = lo, True
        rule.max_amount, rule.max_inclusive = hi, False
        rule.full_clean()
        rule.save()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=CENTS, gap=CENTS, amounts=st.lists(CENTS, min_size=1, max_size=8))
def test_every_amount_reaches_exactly_one_tier(seeded: None, first: Any, gap: Any, amounts: Any) -> None:
    assert AuthorityRule.objects.filter(category="purchase").count() == 3  # the shipped 3 tiers
    low, high = first, first + gap
    _retier(low, high)
    in_force = list(rules_in_force(category="purchase"))
    for amount in [*amounts, low, high, low - Decimal("0.01"), high - Decimal("0.01")]:
        if amount <= 0:
            continue
        matching = [r for r in in_force if _matches(r, amount)]
        assert len(matching) == 1, (amount, [(r.min_amount, r.max_amount) for r in in_force])
        chosen = authority_rule_for(category="purchase", amount=amount, unit=None)
        assert chosen == matching[0]
        expected = 0 if amount < low else (1 if amount < high else 2)
        assert chosen.min_amount == [None, low, high][expected]


def test_an_overlapping_tier_is_refused(seeded: None) -> None:
    top = (
        AuthorityRule.objects.filter(category="purchase", min_amount__isnull=False)
        .order_by("-min_amount")
        .first()
    )
    assert top is not None and top.min_amount is not None
    overlapping = AuthorityRule(
        category="purchase",
        name="新档位",
        min_amount=top.min_amount + Decimal("50"),
        max_amount=top.min_amount + Decimal("150"),
        approver="position:GM",
        effective_from=dt.date(2024, 1, 1),
    )
    with pytest.raises(ValidationError) as refused:
        overlapping.full_clean()
    assert "重叠" in str(refused.value)
    # the same tier only from the day the old one ends is fine
    top.effective_to = dt.date(2025, 12, 31)
    top.save()
    overlapping.effective_from = dt.date(2026, 1, 1)
    overlapping.full_clean()
    backwards = AuthorityRule(
        category="purchase", name="x", min_amount=Decimal("10"), max_amount=Decimal("5"), approver="position:GM",
        effective_from=dt.date(2030, 1, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        backwards.full_clean()


def test_tiers_are_listed_lowest_first_on_every_database(seeded: None) -> None:
    """The tier with no lower bound comes first in SQLite and PostgreSQL alike (NULLs sort differently)."""
    lows = [r.min_amount for r in AuthorityRule.objects.filter(category="purchase")]
    assert lows[0] is None
    assert lows[1:] == sorted(low for low in lows[1:] if low is not None)
