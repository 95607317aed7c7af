"""Rectification deadlines in the store's working days, the reminder before them and the escalation after."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from yunying.inspections import services
from yunying.inspections.deadlines import findings_deadline_tick
from yunying.inspections.factories import answers, png_bytes, small_template
from yunying.inspections.models import Finding, FindingStatus
from yunying.notifications.models import Notification

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _at(year: int, month: int, day: int, hour: int = 10) -> float:
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI).timestamp()


def _submit(chain, key: str = "k1") -> list[Finding]:
    version = small_template()
    visit = services.visit_create(
        actor=chain.users["supervisor"], store=chain.stores_a[0], template=version.template
    )
    data = answers(door="yes", floor="2", exit="no", drill="na")
    upload = SimpleUploadedFile("门口.png", png_bytes(), content_type="image/png")
    data["door"]["photos"] = [
        services.photo_store(actor=visit.inspector, visit=visit, upload=upload)["token"]
    ]
    services.visit_submit(actor=chain.users["supervisor"], visit=visit, answers=data, idempotency_key=key)
    return list(Finding.objects.filter(visit=visit).order_by("pk"))


@pytest.mark.django_db
def test_deadline_counts_the_stores_working_days_across_national_day(chain):
    # Submitted on Tuesday 2025-09-30; 1 Oct – 8 Oct 2025 are holidays, 28 Sep and 11 Oct are 调休 workdays.
    with time_machine.travel(_at(2025, 9, 30), tick=False):
        findings = _submit(chain)
    by_item = {f.item_key: f for f in findings}
    assert set(by_item) == {"floor", "exit"}
    assert by_item["exit"].due_on == dt.date(
        2025, 10, 9
    )  # red line, one working day: first after the holidays
    assert by_item["floor"].due_on == dt.date(2025, 10, 11)  # three: 9, 10 and the 调休 Saturday 11 Oct


@pytest.mark.django_db
def test_a_year_the_calendar_does_not_know_counts_calendar_days(chain):
    store = chain.stores_a[0]
    assert services.working_days_after(store, dt.date(2099, 12, 30), 3) == dt.date(2100, 1, 2)


@pytest.mark.django_db
def test_reminder_before_the_deadline_and_escalation_after_it_each_once(chain):
    with time_machine.travel(_at(2026, 11, 2), tick=False):  # a Monday
        findings = _submit(chain)
    normal = next(f for f in findings if not f.critical)
    assert normal.due_on == dt.date(2026, 11, 5)
    owner = chain.users["store_a1"]
    area = chain.users["area_a"]

    with time_machine.travel(_at(2026, 11, 3), tick=False):
        findings_deadline_tick()  # the critical finding (due 11-03) is due today: reminded
    with time_machine.travel(_at(2026, 11, 4), tick=False):
        first = findings_deadline_tick()
        again = findings_deadline_tick()
    assert (first.reminded, first.escalated) == (1, 1)  # the red line (due 11-03) is now overdue
    assert (again.reminded, again.escalated) == (0, 0)
    reminders = Notification.objects.filter(kind="finding_due", recipient=owner)
    assert reminders.count() == 2
    assert "2026-11-05" in reminders.order_by("-pk")[0].message

    with time_machine.travel(_at(2026, 11, 6), tick=False):
        escalated = findings_deadline_tick()
        assert findings_deadline_tick().escalated == 0
    assert escalated.escalated == 1  # the other one is past its deadline now too
    assert Notification.objects.filter(kind="finding_overdue", recipient=area).count() == 2
    assert Notification.objects.filter(kind="finding_overdue", recipient=owner).count() == 2
    assert not Notification.objects.filter(kind="finding_overdue", recipient=chain.users["area_b"]).exists()


@pytest.mark.django_db
def test_answered_and_closed_findings_are_left_alone(chain):
    with time_machine.travel(_at(2026, 11, 2), tick=False):
        findings = _submit(chain)
    Finding.objects.filter(pk__in=[f.pk for f in findings]).update(status=FindingStatus.ANSWERED)
    with time_machine.travel(_at(2026, 11, 20), tick=False):
        result = findings_deadline_tick()
    assert (result.reminded, result.escalated) == (0, 0)
    assert not Notification.objects.filter(kind__startswith="finding_").exists()


@pytest.mark.django_db
def test_the_reminder_scan_reads_every_store_calendar_at_once(chain, monkeypatch):
    with time_machine.travel(_at(2026, 11, 2), tick=False):
        findings = _submit(chain)
    Finding.objects.filter(pk=findings[1].pk).update(store=chain.stores_a[1])

    def one_by_one(unit):  # the per-store read the scan must not fall back to
        raise AssertionError(f"calendar of {unit} read on its own")

    monkeypatch.setattr(services, "unit_calendar", one_by_one)
    with time_machine.travel(_at(2026, 11, 3), tick=False):
        result = findings_deadline_tick()
    assert result.reminded == 1  # the red line due today; the other (due 11-05) not yet
