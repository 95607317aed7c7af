"""Every BPMN MIWG reference model (and the tool exports) renders in the diagram viewer, in a real browser.

Each file is uploaded through the designer's "preview a BPMN file" page, the way a user checks a diagram drawn
in another modeler. bpmn-js import warnings are allowed (vendor extensions, a Bizagi file that is not
XSD-valid); import errors are not, and every diagram of the file must show shapes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[4]
if str(ROOT) not in sys.path:  # the browser fixtures live in tests/e2e
    sys.path.insert(0, str(ROOT))

from tests.conformance import MIWG, miwg_files  # noqa: E402
from tests.e2e.conftest import browser, demo, login, page, screenshot  # noqa: E402, F401

pytestmark = [pytest.mark.e2e]

FILES = miwg_files()
# Files whose look is compared with the MIWG reference renderings (saved as screenshots for a person to see).
SCREENSHOTS = {"A.4.1.bpmn", "B.2.0.bpmn", "C.4.0.bpmn", "C.9.2.bpmn", "bizagi-2.8__B.1.0-roundtrip.bpmn"}


def _render(page: Any, path: Path) -> dict[str, Any]:  # noqa: F811
    page.goto("/workflow/designer/preview/")
    page.set_input_files("#id_file", str(path))
    page.get_by_test_id("preview-submit").click()
    viewer = page.locator("[data-bpmn-viewer]")
    page.locator("[data-bpmn-viewer][data-import-state]").wait_for(timeout=15000)
    result: dict[str, Any] = {
        "state": viewer.get_attribute("data-import-state"),
        "error": page.get_by_test_id("diagram-error").inner_text()
        if viewer.get_attribute("data-import-state") == "error"
        else "",
        "warnings": int(viewer.get_attribute("data-warning-count") or 0),
        "diagrams": int(viewer.get_attribute("data-diagram-count") or 0),
        "shapes": [int(viewer.get_attribute("data-shape-count") or 0)],
    }
    if result["state"] != "ok":
        return result
    # Files with several diagrams (C.4.0 has four, C.5.0 two): every one must draw.
    options = page.locator("[data-role=diagrams] option")
    for index in range(1, options.count()):
        value = options.nth(index).get_attribute("value")
        page.select_option("[data-role=diagrams]", value)
        page.wait_for_function(
            "([el, n]) => el.dataset.shownDiagram === n || el.dataset.importState === 'error'",
            arg=[viewer.element_handle(), value],
        )
        if viewer.get_attribute("data-import-state") == "error":
            result["state"] = "error"
            result["error"] = f"diagram {value}: " + page.get_by_test_id("diagram-error").inner_text()
            return result
        result["shapes"].append(int(viewer.get_attribute("data-shape-count") or 0))
    return result


def test_conformance_material_is_present() -> None:
    assert len(FILES) == 22, f"expected the 19 MIWG reference models and 3 tool exports in {MIWG}"


def test_every_miwg_model_renders_in_the_viewer(page: Any) -> None:  # noqa: F811
    login(page, "mgmt")
    failures = []
    for path in FILES:
        result = _render(page, path)
        if result["state"] != "ok":
            failures.append(f"{path.name}: import error {result['error']}")
        elif not all(result["shapes"]) or len(result["shapes"]) != max(result["diagrams"], 1):
            failures.append(f"{path.name}: diagrams without shapes {result['shapes']}")
        if path.name in SCREENSHOTS:
            screenshot(page, f"miwg-{path.stem}")
    assert not failures, "\n".join(failures)


def test_preview_refuses_a_file_that_is_not_xml_text(page: Any, tmp_path: Path) -> None:  # noqa: F811
    login(page, "mgmt")
    bad = tmp_path / "broken.bpmn"
    bad.write_bytes(b"<definitions><process></definitions>")
    page.goto("/workflow/designer/preview/")
    page.set_input_files("#id_file", str(bad))
    page.get_by_test_id("preview-submit").click()
    viewer = page.locator("[data-bpmn-viewer][data-import-state]")
    viewer.wait_for()
    assert viewer.get_attribute("data-import-state") == "error"
    assert page.get_by_test_id("diagram-error").is_visible()
    assert "无法显示流程图" in page.get_by_test_id("diagram-error").inner_text()
