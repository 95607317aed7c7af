"""The demo chain's duties tell a true story: ten weeks of the calendar with on-time, late and missing
submissions, some sent back and corrected, every submission a valid one of its form, the coming weeks
waiting, and S17's hired-in 店长 half-way through the programme with month 1 signed off."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F

from yunying.core import clock
from yunying.duties.board import board_compile
from yunying.duties.models import Event, Occurrence, Onboarding, Status
from yunying.forms.validation import form_submission_validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: Any) -> None:
    from tests.snapshots import demo_chain

    demo_chain()


def test_ten_weeks_of_history_with_lateness_returns_and_valid_submissions(demo: None):
    from yunying.accounts.models import User

    now = clock.now()
    past = Occurrence.objects.filter(due_at__lt=now).exclude(status=Status.CANCELLED)
    on_time = past.filter(first_submitted_at__lte=F("due_at")).count()
    late = past.filter(first_submitted_at__gt=F("due_at")).count()
    missing = past.filter(first_submitted_at__isnull=True).count()
    assert past.count() > 150
    assert on_time > late > 10 and missing > 10
    assert on_time > past.count() / 2
    assert Event.objects.filter(action="returned").count() >= 5
    assert Occurrence.objects.filter(due_at__gt=now, status=Status.OPEN).count() > 20  # the coming weeks
    keys = set(Occurrence.objects.values_list("duty__key", flat=True))
    assert {"weekly_plan", "monthly_plan", "inspection_bulletin", "store_manager_evaluation", "training_survey",
            "cadre_evaluation", "target_proposal", "team_activity", "onboarding_evaluation"} <= keys  # fmt: skip
    for occ in Occurrence.objects.filter(first_submitted_at__isnull=False).select_related(
        "form_version", "submitted_by"
    ):
        form_submission_validate(version=occ.form_version, data=occ.data, user=occ.submitted_by)
    board = board_compile(user=User.objects.get(username="ops"), month=clock.today().strftime("%Y-%m"))
    assert board.total.due and board.lines


def test_the_hired_in_manager_is_half_way_through_the_programme(demo: None):
    onboarding = Onboarding.objects.select_related("employee", "unit").get()
    assert onboarding.unit.code == "S17" and onboarding.employee.is_external_hire
    assert 40 <= (clock.today() - onboarding.started_on).days <= 50
    done = onboarding.checkpoints.filter(done_on__isnull=False)
    assert set(done.values_list("month", flat=True)) == {1, 2}
    assert not onboarding.checkpoints.filter(month=1, done_on__isnull=True).exists()
    evaluations = Occurrence.objects.filter(duty__key="onboarding_evaluation").order_by("period_start")
    assert [e.period_key for e in evaluations] == ["M1", "M2", "M3"]
    assert evaluations[0].first_submitted_at is not None and evaluations[0].status in (
        Status.ACCEPTED,
        Status.SUBMITTED,
    )
    assert evaluations[1].first_submitted_at is None
