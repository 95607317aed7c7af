"""A large diagram for the deploy-speed checks: ``gateways`` exclusive gateways in ``branches`` parallel
chains (every tenth gateway with a conditional exit to the end) between a start form and one approval
step. Under 2 MB for 12,500 gateways."""

from __future__ import annotations


def big_diagram(gateways: int = 12_500, *, branches: int = 50, broken: bool = False) -> bytes:
    """``broken``: one conditional exit reads a name the process does not have (the deploy refuses it)."""
    per = gateways // branches
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="t">'
        '<bpmn:process id="big" isExecutable="true">'
        '<bpmn:startEvent id="s" yunying:fields="amount:money:金额"/>'
        '<bpmn:parallelGateway id="split"/><bpmn:parallelGateway id="join"/>'
        '<bpmn:userTask id="u" yunying:assignee="requester"/><bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="split"/>'
        '<bpmn:sequenceFlow id="fj" sourceRef="join" targetRef="u"/>'
    ]
    for b in range(branches):
        parts.append(f'<bpmn:sequenceFlow id="b{b}" sourceRef="split" targetRef="g{b}_0"/>')
        for i in range(per):
            g = f"g{b}_{i}"
            nxt = f"g{b}_{i + 1}" if i + 1 < per else "join"
            parts.append(f'<bpmn:exclusiveGateway id="{g}" default="d{g}"/>')
            parts.append(f'<bpmn:sequenceFlow id="d{g}" sourceRef="{g}" targetRef="{nxt}"/>')
            if i % 10 == 9:
                name = "amonut" if broken and b == branches - 1 and i == per - 1 else "amount"
                parts.append(
                    f'<bpmn:sequenceFlow id="c{g}" sourceRef="{g}" targetRef="e">'
                    f"<bpmn:conditionExpression>{name} &gt; {i}</bpmn:conditionExpression></bpmn:sequenceFlow>"
                )
    parts.append('<bpmn:sequenceFlow id="fu" sourceRef="u" targetRef="e"/></bpmn:process></bpmn:definitions>')
    return "".join(parts).encode()


def many_fields(
    steps: int = 3_000, *, gateways: int = 4_000, branches: int = 50, broken: bool = False
) -> bytes:
    """``steps`` parallel approval steps each adding a field, joined, then ``gateways`` exclusive
    gateways in ``branches`` parallel chains, each with a conditional exit reading one of those fields:
    every condition is checked against thousands of known names (under 2 MB as given). ``broken``: the
    last condition reads a name no step gives."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="t">'
        '<bpmn:process id="fields" isExecutable="true">'
        '<bpmn:startEvent id="s" yunying:fields="amount:money:金额"/><bpmn:endEvent id="e"/>'
        '<bpmn:parallelGateway id="split"/><bpmn:parallelGateway id="join"/>'
        '<bpmn:parallelGateway id="split2"/><bpmn:parallelGateway id="join2"/>'
        '<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="split"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="join" targetRef="split2"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="join2" targetRef="e"/>'
    ]
    for i in range(steps):
        parts.append(
            f'<bpmn:userTask id="t{i}" yunying:assignee="requester" yunying:fields="f{i}:text:第{i}项"/>'
            f'<bpmn:sequenceFlow id="a{i}" sourceRef="split" targetRef="t{i}"/>'
            f'<bpmn:sequenceFlow id="b{i}" sourceRef="t{i}" targetRef="join"/>'
        )
    per = gateways // branches
    for b in range(branches):
        parts.append(f'<bpmn:sequenceFlow id="h{b}" sourceRef="split2" targetRef="g{b}_0"/>')
        for i in range(per):
            g, k = f"g{b}_{i}", (b * per + i) % steps
            nxt = f"g{b}_{i + 1}" if i + 1 < per else "join2"
            name = "x_missing" if broken and b == branches - 1 and i == per - 1 else f"f{k}"
            parts.append(
                f'<bpmn:exclusiveGateway id="{g}" default="d{g}"/>'
                f'<bpmn:sequenceFlow id="d{g}" sourceRef="{g}" targetRef="{nxt}"/>'
                f'<bpmn:sequenceFlow id="c{g}" sourceRef="{g}" targetRef="e">'
                f"<bpmn:conditionExpression>{name} == 'x'</bpmn:conditionExpression></bpmn:sequenceFlow>"
            )
    parts.append("</bpmn:process></bpmn:definitions>")
    return "".join(parts).encode()
