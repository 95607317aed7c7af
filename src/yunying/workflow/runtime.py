"""The bridge between stored instances and the engine: load, save, and keep the task rows in step
with the engine's READY user tasks (creating inbox tasks through the assignment rules).

Every function here runs inside the caller's transaction, with the instance row locked."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.workflow import assignment, sla
from yunying.workflow.engine import (
    EngineError,
    EngineInstance,
    ParsedDefinition,
    TaskInfo,
    dump_state,
    load_definition,
    load_state,
)
from yunying.workflow.errors import ProcessError
from yunying.workflow.models import (
    OPEN_STATUSES,
    CarbonCopy,
    InstanceEvent,
    InstanceStatus,
    ProcessInstance,
    ProcessVersion,
    TaskKind,
    TaskStatus,
    WorkTask,
)
from yunying.workflow.policy import policy as setting_get

T = TypeVar("T")

_CACHE: OrderedDict[tuple[int, str], ParsedDefinition] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


def definition_of(version: ProcessVersion) -> ParsedDefinition:
    """The parsed definition of a version (immutable once deployed; cached per process, so its spec
    objects are deserialised once). ``version.spec`` may be deferred: it is read only on a miss."""
    key = (version.pk, version.deployed_at.isoformat())  # a reused pk (tests, restores) is a new key
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    defn = load_definition(version.spec)
    with _CACHE_LOCK:
        _CACHE[key] = defn
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return defn


def step_properties(version: ProcessVersion, element_id: str) -> dict[str, str]:
    """A step's extension properties (``yunying:form``, ``yunying:assignee``…), from the cache."""
    return definition_of(version).properties.get(element_id, {})


def start_event_properties(version: ProcessVersion) -> dict[str, str]:
    defn = definition_of(version)
    return defn.properties.get(defn.start_event, {})


def multi_instance_steps(version: ProcessVersion) -> set[str]:
    return {t.id for t in definition_of(version).user_tasks if t.multi_instance}


def engine_load(instance: ProcessInstance) -> EngineInstance:
    """The instance's engine, ready to run its system steps (``yunying.workflow.system_actions``)."""
    from yunying.workflow.system_actions import step_handler

    try:
        eng = load_state(definition_of(instance.version), instance.state)
        eng.service_handler = step_handler(instance)
        eng.step_limit = step_limit
        return eng
    except EngineError as exc:
        raise ProcessError(_("流程状态无法读取：%(msg)s") % {"msg": exc.message}) from None


def step_limit() -> int:
    """The run-away limit: automatic steps allowed in one action (``workflow.max_auto_steps``)."""
    try:
        return int(setting_get("workflow.max_auto_steps"))
    except (TypeError, ValueError):
        return 50


_STATUS_FIELDS = (
    "status",
    "state",
    "data",
    "current_steps",
    "waiting_for_requester",
    "has_timers",
    "error",
    "ended_at",
)


_UNDO = "_yunying_undo"


def _on_failure(instance: ProcessInstance, undo: Callable[[], Any]) -> None:
    """Inside :func:`guarded` without a savepoint: how to take back a write if the engine fails."""
    pending = getattr(instance, _UNDO, None)
    if pending is not None:
        pending.append(undo)


def _created(instance: ProcessInstance, row: WorkTask) -> None:
    _on_failure(instance, lambda: WorkTask.objects.filter(pk=row.pk).delete())


_LAZY_SAVEPOINT = "_yunying_lazy_savepoint"


def before_writes(instance: ProcessInstance) -> None:
    """A system step is about to write rows of any kind: inside :func:`guarded` the savepoint that
    takes them back if the engine then fails is set now (only actions that run a system step pay
    for it)."""
    ensure_saved(instance)
    holder = getattr(instance, _LAZY_SAVEPOINT, None)
    if holder is not None and holder[0] is None:
        holder[0] = transaction.savepoint()


def under_savepoint(instance: ProcessInstance) -> bool:
    """Inside :func:`guarded`, after :func:`before_writes`: a failure from here on is rolled back to
    the savepoint already set (a system step needs none of its own)."""
    holder = getattr(instance, _LAZY_SAVEPOINT, None)
    return holder is not None and holder[0] is not None


