"""Pre-filled occurrences: where the system already holds the content, an occurrence arrives with it and the
person reviews, comments and sends it.

* ``previous_plan``: last period's plan items become this period's summary rows (to mark done or not, with
  the cause and remedy of what was not);
* ``weekly_performance``: the analytics weekly report of the last complete week before the due day;
* ``delivery_incidents``: the last complete week's delivery incidents (:mod:`yunying.duties.incidents`;
  an empty list while the chain has no ``delivery_incident`` process);
* ``target_proposal``: next month's suggested target per store (analytics targets) with last month and the
  same month last year; the proposal starts at the suggestion;
* ``inspection_bulletin``: the half-month's supervision bulletin (visits, scores, frequent violations);
* ``training_needs`` / ``cadre_summary``: the quarter's survey answers and capability evaluations, summed up
  for the reports to the training department and on the cadres (see :mod:`yunying.duties.reviews`);
* ``quality_evaluation``: each store's average inspection score of the month against the checklist's pass
  mark; a store below the bar goes on the key rectification list with a deadline, and a second failure in a
  row raises the demotion recommendation for a human to decide.

Content is read with the assignee's scope. A source with nothing to say leaves the form as it is, and the
occurrence's history says why."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import DomainError
from yunying.duties.models import Event, Occurrence, Prefill

KEY_LIST_DAYS = 15


def _money(value: Any) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{Decimal(str(value)).quantize(Decimal('0.1'), ROUND_HALF_UP)}"


def _user(occ: Occurrence) -> Any:
    return getattr(occ.assignee, "user", None) if occ.assignee_id else None


def previous_plan(occ: Occurrence) -> dict[str, Any] | None:
    before = (
        Occurrence.objects.filter(duty_id=occ.duty_id, slot=occ.slot, period_start__lt=occ.period_start)
        .exclude(first_submitted_at__isnull=True)
        .order_by("-period_start")
        .first()
    )
    if before is None or not before.data.get("plan_items"):
        return None
    rows = [
        {"item": row.get("item", ""), "status": ""} for row in before.data["plan_items"] if row.get("item")
    ]
    return {"summary_items": rows} if rows else None


def weekly_performance(occ: Occurrence, user: Any) -> dict[str, Any] | None:
    from yunying.analytics.reports.weekly import weekly_report

    monday = occ.due_on - dt.timedelta(days=occ.due_on.weekday())
    week = monday - dt.timedelta(days=7)
    report = weekly_report(user=user, week=week, with_charts=False)
    if not report.total.days:
        return None
    rows = [
        {
            "store": line.code,
            "sales": _money(line.sales),
            "wow_pct": _pct(line.wow_pct),
            "yoy_pct": _pct(line.yoy_pct),
            "rank": line.rank,
        }
        for line in report.stores
        if line.days
    ]
    top = "、".join(s.name for s in report.top)
    bottom = "、".join(s.name for s in report.bottom)
    return {
        "week": f"{week:%Y-%m-%d} – {week + dt.timedelta(days=6):%m-%d}",
        "total_sales": _money(report.total.sales),
        "wow_pct": _pct(report.total.wow_pct),
        "yoy_pct": _pct(report.total.yoy_pct),
        "stores": rows,
        "highlights": _("前五名：%(top)s。后五名：%(bottom)s。")
        % {"top": top or "—", "bottom": bottom or "—"},
    }


def target_proposal(occ: Occurrence, user: Any) -> dict[str, Any] | None:
    from yunying.analytics.periods import add_months, month_start
    from yunying.analytics.targets import target_grid

    month = add_months(month_start(occ.due_on), 1)
    rows = []
    for row in target_grid(user=user, month=month):
        proposed = row.suggestion if row.suggestion is not None else row.last_month
        if proposed is None:
            continue
        rows.append(
            {
                "store": row.store.code,
                "suggested": _money(row.suggestion),
                "last_month": _money(row.last_month),
                "last_year": _money(row.last_year),
                "proposed": _money(proposed),
            }
        )
    if not rows:
        return None
    return {"month": f"{month:%Y-%m}", "stores": rows}


def inspection_bulletin(occ: Occurrence, user: Any) -> dict[str, Any] | None:
    from yunying.inspections.bulletin import Period, bulletin_compile

    bulletin = bulletin_compile(user=user, period=Period.of(occ.period_start))
    if not bulletin.visits:
        return None
    return {
        "period": bulletin.period.key,
        "stores_visited": len(bulletin.visited),
        "average_score": str(bulletin.average) if bulletin.average is not None else None,
        "violations": [
            {"item": f"{v.section} · {v.item}"[:300], "count": v.count, "stores": str(v.stores)}
            for v in bulletin.frequent
        ],
        "corrections": _(
            "整改项 %(total)d 项：已关闭 %(closed)d，待验证 %(answered)d，待整改 %(open)d（超期 %(overdue)d）。"
        )
        % bulletin.rectification,
    }


def _month_scores(user: Any, first: dt.date, last: dt.date) -> dict[str, tuple[Decimal, bool]]:
    """Store code → (average score, below the bar) of the submitted visits in first..last."""
    from yunying.inspections.models import Visit, VisitStatus
    from yunying.org.scope import stores_visible_to

    scores: dict[str, list[Decimal]] = defaultdict(list)
    marks: dict[str, list[Decimal]] = defaultdict(list)
    visits = Visit.objects.filter(
        status=VisitStatus.SUBMITTED,
        store__in=stores_visible_to(user),
        visited_on__gte=first,
        visited_on__lte=last,
        score__isnull=False,
    ).values_list("store__code", "score", "version__pass_mark")
    for code, score, mark in visits:
        if score is None:
            continue
        scores[code].append(score)
        marks[code].append(mark)
    out = {}
    for code, values in scores.items():
        mean = (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        bar = max(marks[code])
        out[code] = (mean, mean < bar)
    return out


def quality_evaluation(occ: Occurrence, user: Any) -> dict[str, Any] | None:
    from yunying.analytics.periods import add_months, month_end, month_start

    first = month_start(occ.period_start)
    this = _month_scores(user, first, month_end(first))
    if not this:
        return None
    previous_first = add_months(first, -1)
    before = _month_scores(user, previous_first, month_end(previous_first))
    deadline = (occ.due_on + dt.timedelta(days=KEY_LIST_DAYS)).isoformat()
    rows = []
    for code in sorted(this):
        score, failed = this[code]
        twice = failed and before.get(code, (None, False))[1]
        rows.append(
            {
                "store": code,
                "score": str(score),
                "passed": not failed,
                "key_list": failed,
                "deadline": deadline if failed else None,
                "recommendation": (
                    _("连续两次不达标：建议对门店管理人员降职或免职（待决定）")
                    if twice
                    else (_("列入重点整改，期限内复评") if failed else "")
                ),
            }
        )
    failed_count = sum(1 for r in rows if r["key_list"])
    return {
        "stores": rows,
        "summary": _("本月评估 %(n)d 家门店，%(failed)d 家不达标。")
        % {"n": len(rows), "failed": failed_count},
    }


def training_needs(occ: Occurrence, user: Any) -> dict[str, Any] | None:
    from yunying.duties.reviews import training_needs as summary

    try:
        needs = summary(user=user, quarter=occ.period_key)
    except DomainError:
        return None
    if not needs.responses:
        return None
    top = "、".join(f"{topic} {n}" for topic, n in needs.topics[:5])
    positions = "；".join(
        f"{name}：{'、'.join(t for t, _n in best[:3])}" for name, _count, best in needs.by_position
    )
    return {
        "quarter": needs.quarter,
        "responses": needs.responses,
        "summary": _("回收 %(n)d / %(sent)d 份。需求前五：%(top)s。按岗位：%(positions)s。")
        % {"n": needs.responses, "sent": needs.sent, "top": top, "positions": positions},
    }


def cadre_summary(occ: Occurrence, user: Any) -> dict[str, Any] | None:
    from yunying.duties.reviews import review_report

    report = review_report(user=user, duty_key="cadre_evaluation", period=occ.period_key)
    if not report.rows:
        return None
    ratings = "、".join(f"{label} {n}" for label, n in report.ratings)
    changes = [
        f"{r.subject}（{r.unit}）：{r.recommended_position or '—'}，{r.salary or '—'}"
        for r in report.rows
        if r.recommended_position or (r.salary and not r.salary.startswith(("不变", "Keep")))
    ]
    return {
        "quarter": occ.period_key,
        "summary": _("本季度评估干部 %(n)d 人，未提交 %(missing)d 人。综合评级：%(ratings)s。")
        % {"n": len(report.rows), "missing": len(report.missing), "ratings": ratings or "—"},
        "adjustments": "\n".join(changes)[:3000],
    }


def delivery_incidents(occ: Occurrence, user: Any) -> dict[str, Any] | None:
    """The last complete week's delivery incidents (see :mod:`yunying.duties.incidents`)."""
    from yunying.duties.incidents import delivery_incidents_summary

    monday = occ.due_on - dt.timedelta(days=occ.due_on.weekday())
    return delivery_incidents_summary(
        user=user, start=monday - dt.timedelta(days=7), end=monday - dt.timedelta(days=1)
    )


