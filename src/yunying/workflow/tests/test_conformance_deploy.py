"""Every BPMN MIWG reference model and tool export through definition_deploy: deployed, or refused with
the precise list — never a crash, never a half-deployed definition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conformance import MIWG as CONFORMANCE
from tests.conformance import MIWG_FILE_COUNT, miwg_files

from yunying.workflow.models import ProcessDefinition, ProcessVersion
from yunying.workflow.services import DeployRefused, definition_deploy

FILES = miwg_files()

pytestmark = pytest.mark.django_db


def test_conformance_material_is_present() -> None:
    assert len(FILES) == MIWG_FILE_COUNT, CONFORMANCE


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_deploy_or_refuse_precisely(deployer: Any, path: Path) -> None:
    before = (ProcessDefinition.objects.count(), ProcessVersion.objects.count())
    key = "miwg-" + path.stem.lower().replace(".", "-")[:50]
    try:
        version = definition_deploy(actor=deployer, key=key, name=path.stem, bpmn_xml=path.read_bytes())
    except DeployRefused as exc:
        assert exc.elements or exc.problems or str(exc), path.name
        assert all(eid and etype for eid, etype in exc.elements)
        assert all(eid and msg for eid, msg in exc.problems)
        assert (ProcessDefinition.objects.count(), ProcessVersion.objects.count()) == before
    else:
        assert version.number == 1 and version.spec["process_id"]
        assert (ProcessDefinition.objects.count(), ProcessVersion.objects.count()) == (
            before[0] + 1,
            before[1] + 1,
        )


def test_expected_verdicts(deployer: Any) -> None:
    def verdict(name: str) -> str:
        try:
            definition_deploy(actor=deployer, key="vv", name=name, bpmn_xml=(CONFORMANCE / name).read_bytes())
        except DeployRefused as exc:
            return (
                "elements" if exc.elements and not exc.problems else "problems" if exc.problems else "refused"
            )
        ProcessDefinition.objects.filter(key="vv").delete()
        return "deployed"

    assert verdict("C.9.1.bpmn") == "deployed"
    assert verdict("C.1.0.bpmn") == "problems"  # JUEL ${approved}
    assert verdict("C.6.0.bpmn") in ("elements", "problems")  # compensation
