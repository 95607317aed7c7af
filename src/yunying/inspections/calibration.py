"""Scoring calibration (评分校准): uneven scoring is the top complaint about inspections, so each inspector's
scores are compared with their peers' on the *same store, checklist and month*.

For every submitted visit whose store had, in the same month and on the same checklist, a visit by another
inspector, the visit's **deviation** is its raw score (before the red-line rule, so one red line does not
swamp the comparison) minus the mean raw score of the other inspectors' visits there. An inspector's
deviation is the mean over such comparable visits; the inspector is **flagged** when it has at least
``inspections.calibration_min_visits`` comparable visits and the deviation's size reaches
``inspections.calibration_threshold`` points. The window is ``inspections.calibration_months`` months ending
with the month looked at. Only visits of stores the reader sees are counted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from yunying.core.settings_store import setting_get_int
from yunying.inspections.models import VisitStatus
from yunying.inspections.selectors import visits_visible_to

ONE = Decimal("0.1")


@dataclass(frozen=True)
class InspectorCalibration:
    inspector_id: int
    name: str
    username: str
    visits: int
    mean: Decimal
    low: Decimal
    high: Decimal
    comparable: int
    deviation: Decimal | None
    flagged: bool

    @property
    def direction(self) -> str:
        """``lenient`` (scores above peers) or ``strict`` (below), for a flagged inspector."""
        return "lenient" if (self.deviation or 0) > 0 else "strict"


@dataclass(frozen=True)
class Calibration:
    start: dt.date
    end: dt.date
    threshold: int
    min_visits: int
    inspectors: list[InspectorCalibration]

    @property
    def flagged(self) -> list[InspectorCalibration]:
        return [i for i in self.inspectors if i.flagged]


def _q(value: Decimal) -> Decimal:
    return value.quantize(ONE, rounding=ROUND_HALF_UP)


def window(month: dt.date) -> tuple[dt.date, dt.date]:
    months = max(1, min(setting_get_int("inspections.calibration_months"), 12))
    end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    start = month.replace(day=1)
    for _n in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return start, end


def calibration_compute(*, user: Any, month: dt.date) -> Calibration:
    """Each inspector's score distribution in the window and deviation from peers (one query)."""
    start, end = window(month)
    threshold = max(1, setting_get_int("inspections.calibration_threshold"))
    min_visits = max(1, setting_get_int("inspections.calibration_min_visits"))
    rows = (
        visits_visible_to(user)
        .filter(
            status=VisitStatus.SUBMITTED,
            visited_on__gte=start,
            visited_on__lte=end,
            raw_score__isnull=False,
        )
        .values_list(
            "store_id",
            "version__template_id",
            "visited_on",
            "inspector_id",
            "raw_score",
        )
    )
    groups: dict[tuple[int, int, int, int], list[tuple[int, Decimal]]] = defaultdict(list)
    scores: dict[int, list[Decimal]] = defaultdict(list)
    for store_id, template_id, day, inspector_id, raw in rows:
        if raw is None:
            continue
        groups[(store_id, template_id, day.year, day.month)].append((inspector_id, raw))
        scores[inspector_id].append(raw)
    from yunying.accounts.models import User

    names = {
        u.pk: (u.display_name, u.username)
        for u in User.objects.filter(pk__in=list(scores)).select_related("employee")
    }
    deviations: dict[int, list[Decimal]] = defaultdict(list)
    for visits in groups.values():
        if len({inspector for inspector, _raw in visits}) < 2:
            continue
        for inspector, raw in visits:
            peers = [r for other, r in visits if other != inspector]
            deviations[inspector].append(raw - sum(peers, Decimal(0)) / len(peers))
    inspectors = []
    for inspector_id, values in scores.items():
        devs = deviations.get(inspector_id, [])
        deviation = _q(sum(devs, Decimal(0)) / len(devs)) if devs else None
        inspectors.append(
            InspectorCalibration(
                inspector_id=inspector_id,
                name=names[inspector_id][0],
                username=names[inspector_id][1],
                visits=len(values),
                mean=_q(sum(values, Decimal(0)) / len(values)),
                low=min(values),
                high=max(values),
                comparable=len(devs),
                deviation=deviation,
                flagged=deviation is not None and len(devs) >= min_visits and abs(deviation) >= threshold,
            )
        )
    inspectors.sort(key=lambda i: (not i.flagged, -abs(i.deviation or Decimal(0)), i.username))
    return Calibration(start, end, threshold, min_visits, inspectors)
