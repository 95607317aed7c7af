"""Deploy checks are linear: a diagram of 12,500 gateways (under 2 MB) is accepted, and the same diagram
with one unknown name is refused naming it. (The time is printed by bench/bench_deploy.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yunying.workflow import services
from yunying.workflow.deploy import MAX_BPMN_BYTES
from yunying.workflow.errors import DeployRefused
from yunying.workflow.models import ProcessVersion
from yunying.workflow.tests.bigdiagram import big_diagram

pytestmark = pytest.mark.django_db


def test_a_large_diagram_is_accepted_and_a_flaw_in_it_refused_precisely(deployer: Any) -> None:
    xml = big_diagram(12_500)
    assert 1_500_000 < len(xml) <= MAX_BPMN_BYTES and xml.count(b"exclusiveGateway") == 12_500
    version = services.definition_deploy(actor=deployer, key="big", name="大流程", bpmn_xml=xml)
    assert version.pk is not None and len(version.spec["spec"]["task_specs"]) > 12_500
    with pytest.raises(DeployRefused) as refused:
        services.definition_deploy(
            actor=deployer, key="big", name="大流程", bpmn_xml=big_diagram(12_500, broken=True)
        )
    assert refused.value.problems == [
        ("cg49_249", "未知字段 'amonut'（可用：amount、approved、requester、store、unit）")
    ]
    assert ProcessVersion.objects.filter(definition__key="big").count() == 1


def _naive_known_before(graph: Any, eid: str) -> set[str] | None:
    """The definition the one-pass computation must agree with: every element reachable backwards."""
    known: set[str] = set()
    seen: set[str] = set()
    todo = [eid]
    while todo:
        for src in graph.preds.get(todo.pop(), set()):
            if src in seen:
                continue
            seen.add(src)
            gives = graph.gives.get(src, set())
            if gives is None:
                return None
            known |= gives
            todo.append(src)
    return known


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edges=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), min_size=1, max_size=30),
    fields=st.lists(st.sampled_from(["a", "b", "c", ""]), min_size=12, max_size=12),
    nested=st.integers(0, 11),
)
def test_names_known_before_each_element_match_a_walk_back_from_it(
    edges: list[tuple[int, int]], fields: list[str], nested: int
) -> None:
    # Twelve steps (some with a field), random flows (loops included), and a sub-process holding a
    # start event, whose names come from what precedes the sub-process.
    from lxml import etree

    from yunying.workflow.deploy_names import _Graph

    steps = "".join(
        f'<bpmn:userTask id="t{i}"' + (f' yunying:fields="{f}:text:{f}"' if f else "") + "/>"
        for i, f in enumerate(fields)
    )
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{k}" sourceRef="t{a}" targetRef="t{b}"/>' for k, (a, b) in enumerate(edges)
    )
    xml = (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:yunying="http://yunying.dev/schema/bpmn/1.0"><bpmn:process id="p">'
        f'{steps}{flows}<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
        '<bpmn:userTask id="inner" yunying:fields="z:text:z"/>'
        '<bpmn:sequenceFlow id="si" sourceRef="ss" targetRef="inner"/></bpmn:subProcess>'
        f'<bpmn:sequenceFlow id="fs" sourceRef="t{nested}" targetRef="sub"/>'
        "</bpmn:process></bpmn:definitions>"
    )
    graph = _Graph(etree.fromstring(xml.encode()), {})
    for eid in [*graph.nodes, *graph.preds]:
        assert graph.known_before(eid) == _naive_known_before(graph, eid), eid


def test_conditions_read_among_many_known_names_and_the_listing_of_a_refusal_is_bounded() -> None:
    # 600 steps each add a field; 800 conditions after them read those fields.
    from yunying.workflow.deploy_names import LISTED, unknown_names
    from yunying.workflow.tests.bigdiagram import many_fields

    assert unknown_names(many_fields(600, gateways=800), "fields", "s") == []
    [(element, message)] = unknown_names(many_fields(600, gateways=800, broken=True), "fields", "s")
    listed = message.split("（可用：", 1)[1].rstrip("）")
    names = listed.rstrip("…").split("、")
    assert element == "cg49_15" and message.startswith("未知字段 'x_missing'") and listed.endswith("…")
    assert len(names) == LISTED and names[:4] == ["amount", "approved", "f0", "f1"]
    assert names == sorted(names) and "x_missing" not in names
