"""The Content-Security-Policy holds on every page: nothing inline is refused, the pages still work."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e]

PAGES = [
    "/",
    "/org/chart/",
    "/org/stores/",
    "/org/stores/S01/",
    "/org/people/",
    "/org/import/",
    "/forms/",
    "/forms/material_purchase/design/",
    "/forms/material_purchase/fill/",
    "/workflow/",
    "/workflow/?tab=mine",
    "/workflow/instances/1/print/",
    "/servicedesk/",
    "/assets/labels/?store=S01",
    "/workflow/inbox/",
    "/workflow/monitor/",
    "/workflow/authority/",
    "/workflow/designer/",
    "/workflow/designer/new/",
    "/analytics/monthly/",
    "/analytics/weekly/",
    "/analytics/rankings/",
    "/analytics/targets/",
    "/analytics/import/",
    "/profile/",
    "/calendar/",
    "/calendar/?unit=S01",
    "/notifications/",
    "/api/docs",
]


def _watch(page: Any) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    return violations


def test_pages_log_no_csp_violation(page):
    violations = _watch(page)
    login(page, "mgmt")  # designs forms and processes, sees everything
    for path in PAGES:
        response = page.goto(path)
        assert response is not None and response.status < 400, path
        assert "script-src" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
        assert not violations, (path, violations)
    page.goto("/api/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    screenshot(page, "api-docs-csp")


def test_handlers_moved_out_of_the_markup_still_work(page):
    violations = _watch(page)
    login(page, "gm")
    page.goto("/analytics/rankings/")
    with page.expect_navigation():
        page.get_by_test_id("measure").select_option(index=1)
    assert "measure=" in page.url
    page.goto("/org/stores/S01/")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    forms = page.locator("form[data-confirm]")
    rows = forms.count()
    assert rows > 0
    forms.first.locator("button").first.click()  # the question comes from app.js; dismissed: nothing ends
    page.wait_for_timeout(300)
    assert dialogs and "结束" in dialogs[0]
    assert page.locator("form[data-confirm]").count() == rows
    screenshot(page, "store-page-csp")
    assert not violations, violations