SOURCES = {
    Prefill.WEEKLY_PERFORMANCE: weekly_performance,
    Prefill.DELIVERY_INCIDENTS: delivery_incidents,
    Prefill.TARGET_PROPOSAL: target_proposal,
    Prefill.INSPECTION_BULLETIN: inspection_bulletin,
    Prefill.QUALITY_EVALUATION: quality_evaluation,
    Prefill.TRAINING_NEEDS: training_needs,
    Prefill.CADRE_SUMMARY: cadre_summary,
}


def prefill_occurrence(occ: Occurrence) -> bool:
    """Fill ``occ.data`` from its duty's source (inside the caller's transaction); returns whether it did."""
    kind = occ.duty.prefill
    note = ""
    content: dict[str, Any] | None = None
    try:
        if kind == Prefill.PREVIOUS_PLAN:
            content = previous_plan(occ)
        elif kind in SOURCES:
            user = _user(occ)
            if user is None:
                note = _("无人承办，未预填。")
            else:
                content = SOURCES[Prefill(kind)](occ, user)
    except DomainError as exc:
        note = _("预填失败：%(error)s") % {"error": exc}
    if content is None and not note:
        note = _("暂无可预填的数据。")
    if content:
        occ.data = {**(occ.data or {}), **content}
    occ.prefilled = True
    occ.save(update_fields=["data", "prefilled"])
    if note and kind != Prefill.PREVIOUS_PLAN:
        Event.objects.create(occurrence=occ, action=Event.Action.COMMENTED, at=clock.now(), comment=note)
    return bool(content)
