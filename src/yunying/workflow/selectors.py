"""Reads of the workflow, always through the caller's scope."""

from __future__ import annotations

import contextlib
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, prefetch_related_objects
from django.utils.translation import gettext as _
from lxml import etree

from yunying.core.errors import DomainError, NotFound
from yunying.core.precompiled import Precompiled
from yunying.org.models import Appointment
from yunying.org.scope import scope_for
from yunying.workflow.deploy import can_deploy
from yunying.workflow.engine_validate import BPMN_NS, element_properties, iter_flow_nodes, local
from yunying.workflow.models import (
    OPEN_STATUSES,
    CarbonCopy,
    Delegation,
    InstanceEvent,
    ProcessDefinition,
    ProcessInstance,
    ProcessVersion,
    WorkTask,
)


# --------------------------------------------------------------------------- definitions
def _seats(user: Any) -> list[tuple[int, int]]:
    """(position id, unit id) of the user's active appointments (cached on the user object)."""
    cached = getattr(user, "_yunying_wf_seats", None)
    if cached is None:
        from yunying.workflow.hotcache import memo

        def load() -> list[tuple[int, int]]:
            return list(
                Appointment.objects.active()
                .filter(employee__user=user, employee__is_active=True)
                .values_list("position_id", "unit_id")
            )

        # Across requests too, until an appointment (or employee) changes: yunying.workflow.hotcache.
        cached = memo(f"seats:{user.pk}", load) if user.pk else load()
        with contextlib.suppress(AttributeError):
            user._yunying_wf_seats = cached
    return cached


def seats(user: Any) -> list[tuple[int, int]]:
    """(position id, unit id) of the user's active appointments, cached on the user object."""
    return _seats(user)


def _seats_up(user: Any) -> list[tuple[int, set[int]]]:
    """(position id, the seat's unit and every unit above it) of the user's active appointments."""
    cached = getattr(user, "_yunying_wf_seats_up", None)
    if cached is None:
        from yunying.org.models import OrgUnit

        seats = _seats(user)
        parents = dict(OrgUnit.objects.values_list("pk", "parent_id")) if seats else {}
        cached = []
        for position_id, unit_id in seats:
            up: set[int] = set()
            current: int | None = unit_id
            while current is not None and current not in up:
                up.add(current)
                current = parents.get(current)
            cached.append((position_id, up))
        with contextlib.suppress(AttributeError):
            user._yunying_wf_seats_up = cached
    return cached


def can_start(user: Any, definition: ProcessDefinition) -> bool:
    """Who may start a process type: nobody restricted it, or one of the user's appointments holds one
    of its positions (if any are set) in one of its units or a unit below them (if any are set)."""
    if not user.is_authenticated or not definition.is_active:
        return False
    positions = {p.pk for p in definition.starter_positions.all()}
    units = {u.pk for u in definition.starter_units.all()}
    if not positions and not units:
        return True
    return any(
        (not positions or p in positions) and (not units or bool(up & units)) for p, up in _seats_up(user)
    )


def starter_text(definition: ProcessDefinition) -> str:
    """Who may start ``definition``, in words (for a refusal)."""
    parts = []
    positions = "、".join(p.display_name for p in definition.starter_positions.all())
    units = "、".join(u.name for u in definition.starter_units.all())
    if positions:
        parts.append(_("岗位：%(list)s") % {"list": positions})
    if units:
        parts.append(_("单位：%(list)s（含下属单位）") % {"list": units})
    return "；".join(parts) or _("所有人")


def definition_list(*, user: Any) -> QuerySet[ProcessDefinition]:
    """Definitions the user may start (every one for those who may deploy), with a latest version."""
    qs = (
        ProcessDefinition.objects.filter(versions__isnull=False)
        .distinct()
        .prefetch_related("starter_positions", "starter_units")
        .order_by("category", "name")
    )
    if can_deploy(user):
        return qs
    return qs.filter(pk__in=[d.pk for d in qs if can_start(user, d)])


