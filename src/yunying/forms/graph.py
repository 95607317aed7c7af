"""Dependency order among computed fields: find a cycle, or an evaluation order."""

from __future__ import annotations

from collections.abc import Mapping, Set


def cycle_in(deps: Mapping[str, Set[str]]) -> list[str]:
    """A cycle as a path `[a, b, a]`, or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(deps.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(deps):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def evaluation_order(keys: list[str], deps: Mapping[str, Set[str]]) -> list[str]:
    """`keys` ordered so that each comes after what it depends on (acyclic input assumed)."""
    done: set[str] = set()
    order: list[str] = []

    def visit(node: str) -> None:
        if node in done:
            return
        done.add(node)
        for nxt in sorted(deps.get(node, ())):
            if nxt in deps:
                visit(nxt)
        order.append(node)

    for key in keys:
        visit(key)
    return order