def guarded(instance: ProcessInstance, work: Callable[[], T]) -> T | None:
    """Run ``work`` (engine steps and the task rows they make). If the engine fails — an expression
    of any kind, a system step, a run-away loop, a step nobody holds — everything ``work`` did is
    undone and the instance goes to **error** with the reason (see :func:`fail`); the caller's own
    changes (the person's action) stay. Returns ``work()``'s value, or None.

    Undoing: a savepoint when rules may write anything; otherwise (the hot path, no extra query) the
    task rows and copies the sync wrote are taken back one by one, and a system step (which may write
    rows of any kind) sets a savepoint just before it runs (:func:`before_writes`), rolled back too."""
    from yunying.notifications.services import batch_mark, batch_undo

    pending = getattr(instance, _PENDING_EVENTS, None)
    mark = len(pending) if pending is not None else 0
    told = batch_mark()
    saved = {f: getattr(instance, f) for f in _STATUS_FIELDS}
    undo: list[Callable[[], Any]] = []
    outer = getattr(instance, _UNDO, None)
    outer_lazy = getattr(instance, _LAZY_SAVEPOINT, None)
    lazy: list[Any] = [None]
    try:
        if instance.definition.rules_snapshot:
            with transaction.atomic():
                return work()
        setattr(instance, _UNDO, undo)
        setattr(instance, _LAZY_SAVEPOINT, lazy)
        try:
            result = work()
        except (EngineError, ProcessError):
            if lazy[0] is not None:
                # The savepoint takes back everything since it was set, a failed statement included:
                # an inner block's "roll back" mark (clear when the savepoint was set, or setting it
                # would have failed) is done with it.
                transaction.set_rollback(False)
                transaction.savepoint_rollback(lazy[0])
            raise
        finally:
            setattr(instance, _UNDO, outer)
            setattr(instance, _LAZY_SAVEPOINT, outer_lazy)
        if lazy[0] is not None:
            transaction.savepoint_commit(lazy[0])
        return result
    except (EngineError, ProcessError) as exc:
        for step in reversed(undo):
            step()
        for f, value in saved.items():
            setattr(instance, f, value)
        if pending is not None:
            del pending[mark:]
        batch_undo(told)
        if isinstance(exc, EngineError):
            message, element = str(engine_error(exc).message), (exc.details[0][0] if exc.details else "")
        else:
            message, element = str(exc), exc.element_id
        fail(instance, message, element_id=element)
        return None


def fail(instance: ProcessInstance, message: str, *, element_id: str = "") -> None:
    """Put a running instance in **error** with ``message``: the monitor lists it with retry /
    reassign / cancel; the requester and the management department's head are told. The instance's
    open steps (other branches, signers) are paused: they leave the inboxes until it runs again."""
    previous = instance.status
    instance.status = InstanceStatus.ERROR
    instance.error = message
    instance.ended_at = None
    paused = pause_open(instance)
    data: dict[str, Any] = {"element": element_id} if element_id else {}
    if paused:
        data["paused"] = paused
    event(instance, "error", comment=message, from_state=previous, to_state="error", data=data or None)
    _alert(instance, None)


def pause_open(instance: ProcessInstance) -> int:
    """An instance in error: its open task rows leave the inboxes (status ``paused``, which no inbox,
    reminder or escalation reads) until :func:`resume_paused`. Returns how many were paused."""
    ensure_saved(instance)
    return instance.tasks.filter(status=TaskStatus.OPEN).update(status=TaskStatus.PAUSED)


def resume_paused(instance: ProcessInstance) -> int:
    """The instance runs again (retry, reassign): its paused rows are open again, as they were."""
    return instance.tasks.filter(status=TaskStatus.PAUSED).update(status=TaskStatus.OPEN)


