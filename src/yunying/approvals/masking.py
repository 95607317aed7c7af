"""The customer's contact in a 顾客投诉 (``customer_complaint``) is read only by the people who handle the
complaint: whoever recorded it, whoever has or had one of its steps (assigned, offered in a queue, acted,
or acted for someone), and the holders of the positions in the setting
``approvals.complaint_contact_positions`` (position codes, comma separated; none by default).

Everyone else who may see the complaint (the store's superiors, the offices that see the whole chain, a
person it was copied to) reads the phone number as ``138****5678`` and the name as ``王**``. The masking
applies to every page and API answer that shows the request's data (through
:func:`yunying.workflow.redaction.redact`); any export of complaints must pass its rows through
:func:`redact_complaint` (or :func:`yunying.workflow.redaction.redact`) with the reader."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from yunying.core.settings_store import setting_get
from yunying.workflow import redaction

PROCESS_KEY = "customer_complaint"
CONTACT_FIELDS = {"customer_phone": "phone", "customer_name": "name"}
POSITIONS_SETTING = "approvals.complaint_contact_positions"
MAX_DEPTH = 4


def mask_phone(value: Any) -> str:
    text = str(value or "")
    if not text:
        return ""
    if len(text) >= 8:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    return "*" * len(text)


def mask_name(value: Any) -> str:
    text = str(value or "")
    return text[:1] + "*" * min(len(text) - 1, 3) if text else ""


def _positions() -> list[str]:
    try:
        raw = setting_get(POSITIONS_SETTING)
    except KeyError:  # not seeded: nobody beyond the handlers
        return []
    if isinstance(raw, (list, tuple)):
        return [str(x).strip() for x in raw if str(x).strip()]
    return [x.strip() for x in str(raw or "").split(",") if x.strip()]


def handled_ids(user: Any, instance_ids: Iterable[int]) -> set[int]:
    """The requests among ``instance_ids`` whose customer contact ``user`` reads in full: those they handle, or
    all of them for holders of the setting's positions (three queries whatever the number of requests)."""
    from yunying.org.models import Appointment
    from yunying.workflow.models import ProcessInstance, WorkTask
    from yunying.workflow.selectors import tasks_for_user_q

    ids = list(instance_ids)
    if not ids or user is None or not getattr(user, "is_authenticated", False):
        return set()
    codes = _positions()
    if (
        codes
        and Appointment.objects.filter(
            employee__user=user, position__code__in=codes, ended_on__isnull=True
        ).exists()
    ):
        return set(ids)
    found = set(ProcessInstance.objects.filter(pk__in=ids, requester=user).values_list("pk", flat=True))
    found |= set(
        WorkTask.objects.filter(instance_id__in=ids)
        .filter(Q(assignee=user) | Q(acted_by=user) | Q(on_behalf_of=user) | tasks_for_user_q(user))
        .values_list("instance_id", flat=True)
    )
    return found


def handles(user: Any, instance: Any) -> bool:
    """Whether ``user`` handles the complaint ``instance`` (and so reads the customer's contact)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cache = getattr(instance, "_contact_readers", None)
    if cache is None:
        cache = {}
        instance._contact_readers = cache
    if user.pk not in cache:
        cache[user.pk] = instance.pk in handled_ids(user, [instance.pk])
    return bool(cache[user.pk])


def _mask(data: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        return data
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            kind = CONTACT_FIELDS.get(key)
            if kind == "phone" and isinstance(value, (str, int)):
                out[key] = mask_phone(value)
            elif kind == "name" and isinstance(value, str):
                out[key] = mask_name(value)
            else:
                out[key] = _mask(value, depth + 1)
        return out
    if isinstance(data, list):
        return [_mask(x, depth + 1) for x in data]
    return data


def redact_complaint(user: Any, instance: Any, data: dict[str, Any]) -> dict[str, Any]:
    if handles(user, instance):
        return data
    masked: dict[str, Any] = _mask(data)
    return masked


redaction.register(PROCESS_KEY, redact_complaint)
