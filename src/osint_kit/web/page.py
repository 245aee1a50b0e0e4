"""What happens on one page while it is captured, besides its traffic: popups,
downloads, scrolling, and stopping a page that will not stop.

The traffic itself, the read-only guard and the byte limit are the recording
proxy's (proxy.py); what is here needs the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from ..dates import format_time

if TYPE_CHECKING:
    from playwright.async_api import Page

T = TypeVar("T")
#: Longest wait for one browser call while the page is taken (snapshot, facts, close).
CALL_S = 10.0
#: A page that does not answer a trivial question within this long has its scripts stuck.
RESPONSIVE_S = 5.0


def now() -> str:
    return format_time(datetime.now(UTC))


class Unresponsive(Exception):
    """A browser call did not return in time: the page's main thread is busy or gone."""


async def bounded(call: Awaitable[T], seconds: float) -> T:
    """``call``, or :class:`Unresponsive` once ``seconds`` have passed."""
    try:
        return await asyncio.wait_for(call, max(0.05, seconds))
    except TimeoutError:
        raise Unresponsive(f"no answer from the browser within {seconds:.0f} s") from None


@dataclass
class PageWatch:
    popups: list[str] = field(default_factory=list)
    downloads: list[dict[str, str]] = field(default_factory=list)
    #: The main frame's documents, in order (the browser's error pages left out).
    documents: list[str] = field(default_factory=list)

    def on_navigated(self, frame: Any) -> None:
        if frame.parent_frame is None and not frame.url.startswith(("chrome-error:", "about:")):
            self.documents.append(frame.url)

    async def on_popup(self, popup: Page) -> None:
        self.popups.append(popup.url)
        with contextlib.suppress(Exception):  # closed with the context in any case
            await bounded(popup.close(), CALL_S)

    def on_download(self, download: Any) -> None:
        # Only noted: the bytes are the proxy's record of the response, whatever the
        # download's fate in the browser, so a download that never ends cannot hold us.
        self.downloads.append({"url": download.url, "filename": download.suggested_filename})

    def record(self) -> dict[str, Any]:
        return {"popups": [{"url": u, "outcome": "closed"} for u in self.popups]}


async def freeze(cdp: Any) -> str | None:
    """Stop every script and all loading, so the page holds still while it is taken and
    nothing runs while it closes (no pagehide handler, no last beacon).

    ``Runtime.terminateExecution`` interrupts even a script that never returns; then
    scripts are switched off and loading stopped. Returns what failed, if anything.
    """
    problems = []
    for method, params in (
        ("Runtime.terminateExecution", {}),
        ("Emulation.setScriptExecutionDisabled", {"value": True}),
        ("Runtime.terminateExecution", {}),
        ("Page.stopLoading", {}),
    ):
        try:
            await bounded(cdp.send(method, params), 3.0)
        except Exception as exc:  # recorded; the capture goes on with what it has
            said = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            problems.append(f"{method}: {said}")
    return "; ".join(problems) or None


async def scroll(
    page: Page,
    *,
    seconds: float,
    max_height_px: int,
    viewport_height: int,
    busy: Callable[[], int] = lambda: 0,
) -> str | None:
    """Scroll down to load lazy content; the reason if a limit stopped us.

    Only a page taller than the viewport is scrolled. Each step goes three viewports
    down (the browser's own lazy loading reaches further than that); the scroll waits
    only while requests are in flight (``busy``, from the proxy) or the page has just
    grown, so a page that does not change costs a few milliseconds.
    """
    height = int(await bounded(page.evaluate(_HEIGHT), RESPONSIVE_S))
    if height <= viewport_height:
        return None
    deadline = time.monotonic() + seconds
    step = 3 * max(200, viewport_height)
    y = 0
    try:
        while True:
            if height >= max_height_px and y + viewport_height >= max_height_px:
                return f"stopped scrolling at the height limit ({max_height_px} px)"
            if time.monotonic() > deadline:
                return f"the page kept growing; stopped scrolling after {seconds:g} s"
            y = min(y + step, height)
            await bounded(page.evaluate(f"window.scrollTo(0, {y})"), RESPONSIVE_S)
            await _settle(busy, deadline)
            grown = int(await bounded(page.evaluate(_HEIGHT), RESPONSIVE_S))
            if grown > height:
                height = grown
                continue
            if y + viewport_height >= height:
                # At the bottom and nothing new: one more look after a short pause,
                # for pages that add content a moment after the scroll.
                await asyncio.sleep(0.25)
                await _settle(busy, deadline)
                grown = int(await bounded(page.evaluate(_HEIGHT), RESPONSIVE_S))
                if grown <= height:
                    return None
                height = grown
    finally:
        with contextlib.suppress(Exception):
            await bounded(page.evaluate("window.scrollTo(0, 0)"), RESPONSIVE_S)


_HEIGHT = "document.documentElement ? document.documentElement.scrollHeight : 0"


async def _settle(busy: Callable[[], int], deadline: float) -> None:
    """A frame for scroll handlers to run, then until the requests they started are done
    (at most 1.5 s, never past ``deadline``)."""
    await asyncio.sleep(0.05)
    until = min(deadline, time.monotonic() + 1.5)
    while busy() and time.monotonic() < until:
        await asyncio.sleep(0.05)