def engine_save(instance: ProcessInstance, eng: EngineInstance) -> None:
    from yunying.workflow.messages import record_waits

    if definition_of(instance.version).message_keys:
        ensure_saved(instance)  # its message waits refer to it
    record_waits(instance, eng)
    instance.state = dump_state(eng)
    instance.has_timers = instance.is_running and "WAITING" in eng.task_states().values()
    if instance.has_timers:
        from yunying.workflow.timers import schedule_next

        ensure_saved(instance)  # the worker's timer task names it

        schedule_next(instance, eng)


def engine_error(exc: EngineError) -> ProcessError:
    element = exc.details[0][0] if exc.details else ""
    return ProcessError(_("流程无法继续：%(msg)s") % {"msg": exc.message}, element_id=element)


def event(
    instance: ProcessInstance,
    action: str,
    *,
    actor: Any = None,
    task: WorkTask | None = None,
    on_behalf_of: Any = None,
    comment: str = "",
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
    step: str = "",
    at: dt.datetime | None = None,
) -> InstanceEvent:
    """Append a line to the instance's history (inside :func:`batched_events`: at its end).
    ``step``: the step's name when there is no ``task`` (a system step); ``at``: when (default: now)."""
    row = InstanceEvent(
        instance=instance,
        task=task,
        actor=actor,
        on_behalf_of=on_behalf_of,
        action=action,
        step=task.name if task is not None else step[:200],
        comment=comment,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
        **({"at": at} if at is not None else {}),
    )
    pending = getattr(instance, _PENDING_EVENTS, None)
    if pending is None:
        row.save(force_insert=True)
    else:
        pending.append(row)
    from yunying.workflow.notify import notify_event

    notify_event(instance, action, actor=actor, task=task, data=row.data)
    return row


LAST_APPROVED = "_yunying_last_approved"  # the step row the current action just approved


def latest_approval(instance: ProcessInstance) -> WorkTask | None:
    """The instance's latest approved step row (with its ``acted_by``): the one the current action
    just approved when there is one (no query), else read."""
    found = getattr(instance, LAST_APPROVED, None)
    if found is not None:
        return found  # type: ignore[no-any-return]
    return (
        WorkTask.objects.filter(instance=instance, status=TaskStatus.COMPLETED, outcome="approved")
        .select_related("acted_by")
        .order_by("-completed_at", "-pk")
        .first()
    )


_PENDING_EVENTS = "_yunying_pending_events"
LOCKED_ROWS = "_yunying_locked_rows"  # the open rows actions.locked read with the lock
OPEN_ROWS = "_yunying_open_rows"  # the open rows as sync left them (valid while ROWS_FINAL is set)
ROWS_FINAL = "_yunying_rows_final"  # nothing changed the task rows after the last sync
FRESH = "_yunying_fresh"  # the instance was created in this transaction (it has no inbox cards yet)
_DEFERRED = "_yunying_deferred_tasks"  # a starting instance not written yet: its task rows, waiting


def defer_writes(instance: ProcessInstance) -> None:
    """A new, unsaved instance (``instance_start``) is written once, at :func:`store_started`, with the
    state the engine left — and its first task rows with it — unless something writes a row that
    refers to it before (:func:`ensure_saved`)."""
    setattr(instance, _DEFERRED, [])


def ensure_saved(instance: ProcessInstance) -> None:
    """A starting instance whose write is deferred gets written now, with the task rows waiting for it:
    a row about to be written (a copy, a system step's row, a candidate list…) refers to it."""
    pending = getattr(instance, _DEFERRED, None)
    if pending is None:
        return
    if instance.pk is None:
        instance.save(force_insert=True)
    if pending:
        WorkTask.objects.bulk_create(pending)
        pending.clear()


def store_started(instance: ProcessInstance) -> None:
    """The end of a start: one INSERT of the instance with its state (an UPDATE when something needed
    it written before), then its task rows in one INSERT."""
    written = getattr(instance, _DEFERRED, None) is None or instance.pk is not None
    ensure_saved(instance)
    if written:
        instance.save()
    if hasattr(instance, _DEFERRED):
        delattr(instance, _DEFERRED)


