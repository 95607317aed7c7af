"""The forms of the shipped duties (运营日历): what each occurrence asks for. Ordinary forms of the forms app
(category 运营日历), editable in the form designer; a new version applies to occurrences created after it
is published.

Field keys some code reads (documented in docs/duties.md): plans ``plan_items`` → next period's
``summary_items``; the target proposal's ``stores[].store`` / ``stores[].proposed``; reviews of people
``total`` / ``rating`` / ``overall_rating`` / ``recommended_position`` / ``salary_adjustment``; the
training survey's ``topics``."""

from __future__ import annotations

from typing import Any

CATEGORY = "运营日历"


def field(key: str, kind: str, zh: str, en: str, **props: Any) -> dict[str, Any]:
    return {"key": key, "type": kind, "label_zh": zh, "label_en": en, **props}


def choices(*options: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"value": v, "label_zh": zh, "label_en": en} for v, zh, en in options]


def table(key: str, zh: str, en: str, columns: list[dict[str, Any]], **props: Any) -> dict[str, Any]:
    return field(key, "table", zh, en, columns=columns, max_rows=props.pop("max_rows", 100), **props)


SCORE_1_5 = {"min": 1, "max": 5}
PLAN_STATUS = choices(
    ("done", "已完成", "Done"), ("partial", "部分完成", "Partly done"), ("not_done", "未完成", "Not done")
)


def _plan_form(key: str, zh: str, en: str, last: str, last_en: str, nxt: str, nxt_en: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": zh,
        "name_en": en,
        "category": CATEGORY,
        "description": "上期计划逐项总结（未完成事项写明原因和补救措施），并列出下期计划。",
        "fields": [
            table(
                "summary_items", f"{last}计划完成情况", f"{last_en} plan: how it went",
                [
                    field("item", "text", "事项", "Item", required=True, max_length=200),
                    field("status", "choice", "完成情况", "Status", required=True, choices=PLAN_STATUS),
                    field("cause", "text", "未完成原因", "Cause if not done", max_length=300),
                    field("remedy", "text", "补救措施", "Remedy", max_length=300),
                ],
            ),
            table(
                "plan_items", f"{nxt}工作计划", f"{nxt_en} plan", [
                    field("item", "text", "事项", "Item", required=True, max_length=200),
                    field("owner", "employee", "负责人", "Owner"),
                    field("due", "date", "完成期限", "Due"),
                ],
                required=True, min_rows=1,
            ),
            field("remarks", "textarea", "其他说明", "Remarks", max_length=2000),
        ],
    }  # fmt: skip


WEEKLY_PLAN = _plan_form(
    "duty_weekly_plan",
    "周工作计划与总结",
    "Weekly plan and summary",
    "上周",
    "Last week's",
    "下周",
    "Next week's",
)
MONTHLY_PLAN = _plan_form("duty_monthly_plan", "月工作计划与总结", "Monthly plan and summary", "本月", "This month's", "下月", "Next month's")  # fmt: skip

WEEKLY_PERFORMANCE = {
    "key": "duty_weekly_performance",
    "name": "周业绩汇总",
    "name_en": "Weekly performance summary",
    "category": CATEGORY,
    "description": "由业绩分析预填上一完整周的数据，审核、补充说明后提交。",
    "fields": [
        field("week", "text", "周次", "Week", required=True, max_length=40),
        field("total_sales", "money", "销售额合计（元）", "Total sales (yuan)"),
        field("wow_pct", "number", "环比（%）", "Week on week (%)", decimals=1),
        field("yoy_pct", "number", "同店同比（%）", "Like-for-like year on year (%)", decimals=1),
        table("stores", "门店明细", "Stores", [
            field("store", "store", "门店", "Store"),
            field("sales", "money", "销售额（元）", "Sales (yuan)", total=True),
            field("wow_pct", "number", "环比（%）", "WoW (%)", decimals=1),
            field("yoy_pct", "number", "同比（%）", "YoY (%)", decimals=1),
            field("rank", "number", "排名", "Rank"),
        ], max_rows=500),
        field("highlights", "textarea", "亮点与问题", "Highlights and problems", required=True, max_length=2000),
        field("actions", "textarea", "下周措施", "Actions for next week", max_length=2000),
    ],
}  # fmt: skip