def startable_list(*, user: Any) -> QuerySet[ProcessDefinition]:
    """Definitions the user may start (also for designers): the start page and ``GET /definitions``."""
    qs = definition_list(user=user)
    return qs.filter(pk__in=[d.pk for d in qs if can_start(user, d)])


_STARTER_POSITIONS = ProcessDefinition.starter_positions.through.objects
_STARTER_UNITS = ProcessDefinition.starter_units.through.objects


def _prefetch_starters(definition: Any) -> None:
    """``prefetch_related("starter_positions", "starter_units")`` that queries only the lists the
    ``has_starter_…`` annotations say are not empty (most process types restrict nobody)."""
    lists = {
        "starter_positions": definition.has_starter_positions,
        "starter_units": definition.has_starter_units,
    }
    prefetch_related_objects([definition], *[name for name, has in lists.items() if has])
    cache = definition.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, has in lists.items():
        if not has:  # as prefetch_related stores an empty result: .all() gives it without a query
            empty = getattr(definition, name).all()
            empty._result_cache, empty._prefetch_done = [], True
            cache[name] = empty


def _start_query(key: str) -> QuerySet[ProcessDefinition]:
    return ProcessDefinition.objects.filter(key=key, versions__isnull=False).annotate(
        has_starter_positions=Exists(_STARTER_POSITIONS.filter(processdefinition_id=OuterRef("pk"))),
        has_starter_units=Exists(_STARTER_UNITS.filter(processdefinition_id=OuterRef("pk"))),
        # the latest version's id: version_of reads the (immutable) version row from a memo
        latest_version_id=Subquery(
            ProcessVersion.objects.filter(definition_id=OuterRef("pk")).order_by("-number").values("pk")[:1]
        ),
    )[:1]


_START = Precompiled(_start_query, "\x00probe")


def _definition_to_start(key: str) -> ProcessDefinition | None:
    """The definition with its starter flags and latest version's id. The statement is built by the ORM
    once per process and database, then run with each key (building it is most of the cost)."""
    return next(iter(_START(key)), None)


def definition_for_start(*, user: Any, key: str) -> ProcessDefinition:
    """The definition ``user`` wants to start; a clear refusal when they may not start it."""
    from yunying.core.errors import PermissionDenied

    found = _definition_to_start(key)
    if found is None:
        raise NotFound(_("找不到流程“%(key)s”。") % {"key": key})
    _prefetch_starters(found)
    if not found.is_active:
        raise PermissionDenied(_("流程“%(name)s”已停用，不能发起。") % {"name": found.name})
    if not can_start(user, found):
        raise PermissionDenied(
            _("您不能发起“%(name)s”：仅限 %(who)s 发起。") % {"name": found.name, "who": starter_text(found)}
        )
    return found


def definition_get(*, user: Any, key: str) -> ProcessDefinition:
    found = definition_list(user=user).filter(key=key).first()
    if found is None:
        raise NotFound(_("找不到流程“%(key)s”。") % {"key": key})
    return found


def version_list(definition: ProcessDefinition) -> list[ProcessVersion]:
    return list(definition.versions.select_related("deployed_by").defer("spec").order_by("-number"))


def version_get(*, user: Any, key: str, version: int | None = None) -> ProcessVersion:
    return version_of(definition_get(user=user, key=key), version)


_VERSION_DOCUMENTS = ("spec", "bpmn_xml", "dmn_xml", "bpmn_extra")


def version_of(
    definition: ProcessDefinition, version: int | None = None, *, documents: bool = True
) -> ProcessVersion:
    """Version ``version`` (default: the latest) of a definition the caller may already see.

    ``documents=False`` leaves the BPMN/DMN text and the stored spec out of the query (they load
    on access); whoever only runs the version needs ``runtime.definition_of``, which is cached."""
    latest = getattr(definition, "latest_version_id", None)
    if version is None and not documents and latest is not None:
        # A deployed version never changes (a deploy adds a row): memoised per process by id (the
        # query is built only when the memo misses).
        from yunying.workflow.hotcache import memo

        found = memo(
            f"version:{latest}",
            lambda: ProcessVersion.objects.defer(*_VERSION_DOCUMENTS).filter(pk=latest).first(),
        )
    else:
        qs = definition.versions.order_by("-number")
        if not documents:
            qs = qs.defer(*_VERSION_DOCUMENTS)
        found = qs.first() if version is None else qs.filter(number=version).first()
    if found is None:
        raise NotFound(_("找不到流程“%(key)s”的版本 %(n)s。") % {"key": definition.key, "n": version})
    found.definition = definition
    return found