def _save_new(instance: ProcessInstance, task: WorkTask) -> None:
    """A new task row: written now, or with its starting instance (:func:`defer_writes`)."""
    pending = getattr(instance, _DEFERRED, None)
    if pending is not None and instance.pk is None:
        pending.append(task)
    else:
        task.save()


@contextmanager
def batched_events(instance: ProcessInstance) -> Iterator[None]:
    """Write the history lines of one action in one INSERT when it succeeds (same rows, same order:
    each line keeps the time it was recorded at). Use inside the action's transaction."""
    if getattr(instance, _PENDING_EVENTS, None) is not None:  # already batching
        yield
        return
    from yunying.notifications.services import batched

    pending: list[InstanceEvent] = []
    setattr(instance, _PENDING_EVENTS, pending)
    try:
        with batched():  # the action's notifications too: one INSERT at the end
            yield
            if pending:
                InstanceEvent.objects.bulk_create(pending)
            from yunying.workflow.cards import sync_instance

            sync_instance(instance, fresh=bool(getattr(instance, FRESH, False)))  # its inbox cards
    finally:
        delattr(instance, _PENDING_EVENTS)


@dataclass(frozen=True)
class _Done:
    """What the automatic de-duplication needs to know about the latest finished step."""

    outcome: str
    kind: str
    acted_by_id: int | None
    name: str = ""
    element_id: str = ""


_UNKNOWN: Any = object()


def _previous(instance: ProcessInstance) -> _Done | None:
    ensure_saved(instance)
    row = (
        instance.tasks.filter(status__in=(TaskStatus.COMPLETED, TaskStatus.SKIPPED))
        .exclude(completed_at__isnull=True)
        .order_by("-completed_at", "-pk")
        .values_list("outcome", "kind", "acted_by_id", "name", "element_id")
        .first()
    )
    return _Done(*row) if row is not None else None


def pure_approval(props: dict[str, str]) -> bool:
    """A step that only asks for a decision: no form or fields of its own (then 自动去重 may apply)."""
    from yunying.workflow.forms_bridge import StepForm

    if not StepForm.of(props).empty:
        return False
    return not any(k in props for k in ("camunda:formKey", "zeebe:formKey", "zeebe:formId"))


def _context(instance: ProcessInstance, info: TaskInfo) -> assignment.Context:
    return assignment.Context(
        requester=instance.requester,
        unit=instance.unit,
        data=info.data,
        definition_id=instance.definition_id,
        today=clock.today(),
    )


def new_task(instance: ProcessInstance, info: TaskInfo, now: dt.datetime) -> WorkTask:
    from yunying.workflow.forms_bridge import StepForm

    return WorkTask(
        instance=instance,
        kind=TaskKind.ENGINE,
        engine_task_id=info.id,
        element_id=info.element_id,
        name=(info.name or info.element_id)[:200],
        form_key=StepForm.of(info.properties).form_key[:60],
        sequence=info.instance_index if isinstance(info.instance_index, int) else None,
        created_at=now,
        **sla.deadlines_for(instance, info.element_id, info.properties).fields(),
    )


@dataclass
class _Assigned:
    row: WorkTask
    how: str = ""  # "", or "dedup" / "skip" (complete the engine task now) / "stop"
    fallback: str = ""  # the empty-assignee rule applied ("head", "skip", "stop"), if any
    same_as: _Done | None = None  # dedup: the step whose approver this one repeats


def _may_dedup(
    info: TaskInfo, user: Any, previous: _Done | None, eng: EngineInstance | None, *, multi: bool
) -> bool:
    """自动去重: only a pure approval step, only right after a step this same person approved
    themselves (not one approved automatically), and never a step this instance already ran (a loop
    comes back to its people)."""
    if info.prop("dedup") == "false" or not pure_approval(info.properties):
        return False
    if previous is None or previous.outcome != "approved" or previous.kind != TaskKind.ENGINE:
        return False
    if previous.acted_by_id != user.pk or previous.element_id == info.element_id:
        return False
    if eng is not None and not multi and eng.completed_count(info.element_id):
        return False
    return bool(setting_get("workflow.auto_dedup"))