INCIDENT_KINDS = choices(  # the causes of the 配送事故反馈 process (approvals.seed.DELIVERY_CAUSES)
    ("late", "迟到", "Late"), ("short", "短少", "Short"), ("damaged", "破损", "Damaged"),
    ("wrong", "错发", "Wrong goods"), ("quality", "质量问题", "Quality"), ("other", "其他", "Other"),
)  # fmt: skip
WEEKLY_DELIVERY = {
    "key": "duty_weekly_delivery",
    "name": "周配送事故汇总",
    "name_en": "Weekly delivery incident summary",
    "category": CATEGORY,
    "description": "本周配送中心到门店的配送事故，逐条列出处理和责任。",
    "fields": [
        table("incidents", "事故明细", "Incidents", [
            field("day", "date", "日期", "Date", required=True),
            field("store", "store", "门店", "Store", required=True),
            field("kind", "choice", "类型", "Kind", required=True, choices=INCIDENT_KINDS),
            field("description", "text", "经过", "What happened", required=True, max_length=300),
            field("handling", "text", "处理", "Handling", max_length=300),
            field("loss", "money", "损失（元）", "Loss (yuan)", total=True),
        ]),
        field("summary", "textarea", "分析与改进", "Analysis and improvements", required=True, max_length=2000),
    ],
}  # fmt: skip

MONTHLY_PERFORMANCE = {
    "key": "duty_monthly_performance",
    "name": "月业绩分析报告",
    "name_en": "Monthly performance analysis",
    "category": CATEGORY,
    "description": "上月业绩：环比、同店同比、指标完成率，分区域分析原因并提出措施。",
    "fields": [
        field("month", "text", "月份", "Month", required=True, max_length=20),
        field("sales", "money", "销售额（元）", "Sales (yuan)"),
        field("mom_pct", "number", "环比（%）", "Month on month (%)", decimals=1),
        field("yoy_pct", "number", "同店同比（%）", "Like-for-like YoY (%)", decimals=1),
        field("attainment_pct", "number", "指标完成率（%）", "Target attainment (%)", decimals=1),
        field("analysis", "textarea", "分析", "Analysis", required=True, max_length=5000),
        field("actions", "textarea", "措施", "Actions", required=True, max_length=3000),
        field("attachments", "attachment", "附件", "Attachments", max_files=5),
    ],
}  # fmt: skip

MONTHLY_PRODUCT = {
    "key": "duty_monthly_product",
    "name": "月产品分析报告",
    "name_en": "Monthly product analysis",
    "category": CATEGORY,
    "description": "畅销与滞销产品、贡献度（ABC）、建议淘汰和重点推广的产品、价格与定位建议。",
    "fields": [
        field("month", "text", "月份", "Month", required=True, max_length=20),
        field("best", "textarea", "畅销产品", "Best sellers", required=True, max_length=2000),
        field("worst", "textarea", "滞销产品", "Worst sellers", required=True, max_length=2000),
        table("retire", "建议淘汰", "To retire", [
            field("product", "text", "产品", "Product", required=True, max_length=100),
            field("reason", "text", "理由", "Reason", max_length=300),
        ]),
        table("promote", "建议推广或开发", "To promote or develop", [
            field("product", "text", "产品", "Product", required=True, max_length=100),
            field("reason", "text", "理由", "Reason", max_length=300),
        ]),
        field("pricing", "textarea", "价格与定位建议", "Pricing and positioning", max_length=2000),
    ],
}  # fmt: skip

BACKOFFICE_RATING = {
    "key": "duty_backoffice_rating",
    "name": "后勤部门效率评分",
    "name_en": "Back-office efficiency rating",
    "category": CATEGORY,
    "description": "每月为行政中心、财务中心、配送中心、总务维修评分（1–5 分）。",
    "fields": [
        table("ratings", "评分", "Ratings", [
            field("department", "text", "部门", "Department", required=True, max_length=50),
            field("timeliness", "number", "及时性", "Timeliness", required=True, **SCORE_1_5),
            field("quality", "number", "质量", "Quality", required=True, **SCORE_1_5),
            field("cooperation", "number", "配合度", "Cooperation", required=True, **SCORE_1_5),
            field("comment", "text", "意见", "Comment", max_length=300),
        ], required=True, min_rows=1, max_rows=20),
        field("summary", "textarea", "总体意见", "Overall comment", max_length=2000),
    ],
}  # fmt: skip
BACKOFFICE_DEPARTMENTS = ["行政中心", "财务中心", "配送中心", "总务维修"]

