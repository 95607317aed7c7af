"""Browser tests: Playwright driving Debian's Chromium against a live server on the loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
# Assertions wait as long as actions do (the pages' own default below): a server doing heavy work (a deploy's
# checks) on a machine running both database suites at once may answer after Playwright's 5 s.
expect.set_options(timeout=15_000)

CHROMIUM = os.environ.get("YUNYING_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("YUNYING_TEST_ARTIFACTS", "var/test-artifacts"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


_SHARED: dict[str, Any] = {}  # one Chromium per session, also for browser tests outside tests/e2e


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Browser tests elsewhere (e.g. src/yunying/workflow/tests) import these fixtures; Playwright's sync
    API allows one instance per thread, so a second copy of this fixture reuses the running browser."""
    if "browser" in _SHARED:
        yield _SHARED["browser"]
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        _SHARED["browser"] = browser
        try:
            yield browser
        finally:
            _SHARED.pop("browser", None)
            browser.close()


@pytest.fixture
def demo(transactional_db: Any) -> None:
    """The demo chain (deterministic) as the data every browser test starts from; the analytics browser tests
    load the sales themselves."""
    from tests.snapshots import demo_chain

    demo_chain()


@pytest.fixture
def page(browser: Any, live_server: Any, demo: None) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def login(page: Any, username: str, password: str = "yunying-demo") -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def nav(page: Any, name: str) -> None:
    """Follow the menu entry `name` and wait for its page to load."""
    with page.expect_navigation():
        page.click(f"[data-nav={name}]")


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