def _assign(
    instance: ProcessInstance,
    info: TaskInfo,
    *,
    dedup: bool,
    multi: bool,
    previous: Any = _UNKNOWN,
    eng: EngineInstance | None = None,
) -> _Assigned:
    """Create the inbox task for a READY engine task. ``how`` "dedup"/"skip" means the engine task
    must be completed right away; "stop" that nobody can take it.

    ``previous``: the latest finished step (a :class:`_Done` or None) when the caller knows it."""
    now = timezone.now()
    task = new_task(instance, info, now)
    rule = info.prop("assignee") or ""
    res = assignment.resolve(rule, _context(instance, info)) if rule else assignment.Resolution()
    how = fallback = ""
    if res.empty:
        how = fallback = assignment.empty_rule(info.properties)
        if how == "head":
            res = assignment.Resolution(users=assignment.department_head(), rule="head")
            how = "" if not res.empty else "stop"
    if res.users and multi and len(res.users) > 1 and task.sequence is not None:
        res.users = [res.users[task.sequence % len(res.users)]]
    same_as = None
    if not how and not fallback and len(res.users) == 1 and dedup:
        if previous is _UNKNOWN:
            previous = _previous(instance)
        if _may_dedup(info, res.users[0], previous, eng, multi=multi):
            how, same_as = "dedup", previous
    if how:
        task.status = TaskStatus.SKIPPED if how != "stop" else TaskStatus.CANCELLED
        task.outcome = {"skip": "skipped", "dedup": "dedup", "stop": "stopped"}[how]
        task.completed_at = now
        if how == "dedup":
            task.assignee = task.acted_by = res.users[0]
        if how == "stop":
            ensure_saved(instance)
            task.save()
        else:
            _save_new(instance, task)
        _created(instance, task)
        return _Assigned(task, how, fallback, same_as)
    if len(res.users) == 1:
        user = res.users[0]
        delegate = assignment.delegate_for(
            user, definition_id=instance.definition_id, on=clock.business_date(now)
        )
        task.assignee = delegate or user
        task.on_behalf_of = user if delegate else None
        _save_new(instance, task)
    else:
        task.candidate_position, task.candidate_unit, task.candidate_group = res.position, res.unit, res.group
        ensure_saved(instance)  # its candidates are rows of their own
        task.save()
        if res.users:  # 或签: everyone may act (or whoever they delegate to); no query per person
            delegates = assignment.delegates_for(
                res.users, definition_id=instance.definition_id, on=clock.business_date(now)
            )
            users = {(delegates[u.pk] or u).pk: None for u in res.users}
            through = WorkTask.candidate_users.through
            through.objects.bulk_create([through(worktask_id=task.pk, user_id=pk) for pk in users])
    _created(instance, task)
    return _Assigned(task, "", fallback)


def _copies_added(instance: ProcessInstance, people: dict[int, Any], step: str) -> list[Any]:
    """The copies of those in ``people`` who have none yet, written; who got one. The instance is
    locked (or new). PostgreSQL and SQLite: one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (the
    unique (instance, user) pair); elsewhere who already has a copy, then the others in one INSERT."""
    if connection.vendor in ("postgresql", "sqlite"):
        meta, qn = CarbonCopy._meta, connection.ops.quote_name
        fields = [
            cast(Field, meta.get_field(n)) for n in ("instance", "user", "step", "created_at", "read_at")
        ]
        columns = [qn(str(f.column)) for f in fields]
        created = fields[3].get_db_prep_save(timezone.now(), connection)
        params = [value for pk in people for value in (instance.pk, pk, step, created, None)]
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(columns)}) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s)"] * len(people))
            + f" ON CONFLICT ({columns[0]}, {columns[1]}) DO NOTHING RETURNING {columns[1]}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            added = {row[0] for row in cursor.fetchall()}
        return [u for pk, u in people.items() if pk in added]
    have = set(
        CarbonCopy.objects.filter(instance=instance, user_id__in=list(people)).values_list(
            "user_id", flat=True
        )
    )
    copied = [u for pk, u in people.items() if pk not in have]
    if copied:
        CarbonCopy.objects.bulk_create([CarbonCopy(instance=instance, user=u, step=step) for u in copied])
    return copied


