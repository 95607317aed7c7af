"""Accepted occurrences sent on to the stores (``on_accept = send_to_stores``; shipped for the supervision
bulletin, 督导检查公报, 发至全部门店).

When the reviewer accepts, the same transaction writes one :class:`~yunying.duties.models.StoreDelivery` per
open store within the duty's ``unit`` (the whole company when it has none), so the bulletin shows on each
store's page at once. The people of each store (everyone appointed there with a login) and the store's group
robots are told after the commit, by a worker task, through the notifications outbox
(:func:`yunying.notifications.services.notify`, kind ``bulletin``): each delivery is claimed by its
``notified_at`` before it is announced, so a retried or doubled task tells nobody twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.duties.models import Occurrence, StoreDelivery
from yunying.org.models import Appointment, OrgUnit, UnitKind

KIND = "bulletin"


def stores_for(unit: OrgUnit | None, on: dt.date) -> list[int]:
    """Ids of the stores open on ``on`` within ``unit`` (and its descendants), or in the whole company."""
    units = list(OrgUnit.objects.values_list("pk", "parent_id", "kind", "opened_on", "closed_on"))
    children: dict[int | None, list[int]] = {}
    for pk, parent_id, _kind, _opened, _closed in units:
        children.setdefault(parent_id, []).append(pk)
    inside: set[int] | None = None
    if unit is not None:
        inside, todo = set(), [unit.pk]
        while todo:
            current = todo.pop()
            if current not in inside:
                inside.add(current)
                todo.extend(children.get(current, []))
    return [
        pk
        for pk, _parent, kind, opened, closed in units
        if kind == UnitKind.STORE
        and (inside is None or pk in inside)
        and (opened is None or opened <= on)
        and (closed is None or closed > on)
    ]


def occurrence_deliver(occ: Occurrence, *, now: dt.datetime) -> int:
    """Send an accepted occurrence on to its stores (inside the caller's transaction); the announcements
    follow after the commit. Returns how many stores it went to."""
    stores = stores_for(occ.duty.unit, clock.today())
    StoreDelivery.objects.bulk_create(
        [StoreDelivery(occurrence=occ, store_id=pk, delivered_at=now) for pk in stores],
        ignore_conflicts=True,
    )
    pk = occ.pk
    transaction.on_commit(lambda: _announce_later(pk))
    return len(stores)


def _announce_later(occurrence_id: int) -> None:
    from yunying.duties.tasks import deliveries_announce_task

    deliveries_announce_task(occurrence_id)


def deliveries_announce(occurrence_id: int) -> int:
    """Tell each store's people (and the store's robots) about a delivered occurrence, once per store.
    Returns how many stores were told by this run."""
    occ = Occurrence.objects.select_related("duty").filter(pk=occurrence_id).first()
    if occ is None:
        return 0
    waiting = list(
        StoreDelivery.objects.filter(occurrence_id=occurrence_id, notified_at__isnull=True)
        .select_related("store")
        .order_by("store__code")
    )
    if not waiting:
        return 0
    people: dict[int, list[Any]] = {}
    for a in (
        Appointment.objects.active()
        .filter(unit_id__in=[d.store_id for d in waiting], employee__user__isnull=False)
        .filter(Q(employee__user__is_active=True))
        .select_related("employee__user")
    ):
        people.setdefault(a.unit_id, []).append(a.employee.user)
    title = f"{occ.duty.display_name} · {occ.period_key}"
    told = 0
    for delivery in waiting:
        with transaction.atomic():
            claimed = StoreDelivery.objects.filter(pk=delivery.pk, notified_at__isnull=True).update(
                notified_at=clock.now()
            )
            if not claimed:
                continue
            from yunying.notifications.services import notify

            notify(
                people.get(delivery.store_id, []),
                kind=KIND,
                title=title,
                message=_("新的%(title)s已发至%(store)s，请组织门店人员学习。")
                % {"title": title, "store": delivery.store.name},
                url=reverse("org:store", args=[delivery.store.code]) + "#bulletins",
                unit=delivery.store,
            )
            told += 1
    return told


def store_bulletins(*, store: OrgUnit, limit: int = 5) -> list[StoreDelivery]:
    """The latest occurrences sent on to ``store`` (for the store's page; the caller checked the store)."""
    return list(
        StoreDelivery.objects.filter(store=store)
        .select_related("occurrence__duty", "occurrence__form_version", "occurrence__assignee")
        .order_by("-delivered_at", "-pk")[: max(1, min(limit, 20))]
    )