# --------------------------------------------------------------------------- instances and tasks
def _is_manager(user: Any) -> bool:
    """Managers (heads of a unit, or whoever sees the whole organisation) read instances in scope."""
    if user.is_superuser or scope_for(user).everything:
        return True
    return Appointment.objects.active().filter(employee__user=user, position__is_head=True).exists()


def tasks_for_user_q(user: Any) -> Q:
    """Open work the user may do: assigned, offered to them (或签), or in a queue they belong to."""
    cond = Q(assignee=user) | Q(
        assignee__isnull=True,
        pk__in=WorkTask.candidate_users.through.objects.filter(user_id=user.pk).values("worktask_id"),
    )
    for position_id, unit_id in _seats(user):
        cond |= Q(assignee__isnull=True, candidate_position_id=position_id, candidate_unit_id=unit_id)
        cond |= Q(assignee__isnull=True, candidate_position_id=position_id, candidate_unit__isnull=True)
    group_ids = list(user.groups.values_list("pk", flat=True))
    if group_ids:
        cond |= Q(assignee__isnull=True, candidate_group_id__in=group_ids)
    return cond


def instances_visible_to(user: Any) -> QuerySet[ProcessInstance]:
    if not user.is_authenticated:
        return ProcessInstance.objects.none()
    scope = scope_for(user)
    if user.is_superuser or scope.everything:
        return ProcessInstance.objects.all()
    involved = (
        Q(requester=user)
        | Q(pk__in=WorkTask.objects.filter(Q(acted_by=user) | Q(on_behalf_of=user)).values("instance_id"))
        | Q(pk__in=WorkTask.objects.filter(tasks_for_user_q(user)).values("instance_id"))
        | Q(pk__in=CarbonCopy.objects.filter(user=user).values("instance_id"))
    )
    if scope.unit_ids and _is_manager(user):
        involved |= Q(unit_id__in=scope.unit_ids)
    return ProcessInstance.objects.filter(involved)


def instance_get(*, user: Any, instance_id: int) -> ProcessInstance:
    found = (
        instances_visible_to(user)
        .select_related("definition", "version", "requester", "unit")
        .filter(pk=instance_id)
        .first()
    )
    if found is None:
        raise NotFound(_("找不到流程实例 #%(id)s。") % {"id": instance_id})
    return found


def task_get(*, user: Any, task_id: int) -> WorkTask:
    task = (
        WorkTask.objects.select_related("instance", "instance__definition", "instance__requester", "assignee")
        .filter(pk=task_id)
        .first()
    )
    if task is None or not instances_visible_to(user).filter(pk=task.instance_id).exists():
        raise NotFound(_("找不到任务 #%(id)s。") % {"id": task_id})
    return task


def instance_events(instance: ProcessInstance) -> QuerySet[InstanceEvent]:
    return instance.events.select_related("actor", "on_behalf_of").order_by("at", "pk")


def instance_steps(instance: ProcessInstance) -> QuerySet[WorkTask]:
    """The finished steps of an instance with what each submitted (seen by whoever sees the instance)."""
    return (
        instance.tasks.exclude(status__in=OPEN_STATUSES)
        .exclude(outcome="")
        .select_related("acted_by", "on_behalf_of")
        .order_by("completed_at", "pk")
    )


def instance_open_tasks(instance: ProcessInstance) -> QuerySet[WorkTask]:
    return instance.tasks.filter(status__in=OPEN_STATUSES).select_related(
        "assignee", "candidate_position", "candidate_unit", "candidate_group", "on_behalf_of"
    )


