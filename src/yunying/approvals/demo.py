"""Demo history of the service and people processes (called by ``yunying.seed.demo.demo_load``).

Adds the chain's 配送中心 (delivery center, login ``dc``) and 培训部 (training department, login
``trainer``), then a few weeks of 顾客投诉, 配送事故反馈, 活动经费 and 管理部与培训部配合 requests: most
finished, some answered late, some returned and corrected, some rejected, a few still open (one overdue).
Each request is run through the real workflow services and then moved back in time as a whole."""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Any

from yunying.accounts.models import User
from yunying.approvals.people import probation_reviews_start
from yunying.core import clock
from yunying.org.models import Appointment, Employee, EmploymentStatus, OrgUnit, Position, UnitKind
from yunying.workflow import services
from yunying.workflow.models import OPEN_STATUSES, InstanceEvent, ProcessInstance, TaskKind, WorkTask

PHONES = ("13812345678", "13987654321", "15001234567", "18612345678", "13700001111", "15988887777")


def _person(login: str, name: str, no: str, position: str, unit: OrgUnit, password: str) -> None:
    user = User.objects.create(username=login, password=password, first_name=name)
    employee = Employee.objects.create(
        employee_no=no, name=name, phone="13600000000", user=user, hired_on=date(2020, 3, 1)
    )
    Appointment.objects.create(
        employee=employee,
        position=Position.objects.get(code=position),
        unit=unit,
        started_on=date(2020, 3, 1),
    )


def _units() -> None:
    company = OrgUnit.objects.get(code="C01")
    password = User.objects.get(username="gm").password
    dc = OrgUnit.objects.create(
        kind=UnitKind.DEPARTMENT, code="D-DC", name="配送中心", parent=company, sort_order=20
    )
    training = OrgUnit.objects.create(
        kind=UnitKind.DEPARTMENT, code="D-TRAIN", name="培训部", parent=company, sort_order=21
    )
    _person("dc", "配送调度", "E9001", "DC-DISPATCH", dc, password)
    _person("trainer", "培训主管", "E9002", "TRAIN-HEAD", training, password)


def _act(instance: ProcessInstance, username: str, action: str = "approve", **kwargs: Any) -> None:
    task = (
        WorkTask.objects.filter(instance=instance, status__in=OPEN_STATUSES)
        .exclude(kind=TaskKind.SIGNER)
        .order_by("pk")
        .first()
    )
    assert task is not None, instance.title
    services.task_complete(
        actor=User.objects.get(username=username), task_id=task.pk, action=action, **kwargs
    )


# How long a person took over a step of the demo (hours), in turn: answers come within the working day.
STEP_HOURS = (3.0, 5.5, 2.0, 6.5, 4.0, 1.5)


def _age(instance: ProcessInstance, days: float, *, late: tuple[str, ...] = ()) -> None:
    """Move the request ``days`` back; each answered step took a few hours (``STEP_HOURS``, within its due
    time), and the steps named in ``late`` were answered after their due time. The service-level moments of its
    open steps that now lie in the past count as handled."""
    shift = dt.timedelta(days=days)
    tasks = list(instance.tasks.order_by("created_at", "pk"))
    answered = sorted((t for t in tasks if t.completed_at), key=lambda t: (t.completed_at, t.pk))
    # Walking back from the last answer: a step answered k-th from the end moves back by the time the
    # steps after it took; its start moves back by its own time as well.
    took: dict[int, dt.timedelta] = {}
    after: dict[int, dt.timedelta] = {}
    total = dt.timedelta(0)
    for n, task in enumerate(reversed(answered)):
        hours = dt.timedelta(hours=STEP_HOURS[n % len(STEP_HOURS)])
        if task.due_at and task.created_at and task.element_id not in late:
            hours = min(hours, (task.due_at - task.created_at) * 0.7)
        took[task.pk], after[task.pk] = hours, total
        total += hours
    moves = [(t.completed_at, shift + after[t.pk]) for t in answered if t.completed_at]
    instance.refresh_from_db()
    ProcessInstance.objects.filter(pk=instance.pk).update(
        started_at=instance.started_at - shift - total,
        ended_at=instance.ended_at - shift if instance.ended_at else None,
    )
    for task in tasks:
        done = shift + after.get(task.pk, dt.timedelta(0))
        begun = done + took.get(task.pk, dt.timedelta(0))
        for name in ("created_at", "due_at", "remind_at", "escalate_at", "claimed_at"):
            value = getattr(task, name)
            if value is not None:
                setattr(task, name, value - begun)
        if task.completed_at is not None:
            task.completed_at -= done
        if task.element_id in late and task.completed_at and task.due_at:
            task.completed_at = task.due_at + dt.timedelta(hours=5)
        if task.status in OPEN_STATUSES:
            # moments already passed count as handled (the demo's own reminders are in sla_demo)
            for moment, handled in (
                ("remind_at", "reminded_at"),
                ("due_at", "overdue_notified_at"),
                ("escalate_at", "escalated_at"),
            ):
                when = getattr(task, moment)
                if when is not None and when < clock.now() + dt.timedelta(minutes=5):
                    setattr(task, handled, when)
        task.save()
    # Each event moves with the answer it records, or the last answer before it (the start with the start).
    for event in InstanceEvent.objects.filter(instance=instance):
        move = shift + total
        if event.task_id in after:
            move = shift + after[event.task_id]
        else:
            for answered_at, by in moves:
                if answered_at <= event.at:
                    move = by
        InstanceEvent.objects.filter(pk=event.pk).update(at=event.at - move)
    if "response_hours" in instance.data:
        _recount_response(instance)


