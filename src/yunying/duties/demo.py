"""Demo duties for the demo chain: about ten weeks of the operations calendar — plans, reports, bulletins,
evaluations and the quarter's training survey — submitted on time, late or not at all by people with their
own habits, some sent back once with a reason and corrected; the coming weeks materialised; a team
activity; and the hired-in 店长 of S17 half-way through the onboarding programme.

Deterministic for a given seed and day. Submissions go through the forms app's validation (each one is a
valid submission of its form version); past moments are written directly (the services stamp the present)."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

from django.db import transaction

from yunying.core import clock
from yunying.core.errors import DomainError
from yunying.duties.models import Checkpoint, Duty, Event, Occurrence, Status
from yunying.duties.seats import OrgSnapshot
from yunying.duties.services import reviewer_resolve
from yunying.forms import schema as s
from yunying.forms.schema import FieldSpec, schema_of
from yunying.forms.validation import form_submission_validate
from yunying.org.models import Appointment, Employee

HISTORY_DAYS = 72  # reaches back to the last quarter's capability evaluation (20 September)
# (on time, late) per login; the rest is missing. Unlisted people: the store managers' default.
HABITS = {
    "mgmt": (0.82, 0.14),
    "supervisor": (0.7, 0.25),
    "area1": (0.9, 0.08),
    "area2": (0.55, 0.3),
    "area3": (0.72, 0.18),
    "asst2": (0.7, 0.2),
}
DEFAULT_HABIT = (0.7, 0.2)
RETURN_REASONS = [
    "未完成事项请写明原因和补救措施。",
    "数据与业绩报表不一致，请核对后重新提交。",
    "请补充下周计划的负责人和期限。",
    "评分依据不足，请补充具体事例。",
]
ACCEPT_COMMENTS = ["收到，按计划执行。", "", "很好。", "", "同意，注意跟进重点门店。"]
TEXT = {
    "summary": ["本周完成巡店 12 家，重点门店整改按期推进。", "配送延误两起，已与配送中心确认改进方案。"],
    "remarks": ["无。", "下周重点：消防检查和新品培训。"],
    "highlights": ["前五名门店保持稳定，金鸡湖店环比增长明显。", "雨天影响客流，外卖占比上升。"],
    "actions": ["对后五名门店安排专项辅导。", "加强午市高峰排班。"],
    "analysis": ["本月销售额环比基本持平，同店同比略有增长；外卖渠道增长较快。"],
    "best": ["招牌牛肉面、酸菜鱼、冰粉销量领先。"],
    "worst": ["凉拌木耳、素三鲜连续两月排名靠后。"],
    "pricing": ["建议套餐价格保持不变，单品适当调整。"],
    "corrections": ["上期整改项大部分已关闭，个别门店超期，已督促。"],
    "standard": ["本期强调：开市前消防通道必须畅通，灭火器在有效期内。"],
    "agenda": ["1. 上月业绩回顾 2. 巡店问题通报 3. 投诉案例 4. 下月重点工作"],
    "cases": ["S05 顾客投诉上菜慢：高峰期出品员不足，已调整排班。"],
    "minutes": ["会议通报了上月业绩和巡店情况，讨论了高峰期出品效率问题，形成三项决议。"],
    "strengths": ["执行力强，晨会组织规范。", "团队稳定，员工培训到位。"],
    "improvements": ["成本控制需加强。", "高峰期现场指挥需提高。"],
    "comment": ["学习认真，进步明显。", "希望加强与员工沟通。", "继续保持。"],
    "item": ["完成重点门店复查", "组织新品培训", "更新排班模板", "跟进投诉处理", "盘点低值易耗品"],
    "cause": ["门店人手不足", "等待配送中心回复", ""],
    "remedy": ["下周优先安排", "已协调区域经理跟进", ""],
    "description": ["午市配送延误 40 分钟", "少送两箱饮料"],
    "handling": ["已补送并登记", "已与配送中心核对"],
    "department": ["行政中心", "财务中心", "配送中心", "总务维修"],
    "decision": ["高峰期增加一名出品员", "重点门店每周复查一次", "新品下周一起上线"],
    "step": ["参加店长进阶培训", "轮岗学习厨房管理", "带教一名新主管"],
    "title": ["员工羽毛球赛", "新员工迎新聚餐"],
    "other": [
        "希望增加外卖平台运营培训",
        "想学习短视频推广",
        "希望有带教新员工的方法",
        "急救知识",
        "",
        "",
        "",
    ],
    "recommendation": ["列入重点整改，期限内复评", "保持"],
    "product": ["凉拌木耳", "季节限定甜品"],
    "reason": ["连续两月滞销", "毛利高、复购好"],
}


def _text(key: str, rng: random.Random) -> str:
    return rng.choice(TEXT.get(key, ["已按计划完成。"]))


class _Filler:
    """Values for a form's fields, by type, for one submitter (pickers from their scope)."""

    def __init__(self, rng: random.Random, occ: Occurrence, people: list[str], stores: list[str]):
        self.rng, self.occ, self.people, self.stores = rng, occ, people, stores

    def special(self, key: str) -> Any:
        occ = self.occ
        if key == "month":
            month = occ.due_on.replace(day=1)
            if occ.duty.key == "target_proposal":
                month = (month + dt.timedelta(days=32)).replace(day=1)
            return f"{month:%Y-%m}"
        if key in ("week", "period", "quarter"):
            return occ.period_key
        return None

    def value(self, spec: FieldSpec) -> Any:
        rng, kind = self.rng, spec.type
        found = self.special(spec.key)
        if found is not None:
            return found
        if kind == s.MONEY and spec.max is None:
            return f"{rng.randint(80, 160) * 1000 + rng.randint(0, 999)}.00"
        if kind in (s.TEXT, s.TEXTAREA):
            return _text(spec.key, rng) or ("—" if spec.required else None)
        if kind in (s.NUMBER, s.MONEY):
            low = int(spec.min) if spec.min is not None else 1
            high = int(spec.max) if spec.max is not None else max(low, 100)
            top = max(low, high - max(1, (high - low) // 3))
            return str(rng.randint(top, high))
        if kind == s.DATE:
            return (self.occ.period_start + dt.timedelta(days=rng.randint(0, 5))).isoformat()
        if kind == s.CHOICE:
            values = [c.value for c in spec.choices]
            return values[min(len(values) - 1, int(rng.random() ** 2 * len(values)))]
        if kind == s.MULTICHOICE:
            values = [c.value for c in spec.choices]
            return rng.sample(values, k=min(len(values), rng.randint(1, 3)))
        if kind == s.BOOLEAN:
            return rng.random() < 0.8
        if kind == s.EMPLOYEE:
            return rng.choice(self.people) if self.people else None
        if kind == s.STORE:
            return rng.choice(self.stores) if self.stores else None
        if kind == s.POSITION:
            return rng.choice(["STORE-MGR", "AREA-ASST", ""])
        return None

    def fill(self, data: dict[str, Any]) -> dict[str, Any]:
        out = dict(data)
        for spec in schema_of(self.occ.form_version):
            if spec.type == s.TABLE and out.get(spec.key):
                out[spec.key] = [
                    {
                        **{c.key: self.value(c) for c in spec.columns if c.required and c.type != s.COMPUTED},
                        **row,
                    }
                    for row in out[spec.key]
                ]
                continue
            if spec.type in (s.COMPUTED, s.ATTACHMENT, s.PHOTO) or out.get(spec.key) not in (None, "", []):
                continue
            if spec.type == s.TABLE:
                count = max(spec.min_rows or 0, self.rng.randint(1, 3))
                rows = [
                    {c.key: self.value(c) for c in spec.columns if c.type != s.COMPUTED} for _ in range(count)
                ]
                out[spec.key] = rows
            elif spec.required or self.rng.random() < 0.7:
                value = self.value(spec)
                if value is not None:
                    out[spec.key] = value
        if "month_no" in out and self.occ.period_key.startswith("M"):
            out["month_no"] = self.occ.period_key[1:]
        parts = ("routines", "quality", "service", "sales", "team")
        if "rating" in out and all(p in out for p in parts):  # the grade follows the score
            total = sum(int(out[p]) for p in parts)
            out["rating"] = "A" if total >= 92 else "B" if total >= 85 else "C" if total >= 75 else "D"
        return out


def _when(occ: Occurrence, outcome: str, rng: random.Random, now: dt.datetime) -> dt.datetime | None:
    if outcome == "on_time":
        span = max(60, int((occ.due_at - occ.available_at).total_seconds()))
        return occ.available_at + dt.timedelta(seconds=rng.randint(int(span * 0.3), span - 30))
    if outcome == "late":
        moment = occ.due_at + dt.timedelta(
            hours=rng.choice([1, 3, 16, 20, 40, 64]), minutes=rng.randint(0, 50)
        )
        return moment if moment < now else None
    return None


def _submit(
    occ: Occurrence, user: Any, rng: random.Random, at: dt.datetime, scope: tuple[list[str], list[str]]
) -> bool:
    from yunying.duties.prefill import SOURCES

    data = dict(occ.data or {})
    source = SOURCES.get(occ.duty.prefill)  # type: ignore[call-overload]
    if source is not None and user is not None:
        with contextlib.suppress(DomainError):
            data.update(source(occ, user) or {})
    data = _Filler(rng, occ, *scope).fill(data)
    cleaned = form_submission_validate(version=occ.form_version, data=data, user=user)
    occ.data = cleaned.data
    occ.first_submitted_at = occ.submitted_at = at
    occ.submitted_by = user
    Event.objects.create(
        occurrence=occ, action=Event.Action.SUBMITTED, actor=user, at=at, data={"late": at > occ.due_at}
    )
    return True


def _review(occ: Occurrence, rng: random.Random, now: dt.datetime, snap: OrgSnapshot) -> None:
    reviewer = reviewer_resolve(occ, snap) if occ.duty.needs_review else None
    if reviewer is None:
        occ.status = Status.DONE
        return
    occ.reviewer = reviewer
    assert occ.submitted_at is not None
    reviewed = occ.submitted_at + dt.timedelta(hours=rng.randint(2, 30))
    if reviewed > now:
        occ.status = Status.SUBMITTED
        return
    if rng.random() < 0.15:  # sent back once, corrected the next day
        reason = rng.choice(RETURN_REASONS)
        Event.objects.create(
            occurrence=occ, action=Event.Action.RETURNED, actor=reviewer.user, at=reviewed, comment=reason
        )
        again = reviewed + dt.timedelta(hours=rng.randint(3, 24))
        if again > now:
            occ.status, occ.reviewed_at, occ.review_comment = Status.RETURNED, reviewed, reason
            return
        occ.submitted_at = again
        Event.objects.create(occurrence=occ, action=Event.Action.SUBMITTED, actor=occ.submitted_by, at=again)
        reviewed = again + dt.timedelta(hours=rng.randint(1, 20))
        if reviewed > now:
            occ.status = Status.SUBMITTED
            return
    comment = rng.choice(ACCEPT_COMMENTS)
    occ.status, occ.reviewed_at, occ.review_comment = Status.ACCEPTED, reviewed, comment
    Event.objects.create(
        occurrence=occ, action=Event.Action.ACCEPTED, actor=reviewer.user, at=reviewed, comment=comment
    )


def _scope_of(user: Any, cache: dict[int, tuple[list[str], list[str]]]) -> tuple[list[str], list[str]]:
    from yunying.org.scope import employees_visible_to, stores_visible_to

    if user.pk not in cache:
        cache[user.pk] = (
            list(
                employees_visible_to(user).order_by("employee_no").values_list("employee_no", flat=True)[:60]
            ),
            list(stores_visible_to(user).order_by("code").values_list("code", flat=True)),
        )
    return cache[user.pk]


def _history(rng: random.Random, now: dt.datetime) -> int:
    done = 0
    cache: dict[int, tuple[list[str], list[str]]] = {}
    snap = OrgSnapshot()
    past = (
        Occurrence.objects.filter(available_at__lte=now, arrived_at__isnull=True)
        .select_related("duty", "assignee__user", "form_version", "unit", "subject")
        .order_by("due_at", "pk")
    )
    for occ in past:
        user = occ.assignee.user if occ.assignee and occ.assignee.user else None
        habit = HABITS.get(user.username if user else "", DEFAULT_HABIT)
        if occ.duty.key == "onboarding_evaluation":
            habit = (1.0, 0.0)  # the hire's first month was evaluated in time
        roll = rng.random()
        outcome = "on_time" if roll < habit[0] else ("late" if roll < habit[0] + habit[1] else "missing")
        # store staff without a login answer the survey on the store's tablet (no submitter recorded)
        answers = user is not None or occ.duty.key == "training_survey"
        at = _when(occ, outcome, rng, now) if answers else None
        if at is not None and at > now:
            at = None  # not yet: still open
        if at is None and occ.due_at > now:
            continue  # still to do: the worker delivers it (pre-filled, announced)
        occ.arrived_at = occ.available_at
        Event.objects.create(occurrence=occ, action=Event.Action.ARRIVED, at=occ.available_at)
        if at is not None and _submit(occ, user, rng, at, _scope_of(user, cache) if user else ([], [])):
            _review(occ, rng, now, snap)
            done += 1
        for column, moment in (
            ("remind_at", "reminded_at"),
            ("due_at", "overdue_at"),
            ("escalate_at", "escalated_at"),
        ):
            when = getattr(occ, column)
            if (
                when is not None
                and when <= now
                and (occ.first_submitted_at is None or occ.first_submitted_at > when)
            ):
                setattr(occ, moment, when)  # the notice went out then
        occ.prefilled = bool(occ.duty.prefill)
        occ.save()
    return done


def _onboarding(rng: random.Random, today: dt.date) -> None:
    """S17's hired-in 店长, six weeks into a three-month programme: month 1 signed off and evaluated."""
    from yunying.accounts.models import User
    from yunying.duties.onboarding import onboarding_start

    appointment = (
        Appointment.objects.active()
        .filter(unit__code="S17", position__code="STORE-MGR", employee__is_external_hire=True)
        .select_related("employee")
        .first()
    )
    if appointment is None:
        return
    started = today - dt.timedelta(days=45)
    Appointment.objects.filter(pk=appointment.pk).update(started_on=started)
    Employee.objects.filter(pk=appointment.employee_id).update(hired_on=started)
    ops = User.objects.get(username="ops")
    onboarding = onboarding_start(actor=ops, employee=appointment.employee, started_on=started, months=3)
    for checkpoint in onboarding.checkpoints.order_by("month", "sort_order"):
        if checkpoint.month == 1 or (checkpoint.month == 2 and checkpoint.area == "training"):
            done = min(
                checkpoint.due_on,
                started + dt.timedelta(days=rng.randint(8, 28) + (checkpoint.month - 1) * 30),
                today - dt.timedelta(days=1),
            )
            Checkpoint.objects.filter(pk=checkpoint.pk).update(
                done_on=done, confirmed_by=User.objects.get(username="mgmt"), note="现场考核通过"
            )


@transaction.atomic
def duties_demo_load(*, seed: int = 2026) -> int:
    """Load the demo history unless there is any; returns how many occurrences were submitted."""
    from yunying.duties.cards import duty_cards_rebuild
    from yunying.duties.scheduler import occurrences_arrive, occurrences_materialise, occurrences_remind

    if Occurrence.objects.exists():
        return 0
    rng = random.Random(seed)
    today, now = clock.today(), clock.now()
    _onboarding(rng, today)
    first = today - dt.timedelta(days=HISTORY_DAYS)
    Duty.objects.update(starts_on=first)
    occurrences_materialise(start=first, end=today + dt.timedelta(days=35))
    _team_activities(rng, today)
    submitted = _history(rng, now)
    occurrences_arrive()
    occurrences_remind()
    duty_cards_rebuild()  # the history's open, sent-back and submitted occurrences in the inbox
    _bulletins_delivered()
    return submitted


def _bulletins_delivered() -> None:
    """The accepted bulletins of the history went on to the stores when they were accepted."""
    from yunying.duties.delivery import stores_for
    from yunying.duties.models import OnAccept, StoreDelivery

    rows = []
    accepted = Occurrence.objects.filter(
        duty__on_accept=OnAccept.SEND_TO_STORES, status=Status.ACCEPTED, reviewed_at__isnull=False
    ).select_related("duty")
    for occ in accepted:
        assert occ.reviewed_at is not None
        for store_id in stores_for(occ.duty.unit, occ.reviewed_at.date()):
            rows.append(
                StoreDelivery(
                    occurrence=occ,
                    store_id=store_id,
                    delivered_at=occ.reviewed_at,
                    notified_at=occ.reviewed_at,
                )
            )
    StoreDelivery.objects.bulk_create(rows, ignore_conflicts=True)


def _team_activities(rng: random.Random, today: dt.date) -> None:
    """One team activity held three weeks ago (its report in the history), one coming up."""
    from yunying.duties.services import occasional_create

    duty = Duty.objects.get(key="team_activity")
    occasional_create(duty=duty, on=today - dt.timedelta(days=24))
    occasional_create(duty=duty, on=today + dt.timedelta(days=12))
