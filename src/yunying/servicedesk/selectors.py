"""The service desk (服务台): the processes that are really tickets — repairs, delivery incidents,
customer complaints — as queues per handling department, with SLA clocks in working time.

Generic over process keys (:data:`KINDS`); each ticket's store, cause and severity come from its form
data (``store``, ``cause``, ``severity``; a repair's severity is its ``urgency``, a complaint's cause its
``category``). A kind whose process is not deployed shows no tickets. Every read starts from the workflow's
scoped instances, and a customer's phone number is masked for everyone who does not handle the ticket
(:mod:`yunying.approvals.masking`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yunying.approvals.masking import handled_ids, mask_phone
from yunying.core import clock
from yunying.workflow import center, sla
from yunying.workflow.models import OPEN_STATUSES, ProcessDefinition, ProcessInstance, WorkTask
from yunying.workflow.selectors import instances_visible_to

PAGE_SIZE = 100
MAX_PAGE = 500
CLOSED = ("completed", "rejected", "withdrawn", "cancelled")
STATES = ("open", "closed", "running", *CLOSED, "error")


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any
    department: Any  # who handles it (the queue's name)
    severity_field: str = "severity"
    cause_field: str = "cause"  # the form field that classifies a ticket (a complaint's 投诉类别)


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind("repair", _("维修"), _("总务维修"), severity_field="urgency"),
        Kind("delivery_incident", _("配送事故"), _("配送中心")),
        Kind("customer_complaint", _("顾客投诉"), _("门店与管理部"), cause_field="category"),
    )
}


def deployed_kinds() -> set[str]:
    """The ticket kinds whose process exists (a versioned, active definition)."""
    return set(
        ProcessDefinition.objects.filter(key__in=KINDS, is_active=True, versions__isnull=False)
        .values_list("key", flat=True)
        .distinct()
    )


@dataclass
class TicketFilters:
    kind: str = "repair"
    state: str = "open"
    store: str = ""
    region: str = ""
    cause: str = ""

    @classmethod
    def from_query(cls, params: Any) -> TicketFilters:
        kind = (params.get("kind") or "repair").strip()
        state = (params.get("state") if params.get("state") is not None else "open").strip()
        return cls(
            kind=kind if kind in KINDS else "repair",
            state=state if state in STATES else "",
            store=(params.get("store") or "").strip()[:30],
            region=(params.get("region") or "").strip()[:30],
            cause=(params.get("cause") or "").strip()[:40],
        )


@dataclass
class Ticket:
    id: int
    kind: str
    title: str
    url: str
    status: str
    status_label: str
    store: str
    store_name: str
    region: str
    cause: str
    cause_label: str
    severity: str
    severity_label: str
    requester: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    step: str = ""
    holder: str = ""
    due_at: dt.datetime | None = None
    time_left: dt.timedelta | None = None
    customer_phone: str = ""
    cost: str = ""
    hours: float | None = None  # start to end, clock hours (closed tickets)

    overdue: bool = False  # past the due time (also outside working hours, when the clock stands still)

    @property
    def time_left_text(self) -> str:
        """The SLA clock in words: 剩 3 小时 20 分 / 超时 1 小时 5 分."""
        if self.time_left is None:
            return ""
        minutes = int(abs(self.time_left).total_seconds() // 60)
        hours, minutes = divmod(minutes, 60)
        amount = f"{hours}h{minutes:02d}m"
        return f"-{amount}" if self.overdue else amount


def _choice_labels(
    definition_key: str, cache: dict[str, dict[str, dict[str, str]]]
) -> dict[str, dict[str, str]]:
    """field key → {value: label} of the start form's choice fields (the reader's language)."""
    if definition_key in cache:
        return cache[definition_key]
    from yunying.forms.schema import pick
    from yunying.workflow.models import ProcessVersion
    from yunying.workflow.start import start_form

    labels: dict[str, dict[str, str]] = {}
    version = ProcessVersion.objects.filter(definition__key=definition_key).order_by("-number").first()
    form_version = start_form(version).version() if version is not None else None
    for spec in (form_version.fields if form_version is not None else []) or []:
        if isinstance(spec, dict) and spec.get("choices"):
            labels[str(spec.get("key"))] = {
                str(c.get("value")): pick(
                    str(c.get("label_zh") or c.get("value")), str(c.get("label_en") or "")
                )
                for c in spec["choices"]
                if isinstance(c, dict)
            }
    cache[definition_key] = labels
    return labels


def tickets_visible_to(user: Any, kind: str) -> QuerySet[ProcessInstance]:
    if kind not in KINDS:
        return ProcessInstance.objects.none()
    return instances_visible_to(user).filter(definition__key=kind)


def _filtered(qs: QuerySet[ProcessInstance], f: TicketFilters) -> QuerySet[ProcessInstance]:
    if f.state == "open":
        qs = qs.filter(status="running")
    elif f.state == "closed":
        qs = qs.filter(status__in=CLOSED)
    elif f.state:
        qs = qs.filter(status=f.state)
    if f.store:
        qs = qs.filter(Q(unit__code=f.store) | Q(data__store=f.store))
    if f.region:
        qs = qs.filter(unit__parent__code=f.region)
    if f.cause:
        qs = qs.filter(**{f"data__{KINDS[f.kind].cause_field}": f.cause})
    return qs


_OPEN = Prefetch(
    "tasks",
    queryset=WorkTask.objects.filter(status__in=OPEN_STATUSES)
    .select_related("assignee__employee", "candidate_position", "candidate_unit")
    .order_by("due_at", "created_at", "pk"),
    to_attr="open_rows",
)


def _cost(instance: ProcessInstance) -> str:
    for task in reversed(getattr(instance, "done_rows", [])):
        value = (task.data or {}).get("cost")
        if value not in (None, ""):
            return str(value)
    return ""


def _ticket(
    instance: ProcessInstance,
    kind: Kind,
    labels: dict[str, dict[str, str]],
    handled: set[int],
    now: dt.datetime,
) -> Ticket:
    data = instance.data or {}
    unit = instance.unit
    cause = str(data.get(kind.cause_field) or "")
    severity = str(data.get(kind.severity_field) or "")
    rows = getattr(instance, "open_rows", []) if instance.status == "running" else []
    first = rows[0] if rows else None
    if first is not None:
        first.instance = instance  # the SLA clock reads the instance's unit calendar
    phone = str(data.get("customer_phone") or "")
    return Ticket(
        id=instance.pk,
        kind=kind.key,
        title=instance.title,
        url=reverse("workflow:instance", args=[instance.pk]),
        status=instance.status,
        status_label=str(instance.get_status_display()),
        store=unit.code if unit else str(data.get("store") or ""),
        store_name=unit.name if unit else "",
        region=unit.parent.name if unit and unit.parent and unit.parent.kind == "region" else "",
        cause=cause,
        cause_label=labels.get(kind.cause_field, {}).get(cause, cause),
        severity=severity,
        severity_label=labels.get(kind.severity_field, {}).get(severity, severity),
        requester=str(instance.requester.display_name),
        started_at=instance.started_at,
        ended_at=instance.ended_at,
        step=first.name if first else "",
        holder=center.holder_text(first) if first else "",
        due_at=first.due_at if first else None,
        time_left=sla.time_left(first, now) if first else None,
        overdue=bool(first and first.due_at and first.due_at < now),
        customer_phone=phone if instance.pk in handled else mask_phone(phone),
        cost=_cost(instance),
        hours=round((instance.ended_at - instance.started_at).total_seconds() / 3600, 1)
        if instance.ended_at
        else None,
    )


def ticket_list(
    *,
    user: Any,
    filters: TicketFilters,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> tuple[list[Ticket], int]:
    """A page of tickets of one kind: open ones most urgent first (the step's due time), closed ones
    newest first. Nothing for a kind whose process is not deployed."""
    kind = KINDS[filters.kind]
    qs = _filtered(tickets_visible_to(user, kind.key), filters)
    total = qs.count()
    if not total:
        return [], 0
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, min(offset, 10**6))
    done = Prefetch(
        "tasks",
        queryset=WorkTask.objects.filter(status="completed")
        .only("pk", "instance", "data", "completed_at")
        .order_by("completed_at", "pk"),
        to_attr="done_rows",
    )
    ordered = (
        qs.select_related("unit__parent", "requester__employee", "definition")
        .defer("state")
        .prefetch_related(_OPEN, done)
    )
    if filters.state in ("open", "running"):
        ordered = ordered.order_by("started_at", "pk")
    else:
        ordered = ordered.order_by("-started_at", "-pk")
    rows: list[ProcessInstance] = list(ordered[offset : offset + limit])
    handled = handled_ids(user, [r.pk for r in rows])
    labels = _choice_labels(kind.key, {})
    now = now or clock.now()
    tickets = [_ticket(r, kind, labels, handled, now) for r in rows]
    if filters.state in ("open", "running"):
        far = dt.timedelta(days=10**4)
        tickets.sort(key=lambda t: (t.time_left if t.time_left is not None else far, t.started_at))
    return tickets, total


@dataclass
class Facets:
    """What the filters offer: the stores and regions of the visible tickets, the causes of the form."""

    stores: list[tuple[str, str]] = field(default_factory=list)
    regions: list[tuple[str, str]] = field(default_factory=list)
    causes: list[tuple[str, str]] = field(default_factory=list)


def facets(*, user: Any, kind: str) -> Facets:
    from yunying.org.scope import stores_visible_to

    stores = stores_visible_to(user).select_related("parent").order_by("code")
    regions: dict[str, str] = {}
    for s in stores:
        if s.parent and s.parent.kind == "region":
            regions[s.parent.code] = s.parent.name
    causes = _choice_labels(kind, {}).get(KINDS[kind].cause_field, {})
    return Facets(
        stores=[(s.code, s.name) for s in stores],
        regions=sorted(regions.items()),
        causes=list(causes.items()),
    )


def month_counts(*, kind: str, stores: list[tuple[int, str]], month: dt.date) -> dict[int, int]:
    """Tickets of ``kind`` raised in ``month`` (company calendar) per store id, for the given (id, code) stores —
    filed under the request's store unit, or the store named in its form data. Withdrawn and cancelled requests
    do not count. One query."""
    from django.utils import timezone

    if not stores:
        return {}
    zone = clock.company_zone()
    start = timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time.min), zone)
    following = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    end = timezone.make_aware(dt.datetime.combine(following, dt.time.min), zone)
    by_code = {code: pk for pk, code in stores}
    ids = set(by_code.values())
    rows = (
        ProcessInstance.objects.filter(definition__key=kind, started_at__gte=start, started_at__lt=end)
        .exclude(status__in=("withdrawn", "cancelled"))
        .filter(Q(unit_id__in=ids) | Q(data__store__in=list(by_code)))
        .values_list("unit_id", "data__store")
    )
    counted: dict[int, int] = {}
    for unit_id, code in rows:
        store = unit_id if unit_id in ids else by_code.get(str(code or ""))
        if store is not None:
            counted[store] = counted.get(store, 0) + 1
    return counted
