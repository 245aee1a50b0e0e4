"""One page in headless Chromium under one time limit: load, wait for quiet, scroll;
then stop its scripts and take its snapshot.

Separate from the batch (capture.py) and from the record (capture_record.py):
this is the only part that drives the browser, and where each limit (time,
bytes, an interrupt, a page that stops answering) ends a page and says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from osint_kit.acquire.web import extract
from osint_kit.acquire.web.capture_record import PageResult, add_traffic
from osint_kit.acquire.web.navigation import NavigationGuard
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit.acquire.web.page import CALL_S, PageWatch, Unresponsive, bounded, freeze, now, scroll
from osint_kit.acquire.web.proxy import RecordingProxy
from osint_kit.base.background import Interrupt

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Response

#: Seconds past ``timeout_s`` for stopping the page, taking it and closing it.
GRACE_S = 20
#: How long a page whose scripts lost their document may take to commit the next one.
SETTLE_S = 5.0
#: Of those, the seconds kept for closing the page.
CLOSE_S = 5


async def capture_page(
    browser: Browser,
    url: str,
    opts: CaptureOptions,
    executable: str,
    stop: asyncio.Event,
    interrupt: Interrupt,
) -> PageResult:
    """``url`` through a proxy and a browser context of its own, loaded until done or a
    limit, then taken; a page always ends with a result, failed at worst."""
    from playwright.async_api import Error as PlaywrightError

    result = PageResult(url=url, started=now())
    t0 = datetime.now(UTC)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + opts.timeout_s
    proxy = RecordingProxy(max_bytes=opts.max_bytes, ignore_tls_errors=opts.ignore_tls_errors)
    server = await proxy.start()
    watch = PageWatch()
    context = None
    guard: NavigationGuard | None = None
    try:
        context = await bounded(
            browser.new_context(
                viewport={"width": opts.viewport[0], "height": opts.viewport[1]},
                # The proxy checks the site's certificate; the browser only ever sees the
                # proxy's own, issued for this capture.
                ignore_https_errors=True,
                user_agent=opts.user_agent,
                accept_downloads=True,  # the proxy keeps the bytes; never opened
                service_workers="block",
                proxy={"server": server},
            ),
            CALL_S,
        )
        page = await bounded(context.new_page(), CALL_S)
        page.on("popup", watch.on_popup)
        page.on("download", watch.on_download)
        page.on("framenavigated", watch.on_navigated)
        cdp = await bounded(context.new_cdp_session(page), CALL_S)
        guard = NavigationGuard(cdp)
        await bounded(guard.start(), CALL_S)
        run = _PageRun(page, url, opts, result, proxy, watch, guard, deadline)
        await _run_until_limit(run, stop, interrupt)
        if run.failed is not None:
            _failed_load(result, run.failed, proxy, url)
        else:
            until = loop.time() + GRACE_S - CLOSE_S  # the rest is for closing
            left = _left_for(page.url, guard)
            if left and watch.documents:
                await _render_again(run, cdp, watch.documents[-1], left, until)
            if run.interrupted:
                result.cut(f"loading was broken off: {run.interrupted}", None)
            stuck = await freeze(cdp)
            if stuck:
                result.facts["freeze_problems"] = stuck
            facts = await extract.page_facts(page, run.response, browser, executable)
            result.facts.update(facts)
            result.artifacts, notes = await extract.page_artifacts(
                page, cdp, opts.max_height_px, until
            )
            result.facts.update(notes)
            if notes.get("not_taken"):
                missing = ", ".join(notes["not_taken"])
                result.cut(f"the browser could not give the {missing} in time", "unresponsive")
            if page.url.startswith("chrome-error:"):
                result.cut("the page ended on the browser's error page, not the site's", None)
            elif not page.url.startswith(("http:", "https:")):
                result.cut("the page ended on a document it wrote itself, not the site's", None)
    except (PlaywrightError, Unresponsive) as exc:
        if not result.artifacts:
            result.status, result.reason = "failed", extract.first_line(str(exc))
        else:
            result.cut(extract.first_line(str(exc)), "unresponsive")
    finally:
        if context is not None:
            with contextlib.suppress(Exception):
                await bounded(context.close(), CLOSE_S)
        await proxy.close()
    if guard is not None:
        result.facts.update(guard.record())
    add_traffic(result, proxy, watch, opts, t0, browser, url)
    result.ended = now()
    result.facts["duration_ms"] = int((datetime.now(UTC) - t0).total_seconds() * 1000)
    return result


@dataclass
class _PageRun:
    """One page being loaded: what it needs, and what it found so far (``stage`` names
    where it is, for the reason when the time runs out)."""

    page: Page
    url: str
    opts: CaptureOptions
    result: PageResult
    proxy: RecordingProxy
    watch: PageWatch
    guard: NavigationGuard
    #: Event-loop time by which loading, quiet, scrolling and downloads must be done.
    deadline: float
    stage: str = "waiting for the site to answer"
    response: Response | None = None
    #: Why the navigation itself failed, if it did.
    failed: str | None = None
    #: What broke off loading after the document came (the page left it under us).
    interrupted: str | None = None

    def left(self) -> float:
        return max(0.0, self.deadline - asyncio.get_running_loop().time())


async def _run_until_limit(run: _PageRun, stop: asyncio.Event, interrupt: Interrupt) -> None:
    """Load the page until it is done or the first limit bites: time, bytes, interrupt."""
    result, proxy, opts = run.result, run.proxy, run.opts
    loader = asyncio.create_task(_load(run))
    over = asyncio.create_task(proxy.over_limit.wait())
    stopped = asyncio.create_task(stop.wait())
    refused = asyncio.create_task(_refused_before_answer(run))
    try:
        await asyncio.wait(
            {loader, over, stopped, refused},
            timeout=run.left(),
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        for task in (over, stopped, refused):
            task.cancel()
    if refused.done() and not refused.cancelled() and not loader.done():
        await _stop(loader)
        run.failed = proxy.failure_for(run.url) or "the site could not be reached"
        return
    if loader.done():
        loader.result()  # a browser error inside is the capture's failure
        if proxy.over_limit.is_set():
            result.cut(_byte_reason(opts), "max_bytes")
        return
    await _stop(loader)
    if stop.is_set():
        result.cut(interrupt.reason or "interrupted", "interrupted")
    elif proxy.over_limit.is_set():
        result.cut(_byte_reason(opts), "max_bytes")
    else:
        result.cut(f"the time limit ({opts.timeout_s} s) ran out while {run.stage}", "timeout")


async def _stop(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and wait until it has ended, cancelling again if a cancellation
    was lost on the way (it can be, inside a library's own waiting)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
    with contextlib.suppress(BaseException):
        task.result()


async def _refused_before_answer(run: _PageRun) -> None:
    """Returns once a navigation failed at the proxy before the page had an answer: the
    browser is then left waiting on a page that will never come."""
    while True:
        await run.proxy.navigation_refused.wait()
        run.proxy.navigation_refused.clear()
        if run.response is None:
            return


def _byte_reason(opts: CaptureOptions) -> str:
    return f"the byte limit ({opts.max_bytes} bytes) was reached; loading was stopped there"


async def _load(run: _PageRun) -> None:
    """Navigate, wait for load and for quiet, scroll; note each stage for the reason."""
    from playwright.async_api import Error as PlaywrightError

    try:
        run.guard.expect_own()
        run.response = await run.page.goto(run.url, wait_until="commit", timeout=0)
    except PlaywrightError as exc:
        run.failed = extract.first_line(str(exc))
        return
    try:
        await _after_commit(run)
    except PlaywrightError as exc:  # the page left its document under us: taken as it is
        run.interrupted = extract.first_line(str(exc))
        await run.watch.next_document(run.page, min(SETTLE_S, run.left()))


async def _after_commit(run: _PageRun) -> None:
    """Once the document came: its load, quiet, scrolling, the downloads it started."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    page, opts, result, proxy = run.page, run.opts, run.result, run.proxy
    run.stage = "the page was loading"
    await _loaded(page)
    run.stage = "waiting for the network to go quiet"
    idle = min(opts.idle_s, run.left())
    try:
        await page.wait_for_load_state("networkidle", timeout=idle * 1000 or 1)
    except PlaywrightTimeout:
        result.cut(f"the network did not go quiet within {opts.idle_s} s", None)
    if opts.scroll:
        run.stage = "scrolling"
        try:
            stopped = await scroll(
                page,
                seconds=min(opts.scroll_s, run.left()),
                max_height_px=opts.max_height_px,
                viewport_height=opts.viewport[1],
                busy=lambda: len(proxy.in_flight),
                requested=lambda: len(proxy.exchanges) + len(proxy.blocked),
            )
        except Unresponsive:
            result.cut("the page's scripts stopped answering while it was scrolled", "unresponsive")
            return
        if stopped:
            result.cut(stopped, "height" if "height" in stopped else "scroll_time")
    run.stage = "waiting for downloads to finish"
    while any(_arriving(proxy, d["url"]) for d in run.watch.downloads):
        await asyncio.sleep(0.1)
    run.stage = "finishing"