INSPECTION_BULLETIN = {
    "key": "duty_inspection_bulletin",
    "name": "督导检查公报",
    "name_en": "Supervision inspection bulletin",
    "category": CATEGORY,
    "description": "半月一期，发至全部门店：发现的违规、整改情况，并强调一条标准。由巡店记录预填。",
    "fields": [
        field("period", "text", "期间", "Period", required=True, max_length=40),
        field("stores_visited", "number", "检查门店数", "Stores visited"),
        field("average_score", "number", "平均得分", "Average score", decimals=1),
        table("violations", "主要违规", "Main violations", [
            field("item", "text", "检查项", "Item", required=True, max_length=300),
            field("count", "number", "次数", "Times", total=True),
            field("stores", "text", "门店", "Stores", max_length=300),
        ], max_rows=50),
        field("corrections", "textarea", "整改情况", "Rectification", required=True, max_length=3000),
        field("standard", "textarea", "本期强调的标准", "The standard stressed this time", required=True, max_length=1000),
    ],
}  # fmt: skip

QUALITY_EVALUATION = {
    "key": "duty_quality_evaluation",
    "name": "门店运营质量评估",
    "name_en": "Store operations quality evaluation",
    "category": CATEGORY,
    "description": "按本月巡店得分评估各门店；不达标的门店列入重点整改并定期限；连续两次不达标，建议对门店管理人员降职或免职（由人决定）。",
    "fields": [
        table("stores", "门店", "Stores", [
            field("store", "store", "门店", "Store", required=True),
            field("score", "number", "平均得分", "Average score", decimals=1),
            field("passed", "boolean", "达标", "Meets the bar"),
            field("key_list", "boolean", "列入重点整改", "On the key rectification list"),
            field("deadline", "date", "整改期限", "Deadline"),
            field("recommendation", "text", "建议", "Recommendation", max_length=300),
        ], max_rows=500),
        field("summary", "textarea", "评估意见", "Evaluation", required=True, max_length=3000),
    ],
}  # fmt: skip

OPERATIONS_MEETING = {
    "key": "duty_operations_meeting",
    "name": "月度运营会议",
    "name_en": "Monthly operations meeting",
    "category": CATEGORY,
    "description": "议程、出席、巡店与投诉案例分析、会议纪要、决议及负责人。",
    "fields": [
        field("held_on", "date", "会议日期", "Date", required=True),
        field("agenda", "textarea", "议程", "Agenda", required=True, max_length=2000),
        table("attendance", "出席", "Attendance", [
            field("person", "employee", "人员", "Person", required=True),
            field("presence", "choice", "出席情况", "Presence", required=True, choices=choices(
                ("present", "出席", "Present"), ("leave", "请假", "On leave"), ("absent", "缺席", "Absent"))),
        ]),
        field("cases", "textarea", "案例分析（巡店、投诉）", "Case studies (inspections, complaints)", max_length=3000),
        field("minutes", "textarea", "会议纪要", "Minutes", required=True, max_length=5000),
        table("decisions", "决议", "Decisions", [
            field("decision", "text", "决议", "Decision", required=True, max_length=300),
            field("owner", "employee", "负责人", "Owner", required=True),
            field("due", "date", "期限", "Due", required=True),
        ]),
    ],
}  # fmt: skip

TARGET_PROPOSAL = {
    "key": "duty_target_proposal",
    "name": "下月业绩指标建议",
    "name_en": "Next month's store targets",
    "category": CATEGORY,
    "description": "由业绩指标的建议值预填；审阅通过后写入下月的门店业绩指标。",
    "fields": [
        field("month", "text", "指标月份", "Month", required=True, max_length=7, regex=r"^\d{4}-\d{2}$"),
        table("stores", "门店指标", "Store targets", [
            field("store", "store", "门店", "Store", required=True),
            field("suggested", "money", "系统建议（元）", "Suggested (yuan)", total=True),
            field("last_month", "money", "上月实际（元）", "Last month (yuan)"),
            field("last_year", "money", "去年同月（元）", "Same month last year (yuan)"),
            field("proposed", "money", "建议指标（元）", "Proposed target (yuan)", required=True, min=0, total=True),
        ], required=True, min_rows=1, max_rows=500),
        field("note", "textarea", "说明", "Note", max_length=2000),
    ],
}  # fmt: skip