def copy_to(instance: ProcessInstance, rule: str, step: str) -> None:
    """抄送: resolve ``rule`` and give those people read access plus the "copied to me" entry."""
    if not rule:
        return
    res = assignment.resolve(
        rule,
        assignment.Context(requester=instance.requester, unit=instance.unit, data=instance.data),
    )
    people = {u.pk: u for u in res.users}
    if not people:
        return
    ensure_saved(instance)
    copied = _copies_added(instance, people, step)
    if copied:
        ids = [u.pk for u in copied]
        _on_failure(instance, CarbonCopy.objects.filter(instance=instance, user_id__in=ids).delete)
        from yunying.workflow.notify import notify_copied

        notify_copied(instance, copied, step)


def open_rows(instance: ProcessInstance) -> list[WorkTask]:
    """The instance's open task rows (steps, added signers, a return to the requester)."""
    ensure_saved(instance)
    return list(instance.tasks.filter(status__in=OPEN_STATUSES))


# Where an action's decision goes in the process data (never over a form's own values): ``_outcome``
# holds the latest step's ("approved", "rejected", "dedup", "skipped"), ``_results`` each step's by
# element id. ``approved`` is still set for diagrams that test it, unless the step's form has it.
OUTCOME = "_outcome"
RESULTS = "_results"


def decision(
    info_data: dict[str, Any], element_id: str, outcome: str, values: dict[str, Any]
) -> dict[str, Any]:
    """The data a step completes with: its form ``values`` plus the reserved outcome entries."""
    merged = dict(values)
    results = info_data.get(RESULTS)
    merged[RESULTS] = {**(results if isinstance(results, dict) else {}), element_id: outcome}
    merged[OUTCOME] = outcome
    if "approved" not in values:
        merged["approved"] = outcome != "rejected"
    return merged


def _step_result(eng: EngineInstance, info: TaskInfo, outcome: str) -> dict[str, Any]:
    return decision(info.data, info.element_id, outcome, {})


class Stuck(EngineError):
    """The engine waits for a person nobody was given, or for nothing at all."""


