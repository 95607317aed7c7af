"""The shipped operations calendar (运营日历, DOMAIN.md): every row as a duty on the standard positions, with
its form. `seed_duties()` is idempotent (called by `yunying seed`); duties and forms administrators have
changed are left as they are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from yunying.core import clock
from yunying.core.models import Setting
from yunying.duties import forms_seed as f
from yunying.duties.models import Duty
from yunying.forms.models import FormDefinition
from yunying.forms.services import form_definition_create, form_version_publish
from yunying.org.models import Position

# Policy numbers of the duties app (editable in the admin's settings).
SETTINGS: dict[str, tuple[Any, str]] = {
    "duties.horizon_days": (35, "职责事项提前生成的天数"),
    "duties.catch_up_days": (40, "职责调度补生成的回溯天数（工作进程停止期间错过的期间）"),
    "duties.onboarding_plan": (
        [
            [1, "kitchen", "厨房：熟悉出品流程与食品安全标准"],
            [1, "front", "前厅：服务流程、收银与顾客投诉处理"],
            [1, "product", "产品运营：菜单、成本卡与畅滞销分析"],
            [1, "culture", "企业文化与规章制度"],
            [2, "training", "员工培训：独立主持晨会培训"],
            [2, "scheduling", "排班：独立编制一周排班表"],
            [3, "duty_checks", "值班检查：独立完成值班经理巡视"],
            [3, "peak", "高峰协调：独立指挥午晚高峰"],
        ],
        "外聘干部培养计划的检查点：[第几个月, 内容代码, 检查点]",
    ),
}


@dataclass(frozen=True)
class DutySeed:
    key: str
    name: str
    name_en: str
    category: str
    form: dict[str, Any]
    positions: tuple[str, ...]
    cadence: str
    assign_to: str = "holders"
    weekday: int | None = None
    day: str = ""
    second_day: str = ""
    month: int | None = None
    due_time: dt.time | None = None
    holiday_shift: str = "earlier"
    lead_days: int = 2
    remind_before_hours: int = 4
    escalate_after_hours: int = 8
    needs_review: bool = True
    reviewer: str | None = None
    prefill: str = ""
    on_accept: str = ""
    initial: dict[str, Any] = field(default_factory=dict)
    description: str = ""


MGMT = ("MGMT-HEAD",)
STORE_CADRES = ("STORE-MGR", "FOH-LEAD", "KITCHEN-LEAD")
FIVE_PM = dt.time(17)

DUTIES: list[DutySeed] = [
    DutySeed("weekly_plan", "周工作计划与总结", "Weekly plan and summary", "plan", f.WEEKLY_PLAN, MGMT, "weekly",
             weekday=4, due_time=FIVE_PM, reviewer="OPS-MGR", prefill="previous_plan",
             description="下周工作计划 + 本周总结（未完成事项、原因、补救措施），报运营经理。"),
    DutySeed("monthly_plan", "月工作计划与总结", "Monthly plan and summary", "plan", f.MONTHLY_PLAN, MGMT, "monthly",
             day="last_working", due_time=FIVE_PM, lead_days=3, reviewer="OPS-MGR", prefill="previous_plan",
             description="下月工作计划 + 本月总结（未完成事项、原因、补救措施），报运营经理。"),
    DutySeed("weekly_performance", "周业绩汇总", "Weekly performance summary", "report", f.WEEKLY_PERFORMANCE, MGMT,
             "weekly", weekday=0, due_time=dt.time(12), holiday_shift="later", lead_days=0, remind_before_hours=2,
             reviewer="OPS-MGR", prefill="weekly_performance",
             description="上一完整周的业绩，由业绩分析预填，审核后提交。"),
    DutySeed("weekly_delivery", "周配送事故汇总", "Weekly delivery incident summary", "report", f.WEEKLY_DELIVERY,
             MGMT, "weekly", weekday=0, due_time=FIVE_PM, holiday_shift="later", lead_days=0, reviewer="OPS-MGR",
             prefill="delivery_incidents"),
    DutySeed("monthly_performance", "月业绩分析报告", "Monthly performance analysis", "report",
             f.MONTHLY_PERFORMANCE, MGMT, "monthly", day="5", holiday_shift="later", lead_days=3,
             reviewer="OPS-MGR"),
    DutySeed("monthly_product", "月产品分析报告", "Monthly product analysis", "report", f.MONTHLY_PRODUCT, MGMT,
             "monthly", day="5", holiday_shift="later", lead_days=3, reviewer="OPS-MGR"),
    DutySeed("backoffice_rating", "后勤部门效率评分", "Back-office efficiency rating", "evaluation",
             f.BACKOFFICE_RATING, MGMT, "monthly", day="last_working", lead_days=3, reviewer="OPS-MGR",
             initial={"ratings": [{"department": d} for d in f.BACKOFFICE_DEPARTMENTS]},
             description="行政中心、财务中心、配送中心、总务维修，每月评分。"),
    DutySeed("inspection_bulletin", "督导检查公报", "Supervision inspection bulletin", "report",
             f.INSPECTION_BULLETIN, ("SUPERVISOR",), "half_monthly", day="15", second_day="last",
             lead_days=1, prefill="inspection_bulletin", on_accept="send_to_stores",
             description="半月一期，发至全部门店；由巡店记录预填，管理部主任审阅，通过后发至各门店。"),
    DutySeed("quality_evaluation", "门店运营质量评估", "Store operations quality evaluation", "evaluation",
             f.QUALITY_EVALUATION, MGMT, "monthly", day="last_working", lead_days=2, reviewer="OPS-MGR",
             prefill="quality_evaluation",
             description="不达标门店列入重点整改并定期限；连续两次不达标，建议降职或免职（由人决定）。"),
    DutySeed("operations_meeting", "月度运营会议", "Monthly operations meeting", "meeting", f.OPERATIONS_MEETING,
             MGMT, "monthly", day="10", holiday_shift="later", lead_days=5, reviewer="OPS-MGR",
             description="议程、出席、案例分析（巡店与投诉）、纪要、决议及负责人。"),
    DutySeed("target_proposal", "下月业绩指标建议", "Next month's store targets", "plan", f.TARGET_PROPOSAL, MGMT,
             "monthly", day="25", lead_days=3, reviewer="OPS-MGR", prefill="target_proposal",
             on_accept="apply_targets", description="由指标建议预填；运营经理通过后写入下月门店业绩指标。"),
    DutySeed("store_manager_evaluation", "店长考评", "Store manager evaluation", "evaluation",
             f.STORE_MANAGER_EVALUATION, ("STORE-MGR",), "monthly", assign_to="superior", day="last_working",
             lead_days=5, description="每位店长每月一份，由其直接上级填写，管理部主任审阅。"),
    DutySeed("training_survey", "培训需求调查", "Training-needs survey", "survey", f.TRAINING_SURVEY, STORE_CADRES,
             "quarterly", month=1, day="20", holiday_shift="later", lead_days=10, needs_review=False,
             escalate_after_hours=0, description="每季度发给门店干部；汇总报培训部。"),
    DutySeed("training_report", "培训需求报告", "Training-needs report", "report", f.TRAINING_REPORT, MGMT,
             "quarterly", month=2, day="10", holiday_shift="later", lead_days=3, reviewer="OPS-MGR",
             prefill="training_needs"),
    DutySeed("cadre_evaluation", "干部能力评估", "Cadre capability evaluation", "evaluation", f.CADRE_EVALUATION,
             STORE_CADRES, "quarterly", assign_to="superior", month=3, day="20", lead_days=5,
             description="每季度由直接上级评估门店干部（店长、前厅主管、厨房主管）。"),
    DutySeed("cadre_report", "干部能力评估报告", "Cadre capability report", "report", f.CADRE_REPORT, MGMT,
             "quarterly", month=3, day="last_working", lead_days=3, reviewer="OPS-MGR",
             prefill="cadre_summary"),
    DutySeed("team_activity", "文体活动", "Team activity", "activity", f.TEAM_ACTIVITY, MGMT, "occasional",
             lead_days=0, remind_before_hours=0, escalate_after_hours=0, reviewer="OPS-MGR"),
    DutySeed("onboarding_evaluation", "外聘干部月度考评", "Hired-in manager monthly evaluation", "evaluation",
             f.ONBOARDING_EVALUATION, ("STORE-MGR",), "programme", assign_to="superior", lead_days=3,
             reviewer="OPS-MGR", description="培养期内每月一次，由直接上级填写，报运营经理和行政部。"),
]  # fmt: skip


def _form(spec: dict[str, Any]) -> FormDefinition:
    found = FormDefinition.objects.filter(key=spec["key"]).first()
    if found is not None:
        return found
    definition = form_definition_create(actor=None, **spec)
    form_version_publish(actor=None, definition=definition)
    return definition


@transaction.atomic
def seed_duties() -> dict[str, int]:
    created = {"duties": 0}
    for key, (value, description) in SETTINGS.items():
        Setting.objects.get_or_create(key=key, defaults={"value": value, "description": description})
    positions = {p.code: p for p in Position.objects.all()}
    for order, seed in enumerate(DUTIES, start=1):
        if Duty.objects.filter(key=seed.key).exists():
            continue
        duty = Duty.objects.create(
            key=seed.key,
            name=seed.name,
            name_en=seed.name_en,
            category=seed.category,
            description=seed.description,
            form=_form(seed.form),
            assign_to=seed.assign_to,
            cadence=seed.cadence,
            weekday=seed.weekday,
            day=seed.day,
            second_day=seed.second_day,
            month=seed.month,
            starts_on=clock.today(),
            due_time=seed.due_time,
            holiday_shift=seed.holiday_shift,
            lead_days=seed.lead_days,
            remind_before_hours=seed.remind_before_hours,
            escalate_after_hours=seed.escalate_after_hours,
            needs_review=seed.needs_review,
            reviewer_position=positions.get(seed.reviewer) if seed.reviewer else None,
            prefill=seed.prefill,
            on_accept=seed.on_accept,
            initial=seed.initial,
            sort_order=order * 10,
        )
        duty.positions.set([positions[c] for c in seed.positions if c in positions])
        created["duties"] += 1
    return created


def setting(key: str) -> Any:
    row = Setting.objects.filter(key=key).only("value").first()
    return row.value if row is not None else SETTINGS[key][0]