SCORE_20 = {"min": 0, "max": 20}
RATINGS = choices(
    ("A", "A 优秀", "A excellent"),
    ("B", "B 良好", "B good"),
    ("C", "C 合格", "C fair"),
    ("D", "D 不合格", "D poor"),
)
STORE_MANAGER_EVALUATION = {
    "key": "duty_store_manager_evaluation",
    "name": "店长考评",
    "name_en": "Store manager evaluation",
    "category": CATEGORY,
    "description": "店长基本职责月度考评，由直接上级填写；五项各 20 分。",
    "fields": [
        field("routines", "number", "日常管理（晨会、交接、巡视）", "Routines (meetings, handover, patrols)", required=True, **SCORE_20),
        field("quality", "number", "品质与卫生", "Quality and hygiene", required=True, **SCORE_20),
        field("service", "number", "服务与投诉", "Service and complaints", required=True, **SCORE_20),
        field("sales", "number", "业绩达成", "Sales against target", required=True, **SCORE_20),
        field("team", "number", "团队与培训", "Team and training", required=True, **SCORE_20),
        field("total", "computed", "总分", "Total", expression="routines + quality + service + sales + team", result_type="number"),
        field("rating", "choice", "等级", "Rating", required=True, choices=RATINGS),
        field("strengths", "textarea", "优点", "Strengths", max_length=1000),
        field("improvements", "textarea", "待改进", "To improve", max_length=1000),
    ],
}  # fmt: skip

TRAINING_TOPICS = choices(
    ("selling", "销售技巧", "Selling skills"), ("product", "产品知识", "Product knowledge"),
    ("display", "陈列", "Display"), ("service", "服务礼仪", "Service etiquette"),
    ("food_safety", "食品安全", "Food safety"), ("fire_safety", "消防安全", "Fire safety"),
    ("scheduling", "排班管理", "Scheduling"), ("cost", "成本控制", "Cost control"),
    ("leadership", "团队管理", "Team leadership"), ("pos", "收银系统", "Till system"),
)  # fmt: skip
TRAINING_SURVEY = {
    "key": "duty_training_survey",
    "name": "培训需求调查",
    "name_en": "Training-needs survey",
    "category": CATEGORY,
    "description": "每季度一次：您和您的团队最需要哪些培训？结果汇总后报培训部。",
    "fields": [
        field("topics", "multichoice", "需要的培训", "Training wanted", required=True, choices=TRAINING_TOPICS, min=1, max=5),
        field("other", "text", "其他需求", "Other needs", max_length=200),
        field("format", "choice", "希望的方式", "Preferred format", choices=choices(
            ("classroom", "集中授课", "Classroom"), ("on_the_job", "现场带教", "On the job"), ("online", "线上课程", "Online"))),
        field("comment", "textarea", "意见与建议", "Comments", max_length=1000),
    ],
}  # fmt: skip

TRAINING_REPORT = {
    "key": "duty_training_report",
    "name": "培训需求报告",
    "name_en": "Training-needs report",
    "category": CATEGORY,
    "description": "汇总本季度培训需求调查，报培训部（汇总见“培训需求”页面，可导出）。",
    "fields": [
        field("quarter", "text", "季度", "Quarter", required=True, max_length=10),
        field("responses", "number", "回收问卷数", "Responses"),
        field("summary", "textarea", "主要需求与建议", "Main needs and proposals", required=True, max_length=3000),
        field("attachments", "attachment", "附件", "Attachments", max_files=3),
    ],
}  # fmt: skip