def _recount_response(instance: ProcessInstance) -> None:
    """A closed complaint's recorded response time, from the moved steps (as ``complaint_close`` counts it)."""
    instance.refresh_from_db()
    answer = (
        instance.tasks.filter(element_id="store_response", outcome="approved", completed_at__isnull=False)
        .order_by("completed_at", "pk")
        .first()
    )
    if answer is not None and answer.completed_at:
        hours = round((answer.completed_at - instance.started_at).total_seconds() / 3600, 1)
        ProcessInstance.objects.filter(pk=instance.pk).update(data={**instance.data, "response_hours": hours})


def _start(login: str, key: str, title: str, data: dict[str, Any]) -> ProcessInstance:
    return services.instance_start(actor=User.objects.get(username=login), key=key, data=data, title=title)


def _complaints() -> None:
    def complaint(
        store: str, channel: str, category: str, severity: str, text: str, n: int
    ) -> dict[str, Any]:
        return {"store": store, "channel": channel, "category": category, "severity": severity,
                "description": text, "customer_name": "王先生" if n % 2 else "李女士",
                "customer_phone": PHONES[n % len(PHONES)]}  # fmt: skip

    done = {"response": "当面致歉并为顾客重做菜品", "remedy": "重做"}
    a = _start("store01", "customer_complaint", "S01 顾客投诉：菜品偏咸",
               complaint("S01", "in_store", "food", "normal", "顾客反映红烧肉过咸", 0))  # fmt: skip
    _act(a, "store01", data=done)
    _act(a, "area1", data={"opinion": "处理及时"})
    _act(a, "supervisor", data={"satisfaction": "满意"})
    _age(a, 20)

    b = _start("store02", "customer_complaint", "S02 顾客投诉：服务员态度",
               complaint("S02", "review_site", "service", "serious", "点评网站差评：服务员催促顾客买单", 1))  # fmt: skip
    _act(b, "store02", data={"response": "约谈当事服务员，电话致歉并赠送代金券", "remedy": "赠券",
                             "compensation": "50"})  # fmt: skip
    _act(b, "area1")
    _act(b, "supervisor", data={"satisfaction": "基本满意"})
    _age(b, 16, late=("store_response",))

    c = _start("supervisor", "customer_complaint", "S03 顾客投诉：菜品异物",
               complaint("S03", "hotline", "foreign_object", "critical", "顾客在汤中发现金属丝", 2))  # fmt: skip
    _act(c, "store03", data={"response": "致歉", "remedy": "道歉"})
    _act(c, "area1", action="return", to="store_response", comment="只道歉不够，请退款并排查后厨钢丝球")
    _act(c, "store03", data={"response": "全额退款，后厨停用钢丝球并整改", "remedy": "退款",
                             "compensation": "268"})  # fmt: skip
    _act(c, "area1", data={"opinion": "整改到位"})
    _act(c, "supervisor", data={"satisfaction": "不满意", "callback_note": "顾客要求书面道歉"})
    _act(c, "mgmt", data={"conclusion": "寄送书面致歉信，S03 纳入下周督导复查"})
    _age(c, 12)

    d = _start("store05", "customer_complaint", "S05 顾客投诉：等位时间",
               complaint("S05", "delivery_app", "waiting", "normal", "外卖平台投诉出餐超时", 3))  # fmt: skip
    _act(d, "store05", data={"response": "核实当日系统记录，出餐用时 18 分钟，属骑手延误", "remedy": "其他"})
    _act(d, "area2", action="reject", comment="经核实非门店责任，已转外卖平台处理")
    _age(d, 9)

    e = _start("store04", "customer_complaint", "S04 顾客投诉：收费有误",
               complaint("S04", "in_store", "billing", "normal", "团购券未核销，多收 38 元", 4))  # fmt: skip
    _act(e, "store04", data={"response": "退还 38 元并致歉", "remedy": "退款", "compensation": "38"})
    _age(e, 3)  # waiting for the area manager

    f = _start("supervisor", "customer_complaint", "S01 顾客投诉：餐具不洁",
               complaint("S01", "hotline", "hygiene", "serious", "顾客反映碗边有污渍", 5))  # fmt: skip
    _age(f, 2)  # waiting for the store, overdue


