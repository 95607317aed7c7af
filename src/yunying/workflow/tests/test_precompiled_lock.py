"""The lock reads of an action run precompiled statements (core.precompiled): built once per process
and database with probe values, run with each task's values. They give what the ORM gives, fall back
to the ORM when a probe is not exactly one parameter, and still lock the rows."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Q, QuerySet
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from yunying.core.precompiled import Precompiled
from yunying.workflow import actions, services
from yunying.workflow.models import OPEN_STATUSES, ProcessInstance, WorkTask
from yunying.workflow.tests.conftest import open_tasks, single_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(deploy: Any, chain: Any) -> list[ProcessInstance]:
    deploy("single.bpmn", key="single", xml=single_xml("position:AREA-MGR"))
    return [services.instance_start(actor=chain.users["store_a1"], key="single", data={}) for _ in range(2)]


def _sql(run: Any) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [q["sql"] for q in captured.captured_queries]


def test_values_are_swapped_for_the_probes(started: list[ProcessInstance]) -> None:
    by_instance = Precompiled(
        lambda pk: WorkTask.objects.filter(instance_id=pk, status__in=OPEN_STATUSES).order_by("pk"),
        Precompiled.probe_int(),
    )
    assert by_instance.compiled()
    for instance in started:
        rows = by_instance(instance.pk)
        assert [r.pk for r in rows] == [t.pk for t in open_tasks(instance)]
        assert all(isinstance(r, WorkTask) and r.instance_id == instance.pk for r in rows)
        # the same statement the ORM runs, with the same values
        assert _sql(lambda i=instance: by_instance(i.pk)) == _sql(
            lambda i=instance: list(by_instance.build(i.pk))
        )
    assert by_instance(-1) == []


def test_related_rows_deferred_fields_annotations_and_values_rows(started: list[ProcessInstance]) -> None:
    from django.db.models import Count

    instance = started[0]
    annotated = Precompiled(
        lambda pk: (
            ProcessInstance.objects.select_related("version", "definition")
            .defer("version__bpmn_xml")
            .annotate(n=Count("tasks"))
            .filter(pk=pk)
        ),
        Precompiled.probe_int(),
    )
    with CaptureQueriesContext(connection) as captured:
        [found] = annotated(instance.pk)
        assert found.version.pk == instance.version_id and found.definition.key == "single"
    assert len(captured.captured_queries) == 1  # the joined rows came with it
    assert found.n == WorkTask.objects.filter(instance=instance).count()
    assert "bpmn_xml" in found.version.get_deferred_fields()
    values = Precompiled(lambda pk: WorkTask.objects.filter(instance_id=pk).values("pk", "status"), 0)
    assert values(instance.pk) == list(
        WorkTask.objects.filter(instance_id=instance.pk).values("pk", "status")
    )


def test_the_orm_builds_each_call_when_a_probe_is_not_one_parameter(started: list[ProcessInstance]) -> None:
    instance = started[0]
    twice = Precompiled(
        lambda pk: WorkTask.objects.filter(Q(pk=pk) | Q(instance_id=pk)), Precompiled.probe_int()
    )
    assert not twice.compiled()
    assert {r.pk for r in twice(instance.pk)} == {t.pk for t in WorkTask.objects.filter(instance=instance)}
    # transformed by its lookup (the parameter is "%probe%"): no parameter equals the probe
    contains = Precompiled(lambda text: WorkTask.objects.filter(element_id__contains=text), "\x00probe")
    assert not contains.compiled()
    element = open_tasks(instance)[0].element_id
    assert {r.pk for r in contains(element[1:])} == set(
        WorkTask.objects.filter(element_id__contains=element[1:]).values_list("pk", flat=True)
    )


def test_a_value_of_another_type_than_its_probe_runs_the_orm(started: list[ProcessInstance]) -> None:
    """``None`` compiles to ``IS NULL``, not to a parameter: the precompiled statement would be wrong."""
    calls: list[Any] = []

    def build(assignee: Any) -> QuerySet[WorkTask]:
        calls.append(assignee)
        return WorkTask.objects.filter(assignee_id=assignee)

    unassigned = Precompiled(build, Precompiled.probe_int())
    assert unassigned.compiled() and len(calls) == 1
    assert {r.pk for r in unassigned(None)} == set(
        WorkTask.objects.filter(assignee__isnull=True).values_list("pk", flat=True)
    )
    assert calls[-1] is None


def test_the_lock_reads_are_precompiled_and_lock(started: list[ProcessInstance], chain: Any) -> None:
    with transaction.atomic():
        assert actions._LOCK_INSTANCE.compiled() and actions._LOCK_ROWS.compiled()
    instance = started[1]
    [task] = open_tasks(instance)
    with transaction.atomic():
        statements = _sql(lambda: actions._LOCK_INSTANCE(task.pk))
        [found] = actions._LOCK_INSTANCE(task.pk)
        rows = actions._LOCK_ROWS(task.pk, found.pk)
    assert found.pk == instance.pk and found.requester == chain.users["store_a1"]
    assert "spec" in found.version.get_deferred_fields()
    assert [r.pk for r in rows] == [task.pk]
    if connection.features.has_select_for_update_of:
        assert "FOR UPDATE OF" in statements[0]


@pytest.mark.django_db(transaction=True)
def test_a_locked_task_blocks_another_lock_until_the_action_ends(deploy: Any, chain: Any) -> None:
    """PostgreSQL: the instance and task rows are locked (a NOWAIT lock of either is refused). SQLite has no
    row locks: the action's transaction holds the write lock, so another writer is refused meanwhile."""
    deploy("single.bpmn", key="single", xml=single_xml("position:AREA-MGR"))
    instance = services.instance_start(actor=chain.users["store_a1"], key="single", data={})
    [task] = open_tasks(instance)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with actions.locked(chain.users["area_a"], task.pk):
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    if (
        connection.features.has_select_for_update and connection.get_autocommit()
    ):  # as the ORM: a lock only in a transaction
        with transaction.atomic():
            actions._LOCK_INSTANCE(task.pk)  # compiled (inside a transaction) before the check
        with pytest.raises(TransactionManagementError):
            actions._LOCK_INSTANCE(task.pk)
    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(30)
        if connection.features.has_select_for_update_nowait:
            for model, pk in ((ProcessInstance, instance.pk), (WorkTask, task.pk)):
                with pytest.raises(DatabaseError), transaction.atomic():
                    list(model.objects.select_for_update(nowait=True).filter(pk=pk))
        else:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 0")  # refused at once instead of waiting
            try:
                with pytest.raises(DatabaseError, match="locked"), transaction.atomic():
                    WorkTask.objects.filter(pk=task.pk).update(name=task.name)
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = 20000")
    finally:
        release.set()
        thread.join(30)
    with transaction.atomic():  # free once the action is over
        assert [
            i.pk for i in ProcessInstance.objects.select_for_update(nowait=True).filter(pk=instance.pk)
        ] == [instance.pk]