def _left_for(url: str, guard: NavigationGuard) -> str | None:
    """How the page left its document, if it did: for the browser's error page, for a
    document it wrote itself, or (refused) while the document was being parsed, which
    stops the parsing; None while it is still on the site's, whole."""
    if url.startswith("chrome-error:"):
        return "error"
    if guard.written is not None or not url.startswith(("http:", "https:")):
        return "written"
    if guard.left_while_parsing is not None:
        return "parsing"
    return None


async def _render_again(run: _PageRun, cdp: Any, last: str, left: str, until: float) -> None:
    """The page left its document (for the browser's error page, for a ``blob:``,
    ``data:`` or ``about:`` document it wrote itself, or for another page while it was
    being parsed, cutting it short): render the last real document again from the
    recorded traffic, scripts off, so the screenshot, DOM and MHTML show what the site
    sent rather than what replaced it. The record says so, first."""
    page, result = run.page, run.result
    loop = asyncio.get_running_loop()
    shown = f"its last document ({last}) rendered again from the recorded traffic, with scripts off"
    if left == "error":
        error = ""
        with contextlib.suppress(Exception):
            text = await bounded(page.evaluate("document.body ? document.body.innerText : ''"), 2)
            found = re.search(r"\b(?:net::)?(ERR_[A-Z_]+)", str(text))
            error = f" ({found.group(1)})" if found else ""
        result.lead(f"the page navigated away to an error{error}; what is shown is {shown}")
    elif left == "parsing":
        hop = run.guard.left_while_parsing or {}
        result.lead(
            f"the page left its document while it was being parsed ({hop.get('how')} to "
            f"{hop.get('url')}, refused), which stops its parsing; what is shown is {shown}"
        )
    else:
        written = (run.guard.written or {}).get("url") or page.url
        scheme = str(written).split(":", 1)[0]
        result.lead(
            f"the page replaced its document with one it wrote itself ({scheme}:); "
            f"what is shown is {shown}"
        )
    result.facts["rendered_again_from_record"] = last
    run.proxy.replay = True
    with contextlib.suppress(Exception):
        await bounded(cdp.send("Emulation.setScriptExecutionDisabled", {"value": True}), 3)
        run.guard.expect_own()
        await bounded(page.goto(last, wait_until="load"), max(1.0, (until - loop.time()) / 3))


def _arriving(proxy: RecordingProxy, url: str) -> bool:
    return any(ex.url == url and id(ex) in proxy.in_flight for ex in proxy.exchanges)


async def _loaded(page: Page) -> None:
    """Until the page has loaded: its load event, or its own word (``readyState``).

    The event alone is not enough: when a navigation the page started is refused (a
    form it submits itself), the browser stops reporting the document's lifecycle,
    though the document goes on to load.
    """
    from playwright.async_api import Error as PlaywrightError

    load = asyncio.create_task(page.wait_for_load_state("load", timeout=0))
    try:
        while True:
            done, _ = await asyncio.wait({load}, timeout=0.25)
            if done:
                return
            try:
                ready = await bounded(page.evaluate("document.readyState"), 1.0)
            except (Unresponsive, PlaywrightError):
                continue  # busy or between documents; the time limit decides
            if ready == "complete":
                return
    finally:
        load.cancel()
        with contextlib.suppress(BaseException):
            await load


def _failed_load(result: PageResult, error: str, proxy: RecordingProxy, url: str) -> None:
    """The navigation itself failed: the proxy's reason when it had one (it is precise)."""
    result.status = "failed"
    result.reason = proxy.failure_for(url) or error