def instance_task_states(instance: ProcessInstance) -> dict[str, str]:
    """Element id → COMPLETED / READY / WAITING / ERROR / CANCELLED, for colouring the diagram."""
    from yunying.workflow.runtime import engine_load

    if not instance.state:
        return {}
    states = engine_load(instance).task_states()
    for task in instance.tasks.filter(status__in=OPEN_STATUSES, kind="engine"):
        states[task.element_id] = "READY"
    if instance.status == "error":
        for task in instance.tasks.filter(outcome="stopped"):
            states[task.element_id] = "ERROR"
    return states


# --------------------------------------------------------------------------- delegations (委托)
def delegation_list(*, user: Any, received: bool = False) -> QuerySet[Delegation]:
    """Delegations the user gave (or, with ``received``, the ones given to them), newest first."""
    qs = Delegation.objects.filter(to_user=user) if received else Delegation.objects.filter(from_user=user)
    return qs.select_related("from_user", "to_user", "definition").order_by("-starts_on", "-pk")


def delegation_is_current(d: Delegation, today: Any) -> bool:
    return d.is_active and d.starts_on <= today and (d.ends_on is None or d.ends_on >= today)


# --------------------------------------------------------------------------- versions
def _steps(version: ProcessVersion) -> dict[str, dict[str, Any]]:
    root = etree.fromstring(version.bpmn_xml.encode("utf-8"))
    steps: dict[str, dict[str, Any]] = {}
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        for node in iter_flow_nodes(process):
            if node.get("id"):
                steps[node.get("id")] = {
                    "type": local(node.tag),
                    "name": node.get("name") or "",
                    "properties": element_properties(node),
                }
        for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
            cond = flow.find(f"{{{BPMN_NS}}}conditionExpression")
            steps[flow.get("id") or "?"] = {
                "type": "sequenceFlow",
                "name": flow.get("name") or "",
                "properties": {
                    "from": flow.get("sourceRef") or "",
                    "to": flow.get("targetRef") or "",
                    "condition": (cond.text or "").strip() if cond is not None else "",
                },
            }
    return steps


def version_diff(a: ProcessVersion, b: ProcessVersion) -> dict[str, Any]:
    """Steps (and flows) added, removed and changed from ``a`` to ``b``, by element id."""
    old, new = _steps(a), _steps(b)
    added = [{"id": k, **{x: new[k][x] for x in ("type", "name")}} for k in new if k not in old]
    removed = [{"id": k, **{x: old[k][x] for x in ("type", "name")}} for k in old if k not in new]
    changed = []
    for k in old.keys() & new.keys():
        o, n = old[k], new[k]
        changes: dict[str, list[Any]] = {}
        for attr in ("type", "name"):
            if o[attr] != n[attr]:
                changes[attr] = [o[attr], n[attr]]
        for prop in sorted(set(o["properties"]) | set(n["properties"])):
            if o["properties"].get(prop) != n["properties"].get(prop):
                changes[prop] = [o["properties"].get(prop), n["properties"].get(prop)]
        if changes:
            changed.append({"id": k, "type": n["type"], "name": n["name"] or o["name"], "changes": changes})
    changed.sort(key=lambda c: c["id"])
    return {"from": a.number, "to": b.number, "added": added, "removed": removed, "changed": changed}


def person_get(*, username: str) -> Any:
    """An active user by login, for a delegate or a transfer target; a clear error otherwise."""
    from yunying.accounts.models import User

    found = User.objects.filter(username=(username or "").strip(), is_active=True).first()
    if found is None:
        raise DomainError(_("找不到用户“%(u)s”。") % {"u": username}, field="to_user")
    return found


def person_choices(*, exclude: Any) -> QuerySet[Any]:
    """Active users offered in the pickers (transfer, add signer, delegate), the actor left out."""
    from yunying.accounts.models import User

    return User.objects.filter(is_active=True).exclude(pk=exclude.pk or 0).order_by("username")[:500]
