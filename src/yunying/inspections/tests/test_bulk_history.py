"""The bench's history builder at a small size (3 stores, one month): its rows are the ones the services
write (every item answered, a finding for each failed item, the score by the one formula), and the bulletin
and the monthly evaluation read them. (Times are printed by bench/bench_inspections.py, not asserted.)"""

from __future__ import annotations

import datetime as dt

import pytest

from yunying.inspections.bulk_history import history_build
from yunying.inspections.bulletin import Period, bulletin_compile
from yunying.inspections.definition import sections_parse
from yunying.inspections.models import Finding, FindingEvent, Visit, VisitAnswer
from yunying.inspections.scoring import score_compute

END = dt.date(2026, 6, 30)


@pytest.mark.django_db
def test_small_history_is_what_the_services_would_have_written(seeded):
    history = history_build(stores=3, months=1, end=END)
    assert len(history.stores) == 3 and history.first_day == dt.date(2026, 6, 1)
    visits = list(Visit.objects.select_related("version"))
    assert history.visits == len(visits) >= 6  # each store at least once in each half month
    assert history.answers == VisitAnswer.objects.count()
    assert history.findings == Finding.objects.count() == VisitAnswer.objects.filter(failed=True).count()
    assert history.events == FindingEvent.objects.count() >= history.findings
    for visit in visits:
        assert history.first_day <= visit.visited_on <= END
        sections = sections_parse(visit.version.sections)
        answers = {a.item_key: a.value for a in visit.answers.all()}
        items = [item for section in sections for item in section.items]
        assert set(answers) == {item.key for item in items}
        result = score_compute(
            [(item, answers[item.key]) for item in items],
            critical_rule=visit.version.critical_rule,
            critical_cap=visit.version.critical_cap,
            pass_mark=visit.version.pass_mark,
        )
        assert (visit.score, visit.passed) == (result.score, result.passed)

    bulletin = bulletin_compile(user=history.ops_manager, period=Period.parse("2026-06-2"))
    assert len(bulletin.visited) + len(bulletin.not_visited) == 3 and bulletin.visits > 0


@pytest.mark.django_db
def test_small_history_is_graded(seeded, time_machine):
    from yunying.inspections.quality import evaluations_compute

    history = history_build(stores=3, months=2, end=END)
    time_machine.move_to(dt.datetime(2026, 7, 2, 10, tzinfo=dt.UTC))
    run = evaluations_compute(actor=history.mgmt_head, month=dt.date(2026, 6, 1))
    assert run.evaluated == 3
