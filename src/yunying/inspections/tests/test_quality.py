"""The monthly quality evaluation: the grade formula, the key list and the demotion recommendation over
sequences of months."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from yunying.core.errors import DomainError, PermissionDenied
from yunying.inspections import quality
from yunying.inspections.factories import small_template
from yunying.inspections.models import QualityEvaluation, Visit, VisitStatus
from yunying.workflow.models import ProcessInstance

WEIGHTS = quality.Weights(
    inspection=70, sales=30, overdue_penalty=2, pass_mark=80, complaint_penalty=3, incident_penalty=2
)
NOW = dt.datetime(2026, 7, 10, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


def _measures(**kw) -> quality.Measures:
    base = {"visits": 1, "inspection_score": None, "sales_attainment": None, "overdue_actions": 0}
    return quality.Measures(**{**base, **kw})


def test_grade_weighs_the_measures_that_exist_and_caps_attainment():
    assert quality.grade(_measures(), WEIGHTS) == (None, None)
    assert quality.grade(_measures(inspection_score=Decimal("85")), WEIGHTS) == (Decimal("85.0"), True)
    both = _measures(inspection_score=Decimal("80"), sales_attainment=Decimal("150"))
    assert quality.grade(both, WEIGHTS) == (Decimal("86.0"), True)  # (70×80 + 30×100) / 100
    late = _measures(inspection_score=Decimal("84"), overdue_actions=3)
    assert quality.grade(late, WEIGHTS) == (Decimal("78.0"), False)
    assert quality.grade(_measures(inspection_score=Decimal("1"), overdue_actions=9), WEIGHTS)[0] == 0
    served = _measures(inspection_score=Decimal("90"), complaints=2, incidents=1)
    assert quality.grade(served, WEIGHTS) == (Decimal("82.0"), True)  # 90 − 2×3 − 1×2
    assert quality.grade(_measures(complaints=5, incidents=5), WEIGHTS) == (None, None)


@given(
    inspection=st.none() | st.decimals(0, 100, places=1),
    sales=st.none() | st.decimals(0, 500, places=1),
    overdue=st.integers(0, 50),
    complaints=st.integers(0, 200),
    incidents=st.integers(0, 200),
)
def test_grade_is_always_within_bounds_and_never_fails_a_store_without_data(
    inspection, sales, overdue, complaints, incidents
):
    measures = _measures(
        inspection_score=inspection,
        sales_attainment=sales,
        overdue_actions=overdue,
        complaints=complaints,
        incidents=incidents,
    )
    score, passed = quality.grade(measures, WEIGHTS)
    if inspection is None and sales is None:
        assert (score, passed) == (None, None)
    else:
        assert score is not None and Decimal(0) <= score <= Decimal(100)
        assert passed == (score >= 80)


def _visit(store, version, inspector, month: dt.date, score: str) -> None:
    Visit.objects.create(
        store=store,
        version=version,
        inspector=inspector,
        status=VisitStatus.SUBMITTED,
        visited_on=month.replace(day=12),
        score=Decimal(score),
        passed=Decimal(score) >= 80,
    )


def _run(chain, scores: list[str]) -> list[QualityEvaluation]:
    """Grade store A1 for consecutive months from 2026-01 with one visit of each score."""
    version = small_template()
    store = chain.stores_a[0]
    rows = []
    with time_machine.travel(NOW, tick=False):
        for i, score in enumerate(scores):
            month = dt.date(2026, 1 + i, 1)
            _visit(store, version, chain.users["supervisor"], month, score)
            quality.evaluations_compute(actor=chain.users["mgmt"], month=month)
            rows.append(QualityEvaluation.objects.get(store=store, month=month))
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scores", "raised_in"),
    [
        (["70", "72"], [1]),  # fail, fail → a recommendation in the second month
        (["70", "90", "70"], []),  # fail, pass, fail → none
        (["70", "72", "60"], [1]),  # fail, fail, fail → one, not two
        (["70", "72", "90", "65", "60"], [1, 4]),  # a new run after a pass raises again
    ],
)
def test_two_consecutive_failures_raise_one_recommendation_per_run(chain, scores, raised_in):
    rows = _run(chain, scores)
    assert [i for i, row in enumerate(rows) if row.recommendation_id] == raised_in
    assert ProcessInstance.objects.filter(definition__key="store_demotion").count() == len(raised_in)
    for row in rows:
        assert row.on_key_list == (row.passed is False)
    if raised_in:
        instance = rows[raised_in[0]].recommendation
        assert instance.status == "running" and instance.data["store"] == "A1"
        assert instance.tasks.filter(status="open").exists()


@pytest.mark.django_db
def test_evaluating_a_month_again_updates_it_and_raises_nothing_new(chain):
    rows = _run(chain, ["70", "72"])
    with time_machine.travel(NOW, tick=False):
        again = quality.evaluations_compute(actor=chain.users["mgmt"], month=dt.date(2026, 2, 1))
    assert again.recommendations == 0 and again.failed == 1
    assert QualityEvaluation.objects.filter(month=dt.date(2026, 2, 1)).count() == again.evaluated == 10
    assert QualityEvaluation.objects.get(pk=rows[1].pk).recommendation_id == rows[1].recommendation_id
    # the other stores had no visit and no target: no grade, never on the key list
    others = QualityEvaluation.objects.filter(month=dt.date(2026, 2, 1)).exclude(store=chain.stores_a[0])
    assert {(e.score, e.passed, e.key_list_deadline) for e in others} == {(None, None, None)}


@pytest.mark.django_db
def test_key_list_deadline_is_in_working_days_after_the_month(chain):
    rows = _run(chain, ["70"])
    # 2026-01-31 is a Saturday; ten working days on: 2 … 13 February 2026 (the Spring Festival starts 15 Feb)
    assert rows[0].key_list_deadline == dt.date(2026, 2, 13)


@pytest.mark.django_db
def test_only_people_with_the_permission_and_no_future_months(chain):
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(PermissionDenied):
            quality.evaluations_compute(actor=chain.users["area_a"], month=dt.date(2026, 6, 1))
        with pytest.raises(DomainError):
            quality.evaluations_compute(actor=chain.users["mgmt"], month=dt.date(2026, 8, 1))
    assert not QualityEvaluation.objects.exists()


@pytest.mark.django_db
def test_the_worker_grades_last_month_once_as_the_management_head(chain):
    version = small_template()
    with time_machine.travel(NOW, tick=False):
        _visit(chain.stores_a[0], version, chain.users["supervisor"], dt.date(2026, 6, 1), "75")
        first = quality.evaluate_last_month_once()
        assert quality.evaluate_last_month_once() is None
    assert first is not None and first.month == dt.date(2026, 6, 1) and first.failed == 1


@pytest.mark.django_db
def test_the_list_follows_scope(chain):
    _run(chain, ["70"])
    month = dt.date(2026, 1, 1)
    assert len(quality.evaluation_list(user=chain.users["mgmt"], month=month)) == 10
    area_b = quality.evaluation_list(user=chain.users["area_b"], month=month)
    assert {e.store.code for e in area_b} == {"B1", "B2", "B3", "B4", "B5"}
    assert [e.store.code for e in quality.key_list(user=chain.users["area_a"])] == ["A1"]


@pytest.mark.django_db
def test_overdue_actions_are_those_the_store_answered_late_or_not_at_all(chain):
    from yunying.inspections.models import Finding

    version = small_template()
    store = chain.stores_a[0]
    visit = Visit.objects.create(
        store=store,
        version=version,
        inspector=chain.users["supervisor"],
        status=VisitStatus.SUBMITTED,
        visited_on=dt.date(2026, 3, 2),
        score=Decimal("90"),
    )
    tz = dt.timezone(dt.timedelta(hours=8))
    due = dt.date(2026, 3, 5)

    def finding(key: str, answered: dt.datetime | None) -> None:
        Finding.objects.create(
            visit=visit,
            store=store,
            item_key=key,
            section_title="s",
            item_title=key,
            due_on=due,
            answered_at=answered,
            status="answered" if answered else "open",
        )

    finding("on-time", dt.datetime(2026, 3, 5, 15, tzinfo=tz))
    finding("late", dt.datetime(2026, 3, 9, 10, tzinfo=tz))
    finding("never", None)
    with time_machine.travel(NOW, tick=False):
        measures = quality.measures_for([store], dt.date(2026, 3, 1))[store.pk]
    assert measures.overdue_actions == 2
    assert measures.inspection_score == Decimal("90.0") and measures.visits == 1


@pytest.mark.django_db
def test_api_grades_a_month_and_reads_it_back_scoped(chain):
    from django.test import Client

    _visit(chain.stores_a[0], small_template(), chain.users["supervisor"], dt.date(2026, 5, 1), "75")
    mgmt, area = Client(), Client()
    mgmt.force_login(chain.users["mgmt"])
    area.force_login(chain.users["area_b"])
    with time_machine.travel(NOW, tick=False):
        assert (
            area.post("/api/quality/evaluations", {"month": "2026-05"}, "application/json").status_code == 403
        )
        run = mgmt.post("/api/quality/evaluations", {"month": "2026-05"}, "application/json")
        assert run.status_code == 200 and run.json()["failed"] == 1
        assert mgmt.post(
            "/api/quality/evaluations", {"month": "05/2026"}, "application/json"
        ).status_code in (
            400,
            422,
        )
    rows = mgmt.get("/api/quality/evaluations?month=2026-05").json()
    a1 = next(r for r in rows if r["store"] == "A1")
    assert a1["score"] == "75.0" and a1["passed"] is False and a1["on_key_list"] is True
    assert {r["store"] for r in area.get("/api/quality/evaluations?month=2026-05").json()} == {
        "B1",
        "B2",
        "B3",
        "B4",
        "B5",
    }


PROCESS_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="Defs_q" targetNamespace="http://yunying.dev/tests">
  <bpmn:process id="{key}" name="{key}" isExecutable="true">
    <bpmn:startEvent id="start" yunying:fields="store:text:门店"/>
    <bpmn:userTask id="respond" name="处理" yunying:assignee="store:STORE-MGR"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="respond"/>
    <bpmn:sequenceFlow id="f2" sourceRef="respond" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.django_db
def test_complaints_and_delivery_incidents_lower_the_grade(chain):
    from yunying.workflow import services
    from yunying.workflow.deploy import definition_deploy

    for key in ("customer_complaint", "delivery_incident"):
        definition_deploy(actor=None, key=key, name=key, bpmn_xml=PROCESS_BPMN.format(key=key).encode())
    a1, a2 = chain.stores_a[0], chain.stores_a[1]
    version = small_template()
    _visit(a1, version, chain.users["supervisor"], dt.date(2026, 5, 4), "90")
    _visit(a2, version, chain.users["supervisor"], dt.date(2026, 5, 4), "90")
    with time_machine.travel(dt.datetime(2026, 5, 12, 10, tzinfo=dt.UTC)):
        for key in ("customer_complaint", "customer_complaint", "delivery_incident"):
            services.instance_start(actor=chain.users["area_a"], key=key, data={"store": a1.code})
        gone = services.instance_start(
            actor=chain.users["area_a"], key="customer_complaint", data={"store": a2.code}
        )
        ProcessInstance.objects.filter(pk=gone.pk).update(status="withdrawn")
    with time_machine.travel(NOW, tick=False):
        quality.evaluations_compute(actor=chain.users["mgmt"], month=dt.date(2026, 5, 1))
    rows = {e.store_id: e for e in QualityEvaluation.objects.filter(month=dt.date(2026, 5, 1))}
    assert (rows[a1.pk].complaints, rows[a1.pk].incidents, rows[a1.pk].score) == (2, 1, Decimal("82.0"))
    assert (rows[a2.pk].complaints, rows[a2.pk].incidents, rows[a2.pk].score) == (0, 0, Decimal("90.0"))


@pytest.mark.django_db
def test_grading_takes_the_same_queries_however_many_stores_fail(chain, django_assert_max_num_queries):
    """Measures grouped, the failing stores' calendars read at once, the rows written in bulk: grading all
    ten stores failing, then again, costs what one failing store costs (no query per store)."""
    version = small_template()
    month = dt.date(2026, 3, 1)
    with time_machine.travel(NOW, tick=False):
        _visit(chain.stores_a[0], version, chain.users["supervisor"], month, "70")
        with django_assert_max_num_queries(30) as one:
            quality.evaluations_compute(actor=chain.users["mgmt"], month=month)
        for store in [*chain.stores_a[1:], *chain.stores_b, chain.direct]:
            _visit(store, version, chain.users["supervisor"], month, "60")
        with django_assert_max_num_queries(len(one.captured_queries)) as every:
            run = quality.evaluations_compute(actor=chain.users["mgmt"], month=month)
    assert run.failed == 10 and run.recommendations == 0
    assert QualityEvaluation.objects.filter(month=month, passed=False).count() == 10
    assert len(every.captured_queries) <= len(one.captured_queries)
