"""配送事故反馈, 低值易耗品报损, 活动经费 and 管理部与培训部配合 end to end through the API with the demo
chain's people: a happy path, a return and a rejection each, and what the system steps keep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from yunying.accounts.models import User
from yunying.approvals.selectors import delivery_incident_weekly
from yunying.core import clock
from yunying.core.errors import DomainError
from yunying.workflow.tests.apiclient import who_acted

pytestmark = pytest.mark.django_db


def _start(api: Any, login: str, key: str, data: dict[str, Any]) -> int:
    resp = api(login).post("/instances", {"key": key, "data": data})
    assert resp.status_code == 201, resp.content.decode()
    return int(resp.json()["id"])


def _reject(api: Any, login: str, pk: int, comment: str) -> None:
    task = api(login).my_task(pk)
    resp = api(login).post(f"/tasks/{task['id']}/complete", {"action": "reject", "comment": comment})
    assert resp.status_code == 200, resp.content.decode()


def _read(api: Any, login: str, pk: int) -> dict[str, Any]:
    resp = api(login).get(f"/instances/{pk}")
    assert resp.status_code == 200
    return dict(resp.json())


def test_delivery_incident_and_the_weekly_summary(api: Any) -> None:
    today = clock.today().isoformat()
    incident = {"store": "S01", "delivery_date": today, "cause": "short", "description": "牛肉少一箱",
                "items": [{"name": "牛肉", "qty": 1, "unit": "箱"}]}  # fmt: skip
    # Happy path: the delivery center answers, the store agrees.
    pk = _start(api, "store01", "delivery_incident", incident)
    assert api("dc").my_task(pk)["element_id"] == "dc_answer"
    api("dc").act(pk, data={"dc_reply": "次日补送", "responsibility": "配送中心", "remedy": "补送"})
    api("store01").act(pk, data={"store_view": "认可"})
    done = _read(api, "store01", pk)
    assert done["status"] == "completed"
    assert (done["data"]["responsibility"], done["data"]["disputed"]) == ("配送中心", False)
    assert (done["data"]["store"], done["data"]["cause"]) == ("S01", "short")

    # A return for more evidence, then a dispute the management department rules on.
    pk2 = _start(api, "store01", "delivery_incident", {**incident, "cause": "damaged"})
    api("dc").act(pk2, action="return", to="requester", comment="请补充照片")
    api("store01").act(pk2, action="resubmit", comment="已补充")
    api("dc").act(pk2, data={"dc_reply": "门店点收问题", "responsibility": "门店", "remedy": "无需处理"})
    api("store01").act(pk2, data={"store_view": "不认可", "store_note": "签收单已注明"})
    api("mgmt").act(pk2, data={"ruling": "配送中心", "ruling_note": "以签收单为准"})
    ruled = _read(api, "store01", pk2)["data"]
    assert (ruled["responsibility"], ruled["disputed"]) == ("配送中心", True)
    assert who_acted(pk2)[0][1] == "returned"

    # A rejection: no incident after all.
    pk3 = _start(api, "store01", "delivery_incident", {**incident, "cause": "late", "late_minutes": 20})
    _reject(api, "dc", pk3, "GPS 记录准时到达")
    assert _read(api, "store01", pk3)["status"] == "rejected"

    # Another store's manager does not see them; the weekly summary counts per store and cause.
    assert api("store02").get(f"/instances/{pk}").status_code == 404
    rows = delivery_incident_weekly(user=User.objects.get(username="mgmt"))
    mine = {(r.store, r.cause): r for r in rows}
    assert mine[("S01", "short")].count == 1 and mine[("S01", "short")].responsibility == {"配送中心": 1}
    assert mine[("S01", "damaged")].disputed == 1
    assert mine[("S01", "late")].rejected == 1 and mine[("S01", "late")].count == 0
    assert mine[("S01", "short")].cause_label == "短少"
    own = delivery_incident_weekly(user=User.objects.get(username="store02"))
    assert all(r.store == "S02" for r in own)
    # the demo's history: several weeks, late, returned and rejected reports
    history = delivery_incident_weekly(user=User.objects.get(username="mgmt"), weeks=4)
    assert len({r.week for r in history}) >= 3 and sum(r.rejected for r in history) >= 2
    with pytest.raises(DomainError):
        delivery_incident_weekly(user=User.objects.get(username="mgmt"), weeks=1000)


def test_consumables_writeoff(api: Any) -> None:
    def request(price: str) -> dict[str, Any]:
        return {"store": "S01", "reason": "冷库断电",
                "items": [{"name": "卤牛肉", "kind": "semi", "qty": 5, "unit": "千克", "price": price}]}  # fmt: skip

    pk = _start(api, "store01", "consumables_writeoff", request("60"))  # 300 < 500: 管理部终审
    api("area1").act(pk)
    assert api("mgmt").my_task(pk)["element_id"] == "final_decision"
    api("mgmt").act(pk)
    assert _read(api, "store01", pk)["status"] == "completed"

    pk = _start(api, "store01", "consumables_writeoff", request("200"))  # 1000: 运营经理
    api("area1").act(pk, action="return", to="requester", comment="请附照片")
    api("store01").act(pk, action="resubmit", data=request("180"))
    api("area1").act(pk)
    api("ops").act(pk)
    done = _read(api, "store01", pk)
    assert done["status"] == "completed" and Decimal(str(done["data"]["total"])) == Decimal("900")

    pk = _start(api, "store01", "consumables_writeoff", request("500"))  # 2500: 总经理
    api("area1").act(pk)
    _reject(api, "gm", pk, "金额过大，请查明原因")
    assert _read(api, "store01", pk)["status"] == "rejected"


def test_activity_funds_budget_then_actual_spend(api: Any) -> None:
    event = (clock.today() + dt.timedelta(days=5)).isoformat()

    def request(*lines: tuple[str, str]) -> dict[str, Any]:
        return {"store": "S01", "activity": "周年庆", "kind": "promotion", "event_date": event,
                "participants": 10, "purpose": "引流",
                "budget": [{"item": i, "amount": a} for i, a in lines]}  # fmt: skip

    # Happy path within budget: 800 → 管理部 decides; the spend comes after the event.
    pk = _start(api, "store01", "activity_funds", request(("物料", "500"), ("赠品", "300")))
    api("area1").act(pk)
    api("mgmt").act(pk)
    assert api("store01").my_task(pk)["element_id"] == "spend_report"
    api("store01").act(pk, data={"actual_total": "760", "report": "按计划完成"})
    done = _read(api, "store01", pk)
    assert done["status"] == "completed"
    assert (done["data"]["variance"], done["data"]["over_budget"]) == ("-40.00", False)
    assert done["data"]["variance_pct"] == "-5.0"

    # Returned for a split budget, then over budget: the management department confirms the overspend.
    pk = _start(api, "store01", "activity_funds", request(("场地", "2000")))
    api("area1").act(pk, action="return", to="requester", comment="请拆分预算")
    api("store01").act(pk, action="resubmit", data=request(("场地", "1500"), ("餐饮", "500")))
    api("area1").act(pk)
    api("ops").act(pk)  # 2000: 运营经理
    api("store01").act(pk, data={"actual_total": "2300", "report": "人数增加"})
    assert api("mgmt").my_task(pk)["element_id"] == "overspend_review"
    api("mgmt").act(pk, data={"opinion": "同意"})
    done = _read(api, "store01", pk)
    assert done["status"] == "completed" and done["data"]["over_budget"] is True
    assert done["data"]["variance"] == "300.00"

    # Rejected by the general manager (above 5000).
    pk = _start(api, "store01", "activity_funds", request(("广告", "6000")))
    api("area1").act(pk)
    _reject(api, "gm", pk, "预算偏高")
    assert _read(api, "store01", pk)["status"] == "rejected"


def test_training_request_from_management_to_training(api: Any) -> None:
    wanted = (clock.today() + dt.timedelta(days=20)).isoformat()
    need = {
        "topic": "safety",
        "audience": "厨房主管",
        "headcount": 17,
        "wanted_by": wanted,
        "needs": "食品安全",
    }
    pk = _start(api, "mgmt", "training_request", need)
    assert api("trainer").my_task(pk)["element_id"] == "train_accept"
    api("trainer").act(pk, data={"plan": "集中授课", "trainer": "外聘讲师", "planned_on": wanted})
    api("trainer").act(pk, data={"held_on": wanted, "attended": 16, "passed": 15, "report": "15 人合格"})
    assert api("mgmt").my_task(pk)["element_id"] == "mgmt_ack"
    api("mgmt").act(pk, data={"feedback": "效果良好"})
    done = _read(api, "mgmt", pk)
    assert done["status"] == "completed"
    assert (done["data"]["attended"], done["data"]["passed"], done["data"]["trainer"]) == (16, 15, "外聘讲师")

    pk = _start(api, "mgmt", "training_request", {**need, "topic": "service", "store": "S01"})
    api("trainer").act(pk, action="return", to="requester", comment="请说明受训人员名单")
    api("mgmt").act(pk, action="resubmit", data={**need, "topic": "service", "store": "S01", "headcount": 8})
    assert api("trainer").my_task(pk)["element_id"] == "train_accept"

    pk = _start(api, "mgmt", "training_request", {**need, "topic": "management"})
    _reject(api, "trainer", pk, "本月已排满")
    assert _read(api, "mgmt", pk)["status"] == "rejected"


def test_the_demo_history(demo: None) -> None:
    from collections import Counter

    from yunying.workflow.models import ProcessInstance, WorkTask

    keys = (
        "customer_complaint",
        "delivery_incident",
        "activity_funds",
        "training_request",
        "probation_review",
        "recruitment",
    )
    states = Counter(
        (i.definition.key, i.status) for i in ProcessInstance.objects.filter(definition__key__in=keys)
    )
    for key in keys:
        assert states[(key, "completed")] >= 1 and states[(key, "rejected")] >= 1, key
    assert states[("customer_complaint", "running")] >= 1 and states[("delivery_incident", "running")] >= 1
    returned = WorkTask.objects.filter(instance__definition__key__in=keys, outcome="returned")
    assert {t.instance.definition.key for t in returned} == set(keys)
    late = [
        t
        for t in WorkTask.objects.filter(instance__definition__key__in=keys, completed_at__isnull=False)
        if t.due_at and t.completed_at > t.due_at
    ]
    assert len(late) >= 2
    # the approver preview of a running request follows the route past gateways that read step fields
    from yunying.workflow.preview import instance_preview

    for running in ProcessInstance.objects.filter(definition__key__in=keys, status="running"):
        assert instance_preview(instance=running).error == "", running.title
    oldest = ProcessInstance.objects.filter(definition__key__in=keys).order_by("started_at").first()
    assert oldest is not None and (clock.now() - oldest.started_at).days >= 20


def test_probation_review_started_by_the_system(api: Any) -> None:
    from yunying.approvals.people import probation_reviews_start, review_start_date
    from yunying.core.settings_store import setting_set
    from yunying.org.models import Employee, EmploymentStatus

    def on_probation(store: str, position: str, ends: dt.date) -> Employee:
        employee = Employee.objects.filter(
            appointments__unit__code=store, appointments__position__code=position, user__isnull=True
        ).order_by("-employee_no")[0]
        employee.employment_status = EmploymentStatus.PROBATION
        employee.probation_ends_on = ends
        employee.save()
        return employee

    # the demo's own probations (one extended into the coming weeks) stay out of this test
    Employee.objects.filter(employment_status=EmploymentStatus.PROBATION).update(
        employment_status=EmploymentStatus.REGULAR
    )
    setting_set(key="approvals.probation_notice_working_days", value=3)
    ends = clock.today() + dt.timedelta(days=30)
    first_day = review_start_date(ends, 3)
    assert (ends - first_day).days >= 3
    passed = on_probation("S01", "WAITER", ends)
    assert probation_reviews_start(today=first_day - dt.timedelta(days=1)) == []  # not yet
    [pk] = probation_reviews_start(today=first_day)
    assert probation_reviews_start(today=first_day) == []  # once
    task = api("store01").my_task(pk)  # the store manager assesses
    assert task["element_id"] == "manager_assessment"
    assert _read(api, "store01", pk)["data"]["employee_no"] == passed.employee_no
    # Happy path, with a return from the department for a fuller assessment.
    api("store01").act(pk, data={"score": 70, "assessment": "尚可", "recommendation": "转正"})
    api("mgmt").act(pk, action="return", to="manager_assessment", comment="请补充考勤情况")
    api("store01").act(pk, data={"score": 82, "assessment": "全勤", "recommendation": "转正"})
    api("mgmt").act(pk, data={"review": "同意"})
    passed.refresh_from_db()
    assert passed.employment_status == EmploymentStatus.REGULAR
    assert _read(api, "mgmt", pk)["data"]["outcome_status"] == "regular"

    # Extended: the end date moves; a review for the new date starts when its day comes.
    extended = on_probation("S02", "WAITER", ends)
    [pk] = probation_reviews_start(today=first_day)
    api("store02").act(
        pk, data={"score": 60, "assessment": "需加强", "recommendation": "延长试用", "extend_days": 30}
    )
    api("mgmt").act(pk)
    extended.refresh_from_db()
    assert extended.employment_status == EmploymentStatus.PROBATION
    assert extended.probation_ends_on == ends + dt.timedelta(days=30)

    # Rejected by the department: nothing changes.
    kept = on_probation("S03", "WAITER", ends)
    [pk] = probation_reviews_start(today=first_day)
    api("store03").act(pk, data={"score": 50, "assessment": "一般", "recommendation": "转正"})
    _reject(api, "mgmt", pk, "评估依据不足")
    kept.refresh_from_db()
    assert (kept.employment_status, kept.probation_ends_on) == (EmploymentStatus.PROBATION, ends)


def test_recruitment_checked_against_the_standard_headcount(api: Any) -> None:
    from yunying.org.models import Appointment, Employee, EmploymentStatus

    start_on = clock.today().isoformat()
    candidate = {"candidate_name": "吴晨", "candidate_phone": "13512345678", "salary": "4000",
                 "start_on": start_on, "interview": "经验丰富"}  # fmt: skip
    # S01 has its one cashier: the request is refused and nothing is stored.
    resp = api("store01").post(
        "/instances",
        {"key": "recruitment", "data": {"store": "S01", "position": "CASHIER", "reason": "补员"}},
    )
    assert resp.status_code == 422 and "满编" in resp.json()["detail"]
    # S07's kitchen lead seat is vacant: happy path, with the offer returned once.
    pk = _start(api, "store07", "recruitment", {"store": "S07", "position": "KITCHEN-LEAD", "reason": "空缺"})
    assert _read(api, "store07", pk)["data"]["vacancies"] == 1
    api("area2").act(pk)
    api("store07").act(pk, data={**candidate, "salary": "9000"})
    api("mgmt").act(pk, action="return", to="candidate", comment="薪资过高")
    api("store07").act(pk, data=candidate)
    api("mgmt").act(pk)
    done = _read(api, "store07", pk)
    assert done["status"] == "completed"
    hired = Employee.objects.get(employee_no=done["data"]["employee_no"])
    assert (hired.name, hired.employment_status) == ("吴晨", EmploymentStatus.PROBATION)
    assert hired.probation_ends_on == clock.today() + dt.timedelta(days=90)
    mgmt = api("mgmt")
    person = mgmt.client.get(f"/api/org/people/{hired.employee_no}", **mgmt.auth).json()
    assert (person["employment_status"], person["probation_ends_on"]) == (
        "probation",
        hired.probation_ends_on.isoformat(),
    )
    seat = Appointment.objects.active().get(employee=hired)
    assert (seat.unit.code, seat.position.code) == ("S07", "KITCHEN-LEAD")
    # Now full: a second request for it is refused.
    resp = api("store07").post(
        "/instances",
        {"key": "recruitment", "data": {"store": "S07", "position": "KITCHEN-LEAD", "reason": "再招"}},
    )
    assert resp.status_code in (400, 422)
    # Rejected at the offer: nobody is created.
    before = Employee.objects.count()
    pk = _start(api, "store12", "recruitment", {"store": "S12", "position": "DELIVERY", "reason": "空缺"})
    api("area3").act(pk)
    api("store12").act(pk, data=candidate)
    _reject(api, "mgmt", pk, "另寻候选人")
    assert _read(api, "store12", pk)["status"] == "rejected" and Employee.objects.count() == before