def test_a_copy_is_written_and_notified_once_per_person(
    started: list[ProcessInstance], chain: Any, django_assert_num_queries: Any
) -> None:
    """抄送 in one statement: those who already have a copy get no second one and no second notice."""
    from yunying.notifications.models import Notification
    from yunying.notifications.services import batched
    from yunying.workflow import runtime
    from yunying.workflow.models import CarbonCopy

    instance = ProcessInstance.objects.get(pk=started[0].pk)
    supervisor, gm = chain.users["supervisor"], chain.users["gm"]
    with batched():
        with django_assert_num_queries(1):
            assert runtime._copies_added(instance, {supervisor.pk: supervisor}, "一") == [supervisor]
        with django_assert_num_queries(1):
            added = runtime._copies_added(instance, {supervisor.pk: supervisor, gm.pk: gm}, "二")
        assert added == [gm]
    copies = dict(CarbonCopy.objects.filter(instance=instance).values_list("user_id", "step"))
    assert copies == {supervisor.pk: "一", gm.pk: "二"}
    assert CarbonCopy.objects.get(instance=instance, user=gm).created_at is not None
    runtime.copy_to(instance, "user:supervisor", "三")  # already copied: nobody to tell
    assert not Notification.objects.filter(instance=instance, kind="cc").exists()
