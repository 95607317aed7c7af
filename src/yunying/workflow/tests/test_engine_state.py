"""Engine state: restoring shares the definition's spec objects and leaves the stored state untouched."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from yunying.workflow.engine import (
    ParsedDefinition,
    dump_state,
    load_definition,
    load_state,
    parse_definition,
    start_instance,
)

HERE = Path(__file__).parent / "bpmn"

EVENT_SUBPROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="t">
  <bpmn:message id="m_cancel" name="cancel"/>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="work" name="work"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <bpmn:subProcess id="on_cancel" triggeredByEvent="true">
      <bpmn:startEvent id="cancel_start"><bpmn:messageEventDefinition messageRef="m_cancel"/></bpmn:startEvent>
      <bpmn:endEvent id="cancel_end"/>
      <bpmn:sequenceFlow id="f3" sourceRef="cancel_start" targetRef="cancel_end"/>
    </bpmn:subProcess>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture(scope="module")
def tiered() -> ParsedDefinition:
    return load_definition(parse_definition((HERE / "tiered_approval.bpmn").read_bytes()).to_dict())


def test_restore_shares_the_spec_and_does_not_touch_the_state(tiered: ParsedDefinition) -> None:
    assert tiered.shares_specs
    state = dump_state(start_instance(tiered, {"amount": Decimal("250.50")}))
    assert "spec" not in state and "subprocess_specs" not in state
    kept = copy.deepcopy(state)
    inst = load_state(tiered, state)
    assert inst.workflow.spec is tiered.spec
    assert state == kept and list(state["tasks"]) == list(kept["tasks"])
    assert dump_state(inst) == kept  # a restore and a dump give back the same state
    [task] = inst.ready_user_tasks()
    assert task.data["amount"] == Decimal("250.50")
    inst.complete_task(task.id, {})
    assert state == kept


def test_instances_on_one_definition_stay_apart(tiered: ParsedDefinition) -> None:
    low = load_state(tiered, dump_state(start_instance(tiered, {"amount": 100})))
    high = load_state(tiered, dump_state(start_instance(tiered, {"amount": 500})))
    for inst in (low, high):
        [task] = inst.ready_user_tasks()
        inst.complete_task(task.id, {"mgmt_ok": True})
    assert low.is_completed()
    assert [t.element_id for t in high.ready_user_tasks()] == ["gm_review"]
    again = load_state(tiered, json.loads(json.dumps(dump_state(high), sort_keys=True)))
    assert [t.element_id for t in again.ready_user_tasks()] == ["gm_review"]


def test_older_state_formats_take_the_full_restore(tiered: ParsedDefinition) -> None:
    state = dump_state(start_instance(tiered, {"amount": 250}))
    state["serializer_version"] = "0-unknown"  # not the current format: specs rebuilt, migrations run
    inst = load_state(tiered, state)
    assert inst.workflow.spec is not tiered.spec
    assert [t.element_id for t in inst.ready_user_tasks()] == ["mgmt_review"]


def test_a_definition_spiff_changes_at_run_time_is_not_shared() -> None:
    defn = parse_definition(EVENT_SUBPROCESS)
    assert not defn.shares_specs
    inst = load_state(defn, dump_state(start_instance(defn, {})))
    assert inst.workflow.spec is not defn.spec
    assert [t.element_id for t in inst.ready_user_tasks()] == ["work"]
