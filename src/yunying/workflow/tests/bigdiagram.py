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
