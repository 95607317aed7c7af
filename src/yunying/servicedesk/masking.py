"""Who may read a customer's contact (``customer_phone`` in a ticket's form data): the people who handle
the ticket — its requester, whoever acted on one of its steps (or on whose behalf), and whoever holds
one of its open steps (also through a shared queue or 或签). Everyone else, managers who merely see the
store in their scope included, reads it masked (``138****5678``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from yunying.workflow.models import OPEN_STATUSES, ProcessInstance, WorkTask
from yunying.workflow.selectors import tasks_for_user_q

MASKED_FIELDS = ("customer_phone",)


def masked(value: str) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) >= 7:
        return f"{text[:3]}****{text[-4:]}"
    return "****"


def handled_ids(user: Any, instance_ids: Iterable[int]) -> set[int]:
    """The instances among ``instance_ids`` that ``user`` handles (three indexed queries at most)."""
    ids = list(instance_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    found = set(ProcessInstance.objects.filter(pk__in=ids, requester=user).values_list("pk", flat=True))
    found |= set(
        WorkTask.objects.filter(instance_id__in=ids)
        .filter(Q(acted_by=user) | Q(on_behalf_of=user))
        .values_list("instance_id", flat=True)
    )
    found |= set(
        WorkTask.objects.filter(
            tasks_for_user_q(user), instance_id__in=ids, status__in=OPEN_STATUSES
        ).values_list("instance_id", flat=True)
    )
    return found


def data_for(user: Any, instance: ProcessInstance) -> dict[str, Any]:
    """The instance's form data as ``user`` may read it (contacts masked unless they handle it)."""
    data = dict(instance.data or {})
    if not any(data.get(k) for k in MASKED_FIELDS) or instance.pk in handled_ids(user, [instance.pk]):
        return data
    return {**data, **{k: masked(str(data[k])) for k in MASKED_FIELDS if data.get(k)}}
