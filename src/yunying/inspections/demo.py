"""Demo inspections for the demo chain: six weeks of visits by the supervisor and the area managers, with
scores, failed red lines, and findings closed, waiting for verification, open and overdue. Deterministic
for a given seed and day (the visits end yesterday)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from django.db import transaction

from yunying.accounts.models import User
from yunying.core import clock
from yunying.inspections import services
from yunying.inspections.definition import NA, items_of
from yunying.inspections.models import ChecklistTemplate, Finding, FindingEvent, FindingStatus, Visit
from yunying.org.models import OrgUnit, UnitKind

WEEKS = 5
NOTES = {
    "no": ["现场发现问题，已当场指出", "店长在场确认", "与上次检查相同的问题"],
    "fail": ["明显不符合标准", "需要整改并拍照回复"],
    "partial": ["部分做到，需加强", "个别员工未执行"],
}
ANSWERS = ["已按要求整改，附现场照片", "已培训相关员工并落实检查", "已更换并登记"]


def _photo(name: str, rgb: tuple[int, int, int]) -> str:
    """One stored picture, shared by the demo's photo-required answers (a token, as a phone would send)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yunying.forms.files import file_token, store_upload
    from yunying.inspections.factories import png_bytes

    data = png_bytes(160, 120, rgb)
    path = store_upload(SimpleUploadedFile(name, data, "image/png"))
    return file_token({"name": name, "size": len(data), "content_type": "image/png", "path": path})


def _answer(item: Any, rng: random.Random, care: float) -> str:
    if item.na_allowed and rng.random() < 0.3:
        return NA
    slip = (1 - care) * (0.25 if item.critical else 1)
    if rng.random() >= slip:
        return item.choices()[-1] if item.scoring == "points" else item.choices()[0]
    if item.scoring == "points":
        return str(rng.randint(max(0, item.max_points - 3), item.max_points - 1))
    return "no" if item.scoring == "yes_no" else rng.choice(["partial", "partial", "fail"])


def _inspectors(store: OrgUnit) -> list[User]:
    users = [User.objects.get(username="supervisor")]
    region = store.parent
    if region is not None and region.kind == UnitKind.REGION:
        manager = User.objects.filter(
            employee__appointments__unit=region, employee__appointments__position__code="AREA-MGR"
        ).first()
        if manager is not None:
            users.append(manager)
    return users


@transaction.atomic
def inspections_demo_load(*, seed: int = 2026) -> int:
    """Create the demo visits unless there are visits already; returns how many were created."""
    if Visit.objects.exists():
        return 0
    rng = random.Random(seed)
    today = clock.today()
    templates = {t.key: t for t in ChecklistTemplate.objects.all()}
    stores = list(OrgUnit.objects.filter(kind=UnitKind.STORE).order_by("code"))
    photos = {"good": _photo("ok.png", (47, 179, 68)), "bad": _photo("problem.png", (214, 57, 57))}
    created = 0
    for number, store in enumerate(stores, start=1):
        care = 0.80 + rng.random() * 0.18 if number not in (5, 12) else 0.62  # two weak stores
        care = min(care, 0.78) if number <= 4 else care
        inspectors, turn = _inspectors(store), number
        day = today - dt.timedelta(days=WEEKS * 7 - rng.randint(0, 6))
        while day < today:
            key = rng.choice(["qsc", "qsc", "qsc", "opening", "fire"])
            inspector = rng.choice(inspectors)
            if number <= 4:  # region 1: QSC visits by turns, and its area manager passes everything
                key, inspector = "qsc", inspectors[turn % len(inspectors)]
                turn += 1
            lenient = number <= 4 and inspector.username != "supervisor"
            _visit(photos, store, templates[key], inspector, day, rng, 1.0 if lenient else care, today)
            created += 1
            day += dt.timedelta(days=rng.randint(9, 16))
        if number in (5, 12):  # the weak stores were visited the month before too: two failed months
            earlier = _month_start(_month_start(today) - dt.timedelta(days=1)) - dt.timedelta(days=9)
            _visit(photos, store, templates["qsc"], inspectors[0], earlier, rng, care, today)
            created += 1
    from yunying.inspections.cards import findings_cards_sync

    findings_cards_sync(
        Finding.objects.exclude(status=FindingStatus.CLOSED).select_related(
            "owner", "store", "visit__inspector"
        )
    )  # the open and answered ones wait in the owners' and inspectors' inboxes
    _plans_demo(today)
    _evidence_demo(rng)
    return created