def sync(
    instance: ProcessInstance,
    eng: EngineInstance,
    *,
    actor: Any = None,
    dedup: bool = True,
    rows: list[WorkTask] | None = None,
    fresh: bool = False,
    previous: _Done | None = None,
) -> bool:
    """Make the open engine tasks match the engine's READY user tasks; finish the instance when the
    engine completes. Automatic completions (skip, dedup) go on until the engine waits for people,
    each counted against the run-away limit. True when the instance's current steps were refreshed
    (not when a step stopped the instance).

    Afterwards a running instance has an open row for every READY user task and something to wait
    for (a person or an event); otherwise :class:`Stuck` is raised (see :func:`guarded`).

    ``rows``: :func:`open_rows` as the caller just read them in this transaction (saves a query);
    ``fresh``: the instance was created in this transaction and has no task rows yet;
    ``previous``: the step the caller just finished (then it is the latest, known without a query)."""
    multi = multi_instance_steps(instance.version)
    # On a fresh instance every finished row is one this call made: the latest is known.
    latest: Any = None if fresh else (previous if previous is not None else _UNKNOWN)
    if fresh:
        rows = []
    first = True
    while True:
        ready = {t.id: t for t in eng.ready_user_tasks()}
        # All open rows of the instance, kept up to date below: they give the current steps. After an
        # automatic step they are the ones the previous round left (system steps write no task rows).
        if first:
            still_open = list(rows) if rows is not None else open_rows(instance)
        first = False
        # Any open part of a step (its task, or a signer added to it) covers the engine task.
        steps = [t for t in still_open if t.kind != TaskKind.RESUBMIT]
        gone = [t for t in steps if t.engine_task_id not in ready]
        for row in gone:
            _cancel(row, instance)
            if row.kind == TaskKind.ENGINE and eng.task_state(row.engine_task_id) == "CANCELLED":
                event(  # a boundary event (or a terminate end) took the step away
                    instance,
                    "step_cancelled",
                    task=row,
                    comment=_("步骤“%(step)s”已被流程图中的事件取消。") % {"step": row.name},
                )
        _log_automatic_steps(instance, eng)
        still_open = [t for t in still_open if t not in gone]
        if instance.waiting_for_requester:
            break
        have = {t.engine_task_id for t in steps if t.engine_task_id in ready}
        advanced = False
        for info in ready.values():
            if info.id in have:
                continue
            got = _assign(
                instance, info, dedup=dedup, multi=info.element_id in multi, previous=latest, eng=eng
            )
            row, how = got.row, got.how
            if got.fallback:
                _empty_assignee_event(instance, row, info, got)
            if latest is not _UNKNOWN and how in ("dedup", "skip"):
                latest = _Done(row.outcome, row.kind, row.acted_by_id, row.name, row.element_id)
            if how == "stop":
                instance.status = InstanceStatus.ERROR
                instance.error = _("步骤“%(step)s”找不到处理人（规则：%(rule)s），流程已停止。") % {
                    "step": row.name,
                    "rule": info.prop("assignee") or "—",
                }
                instance.ended_at = None
                paused = pause_open(instance)
                event(
                    instance,
                    "stopped",
                    task=row,
                    comment=instance.error,
                    to_state="error",
                    data={"paused": paused} if paused else None,
                )
                _alert(instance, row)
                set_current(instance, still_open)
                return False
            if how:
                same_as = got.same_as
                event(
                    instance,
                    "auto_" + how,
                    task=row,
                    actor=row.acted_by if how == "dedup" else None,
                    comment=_("自动通过：与步骤“%(step)s”的审批人相同") % {"step": same_as.name}
                    if same_as is not None
                    else _("自动跳过：步骤没有处理人"),
                    data={
                        "rule": info.prop("assignee") or "",
                        **({"same_as": same_as.element_id} if same_as is not None else {}),
                    },
                )
                copy_to(instance, info.prop("cc") or "", row.name)
                eng.count_step(info.element_id)
                eng.complete_task(info.id, _step_result(eng, info, row.outcome))
                advanced = True
                break
            event(instance, "assigned", task=row, to_state="open", data={"rule": info.prop("assignee") or ""})
            still_open.append(row)
        if not advanced:
            break
    if eng.is_completed() and instance.status == InstanceStatus.RUNNING:
        instance.status = InstanceStatus.COMPLETED
        instance.ended_at = timezone.now()
        event(instance, "completed", actor=None, from_state="running", to_state="completed")
        fire_rules(instance, "instance_completed", eng.last_data(), outcome="approved")
    elif instance.status == InstanceStatus.RUNNING and not instance.waiting_for_requester:
        _check_in_sight(eng, ready, still_open)
    set_current(instance, still_open)
    setattr(instance, OPEN_ROWS, still_open)  # the inbox cards are written from them (cards.py)
    return True


_LOG_ACTIONS = {"decision": "decision", "script": "script", "timer": "timer"}


def _log_automatic_steps(instance: ProcessInstance, eng: EngineInstance) -> None:
    """Decisions (DMN), scripts and timers the engine ran: one history line each, with what they set."""
    from yunying.workflow.forms_bridge import to_json

    for entry in eng.drain_log():
        event(
            instance,
            _LOG_ACTIONS[entry["kind"]],
            step=entry["name"] or entry["element"],
            data={"element": entry["element"], "set": to_json(entry["set"])},
        )


def _check_in_sight(eng: EngineInstance, ready: dict[str, TaskInfo], still_open: list[WorkTask]) -> None:
    """The invariant after every engine step of a running instance: each READY user task has its
    open row, and something can move the instance on (a person, a timer, a message)."""
    covered = {t.engine_task_id for t in still_open}
    missing = [info for info in ready.values() if info.id not in covered]
    if missing:
        names = ", ".join(info.name or info.element_id for info in missing)
        raise Stuck(f"steps waiting without a task row: {names}", [(missing[0].element_id, "userTask")])
    if not still_open and not eng.is_waiting_for_event():
        raise Stuck("the engine waits for nothing a person or an event can give (no open step)")