def _incidents() -> None:
    def incident(store: str, cause: str, days_ago: int, text: str, **extra: Any) -> dict[str, Any]:
        day = clock.today() - dt.timedelta(days=days_ago)
        return {"store": store, "delivery_date": day.isoformat(), "delivery_no": f"PS{day:%m%d}{store[1:]}",
                "cause": cause, "description": text, **extra}  # fmt: skip

    ok = {"dc_reply": "已核实，次日补送", "responsibility": "配送中心", "remedy": "补送"}
    a = _start(
        "store01",
        "delivery_incident",
        "S01 配送迟到",
        incident("S01", "late", 20, "早班货晚到 45 分钟，影响备餐", late_minutes=45),
    )
    _act(a, "dc", data={**ok, "dc_reply": "早高峰堵车，已调整发车时间", "remedy": "无需处理"})
    _act(a, "store01", data={"store_view": "认可"})
    _age(a, 20)

    b = _start("store02", "delivery_incident", "S02 配送短少",
               incident("S02", "short", 15, "鸡翅少 2 箱", items=[{"name": "鸡翅", "qty": 2, "unit": "箱"}]))  # fmt: skip
    _act(b, "dc", action="return", to="requester", comment="请补充签收单照片")
    _act(b, "store02", action="resubmit", comment="已补充签收单")
    _act(
        b,
        "dc",
        data={"dc_reply": "装车记录无误，疑为门店点收差错", "responsibility": "门店", "remedy": "无需处理"},
    )
    _act(b, "store02", data={"store_view": "不认可", "store_note": "签收单已注明短少"})
    _act(b, "mgmt", data={"ruling": "配送中心", "ruling_note": "签收单注明短少，由配送中心补送"})
    _age(b, 15)

    c = _start("store03", "delivery_incident", "S03 配送破损",
               incident("S03", "damaged", 13, "鸡蛋破损 30 枚", items=[{"name": "鸡蛋", "qty": 30, "unit": "枚"}]))  # fmt: skip
    _act(c, "dc", data={**ok, "remedy": "换货"})
    _act(c, "store03", data={"store_view": "认可"})
    _age(c, 13, late=("dc_answer",))

    d = _start(
        "store05",
        "delivery_incident",
        "S05 配送错发",
        incident("S05", "wrong", 10, "送来的是中筋面粉，订的是高筋"),
    )
    _act(d, "dc", action="reject", comment="门店订货单即为中筋面粉，非错发")
    _age(d, 10)

    e = _start(
        "store06",
        "delivery_incident",
        "S06 配送迟到",
        incident("S06", "late", 6, "晚到 30 分钟", late_minutes=30),
    )
    _act(e, "dc", data={**ok, "dc_reply": "车辆故障，已安排备用车", "remedy": "无需处理"})
    _act(e, "store06", data={"store_view": "认可"})
    _age(e, 6)

    f = _start("store07", "delivery_incident", "S07 配送质量问题", incident("S07", "quality", 2, "生菜发黄"))
    _act(f, "dc", data={**ok, "responsibility": "供应商", "remedy": "换货"})
    _age(f, 2)  # waiting for the store's confirmation

    g = _start("store01", "delivery_incident", "S01 配送破损", incident("S01", "damaged", 1, "酱油漏液 2 桶"))
    _age(g, 1)  # waiting for the delivery center