def _evidence_demo(rng: random.Random) -> None:
    """Coordinates for the stores (all but the last two, which show a check-in never compared) and a check-in
    on each of the supervisor's visits: near the store, and once from the office across the river (flagged)."""
    from decimal import Decimal

    from yunying.inspections.evidence import distance_m
    from yunying.inspections.models import StoreLocation

    stores = list(OrgUnit.objects.filter(kind=UnitKind.STORE).order_by("code"))
    located = {}
    for n, store in enumerate(stores[:-2]):
        lat = Decimal("31.2000") + Decimal(n % 5) * Decimal("0.0210")
        lng = Decimal("121.4300") + Decimal(n // 5) * Decimal("0.0270")
        located[store.pk] = StoreLocation(store=store, latitude=lat, longitude=lng)
    StoreLocation.objects.bulk_create(located.values())
    visits = list(Visit.objects.filter(inspector__username="supervisor").order_by("visited_on", "pk"))
    for index, visit in enumerate(visits):
        where = located.get(visit.store_id)
        base = (where.latitude, where.longitude) if where else (Decimal("31.2304"), Decimal("121.4737"))
        far = index == len(visits) // 2
        lat = base[0] + (Decimal("0.0420") if far else Decimal(rng.randint(-6, 6)) / 10000)
        lng = base[1] + Decimal(rng.randint(-6, 6)) / 10000
        distance = distance_m(lat, lng, *base) if where else None
        visit.checkin_latitude, visit.checkin_longitude, visit.checkin_accuracy_m = (
            lat,
            lng,
            rng.randint(8, 40),
        )
        visit.checkin_distance_m, visit.checkin_flagged = distance, bool(distance and distance > 300)
        visit.checkin_at = visit.submitted_at or visit.created_at
    Visit.objects.bulk_update(
        visits,
        [
            "checkin_latitude",
            "checkin_longitude",
            "checkin_accuracy_m",
            "checkin_distance_m",
            "checkin_flagged",
            "checkin_at",
        ],
    )


def _plans_demo(today: dt.date) -> None:
    """The supervisor's calendar since last month: the visits already made as done plans, two plans missed
    last week (overdue), and the rest of this month proposed by the rule (one visit a store each half
    month)."""
    from yunying.inspections.models import PlannedVisit
    from yunying.inspections.planning import plan_propose

    supervisor = User.objects.get(username="supervisor")
    month = _month_start(today)
    since = _month_start(month - dt.timedelta(days=1))
    done = Visit.objects.filter(inspector=supervisor, visited_on__gte=since, visited_on__lt=today)
    plans = {
        (v.store_id, v.visited_on): PlannedVisit(
            store_id=v.store_id,
            inspector=supervisor,
            planned_on=v.visited_on,
            template=v.version.template,
            announced=False,
            created_by=supervisor,
        )
        for v in done.select_related("version__template")
    }
    visited = {store_id for store_id, day in plans if day >= today - dt.timedelta(days=7)}
    missed = [s for s in OrgUnit.objects.filter(kind=UnitKind.STORE).order_by("code") if s.pk not in visited][
        :2
    ]
    for offset, store in enumerate(missed, start=2):
        day = today - dt.timedelta(days=offset)
        if not Visit.objects.filter(store=store, visited_on__gte=day).exists():
            plans[(store.pk, day)] = PlannedVisit(
                store=store, inspector=supervisor, planned_on=day, announced=True, created_by=supervisor
            )
    PlannedVisit.objects.bulk_create(plans.values())
    plan_propose(actor=supervisor, month=month)


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def quality_demo_load() -> None:
    """The management department graded the two months before this one: the weak stores failed both, so
    each has a demotion recommendation waiting for the 运营经理. Run after the service desk's complaints and
    delivery incidents exist, which the grade counts."""
    from yunying.inspections.quality import evaluations_compute

    today = clock.today()
    mgmt = User.objects.get(username="mgmt")
    last = _month_start(_month_start(today) - dt.timedelta(days=1))
    before = _month_start(last - dt.timedelta(days=1))
    for month in (before, last):
        evaluations_compute(actor=mgmt, month=month)


def _visit(
    photos: dict[str, str],
    store: OrgUnit,
    template: ChecklistTemplate,
    inspector: User,
    day: dt.date,
    rng: random.Random,
    care: float,
    today: dt.date,
) -> None:
    visit = services.visit_create(actor=inspector, store=store, template=template)
    sections = services.version_sections(visit.version)
    answers: dict[str, dict[str, Any]] = {}
    for _section, item in items_of(sections):
        value = _answer(item, rng, care)
        note = rng.choice(NOTES[value]) if value in NOTES else ""
        answers[item.key] = {"value": value, "note": note, "photos": []}
        if item.photo_required and value != NA:
            answers[item.key]["photos"] = [photos["bad" if value in NOTES else "good"]]
    services.visit_submit(actor=inspector, visit=visit, answers=answers, idempotency_key=uuid.uuid4().hex)
    moment = dt.datetime.combine(
        day, dt.time(10 + rng.randint(0, 6), rng.randint(0, 59)), tzinfo=clock.company_zone()
    )
    Visit.objects.filter(pk=visit.pk).update(visited_on=day, submitted_at=moment)
    for finding in Finding.objects.filter(visit=visit).select_related("owner__user"):
        _rectify(finding, inspector, day, moment, rng, today)


def _rectify(
    finding: Finding, inspector: User, day: dt.date, moment: dt.datetime, rng: random.Random, today: dt.date
) -> None:
    """The store's answer and the inspector's verification, written directly with their past times (the
    services stamp the present moment)."""
    finding.due_on = services.finding_due_on(store=finding.store, opened_on=day, critical=finding.critical)
    events = [FindingEvent(finding=finding, action=FindingEvent.Action.OPENED, actor=inspector, at=moment)]
    owner = finding.owner.user if finding.owner and finding.owner.user else None
    age = (today - day).days
    if owner is not None and age >= 2 and rng.random() >= 0.15:  # else still open (overdue once past due)
        late = rng.random() < 0.2
        answered_on = min(
            today,
            finding.due_on + dt.timedelta(days=rng.randint(1, 4)) if late else day + dt.timedelta(days=1),
        )
        note = rng.choice(ANSWERS)
        finding.status, finding.answer_note = FindingStatus.ANSWERED, note
        finding.answered_at = dt.datetime.combine(answered_on, dt.time(15, 30), tzinfo=clock.company_zone())
        events.append(
            FindingEvent(
                finding=finding,
                action=FindingEvent.Action.ANSWERED,
                actor=owner,
                comment=note,
                at=finding.answered_at,
            )
        )
        if age >= 5 and rng.random() >= 0.1:  # else waiting for verification
            finding.status, finding.closed_at = (
                FindingStatus.CLOSED,
                finding.answered_at + dt.timedelta(days=1),
            )
            events.append(
                FindingEvent(
                    finding=finding,
                    action=FindingEvent.Action.ACCEPTED,
                    actor=inspector,
                    comment="现场复核通过",
                    at=finding.closed_at,
                )
            )
    if finding.status == FindingStatus.OPEN and finding.due_on < today:
        # Reminded the day before and escalated the day after the deadline, as the worker would have.
        finding.reminded_at = dt.datetime.combine(
            finding.due_on - dt.timedelta(days=1), dt.time(9), tzinfo=clock.company_zone()
        )
        finding.escalated_at = dt.datetime.combine(
            finding.due_on + dt.timedelta(days=1), dt.time(9), tzinfo=clock.company_zone()
        )
    finding.save(
        update_fields=[
            "due_on",
            "status",
            "answer_note",
            "answered_at",
            "closed_at",
            "reminded_at",
            "escalated_at",
        ]
    )
    FindingEvent.objects.filter(finding=finding).delete()
    FindingEvent.objects.bulk_create(events)
