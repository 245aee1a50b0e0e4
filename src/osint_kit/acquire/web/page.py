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

from osint_kit.base.dates import format_time

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
    """``call``, or :class:`Unresponsive` once ``seconds`` have passed.

    ``asyncio.timeout``, not ``wait_for``: on Python 3.11 ``wait_for`` can swallow a
    cancellation that meets a finishing call, and a capture must always stop.
    """
    allowed = max(0.05, seconds)
    try:
        async with asyncio.timeout(allowed):
            return await call
    except TimeoutError:
        said = f"{allowed:.0f} s" if allowed >= 1 else "the time that was left"
        raise Unresponsive(f"no answer from the browser within {said}") from None


@dataclass
class PageWatch:
    popups: list[str] = field(default_factory=list)
    downloads: list[dict[str, str]] = field(default_factory=list)
    #: The main frame's documents from the network, in order (the browser's error pages
    #: and the documents a page writes itself left out).
    documents: list[str] = field(default_factory=list)
    #: Set whenever the main frame commits a document, whatever it is.
    committed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_navigated(self, frame: Any) -> None:
        if frame.parent_frame is None:
            self.committed.set()
            if frame.url.startswith(("http:", "https:")):
                self.documents.append(frame.url)

    async def next_document(self, page: Page, seconds: float) -> None:
        """After the page's scripts lost their document (a navigation under way): wait,
        ``seconds`` at most, until the document replacing it has come, so that where
        the page ended is judged by that document, not the one it was leaving."""
        if self.documents and page.url != self.documents[-1]:
            return  # already there
        self.committed.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.05, seconds)):
                await self.committed.wait()

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
    requested: Callable[[], int] = lambda: 0,
) -> str | None:
    """Scroll down to load lazy content; the reason if a limit stopped us.

    Only a page taller than the viewport is scrolled. It goes down one viewport a step,
    so every part of the page passes through the window (a page's own lazy loader may
    only look there), waiting at each step just for the browser to draw twice; at the
    bottom it waits for the requests the scrolling started (``busy``, from the proxy)
    and goes on while the page grows (``requested`` counts the page's requests so far:
    when the scrolling started none, there is nothing to wait for). A page that does
    not change costs two frames a step.
    """
    height = int(await bounded(page.evaluate(_HEIGHT), RESPONSIVE_S))
    if height <= viewport_height:
        return None
    deadline = time.monotonic() + seconds
    y = 0
    asked = requested()
    try:
        while True:
            if time.monotonic() > deadline:
                return f"the page kept growing; stopped scrolling after {seconds:g} s"
            if y + viewport_height >= max_height_px:
                return f"stopped scrolling at the height limit ({max_height_px} px)"
            y = min(y + viewport_height, max(0, height - viewport_height))
            height = int(await bounded(page.evaluate(_STEP, y), RESPONSIVE_S))
            if y + viewport_height < height:
                continue
            # At the bottom: let what the scrolling started arrive, then look again.
            if requested() == asked and not busy():
                return None  # nothing was asked for, and the page stopped growing
            asked = requested()
            await _settle(busy, deadline)
            grown = int(await bounded(page.evaluate(_STEP, y), RESPONSIVE_S))
            if grown <= height:
                return None
            height = grown
    finally:
        with contextlib.suppress(Exception):
            await bounded(page.evaluate("window.scrollTo(0, 0)"), RESPONSIVE_S)


#: Scroll to ``y``, let the browser draw twice (scroll handlers and lazy loaders run),
#: then say how tall the page is.
_STEP = """y => new Promise(done => { window.scrollTo(0, y);
  requestAnimationFrame(() => requestAnimationFrame(() =>
    done(document.documentElement ? document.documentElement.scrollHeight : 0))); })"""
_HEIGHT = "document.documentElement ? document.documentElement.scrollHeight : 0"


async def _settle(busy: Callable[[], int], deadline: float) -> None:
    """Until the requests in flight are done and none came for 0.25 s (at most 5 s,
    never past ``deadline``)."""
    until = min(deadline, time.monotonic() + 5.0)
    quiet_since = time.monotonic()
    while time.monotonic() < until:
        if busy():
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= 0.25:
            return
        await asyncio.sleep(0.05)