def _activities() -> None:
    def budget(*lines: tuple[str, str]) -> list[dict[str, str]]:
        return [{"item": item, "amount": amount} for item, amount in lines]

    a = _start("store01", "activity_funds", "S01 中秋活动经费",
               {"store": "S01", "activity": "中秋赏月套餐推广", "kind": "holiday", "event_date": (clock.today() - dt.timedelta(days=18)).isoformat(),
                "participants": 12, "budget": budget(("物料印刷", "900"), ("月饼礼盒", "1500")), "purpose": "提升节日客流"})  # fmt: skip
    _act(a, "area1")
    _act(a, "ops")
    _act(a, "store01", data={"actual_total": "2650", "report": "礼盒追加 10 份，超支 250 元"})
    _act(a, "mgmt", data={"opinion": "超支合理，同意"})
    _age(a, 25)

    b = _start("store05", "activity_funds", "S05 员工拓展活动",
               {"store": "S05", "activity": "员工拓展", "kind": "team", "event_date": (clock.today() - dt.timedelta(days=12)).isoformat(),
                "participants": 20, "budget": budget(("场地", "500"), ("餐饮", "300")), "purpose": "团队建设"})  # fmt: skip
    _act(b, "area2")
    _act(b, "mgmt")
    _act(b, "store05", data={"actual_total": "720", "report": "按计划完成，节余 80 元"})
    _age(b, 18)

    c = _start("store02", "activity_funds", "S02 周年店庆",
               {"store": "S02", "activity": "周年店庆", "kind": "promotion", "event_date": (clock.today() + dt.timedelta(days=10)).isoformat(),
                "participants": 15, "budget": budget(("广告投放", "4000"), ("赠品", "2000")), "purpose": "店庆引流"})  # fmt: skip
    _act(c, "area1")
    _act(c, "gm", action="reject", comment="预算偏高，请压缩到 3000 元内再报")
    _age(c, 12)

    d = _start("store03", "activity_funds", "S03 新品推广",
               {"store": "S03", "activity": "新品试吃", "kind": "promotion", "event_date": (clock.today() + dt.timedelta(days=3)).isoformat(),
                "participants": 6, "budget": budget(("试吃食材", "1500")), "purpose": "新品推广"})  # fmt: skip
    _act(d, "area1", action="return", to="requester", comment="请拆分食材与物料预算")
    _act(d, "store03", action="resubmit",
         data={**d.data, "budget": budget(("试吃食材", "1100"), ("展架物料", "400"))})  # fmt: skip
    _act(d, "area1")
    _act(d, "ops")
    _age(d, 5)  # waiting for the actual spend after the event


def _trainings() -> None:
    def need(
        topic: str, audience: str, headcount: int, days: int, text: str, store: str = ""
    ) -> dict[str, Any]:
        wanted = (clock.today() + dt.timedelta(days=days)).isoformat()
        return {"store": store, "topic": topic, "audience": audience, "headcount": headcount,
                "wanted_by": wanted, "needs": text}  # fmt: skip

    a = _start("mgmt", "training_request", "S01 服务技能培训",
               need("service", "前厅服务员", 8, -10, "督导检查发现点单流程不规范", "S01"))  # fmt: skip
    held = (clock.today() - dt.timedelta(days=14)).isoformat()
    _act(a, "trainer", data={"plan": "两次课：点单流程与推荐话术", "trainer": "培训主管", "planned_on": held})
    _act(a, "trainer", data={"held_on": held, "attended": 8, "passed": 7, "report": "7 人考核合格，1 人补考"})
    _act(a, "mgmt", data={"feedback": "复查点单流程已规范"})
    _age(a, 24)

    b = _start("mgmt", "training_request", "全体门店食品安全培训",
               need("safety", "厨房主管", 17, 20, "季度培训需求调查：食品安全为首要需求"))  # fmt: skip
    _act(b, "trainer", action="return", to="requester", comment="请说明是否包含新开门店")
    _act(
        b,
        "mgmt",
        action="resubmit",
        data={**b.data, "needs": "季度培训需求调查：食品安全为首要需求，含 S15 新店"},
    )
    _act(b, "trainer", data={"plan": "集中授课半天 + 现场考核", "trainer": "外聘讲师",
                             "planned_on": (clock.today() + dt.timedelta(days=7)).isoformat()})  # fmt: skip
    _age(b, 8)  # waiting for the report

    c = _start("mgmt", "training_request", "店长管理技能培训",
               need("management", "店长", 17, 5, "店长考评中排班能力普遍偏弱"))  # fmt: skip
    _act(c, "trainer", action="reject", comment="本月课程已排满，请下月初再提")
    _age(c, 14)


def _on_probation(store: str, position: str, ends_in: int) -> Employee:
    employee = (
        Employee.objects.filter(
            appointments__unit__code=store, appointments__position__code=position, user__isnull=True
        )
        .order_by("employee_no")
        .first()
    )
    assert employee is not None, (store, position)
    employee.employment_status = EmploymentStatus.PROBATION
    employee.probation_ends_on = clock.today() + dt.timedelta(days=ends_in)
    employee.save(update_fields=["employment_status", "probation_ends_on"])
    return employee


