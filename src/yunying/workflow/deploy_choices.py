"""A condition must compare a choice field with one of its options' stored values.

A choice field stores the option's value (``urgent``), not its label (``紧急``): ``urgency == '紧急'`` is
never true, and every request would silently go down the default branch. Deploy refuses such a
comparison (``==``, ``!=``, ``in``, ``not in`` between a choice field of the process's forms and a text
constant) and names the allowed values with their labels."""

from __future__ import annotations

import ast
import itertools
from typing import Any

from django.utils.translation import gettext as _

from yunying.workflow import forms_bridge
from yunying.workflow.engine import ParsedDefinition
from yunying.workflow.engine_validate import BPMN_NS

B = f"{{{BPMN_NS}}}"


def _choice_fields(defn: ParsedDefinition) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Field key -> (label, [(value, label)]) for every choice field of the forms the process uses."""
    from yunying.forms.schema import CHOICE, MULTICHOICE, schema_of

    out: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    keys = {p.get("yunying:form") or p.get("form") or "" for p in defn.properties.values()} - {""}
    for key in sorted(keys):
        version = forms_bridge.form_version(key)
        if version is None:
            continue
        for spec in schema_of(version):
            if spec.type in (CHOICE, MULTICHOICE) and spec.choices and spec.key not in out:
                out[spec.key] = (spec.label, [(c.value, c.label) for c in spec.choices])
    return out


def _constants(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        values = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return values if len(values) == len(node.elts) else None
    return None


def _compared(tree: ast.AST) -> list[tuple[str, str]]:
    """(field name, text constant) of each comparison of a name with text in ``tree``."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for (left, right), op in zip(itertools.pairwise(operands), node.ops, strict=True):
            if not isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
                continue
            for name, other in ((left, right), (right, left)):
                values = _constants(other)
                if isinstance(name, ast.Name) and values is not None:
                    found += [(name.id, v) for v in values]
    return found


def choice_problems(roots: list[Any], defn: ParsedDefinition) -> list[tuple[str, str]]:
    """(flow id, message) for every condition comparing a choice field with a value it cannot hold."""
    fields = _choice_fields(defn)
    if not fields:
        return []
    problems: list[tuple[str, str]] = []
    for root in roots:
        for process in root.iter(f"{B}process"):
            if process.get("id") not in {defn.process_id, *defn.subprocess_specs}:
                continue
            for flow in process.iter(f"{B}sequenceFlow"):
                text = (flow.findtext(f"{B}conditionExpression") or "").strip()
                if not text:
                    continue
                try:
                    tree = ast.parse(text, mode="eval")
                except (SyntaxError, ValueError):  # refused elsewhere with the engine's message
                    continue
                for name, value in _compared(tree):
                    if name not in fields or value in {v for v, _l in fields[name][1]}:
                        continue
                    label, options = fields[name]
                    allowed = "、".join(f"{v}（{lab}）" if lab and lab != v else v for v, lab in options)
                    problems.append(
                        (
                            str(flow.get("id")),
                            _(
                                "条件“%(condition)s”中“%(value)s”不是字段 %(field)s（%(label)s）的选项值；"
                                "可用的值：%(allowed)s"
                            )
                            % {
                                "condition": text[:120],
                                "value": value,
                                "field": name,
                                "label": label,
                                "allowed": allowed,
                            },
                        )
                    )
    return problems
