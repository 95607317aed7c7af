"""Demo service levels (called by ``yunying.seed.demo.demo_load`` after the demo requests): the company
counts time limits in working time, and two waiting requests are made ten days old, so the demo shows
reminders, overdue steps and escalations (fired by the same tick the worker runs)."""

from __future__ import annotations

import datetime as dt

from yunying.core import clock
from yunying.core.settings_store import setting_set
from yunying.workflow import sla
from yunying.workflow.models import OPEN_STATUSES, TaskKind, WorkTask
from yunying.workflow.runtime import step_properties
from yunying.workflow.timers import due_work_tick

LATE_TITLES = ("S02 保鲜膜采购", "S03 排烟管道维修")


def sla_demo_load() -> int:
    setting_set(key="workflow.due_basis", value="working", description="步骤时限按公司工作时间计算")
    opened = clock.now() - dt.timedelta(days=10)
    for task in WorkTask.objects.filter(
        instance__title__in=LATE_TITLES, status__in=OPEN_STATUSES, kind=TaskKind.ENGINE
    ).select_related("instance__version", "instance__unit"):
        props = step_properties(task.instance.version, task.element_id)
        task.created_at = opened
        for name, value in sla.deadlines_for(task.instance, task.element_id, props, opened).fields().items():
            setattr(task, name, value)
        task.save()
    return due_work_tick()
