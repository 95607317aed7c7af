"""The visit score — one formula, used by the visit page, the API, reports and the demo.

For every answered item that is not "not applicable" (N/A), a ratio r in [0, 1]:

* yes/no: 是 = 1, 否 = 0;
* points 0…N: p / N;
* pass/partial/fail: 合格 = 1, 部分合格 = 0.5, 不合格 = 0.

``raw = 100 × Σ(weightᵢ × rᵢ) / Σ weightᵢ`` over those items. N/A items are left out of both sums, so
marking an item N/A gives exactly the score the visit would have without that item. An item with r < 1 is
*deducted* and becomes a finding. A **critical item (红线项)** with r < 1 is a critical failure, and the
version's rule applies:

* ``fail``: the visit fails and its score is 0;
* ``cap``: the score is ``min(raw, cap)``.

The score is rounded once, at the end, half up to one decimal. A visit passes when it has no critical
failure under the ``fail`` rule and its score is at least the version's pass mark. With no applicable item
there is no score (``None``). The score is always within [0, 100]."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from yunying.inspections.definition import NA, POINTS, PPF, YES_NO, Item

ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)
_FIXED = {
    YES_NO: {"yes": Decimal(1), "no": Decimal(0)},
    PPF: {"pass": Decimal(1), "partial": Decimal("0.5"), "fail": Decimal(0)},
}


class BadAnswer(ValueError):
    """The answer is not one the item accepts."""


def item_ratio(item: Item, value: str) -> Decimal | None:
    """The item's ratio for an answer; None for N/A; BadAnswer for anything the item does not accept."""
    if value == NA:
        if not item.na_allowed:
            raise BadAnswer(value)
        return None
    if item.scoring == POINTS:
        if not value.isdigit() or not 0 <= int(value) <= item.max_points:
            raise BadAnswer(value)
        return Decimal(int(value)) / Decimal(item.max_points)
    ratio = _FIXED[item.scoring].get(value)
    if ratio is None:
        raise BadAnswer(value)
    return ratio


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal | None
    raw_score: Decimal | None
    passed: bool | None
    critical_failures: int
    deducted: int
    applicable: int


def _round(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def score_compute(
    answers: Iterable[tuple[Item, str]], *, critical_rule: str, critical_cap: Decimal, pass_mark: Decimal
) -> ScoreResult:
    """The score of a set of (item, answer) pairs; unanswered items are simply not in ``answers``."""
    earned = possible = Decimal(0)
    critical = deducted = applicable = 0
    for item, value in answers:
        ratio = item_ratio(item, value)
        if ratio is None:
            continue
        applicable += 1
        earned += item.weight * ratio
        possible += item.weight
        if ratio < 1:
            deducted += 1
            critical += int(item.critical)
    if possible == 0:
        return ScoreResult(None, None, None, critical, deducted, 0)
    raw = HUNDRED * earned / possible
    score = raw
    if critical and critical_rule == "fail":
        score = Decimal(0)
    elif critical and critical_rule == "cap":
        score = min(raw, max(Decimal(0), min(HUNDRED, critical_cap)))
    score = _round(score)
    passed = not (critical and critical_rule == "fail") and score >= pass_mark
    return ScoreResult(score, _round(raw), passed, critical, deducted, applicable)
