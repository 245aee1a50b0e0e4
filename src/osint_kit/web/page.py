"""What happens on one page while it is captured: the guard, the limits, the scrolling.

``PageWatch`` holds everything observed while the page loads: requests,
failures, what the read-only guard blocked, popups, downloads and the bytes
received. Its route handler is the guard; a byte counter fed by DevTools stops
the page when it passes the examiner's limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..dates import format_time

if TYPE_CHECKING:
    from playwright.async_api import Page, Request

ALLOWED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def now() -> str:
    return format_time(datetime.now(UTC))


@dataclass
class PageWatch:
    max_bytes: int
    requests: list[Request] = field(default_factory=list)
    blocked: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)
    downloads: list[Any] = field(default_factory=list)
    bytes_received: int = 0
    over_limit: bool = False

    async def guard(self, route: Any) -> None:
        """Reads pass; writes are aborted and listed; past the byte limit, nothing more loads."""
        req = route.request
        entry = {
            "method": req.method,
            "url": req.url,
            "resource_type": req.resource_type,
            "time": now(),
        }
        if req.method.upper() not in ALLOWED_METHODS:
            self.blocked.append(entry)
            await route.abort("blockedbyclient")
        elif self.over_limit:
            self.skipped.append({**entry, "why": "byte limit reached"})
            await route.abort("blockedbyclient")
        else:
            await route.continue_()

    async def on_finished(self, req: Request) -> None:
        self.requests.append(req)
        try:
            sizes = await req.sizes()
        except Exception:  # the page went away; the count is a limit, not evidence
            return
        self.bytes_received += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        if self.bytes_received > self.max_bytes:
            self.over_limit = True

    def on_failed(self, req: Request) -> None:
        stopped = [*self.blocked, *self.skipped]
        if not any(b["url"] == req.url and b["method"] == req.method for b in stopped):
            self.failed.append({"url": req.url, "method": req.method, "error": req.failure or ""})
        self.requests.append(req)

    async def on_popup(self, popup: Page) -> None:
        self.popups.append(popup.url)
        await popup.close()

    def on_download(self, download: Any) -> None:
        self.downloads.append(download)

    async def stop_when_over_limit(self, cdp: Any) -> None:
        """Runs beside the page: stops all loading once the byte limit is passed."""
        while not self.over_limit:
            await asyncio.sleep(0.05)
        await cdp.send("Page.stopLoading")

    def record(self) -> dict[str, Any]:
        return {
            "blocked_requests": self.blocked,
            "skipped_requests": self.skipped,
            "failed_requests": self.failed,
            "popups": [{"url": u, "outcome": "closed"} for u in self.popups],
            "bytes_received": self.bytes_received,
        }


async def scroll(page: Page, *, seconds: int, max_height_px: int) -> str | None:
    """Scroll to the bottom until the page stops growing; the reason if a limit stopped us."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + seconds
    last, still = -1, 0
    try:
        while True:
            height = int(await page.evaluate("document.documentElement.scrollHeight"))
            if height >= max_height_px:
                return f"stopped scrolling at the height limit ({max_height_px} px)"
            still = still + 1 if height == last else 0
            if still >= 2:
                return None
            if time.monotonic() > deadline:
                return f"the page kept growing; stopped scrolling after {seconds} s"
            last = height
            await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            with contextlib.suppress(PlaywrightTimeout):
                await page.wait_for_load_state("networkidle", timeout=1000)
            await asyncio.sleep(0.2)
    finally:
        await page.evaluate("window.scrollTo(0, 0)")
