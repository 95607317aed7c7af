"""Public conformance material the tests read: the BPMN MIWG reference models (CC BY 3.0, see
``bpmn-miwg/README.md`` and ``bpmn-miwg/LICENSE``). Everything lives inside the repository."""

from __future__ import annotations

from pathlib import Path

MIWG = Path(__file__).resolve().parent / "bpmn-miwg"

#: 19 reference models and 3 tool exports.
MIWG_FILE_COUNT = 22


def miwg_files() -> list[Path]:
    """Every reference model and tool export, sorted; fails loudly when the material is missing, so a test
    never silently collects zero cases."""
    files = sorted(MIWG.glob("*.bpmn")) + sorted((MIWG / "tool-exports").glob("*.bpmn"))
    if len(files) != MIWG_FILE_COUNT:
        raise FileNotFoundError(
            f"expected {MIWG_FILE_COUNT} BPMN MIWG files in {MIWG}, found {len(files)}: "
            "the conformance material ships with the repository (tests/conformance/bpmn-miwg)"
        )
    return files