OVERALL = choices(
    ("excellent", "优秀", "Excellent"), ("good", "良好", "Good"), ("fair", "合格", "Fair"),
    ("improve", "待改进", "Needs improvement"), ("poor", "不合格", "Poor"),
)  # fmt: skip
CADRE_EVALUATION = {
    "key": "duty_cadre_evaluation",
    "name": "干部能力评估",
    "name_en": "Cadre capability evaluation",
    "category": CATEGORY,
    "description": "每季度由直接上级评估门店干部：各项能力、综合评级、岗位与薪资调整建议、发展措施。",
    "fields": [
        field("leadership", "number", "领导与带队", "Leadership", required=True, **SCORE_1_5),
        field("operations", "number", "营运管理", "Operations", required=True, **SCORE_1_5),
        field("people", "number", "人员培养", "Developing people", required=True, **SCORE_1_5),
        field("customer", "number", "顾客服务", "Customer service", required=True, **SCORE_1_5),
        field("cost", "number", "成本意识", "Cost awareness", required=True, **SCORE_1_5),
        field("overall_rating", "choice", "综合评级", "Overall rating", required=True, choices=OVERALL),
        field("recommended_position", "position", "建议岗位", "Recommended position"),
        field("salary_adjustment", "choice", "薪资调整建议", "Salary adjustment", required=True, choices=choices(
            ("raise", "上调", "Raise"), ("keep", "不变", "Keep"), ("lower", "下调", "Lower"))),
        field("salary_pct", "number", "调整幅度（%）", "Adjustment (%)", min=-50, max=50, decimals=1),
        table("development", "发展措施", "Development steps", [
            field("step", "text", "措施", "Step", required=True, max_length=200),
            field("due", "date", "期限", "Due"),
        ], max_rows=10),
    ],
}  # fmt: skip

CADRE_REPORT = {
    "key": "duty_cadre_report",
    "name": "干部能力评估报告",
    "name_en": "Cadre capability report",
    "category": CATEGORY,
    "description": "汇总本季度的干部能力评估：综合评级分布、岗位和薪资调整建议、发展措施（汇总见“人员考评”页面）。",
    "fields": [
        field("quarter", "text", "季度", "Quarter", required=True, max_length=10),
        field("summary", "textarea", "总体情况", "Overview", required=True, max_length=3000),
        field("adjustments", "textarea", "岗位与薪资调整建议", "Position and salary proposals", max_length=3000),
    ],
}  # fmt: skip

TEAM_ACTIVITY = {
    "key": "duty_team_activity",
    "name": "文体活动",
    "name_en": "Team activity",
    "category": CATEGORY,
    "description": "不定期的团队文体活动：安排、参加人数、费用、照片。",
    "fields": [
        field("title", "text", "活动", "Activity", required=True, max_length=100),
        field("held_on", "date", "日期", "Date", required=True),
        field("participants", "number", "参加人数", "Participants", min=0, max=10000),
        field("cost", "money", "费用（元）", "Cost (yuan)", min=0),
        field("summary", "textarea", "小结", "Summary", max_length=2000),
        field("photos", "photo", "照片", "Photos", max_files=9),
    ],
}  # fmt: skip

ONBOARDING_EVALUATION = {
    "key": "duty_onboarding_evaluation",
    "name": "外聘干部月度考评",
    "name_en": "Hired-in manager monthly evaluation",
    "category": CATEGORY,
    "description": "培养期内每月一次，由直接上级填写，报运营经理和行政部。",
    "fields": [
        field("month_no", "number", "培养第几个月", "Month of the programme", required=True, min=1, max=3),
        table("areas", "学习与工作情况", "Learning and work", [
            field("area", "text", "内容", "Area", required=True, max_length=50),
            field("rating", "number", "评分（1–5）", "Rating (1–5)", required=True, **SCORE_1_5),
            field("comment", "text", "评语", "Comment", max_length=300),
        ], required=True, min_rows=1, max_rows=20),
        field("overall_rating", "choice", "综合评级", "Overall rating", required=True, choices=OVERALL),
        field("recommendation", "choice", "建议", "Recommendation", required=True, choices=choices(
            ("continue", "继续培养", "Continue"), ("confirm", "转正", "Confirm"),
            ("extend", "延长培养", "Extend"), ("end", "终止", "End"))),
        field("comment", "textarea", "评语", "Comment", max_length=2000),
    ],
}  # fmt: skip

DUTY_FORMS = [
    WEEKLY_PLAN, MONTHLY_PLAN, WEEKLY_PERFORMANCE, WEEKLY_DELIVERY, MONTHLY_PERFORMANCE, MONTHLY_PRODUCT,
    BACKOFFICE_RATING, INSPECTION_BULLETIN, QUALITY_EVALUATION, OPERATIONS_MEETING, TARGET_PROPOSAL,
    STORE_MANAGER_EVALUATION, TRAINING_SURVEY, TRAINING_REPORT, CADRE_EVALUATION, CADRE_REPORT,
    TEAM_ACTIVITY, ONBOARDING_EVALUATION,
]  # fmt: skip
