"""A large chain's inspection history written with bulk inserts, for the speed bench
(`bench/bench_inspections.py`) and its smoke test: stores in regions with their 店长, area managers and
supervisors; every store visited once each half month (now and then twice) on the shipped checklists, with
the answers, scores, findings and rectification trail that submitting and rectifying would have written
(the same scoring formula, repeated findings, deadlines on the business calendar, the inbox cards of the
findings still waiting), and a sales target and the month's sales for every store and month.

Nothing goes through the visit services (one visit at a time); the rows are the ones they write. Expects the
shipped defaults (``seed_defaults``) and an empty chain; deterministic for a seed and an end day."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from yunying.accounts.models import User
from yunying.core import clock
from yunying.core.calendar import unit_calendar
from yunying.core.settings_store import setting_get_int
from yunying.inspections.definition import NA, POINTS, YES_NO, Item, Section, sections_parse
from yunying.inspections.models import (
    ChecklistTemplate,
    Finding,
    FindingEvent,
    FindingStatus,
    TemplateVersion,
    Visit,
    VisitAnswer,
    VisitStatus,
)
from yunying.inspections.scoring import item_ratio, score_compute
from yunying.inspections.services import working_days_after
from yunying.org.models import Appointment, Employee, OrgUnit, Position, UnitKind

BATCH = 2000
STORES_PER_CHUNK = 10
TEMPLATES = ("qsc",) * 8 + ("opening", "fire")
NOTES = ["现场发现问题，已当场指出", "店长在场确认", "需要整改并拍照回复"]


@dataclass
class History:
    stores: list[OrgUnit]
    ops_manager: User
    mgmt_head: User
    supervisors: list[User]
    store_managers: dict[int, User]
    first_day: dt.date
    last_day: dt.date
    weak: set[int] = field(default_factory=set)
    visits: int = 0
    answers: int = 0
    findings: int = 0
    events: int = 0


def _org(stores: int, start: dt.date) -> tuple[list[OrgUnit], dict[str, Any]]:
    positions = {p.code: p for p in Position.objects.all()}
    company = OrgUnit.objects.create(kind=UnitKind.COMPANY, code="BC", name="压测连锁")
    center = OrgUnit.objects.create(kind=UnitKind.CENTER, code="BCTR", name="运营中心", parent=company)
    mgmt = OrgUnit.objects.create(kind=UnitKind.DEPARTMENT, code="D-MGMT", name="运营管理部", parent=center)
    regions = OrgUnit.objects.bulk_create(
        OrgUnit(kind=UnitKind.REGION, code=f"BR{r:02d}", name=f"区域{r}", parent=mgmt)
        for r in range(max(1, stores // 10))
    )
    units = OrgUnit.objects.bulk_create(
        OrgUnit(
            kind=UnitKind.STORE,
            code=f"B{s:04d}",
            name=f"门店{s}",
            parent=regions[s % len(regions)],
            opened_on=start - dt.timedelta(days=365),
        )
        for s in range(stores)
    )
    seats: list[tuple[str, OrgUnit]] = [("OPS-MGR", center), ("MGMT-HEAD", mgmt)]
    seats += [("SUPERVISOR", mgmt)] * (stores // 60 + 1)
    seats += [("AREA-MGR", r) for r in regions]
    seats += [("STORE-MGR", s) for s in units]
    users = User.objects.bulk_create(User(username=f"bench{i:05d}") for i in range(len(seats)))
    people = Employee.objects.bulk_create(
        Employee(employee_no=f"B{i:06d}", name=f"员工{i}", user=users[i]) for i in range(len(seats))
    )
    Appointment.objects.bulk_create(
        Appointment(
            employee=people[i], position=positions[code], unit=unit, started_on=start - dt.timedelta(days=400)
        )
        for i, (code, unit) in enumerate(seats)
    )
    by_seat: dict[str, Any] = {"supervisors": [], "area": {}, "store": {}}
    for i, (code, unit) in enumerate(seats):
        if code == "OPS-MGR":
            by_seat["ops"] = users[i]
        elif code == "MGMT-HEAD":
            by_seat["head"] = users[i]
        elif code == "SUPERVISOR":
            by_seat["supervisors"].append(users[i])
        elif code == "AREA-MGR":
            by_seat["area"][unit.pk] = users[i]
        else:
            by_seat["store"][unit.pk] = (people[i], users[i])
    return units, by_seat


def _periods(first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    """The half months (1st–15th, 16th–end) from ``first`` to ``last``, cut to that range."""
    start = first
    while start <= last:
        if start.day <= 15:
            end = start.replace(day=15)
        else:
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        yield start, min(end, last)
        start = end + dt.timedelta(days=1)


def _answer(item: Item, rng: random.Random, care: float) -> str:
    if item.na_allowed and rng.random() < 0.2:
        return NA
    slip = (1 - care) * (0.2 if item.critical else 1)
    if rng.random() >= slip:
        return item.choices()[-1] if item.scoring == POINTS else item.choices()[0]
    if item.scoring == POINTS:
        return str(rng.randint(max(0, item.max_points - 3), item.max_points - 1))
    return "no" if item.scoring == YES_NO else rng.choice(["partial", "partial", "fail"])


def _photo_ref() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yunying.forms.files import store_upload
    from yunying.inspections.factories import png_bytes

    data = png_bytes(160, 120)
    path = store_upload(SimpleUploadedFile("problem.png", data, "image/png"))
    return {"name": "problem.png", "size": len(data), "content_type": "image/png", "path": path}


def history_build(
    *,
    stores: int = 300,
    months: int = 24,
    end: dt.date | None = None,
    seed: int = 7,
    weak_share: float = 0.03,
) -> History:
    """The chain and its history from ``months`` months before ``end`` (yesterday by default) to ``end``."""
    rng = random.Random(seed)
    last = end or clock.today() - dt.timedelta(days=1)
    index = last.year * 12 + last.month - 1 - (months - 1)
    first = dt.date(index // 12, index % 12 + 1, 1)
    units, seats = _org(stores, first)
    history = History(
        stores=units,
        ops_manager=seats["ops"],
        mgmt_head=seats["head"],
        supervisors=seats["supervisors"],
        store_managers={pk: user for pk, (_e, user) in seats["store"].items()},
        first_day=first,
        last_day=last,
    )
    history.weak = {s.pk for s in rng.sample(units, max(1, round(stores * weak_share)))}
    versions = {
        t.key: t.versions.filter(is_published=True).order_by("-number").first()
        for t in ChecklistTemplate.objects.filter(key__in=set(TEMPLATES))
    }
    parsed = {key: sections_parse(v.sections) for key, v in versions.items() if v is not None}
    photo = _photo_ref()
    days = (setting_get_int("inspections.finding_days"), setting_get_int("inspections.finding_days_critical"))
    due_cache: dict[tuple[dt.date, bool], dt.date] = {}
    calendar = unit_calendar(units[0])  # every store keeps the company's calendar

    def due_on(day: dt.date, critical: bool) -> dt.date:
        if (day, critical) not in due_cache:
            due_cache[(day, critical)] = working_days_after(
                units[0], day, days[int(critical)], calendar=calendar
            )
        return due_cache[(day, critical)]

    for i in range(0, len(units), STORES_PER_CHUNK):
        with transaction.atomic():
            _chunk(
                history,
                units[i : i + STORES_PER_CHUNK],
                seats,
                versions,
                parsed,
                photo,
                due_on,
                rng,
            )
    _sales(history, rng)
    from yunying.inspections.cards import findings_cards_sync

    findings_cards_sync(
        Finding.objects.exclude(status=FindingStatus.CLOSED).select_related(
            "owner", "store", "visit__inspector"
        )
    )
    return history


def _chunk(
    history: History,
    units: list[OrgUnit],
    seats: dict[str, Any],
    versions: dict[str, TemplateVersion | None],
    parsed: dict[str, list[Section]],
    photo: dict[str, Any],
    due_on: Any,
    rng: random.Random,
) -> None:
    zone = clock.company_zone()
    today = history.last_day + dt.timedelta(days=1)
    visits: list[Visit] = []
    for store in units:
        care = 0.86 if store.pk in history.weak else 0.93 + rng.random() * 0.06
        inspectors = [rng.choice(seats["supervisors"]), seats["area"][store.parent_id]]
        for start, end in _periods(history.first_day, history.last_day):
            for n in range(2 if rng.random() < 0.04 else 1):
                day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
                key = rng.choice(TEMPLATES)
                moment = dt.datetime.combine(day, dt.time(10 + rng.randint(0, 6), rng.randint(0, 59)), zone)
                visit = Visit(
                    store=store,
                    version=versions[key],
                    inspector=rng.choice(inspectors),
                    status=VisitStatus.SUBMITTED,
                    visited_on=day,
                    submitted_at=moment,
                    submission_key=f"bulk-{store.pk}-{day:%Y%m%d}-{n}",
                    summary="",
                )
                visit._care = care  # type: ignore[attr-defined]
                visit._key = key  # type: ignore[attr-defined]
                visits.append(visit)
    visits.sort(key=lambda v: (v.store_id, v.visited_on))
    answers: list[VisitAnswer] = []
    pending: list[tuple[Visit, list[Finding]]] = []
    failed_last: dict[tuple[int, str], set[str]] = {}
    for visit in visits:
        key = visit._key  # type: ignore[attr-defined]
        pairs, rows, failed_rows = [], [], []
        for section in parsed[key]:
            for item in section.items:
                value = _answer(item, rng, visit._care)  # type: ignore[attr-defined]
                ratio = item_ratio(item, value)
                failed = ratio is not None and ratio < 1
                pairs.append((item, value))
                answer = VisitAnswer(
                    section_key=section.key,
                    item_key=item.key,
                    value=value,
                    not_applicable=ratio is None,
                    note=rng.choice(NOTES) if failed else "",
                    photos=[photo] if failed or (item.photo_required and ratio is not None) else [],
                    ratio=ratio,
                    failed=failed,
                    critical=item.critical,
                )
                rows.append(answer)
                if failed:
                    failed_rows.append((section, item, answer))
        version = versions[key]
        assert version is not None
        result = score_compute(
            pairs,
            critical_rule=version.critical_rule,
            critical_cap=version.critical_cap,
            pass_mark=version.pass_mark,
        )
        visit.score, visit.raw_score, visit.passed = result.score, result.raw_score, result.passed
        visit.critical_failures = result.critical_failures
        before = failed_last.get((visit.store_id, key), set())
        owner, owner_user = seats["store"][visit.store_id]
        findings = [
            _finding(visit, section, item, answer, item.key in before, owner, owner_user, due_on, rng, today)
            for section, item, answer in failed_rows
        ]
        failed_last[(visit.store_id, key)] = {item.key for _s, item, _a in failed_rows}
        visit._answers = rows  # type: ignore[attr-defined]
        pending.append((visit, findings))
    Visit.objects.bulk_create(visits, batch_size=BATCH)
    for visit, _findings in pending:
        for answer in visit._answers:  # type: ignore[attr-defined]
            answer.visit = visit
            answers.append(answer)
    VisitAnswer.objects.bulk_create(answers, batch_size=BATCH)
    findings = []
    for visit, found in pending:
        for finding in found:
            finding.visit = visit
            findings.append(finding)
    Finding.objects.bulk_create(findings, batch_size=BATCH)
    events = []
    for finding in findings:
        for event in finding._events:  # type: ignore[attr-defined]
            event.finding = finding
            events.append(event)
    FindingEvent.objects.bulk_create(events, batch_size=BATCH)
    history.visits += len(visits)
    history.answers += len(answers)
    history.findings += len(findings)
    history.events += len(events)


def _finding(
    visit: Visit,
    section: Section,
    item: Item,
    answer: VisitAnswer,
    repeated: bool,
    owner: Employee,
    owner_user: User,
    due_on: Any,
    rng: random.Random,
    today: dt.date,
) -> Finding:
    """The finding of a failed item with its trail: answered on time or late, then accepted; the recent ones
    still open or waiting for verification, a few old ones never answered (overdue)."""
    zone = clock.company_zone()
    assert visit.submitted_at is not None
    finding = Finding(
        store_id=visit.store_id,
        item_key=item.key,
        section_title=section.title,
        item_title=item.title,
        critical=item.critical,
        repeated=repeated,
        inspector_note=answer.note,
        photos=answer.photos,
        owner=owner,
        due_on=due_on(visit.visited_on, item.critical),
    )
    events = [FindingEvent(action=FindingEvent.Action.OPENED, actor=visit.inspector, at=visit.submitted_at)]
    age = (today - visit.visited_on).days
    if age >= 2 and rng.random() >= (0.15 if age < 30 else 0.01):
        late = rng.random() < 0.15
        answered_on = min(
            today - dt.timedelta(days=1),
            finding.due_on + dt.timedelta(days=rng.randint(1, 4))
            if late
            else visit.visited_on + dt.timedelta(days=1),
        )
        finding.status, finding.answer_note = FindingStatus.ANSWERED, "已按要求整改，附现场照片"
        finding.answer_photos = [answer.photos[0]] if answer.photos else []
        finding.answered_at = dt.datetime.combine(answered_on, dt.time(15, 30), zone)
        events.append(
            FindingEvent(
                action=FindingEvent.Action.ANSWERED,
                actor=owner_user,
                comment=finding.answer_note,
                photos=finding.answer_photos,
                at=finding.answered_at,
            )
        )
        if age >= 5 and rng.random() >= 0.1:
            finding.status, finding.closed_at = (
                FindingStatus.CLOSED,
                finding.answered_at + dt.timedelta(days=1),
            )
            events.append(
                FindingEvent(
                    action=FindingEvent.Action.ACCEPTED,
                    actor=visit.inspector,
                    comment="现场复核通过",
                    at=finding.closed_at,
                )
            )
    if finding.status == FindingStatus.OPEN and finding.due_on < today:
        finding.reminded_at = dt.datetime.combine(finding.due_on - dt.timedelta(days=1), dt.time(9), zone)
        finding.escalated_at = dt.datetime.combine(finding.due_on + dt.timedelta(days=1), dt.time(9), zone)
    finding._events = events  # type: ignore[attr-defined]
    return finding


def _sales(history: History, rng: random.Random) -> None:
    """A target and the month's sales for every store and month (the evaluation's second measure)."""
    from yunying.analytics.models import SalesStoreMonth, StoreTarget

    months = []
    month = history.first_day
    while month <= history.last_day:
        months.append(month)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    targets, sales = [], []
    for store in history.stores:
        for month in months:
            target = Decimal(rng.randint(400, 900) * 1000)
            net = (target * Decimal(rng.randint(75, 115)) / 100).quantize(Decimal("0.01"))
            targets.append(StoreTarget(store=store, month=month, amount=target))
            sales.append(
                SalesStoreMonth(
                    store=store,
                    month=month,
                    net_sales=net,
                    tickets=int(net / 80),
                    customers=int(net / 60),
                    discounts=Decimal(0),
                    sales_dine_in=net,
                    sales_takeaway=Decimal(0),
                    sales_delivery=Decimal(0),
                    days=28,
                )
            )
    StoreTarget.objects.bulk_create(targets, batch_size=BATCH)
    SalesStoreMonth.objects.bulk_create(sales, batch_size=BATCH)
