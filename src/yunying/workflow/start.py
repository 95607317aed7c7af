"""Starting an instance (启动): validate the start form, run the engine to the first people, store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import NotFound
from yunying.forms.files import files_discarded_on_error
from yunying.org.models import Appointment, OrgUnit, UnitKind
from yunying.org.scope import scope_for
from yunying.workflow import runtime, selectors
from yunying.workflow.attachments import attachments_check, attachments_save
from yunying.workflow.engine import EngineError, start_instance
from yunying.workflow.forms_bridge import StepForm, to_json
from yunying.workflow.hotcache import memo, scope_memoised
from yunying.workflow.models import ProcessInstance, ProcessVersion
from yunying.workflow.system_actions import step_handler

RESERVED = ("approved", "requester", "unit", "outcome")


def start_form(version: ProcessVersion) -> StepForm:
    return StepForm.of(runtime.start_event_properties(version))


def _unit_for(requester: Any, unit: OrgUnit | str | None) -> OrgUnit | None:
    if isinstance(unit, str) and unit:
        code = unit
        # Units change rarely: memoised per process until one changes (yunying.workflow.hotcache).
        found = memo(
            f"unit-code:{code}", lambda: OrgUnit.objects.filter(code=code).select_related("parent").first()
        )
        if found is None:
            raise NotFound(_("找不到单位 %(code)s。") % {"code": unit})
        unit = found
    if isinstance(unit, OrgUnit):
        if any(unit_id == unit.pk for _position, unit_id in selectors.seats(requester)):
            return unit  # one of the requester's own seats (memoised)
        own = set(
            Appointment.objects.active().filter(employee__user=requester).values_list("unit_id", flat=True)
        )
        if unit.pk not in own and not scope_for(requester).sees_unit(unit.pk):
            raise NotFound(_("找不到单位 %(code)s。") % {"code": unit.code})
        return unit

    def load() -> OrgUnit | None:
        seats = list(
            Appointment.objects.active()
            .filter(employee__user=requester)
            .select_related("unit", "unit__parent")
            .order_by("-position__is_head", "pk")
        )
        stores = [a.unit for a in seats if a.unit.kind == UnitKind.STORE]
        if stores:
            return stores[0]
        return seats[0].unit if seats else None

    # The requester's own unit: memoised per process until an appointment, position or unit changes.
    return memo(f"start-unit:{requester.pk}", load) if requester.pk else load()


def _starter_scope(user: Any) -> None:
    """The requester's scope (the form's store and people pickers check against it), memoised per
    process across requests until an appointment, position, unit or user changes."""
    scope_memoised(user)


def _display_name(user: Any) -> str:
    """The requester's name for the title (memoised like the scope: an employee's rename is a change)."""
    if not user.pk or "employee" in user._state.fields_cache:
        return str(user.display_name)
    return memo(f"display-name:{user.pk}", lambda: str(user.display_name))


def instance_start(
    *,
    actor: Any,
    key: str,
    data: dict[str, Any] | None = None,
    files: Any = None,
    attachments: Iterable[Any] = (),
    title: str = "",
    unit: OrgUnit | str | None = None,
    cc: Iterable[str] = (),
    version: int | None = None,
) -> ProcessInstance:
    """Start ``key`` (its latest version unless ``version``) with the start form's ``data`` (``files``:
    uploads of the form's file fields; ``attachments``: documents attached to the request).

    The form is validated and the engine runs to the first people before anything is stored; a form
    or expression error raises (ValidationFailed / ProcessError) and stores nothing."""
    definition = selectors.definition_for_start(user=actor, key=key)
    the_version = selectors.version_of(definition, version, documents=False)
    form = start_form(the_version)
    _starter_scope(actor)
    submission = form.validate(dict(data or {}), files=files, user=actor)
    attachments = attachments_check(attachments, user=actor)
    cleaned = {k: v for k, v in submission.values.items() if k not in RESERVED}
    if unit is None and isinstance(cleaned.get("store"), str) and cleaned["store"]:
        unit = cleaned["store"]  # the form's store picker names the store concerned
    concerned = _unit_for(actor, unit)
    process_data = {
        "store": concerned.code if concerned and concerned.kind == UnitKind.STORE else "",
        **cleaned,
        "requester": actor.username,
        "unit": concerned.code if concerned else "",
    }
    now = timezone.now()
    # The engine runs inside the transaction: system steps write their rows with the instance's.
    with files_discarded_on_error(), transaction.atomic():
        instance = ProcessInstance(
            version=the_version,
            definition=definition,
            title=(title or str(cleaned.get("title") or "")).strip()[:200]
            or f"{definition.name} · {_display_name(actor)} · {clock.business_date(now):%m-%d}",
            requester=actor,
            unit=concerned,
            data={},
            started_at=now,
        )
        setattr(instance, runtime.FRESH, True)
        runtime.defer_writes(instance)  # written once, with the engine's state (runtime.store_started)
        with runtime.batched_events(instance):
            runtime.event(
                instance, "start", actor=actor, to_state="running", data={"version": the_version.number}
            )
            instance.data = {k: v for k, v in to_json(submission.store_files()).items() if k not in RESERVED}
            if attachments:
                runtime.ensure_saved(instance)
            attachments_save(instance, attachments, user=actor)
            for username in cc:
                runtime.copy_to(instance, f"user:{username}", _("发起"))
            runtime.fire_rules(instance, "instance_started", process_data)
            # A start the engine cannot run (an expression, a run-away loop, a step nobody can
            # hold) is refused with the reason and stores nothing.
            try:
                eng = start_instance(
                    runtime.definition_of(the_version),
                    process_data,
                    clock=clock.local_now,
                    service_handler=step_handler(instance),
                    step_limit=runtime.step_limit,
                )
                runtime.sync(instance, eng, actor=actor, fresh=True)  # no task rows yet
                setattr(instance, runtime.ROWS_FINAL, True)
            except EngineError as exc:
                raise runtime.engine_error(exc) from None
            runtime.engine_save(instance, eng)
            runtime.store_started(instance)
    return instance