def _empty_assignee_event(instance: ProcessInstance, row: WorkTask, info: TaskInfo, got: _Assigned) -> None:
    """A step whose assignee rule found nobody: a visible line in the history (and the monitor)."""
    rule = info.prop("assignee") or ""
    if got.fallback == "head" and got.how != "stop":
        holder = row.assignee or row.acted_by
        comment = _("步骤“%(step)s”找不到处理人（规则：%(rule)s），已转给管理部负责人 %(name)s。") % {
            "step": row.name,
            "rule": rule or "—",
            "name": holder.display_name if holder is not None else "—",
        }
    elif got.fallback == "skip":
        comment = _("步骤“%(step)s”找不到处理人（规则：%(rule)s），按设置跳过。") % {
            "step": row.name,
            "rule": rule or "—",
        }
    else:
        return  # "stop": the stop line says it
    event(
        instance, "empty_assignee", task=row, comment=comment, data={"rule": rule, "fallback": got.fallback}
    )


def fire_rules(
    instance: ProcessInstance, event_name: str, data: dict[str, Any], *, step: str = "", outcome: str = ""
) -> int:
    """The instance's rules for ``event_name`` (see :func:`yunying.workflow.rules.fire`)."""
    if not instance.definition.rules_snapshot:
        return 0
    ensure_saved(instance)
    from yunying.workflow.rules import fire

    return fire(instance, event_name, data, step=step, outcome=outcome)


def _cancel(row: WorkTask, instance: ProcessInstance) -> None:
    ensure_saved(instance)
    now, was = timezone.now(), row.status
    row.status = TaskStatus.CANCELLED
    row.completed_at = now
    row.save(update_fields=["status", "completed_at"])
    row.signers.filter(status__in=OPEN_STATUSES).update(status=TaskStatus.CANCELLED, completed_at=now)

    def undo() -> None:
        WorkTask.objects.filter(pk=row.pk).update(status=was, completed_at=None)
        row.signers.filter(status=TaskStatus.CANCELLED, completed_at=now).update(
            status=TaskStatus.OPEN, completed_at=None
        )

    _on_failure(instance, undo)


def cancel_all(instance: ProcessInstance) -> None:
    ensure_saved(instance)
    now = timezone.now()
    instance.tasks.filter(status__in=(*OPEN_STATUSES, TaskStatus.PAUSED)).update(
        status=TaskStatus.CANCELLED, completed_at=now
    )


def refresh_current(instance: ProcessInstance) -> None:
    ensure_saved(instance)
    names = list(
        dict.fromkeys(instance.tasks.filter(status__in=OPEN_STATUSES).values_list("name", flat=True))
    )
    instance.current_steps = "、".join(names)[:300]


def set_current(instance: ProcessInstance, rows: list[WorkTask]) -> None:
    """:func:`refresh_current` from the open rows at hand, in the order the database gives them
    (``WorkTask.Meta.ordering``: due time — with the database's place for "none" —, arrival, id)."""
    nulls_last = connection.features.nulls_order_largest

    def key(t: WorkTask) -> tuple[bool, dt.datetime, dt.datetime, int]:
        missing = t.due_at is None
        # (a row of a starting instance not written yet has no id: the rows are in creation order)
        return (missing if nulls_last else not missing, t.due_at or t.created_at, t.created_at, t.pk or 0)

    names = dict.fromkeys(t.name for t in sorted(rows, key=key) if t.status in OPEN_STATUSES)
    instance.current_steps = "、".join(names)[:300]


def _alert(instance: ProcessInstance, row: WorkTask | None) -> None:
    from yunying.workflow.notify import notify

    people = [instance.requester, *assignment.department_head()]
    notify(
        list({u.pk: u for u in people}.values()),
        kind="alert",
        instance=instance,
        task=row,
        message=str(instance.error)[:300],
    )