def _review_of(employee: Employee) -> ProcessInstance:
    started = probation_reviews_start(today=employee.probation_ends_on)
    return ProcessInstance.objects.get(pk=started[0])


def _probations() -> None:
    # Passed three weeks ago after the department asked for a fuller assessment.
    a = _review_of(_on_probation("S02", "CASHIER", -20))
    _act(a, "store02", data={"score": 72, "assessment": "收银准确", "recommendation": "转正"})
    _act(a, "mgmt", action="return", to="manager_assessment", comment="请补充考勤与顾客评价")
    _act(
        a,
        "store02",
        data={"score": 85, "assessment": "收银零差错，全勤，顾客表扬 2 次", "recommendation": "转正"},
    )
    _act(a, "mgmt", data={"review": "同意转正"})
    _age(a, 25)
    # Extended by a month.
    b = _review_of(_on_probation("S05", "WAITER", -10))
    _act(b, "store05", data={"score": 60, "assessment": "服务流程不熟", "recommendation": "延长试用",
                             "extend_days": 30})  # fmt: skip
    _act(b, "mgmt")
    _age(b, 15)
    # Rejected by the department: the assessment does not support the recommendation.
    c = _review_of(_on_probation("S03", "EXPEDITOR", -5))
    _act(c, "store03", data={"score": 55, "assessment": "出品速度偏慢", "recommendation": "转正"})
    _act(c, "mgmt", action="reject", comment="评分不足 60 分，请重新评估")
    _age(c, 10)
    # Started by the system this week, waiting for the store manager.
    _on_probation("S01", "WAITER", 3)
    probation_reviews_start()
    # Half-way through: the externally hired store manager of S17, no review yet.
    s17 = Employee.objects.filter(
        appointments__unit__code="S17", appointments__position__code="STORE-MGR"
    ).first()
    if s17 is not None:
        s17.employment_status = EmploymentStatus.PROBATION
        s17.probation_ends_on = clock.today() + dt.timedelta(days=45)
        s17.save(update_fields=["employment_status", "probation_ends_on"])


def _recruitments() -> None:
    start = (clock.today() - dt.timedelta(days=8)).isoformat()
    a = _start("store03", "recruitment", "S03 招聘服务员",
               {"store": "S03", "position": "WAITER", "reason": "周末客流增加，服务员不足"})  # fmt: skip
    _act(a, "area1")
    _act(a, "store03", data={"candidate_name": "周晓雯", "candidate_phone": "13611112222", "salary": "4200",
                             "start_on": start, "interview": "有两年餐饮经验"})  # fmt: skip
    _act(a, "mgmt", action="return", to="candidate", comment="薪资高于标准，请与候选人再沟通")
    _act(a, "store03", data={"candidate_name": "周晓雯", "candidate_phone": "13611112222", "salary": "3900",
                             "start_on": start, "interview": "有两年餐饮经验，接受标准薪资"})  # fmt: skip
    _act(a, "mgmt")
    _age(a, 18)
    b = _start("store12", "recruitment", "S12 招聘外卖员",
               {"store": "S12", "position": "DELIVERY", "reason": "外卖员离职，岗位空缺"})  # fmt: skip
    _act(b, "area3")
    _act(b, "store12", data={"candidate_name": "韩磊", "candidate_phone": "13733334444", "salary": "6500",
                             "start_on": clock.today().isoformat(), "interview": "要求底薪过高"})  # fmt: skip
    _act(b, "mgmt", action="reject", comment="薪资超出标准过多，请另寻候选人")
    _age(b, 9)
    c = _start("store07", "recruitment", "S07 招聘厨房主管",
               {"store": "S07", "position": "KITCHEN-LEAD", "reason": "厨房主管空缺"})  # fmt: skip
    _act(c, "area2")
    _age(c, 4)  # waiting for the store to find a candidate


def approvals_demo_load() -> int:
    """Idempotent: does nothing when the delivery center exists already."""
    if OrgUnit.objects.filter(code="D-DC").exists():
        return 0
    _units()
    _complaints()
    _incidents()
    _activities()
    _trainings()
    _probations()
    _recruitments()
    return ProcessInstance.objects.filter(
        definition__key__in=(
            "customer_complaint",
            "delivery_incident",
            "activity_funds",
            "training_request",
            "probation_review",
            "recruitment",
        )
    ).count()
