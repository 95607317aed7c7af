"""People reviews: the review report of a period, a person's history (hidden from them while it is
written), the training-needs summary and its export, and the onboarding programme of a hired-in manager."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from yunying.core.errors import DomainError, NotFound, PermissionDenied
from yunying.core.tests.company_time import frozen_at
from yunying.duties import reviews
from yunying.duties.models import Duty, Occurrence, Status
from yunying.duties.onboarding import checkpoint_set, onboarding_progress, onboarding_start
from yunying.duties.prefill import prefill_occurrence
from yunying.duties.scheduler import occurrences_materialise
from yunying.duties.selectors import inbox_count, inbox_items
from yunying.duties.services import occurrence_review, occurrence_submit
from yunying.org.factories import EmployeeFactory, UserFactory, appoint

pytestmark = pytest.mark.django_db
UTC = dt.UTC
NOW = dt.datetime(2026, 6, 29, 2, tzinfo=UTC)  # Monday 29 June 2026


def _activate(key: str) -> Duty:
    duty = Duty.objects.get(key=key)
    duty.is_active, duty.starts_on = True, dt.date(2026, 1, 1)
    duty.save(update_fields=["is_active", "starts_on"])
    return duty


def _arrive(*keys: str) -> None:
    from yunying.duties.scheduler import occurrences_arrive

    Occurrence.objects.filter(duty__key__in=keys).update(available_at=NOW - dt.timedelta(days=1))
    occurrences_arrive(now=NOW)


EVALUATION = {"routines": 18, "quality": 17, "service": 19, "sales": 16, "team": 18, "rating": "A"}


def test_store_manager_evaluations_report_history_and_privacy(ops_chain: Any):
    _activate("store_manager_evaluation")
    with frozen_at(NOW, "UTC"):
        occurrences_materialise(start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 30))
        _arrive("store_manager_evaluation")
        occ = Occurrence.objects.get(
            duty__key="store_manager_evaluation", subject__user=ops_chain.users["store_a1"]
        )
        assert occ.assignee.user == ops_chain.users["area_a"]
        assert inbox_count(ops_chain.users["area_a"]) == 1
        occurrence_submit(actor=ops_chain.users["area_a"], occurrence_id=occ.pk, data=EVALUATION)
        occ.refresh_from_db()
        assert occ.data["total"] == "88" or occ.data["total"] in (88, "88.0")
        assert occ.reviewer.user == ops_chain.users["mgmt"]  # the 区域经理's superior
        review = inbox_items(ops_chain.users["mgmt"]).review
        assert [o.pk for o in review] == [occ.pk]
        subject = ops_chain.users["store_a1"].employee
        # the person reviewed does not see it while it is being reviewed
        assert reviews.person_reviews(user=ops_chain.users["store_a1"], employee=subject) == []
        occurrence_review(actor=ops_chain.users["mgmt"], occurrence_id=occ.pk, accepted=True)
        history = reviews.person_reviews(user=ops_chain.users["store_a1"], employee=subject)
        assert [o.pk for o in history] == [occ.pk]
        assert history[0].result.endswith("A 优秀")
        report = reviews.review_report(user=ops_chain.users["ops"], duty_key="store_manager_evaluation")
    assert report.period == "2026-06"
    assert [r.subject for r in report.rows] == [subject.name]
    assert report.ratings == [("A 优秀", 1)]
    assert len(report.missing) == 0  # only store_a1's store has a 店长 in this chain
    with pytest.raises(NotFound):
        reviews.review_report(user=ops_chain.users["ops"], duty_key="weekly_plan")


def test_training_needs_are_counted_per_position_and_region_and_exported(ops_chain: Any):
    _activate("training_survey")
    for i, store in enumerate(ops_chain.stores_b[:3]):
        appoint(EmployeeFactory(name=f"前厅{i}", user=UserFactory(username=f"foh{i}")), "FOH-LEAD", store)
    with frozen_at(NOW, "UTC"):
        occurrences_materialise(start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30))
        Occurrence.objects.filter(duty__key="training_survey").update(available_at=NOW - dt.timedelta(days=1))
        answers = {
            "store_a1": ["fire_safety", "scheduling"],
            "foh0": ["fire_safety"],
            "foh1": ["selling", "fire_safety"],
        }
        for username, topics in answers.items():
            user = ops_chain.users.get(username) or UserFactory(username=username)
            occ = Occurrence.objects.get(duty__key="training_survey", assignee__user=user)
            done = occurrence_submit(
                actor=user, occurrence_id=occ.pk, data={"topics": topics, "other": "外卖运营"}
            )
            assert done.status == Status.DONE
        needs = reviews.training_needs(user=ops_chain.users["ops"], quarter="2026-Q2")
    assert needs.responses == 3 and needs.sent == 4  # 店长 of A1 and three 前厅主管 in region B
    assert needs.topics[0] == ("消防安全", 3)
    positions = {name: (n, top) for name, n, top in needs.by_position}
    assert positions["前厅主管"][0] == 2 and positions["店长"][1] == [("消防安全", 1), ("排班管理", 1)]
    regions = {name: n for name, n, _top in needs.by_region}
    assert regions == {"浦东区域": 1, "闵行区域": 2}
    book = openpyxl.load_workbook(io.BytesIO(reviews.training_needs_xlsx(needs)))
    assert book.sheetnames == ["汇总", "按岗位", "按区域", "其他需求"]
    assert book["汇总"]["D2"].value == "消防安全" and book["汇总"]["E2"].value == 3
    with pytest.raises(DomainError):
        reviews.training_needs(user=ops_chain.users["ops"], quarter="1999-Q1")
    report = _activate("training_report")  # due in the quarter's second month, pre-filled from the answers
    with frozen_at(NOW, "UTC"):
        occurrences_materialise(start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31))
        occ = Occurrence.objects.select_related("duty", "assignee__user").get(duty=report)
        assert prefill_occurrence(occ)
    assert occ.data["quarter"] == "2026-Q2" and occ.data["responses"] == 3
    assert "消防安全 3" in occ.data["summary"] and "前厅主管：" in occ.data["summary"]


def test_onboarding_programme_for_a_hired_in_manager(ops_chain: Any):
    store = ops_chain.stores_a[1]
    hire = EmployeeFactory(name="外聘店长", is_external_hire=True, user=UserFactory(username="hire"))
    appoint(hire, "STORE-MGR", store, started_on=dt.date(2026, 5, 15))
    with frozen_at(NOW, "UTC"):
        with pytest.raises(DomainError):
            onboarding_start(actor=ops_chain.users["ops"], employee=ops_chain.users["store_a1"].employee)
        with pytest.raises(PermissionDenied):
            onboarding_start(actor=ops_chain.users["store_a1"], employee=hire)
        with pytest.raises(DomainError):
            onboarding_start(actor=ops_chain.users["ops"], employee=hire, months=4)
        programme = onboarding_start(
            actor=ops_chain.users["ops"], employee=hire, started_on=dt.date(2026, 5, 15)
        )
        assert programme.checkpoints.count() == 8
        assert set(programme.checkpoints.values_list("month", flat=True)) == {1, 2, 3}
        evaluations = Occurrence.objects.filter(duty__key="onboarding_evaluation").order_by("period_start")
        assert [e.period_key for e in evaluations] == ["M1", "M2", "M3"]
        assert [e.period_end for e in evaluations] == [
            dt.date(2026, 6, 14),
            dt.date(2026, 7, 14),
            dt.date(2026, 8, 14),
        ]
        assert all(e.assignee.user == ops_chain.users["area_a"] and e.subject == hire for e in evaluations)
        first = programme.checkpoints.filter(month=1).first()
        checkpoint_set(actor=ops_chain.users["area_a"], checkpoint_id=first.pk, done=True, note="考核通过")
        with pytest.raises(NotFound):
            checkpoint_set(actor=ops_chain.users["area_b"], checkpoint_id=first.pk, done=True)
        progress = onboarding_progress(programme)
        assert (progress.month, progress.done, progress.total) == (2, 1, 8)
        m1 = evaluations[0]
        Occurrence.objects.filter(pk=m1.pk).update(available_at=NOW - dt.timedelta(days=20))
        data = {
            "month_no": 1,
            "areas": [{"area": "厨房", "rating": 4}],
            "overall_rating": "good",
            "recommendation": "continue",
        }
        occurrence_submit(actor=ops_chain.users["area_a"], occurrence_id=m1.pk, data=data)
        m1.refresh_from_db()
        assert m1.reviewer.user == ops_chain.users["ops"]  # the evaluation goes to the 运营经理
        assert m1.first_submitted_at > m1.due_at  # late: due 14 June
