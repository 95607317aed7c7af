"""Page weight and first paint of the main pages on a phone over 4G, cold cache.

    .venv/bin/python bench/bench_pages.py --base-url http://127.0.0.1:8102 [--user gm] [--runs 3]

Drives Debian's Chromium with Playwright against a running server (``yunying demo --port N`` or
``yunying serve``; the demo chain must be loaded), logs in as ``--user`` and opens each main page (home,
inbox, a request page, the monthly analysis) in a fresh browser context — so nothing is cached — with
the Chrome DevTools Protocol throttling the network to a 4G profile (``--latency`` ms round trip,
``--down``/``--up`` kbit/s) and the CPU (``--cpu`` times slower). Prints, per page, the bytes transferred
(the sum of ``encodedDataLength`` of every response: compressed sizes plus headers), the number of
requests and the first paint (``first-contentful-paint`` of the Paint Timing API), the median of
``--runs`` loads. The baseline is the same page unthrottled, measured in the same run. Only talks to the
server it is given (the loopback by default)."""

from __future__ import annotations

import argparse
import os
import re
import statistics
from dataclasses import dataclass
from typing import Any

CHROMIUM = os.environ.get("YUNYING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage"]


@dataclass
class Load:
    transferred: int
    requests: int
    first_paint_ms: float


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", default="http://127.0.0.1:8102")
    parser.add_argument("--user", default="gm")
    parser.add_argument("--password", default="yunying-demo")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=85.0, help="round trip, ms (4G)")
    parser.add_argument("--down", type=float, default=9000.0, help="download, kbit/s (4G)")
    parser.add_argument("--up", type=float, default=9000.0, help="upload, kbit/s (4G)")
    parser.add_argument("--cpu", type=float, default=4.0, help="CPU slowdown factor (mid-range phone)")
    args = parser.parse_args()
    if not 1 <= args.runs <= 20:
        parser.error("--runs must be between 1 and 20")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            state = _login_state(browser, args)
            pages = _main_pages(browser, args, state)
            print(
                f"4G profile: {args.latency:.0f} ms RTT, {args.down:.0f}/{args.up:.0f} kbit/s, "
                f"CPU x{args.cpu:g}; median of {args.runs} cold loads; user {args.user}"
            )
            header = f"{'page':<18} {'path':<34} {'KB':>8} {'req':>4} {'FCP 4G':>9} {'FCP fast':>9}"
            print(header)
            print("-" * len(header))
            for name, path in pages:
                throttled = [_load(browser, args, state, path, throttle=True) for _ in range(args.runs)]
                fast = [_load(browser, args, state, path, throttle=False) for _ in range(args.runs)]
                kb = statistics.median(load.transferred for load in throttled) / 1024
                requests = int(statistics.median(load.requests for load in throttled))
                fcp = statistics.median(load.first_paint_ms for load in throttled)
                fcp_fast = statistics.median(load.first_paint_ms for load in fast)
                print(f"{name:<18} {path:<34} {kb:>8.1f} {requests:>4} {fcp:>7.0f}ms {fcp_fast:>7.0f}ms")
        finally:
            browser.close()


def _login_state(browser: Any, args: argparse.Namespace) -> Any:
    context = browser.new_context(base_url=args.base_url, locale="zh-CN")
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", args.user)
    page.fill("#id_password", args.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    state = context.storage_state()
    context.close()
    return state


def _main_pages(browser: Any, args: argparse.Namespace, state: Any) -> list[tuple[str, str]]:
    """Home, inbox, the first request linked from the inbox (else from the monitor), monthly analysis."""
    context = browser.new_context(base_url=args.base_url, storage_state=state)
    page = context.new_page()
    request_path = ""
    for source in ("/workflow/inbox/", "/workflow/monitor/"):
        page.goto(source)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        found = [h for h in hrefs if re.match(r"^/workflow/(instances|tasks)/\d+/$", h or "")]
        if found:
            request_path = found[0]
            break
    context.close()
    pages = [("home", "/"), ("inbox", "/workflow/inbox/")]
    if request_path:
        pages.append(("request page", request_path))
    pages.append(("monthly analysis", "/analytics/monthly/"))
    return pages


def _load(browser: Any, args: argparse.Namespace, state: Any, path: str, *, throttle: bool) -> Load:
    context = browser.new_context(
        base_url=args.base_url,
        storage_state=state,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttle:
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": args.latency,
                "downloadThroughput": args.down * 1000 / 8,
                "uploadThroughput": args.up * 1000 / 8,
            },
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.cpu})
    sizes: dict[str, float] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda event: sizes.__setitem__(event["requestId"], event["encodedDataLength"]),
    )
    page.goto(path, wait_until="load")
    page.wait_for_timeout(300)  # late responses (htmx fragments loaded on page load) finish
    fcp = page.evaluate(
        "() => { const e = performance.getEntriesByName('first-contentful-paint')[0];"
        " return e ? e.startTime : -1; }"
    )
    context.close()
    return Load(transferred=int(sum(sizes.values())), requests=len(sizes), first_paint_ms=float(fcp))


if __name__ == "__main__":
    main()
