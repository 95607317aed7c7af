"""Multi-instance steps as the designer writes them: 会签 (all approve), 或签 (the first approval
completes the step), 依次审批 (one after another) — with the approvers from the assignee rule (one part
per person, ``loopCardinality``) or from a list of people in the data (``loopDataInputRef``)."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.workflow import services
from yunying.workflow.tests.conftest import open_tasks, read

pytestmark = pytest.mark.django_db

MODES = {
    "all": ('isSequential="false"', ""),
    "any": ('isSequential="false"', "<bpmn:completionCondition>approved</bpmn:completionCondition>"),
    "sequential": ('isSequential="true"', ""),
}


def diagram(mode: str, source: str) -> bytes:
    sequential, done = MODES[mode]
    if source == "rule":
        assignee, inner = "position:AREA-MGR", "<bpmn:loopCardinality>2</bpmn:loopCardinality>"
    else:
        # Part i goes to the i-th person of the list (no inputDataItem: a sequential step would
        # refuse to find the previous part's item in its data).
        assignee, inner = "chosen:approvers", "<bpmn:loopDataInputRef>approvers</bpmn:loopDataInputRef>"
    return (
        read("single.bpmn")
        .decode()
        .replace(
            '<bpmn:userTask id="step" name="处理" yunying:assignee="ASSIGNEE"/>',
            f'<bpmn:userTask id="step" name="会签" yunying:assignee="{assignee}">'
            f"<bpmn:multiInstanceLoopCharacteristics {sequential}>{inner}{done}"
            "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>",
        )
        .encode()
    )


def _open(inst: Any) -> list[str]:
    return sorted(t.assignee.username for t in open_tasks(inst) if t.element_id == "step")


@pytest.mark.parametrize("source", ["rule", "field"])
@pytest.mark.parametrize("mode", ["all", "any", "sequential"])
def test_modes(deploy: Any, chain: Any, mode: str, source: str) -> None:
    deploy("single.bpmn", key="mi", xml=diagram(mode, source))
    data = {"approvers": ["area_a", "area_b"]} if source == "field" else {}
    inst = services.instance_start(actor=chain.users["store_a1"], key="mi", data=data)
    first = ["area_a"] if mode == "sequential" else ["area_a", "area_b"]
    assert _open(inst) == first
    services.task_approve(actor=chain.users["area_a"], task_id=open_tasks(inst)[0].pk)
    if mode == "any":
        assert _open(inst) == []  # the first approval completes the step; the other part is cancelled
        assert inst.tasks.get(element_id="step", assignee__username="area_b").status == "cancelled"
    else:
        assert _open(inst) == ["area_b"]
        services.task_approve(actor=chain.users["area_b"], task_id=open_tasks(inst)[0].pk)
    assert [t.element_id for t in open_tasks(inst)] == ["after"]
    services.task_approve(actor=chain.users["gm"], task_id=open_tasks(inst)[0].pk)
    inst.refresh_from_db()
    assert inst.status == "completed"


def test_people_chosen_by_employee_number(deploy: Any, chain: Any) -> None:
    """The forms' person picker stores employee numbers; `chosen:` accepts them as well as logins."""
    deploy("single.bpmn", key="mi-no", xml=diagram("all", "field"))
    numbers = [chain.users[u].employee.employee_no for u in ("area_a", "area_b")]
    inst = services.instance_start(actor=chain.users["store_a1"], key="mi-no", data={"approvers": numbers})
    assert _open(inst) == ["area_a", "area_b"]
