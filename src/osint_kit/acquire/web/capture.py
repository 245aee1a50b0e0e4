"""``web.browser``: render a URL in headless Chromium and keep what it showed and fetched.

Per URL, one capture with these exhibits: full-page screenshot (PNG), rendered
DOM (HTML), visible text, MHTML snapshot, and the page's HTTP traffic as a WARC
1.1 file (and the same as WACZ). The capture record holds the acquisition facts
(requested and final URL, redirect chain, HTTP status, server address, TLS
details and any errors ignored, title, user agent, viewport, browser and
Playwright versions, times, status and the limit that ended it) and the
read-only guard's list of what it blocked.

Every byte goes through a recording proxy of the capture's own (proxy.py): it
refuses every request other than GET, HEAD and OPTIONS and every WebSocket, from
any frame, worker or popup and while the page closes, and records what the site
sent. Nothing is posted, uploaded or submitted.

A capture always ends: loading, waiting and scrolling share one time limit
(``timeout_s``); then the page's scripts are stopped (even one that never
returns), and the snapshot and closing get at most ``GRACE_S`` more seconds.
Ctrl-C or SIGTERM end the captures under way the same way, record them as
partial, and then stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from tqdm.auto import tqdm

from osint_kit.acquire.web import extract
from osint_kit.acquire.web.extract import PageArtifact
from osint_kit.acquire.web.page import CALL_S, PageWatch, Unresponsive, bounded, freeze, now, scroll
from osint_kit.acquire.web.proxy import OWN_ANSWER, RecordingProxy
from osint_kit.base.background import Interrupt, run_coroutine
from osint_kit.base.urls import validate_url
from osint_kit.errors import CaptureNotRecorded, InvalidOption, InvalidURL
from osint_kit.folder.acquisition import Artifact, record_acquisition, record_failure
from osint_kit.folder.write import CaseWriter
from osint_kit.formats.chromium import chromium_executable, launch_args
from osint_kit.formats.wacz import pack_wacz
from osint_kit.formats.warc import Exchange, write_warc
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Capture

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Response


log = logging.getLogger(__name__)
METHOD = "web.browser"
T = TypeVar("T")
#: Seconds past ``timeout_s`` for stopping the page, taking it and closing it.
GRACE_S = 20
#: Of those, the seconds kept for closing the page.
CLOSE_S = 5


@dataclass(frozen=True)
class CaptureOptions:
    """What the examiner can set for a capture; recorded with it."""

    viewport: tuple[int, int] = (1280, 800)
    #: Seconds for the whole page: loading, waiting for quiet, scrolling. Stopping the
    #: page, taking its snapshot and closing it get at most ``GRACE_S`` more.
    timeout_s: int = 30
    #: Seconds to wait, after load, for the network to go quiet.
    idle_s: int = 10
    ignore_tls_errors: bool = False
    user_agent: str | None = None
    #: Scroll to the bottom to load lazy content, for at most ``scroll_s`` seconds.
    scroll: bool = True
    scroll_s: int = 15
    #: Stop scrolling past this height; the screenshot is clipped there too.
    max_height_px: int = 30_000
    #: Stop loading once the page's traffic passes this many bytes.
    max_bytes: int = 200 * 2**20

    def __post_init__(self) -> None:
        """A limit of zero or less would record an empty or instant capture as evidence:
        refused before anything starts."""
        positive = {
            "timeout_s": self.timeout_s,
            "max_height_px": self.max_height_px,
            "max_bytes": self.max_bytes,
            "viewport width": self.viewport[0],
            "viewport height": self.viewport[1],
        }
        for name, value in positive.items():
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise InvalidOption(name, f"{value!r}: must be a whole number above 0")
        for name, value in {"idle_s": self.idle_s, "scroll_s": self.scroll_s}.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidOption(name, f"{value!r}: must be a whole number, 0 or more")

    def to_json(self) -> dict[str, Any]:
        return {
            "viewport": {"width": self.viewport[0], "height": self.viewport[1]},
            "timeout_s": self.timeout_s,
            "idle_s": self.idle_s,
            "ignore_tls_errors": self.ignore_tls_errors,
            "user_agent": self.user_agent,
            "scroll": self.scroll,
            "scroll_s": self.scroll_s,
            "max_height_px": self.max_height_px,
            "max_bytes": self.max_bytes,
        }


@dataclass
class PageResult:
    url: str
    status: str = "complete"
    reason: str | None = None
    #: Which limit ended the capture early: timeout, max_bytes, height, scroll_time,
    #: unresponsive, interrupted; None when none did.
    limit: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    artifacts: list[PageArtifact] = field(default_factory=list)
    started: str = ""
    ended: str = ""

    def cut(self, reason: str, limit: str | None = None) -> None:
        """Partial, for the first reason given (a later one does not replace it)."""
        if self.status == "complete":
            self.status, self.reason, self.limit = "partial", reason, limit


def capture_urls(
    case: CaseWriter,
    urls: Sequence[str],
    *,
    examiner: Examiner,
    options: CaptureOptions | None = None,
    parallel: int = 2,
    progress: bool = True,
) -> list[Capture]:
    """Capture every URL into ``case``; each becomes one capture (complete, partial or failed).

    At most ``parallel`` pages load at once, in one browser; a progress bar counts
    finished pages when there is more than one. Each page is recorded as soon as it is
    done, so its event's time is its own. On Ctrl-C (KeyboardInterrupt) or SIGTERM
    the pages under way end and are recorded as partial before the interrupt goes on.
    """
    checked = [validate_url(u) for u in urls]  # refuse the batch before anything starts
    if not checked:
        raise InvalidURL("", "no URL to capture")
    if not isinstance(parallel, int) or parallel < 1:
        raise InvalidOption("parallel", f"{parallel!r}: must be a whole number above 0")
    opts = options or CaptureOptions()
    actor = examiner.actor()
    bar = tqdm(
        total=len(checked), desc="capture", unit="page", disable=not progress or len(checked) < 2
    )
    recorded: dict[int, Capture] = {}
    lock = threading.Lock()
    problems: list[BaseException] = []

    def record(index: int, result: PageResult) -> None:
        with lock:
            try:
                recorded[index] = _record(case, result, opts, actor)
            except BaseException as exc:  # raised in the caller's thread below
                problems.append(exc)

    interrupt = Interrupt()
    with bar:
        run_coroutine(
            _capture_all(checked, opts, parallel, bar.update, record, interrupt),
            interrupt,
            wind_down_s=GRACE_S + 30,  # each page's snapshot and close, then its recording
        )
    if problems:
        raise problems[0]
    return [recorded[i] for i in sorted(recorded)]


def _record(
    case: CaseWriter, result: PageResult, opts: CaptureOptions, actor: dict[str, Any]
) -> Capture:
    capture: dict[str, Any] = {
        "method": METHOD,
        "target": result.url,
        "status": result.status,
        "started": result.started,
        "ended": result.ended,
        "options": opts.to_json(),
        **result.facts,
    }
    if result.reason:
        capture["reason"] = result.reason
    if result.limit:
        capture["limit"] = result.limit
    if result.status == "failed" or not result.artifacts:
        failed = record_failure(case, capture, actor)
        if failed is None:  # could not even record the failure: say so to the caller
            raise CaptureNotRecorded(result.url, result.reason or "the capture failed")
        return failed
    # One staging batch, made durable with one sync, not one fsync per file of the page.
    staged = case.store.stage_many([a.data for a in result.artifacts])
    artifacts = [
        Artifact(blob, a.role, a.media_type, a.source)
        for blob, a in zip(staged, result.artifacts, strict=True)
    ]
    return record_acquisition(case, artifacts, capture, actor)


async def _capture_all(
    urls: list[str],
    opts: CaptureOptions,
    parallel: int,
    done: Callable[[int], object],
    record: Callable[[int, PageResult], None],
    interrupt: Interrupt,
) -> None:
    from playwright.async_api import async_playwright

    stop = interrupt.bind()
    executable = chromium_executable()
    loop = asyncio.get_running_loop()
    recording = asyncio.Lock()  # one page at a time reaches the case, in the order it ends
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=executable, args=launch_args(), headless=True
        )
        try:
            gate = asyncio.Semaphore(parallel)

            async def one(index: int, url: str) -> None:
                async with gate:
                    if stop.is_set():
                        return  # not started: nothing to record
                    try:
                        result = await _capture_page(
                            browser, url, opts, executable, stop, interrupt
                        )
                    except Exception as exc:  # a fault of ours: recorded, the batch goes on
                        log.exception("capture of %s stopped on an unexpected error", url)
                        result = PageResult(url=url, started=now(), ended=now())
                        result.status = "failed"
                        result.reason = f"the capture stopped on an unexpected error: {exc!r}"
                async with recording:
                    await loop.run_in_executor(None, record, index, result)
                done(1)

            await asyncio.gather(*(one(i, u) for i, u in enumerate(urls)))
        finally:
            with contextlib.suppress(Exception):
                await bounded(browser.close(), CALL_S)


async def _capture_page(
    browser: Browser,
    url: str,
    opts: CaptureOptions,
    executable: str,
    stop: asyncio.Event,
    interrupt: Interrupt,
) -> PageResult:
    from playwright.async_api import Error as PlaywrightError

    result = PageResult(url=url, started=now())
    t0 = datetime.now(UTC)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + opts.timeout_s
    proxy = RecordingProxy(max_bytes=opts.max_bytes, ignore_tls_errors=opts.ignore_tls_errors)
    server = await proxy.start()
    watch = PageWatch()
    context = None
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
        run = _PageRun(page, url, opts, result, proxy, watch, deadline)
        await _run_until_limit(run, stop, interrupt)
        if run.failed is not None:
            _failed_load(result, run.failed, proxy, url)
        else:
            until = loop.time() + GRACE_S - CLOSE_S  # the rest is for closing
            if page.url.startswith("chrome-error:") and watch.documents:
                await _render_again(page, cdp, proxy, watch.documents[-1], result, until)
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
    _traffic(result, proxy, watch, opts, t0, browser, url)
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
    #: Event-loop time by which loading, quiet, scrolling and downloads must be done.
    deadline: float
    stage: str = "waiting for the site to answer"
    response: Response | None = None
    #: Why the navigation itself failed, if it did.
    failed: str | None = None

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
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    page, opts, result, proxy = run.page, run.opts, run.result, run.proxy
    try:
        run.response = await page.goto(run.url, wait_until="commit", timeout=0)
    except PlaywrightError as exc:
        run.failed = extract.first_line(str(exc))
        return
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


async def _render_again(
    page: Page, cdp: Any, proxy: RecordingProxy, last: str, result: PageResult, until: float
) -> None:
    """The page left its document for the browser's error page: render the last real
    document again from the recorded traffic, scripts off, so the screenshot, DOM and
    MHTML show what the site sent rather than the error. The record says so."""
    loop = asyncio.get_running_loop()
    error = ""
    with contextlib.suppress(Exception):
        text = await bounded(page.evaluate("document.body ? document.body.innerText : ''"), 2)
        found = re.search(r"\b(?:net::)?(ERR_[A-Z_]+)", str(text))
        error = f" ({found.group(1)})" if found else ""
    result.cut(
        f"the page navigated away to an error{error}; what is shown is its last document "
        f"({last}) rendered again from the recorded traffic, with scripts off",
        None,
    )
    result.facts["rendered_again_from_record"] = last
    proxy.replay = True
    with contextlib.suppress(Exception):
        await bounded(cdp.send("Emulation.setScriptExecutionDisabled", {"value": True}), 3)
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


def _traffic(
    result: PageResult,
    proxy: RecordingProxy,
    watch: PageWatch,
    opts: CaptureOptions,
    t0: datetime,
    browser: Browser,
    url: str,
) -> None:
    """What the proxy saw, into the record and the exhibits: WARC, WACZ, media, downloads."""
    traffic = proxy.exchanges
    final = str(result.facts.get("final_url") or url)
    main = _main_exchange(traffic, final)
    result.facts.update(watch.record())
    result.facts.update(
        {
            "blocked_requests": proxy.blocked,
            "skipped_requests": proxy.skipped,
            "failed_requests": proxy.failed,
            "bytes_received": proxy.bytes_received,
            "requests": len(traffic),
            "bodies_truncated": [
                {"url": ex.url, "why": ex.truncated} for ex in traffic if ex.truncated
            ],
        }
    )
    if main is not None:
        result.facts["user_agent"] = _request_header(main, "user-agent")
        port = urlsplit(main.url).port or (443 if main.url.startswith("https:") else 80)
        result.facts["server"] = {"ip": main.server_ip, "port": port} if main.server_ip else None
        if main.truncated:
            result.cut(f"the page itself was cut short ({main.truncated})", None)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(final))
    if final.startswith("https:"):
        tls = dict(proxy.tls.get(origin) or {})
        tls["errors_ignored"] = opts.ignore_tls_errors
        tls.setdefault("errors", [])
        result.facts["tls"] = tls
    elif result.status != "failed":
        result.facts["tls"] = None
    if result.status == "failed":
        if any(ex.status is not None for ex in traffic):
            # Servers answered (a redirect loop, say): keep what they said.
            result.status = "partial"
            result.reason = f"{result.reason}; what the servers answered is in the WARC"
            result.artifacts = _archives(traffic, url, result, t0, browser)
        return
    if main is not None and any(k.lower() == OWN_ANSWER.lower() for k, _ in main.response_headers):
        result.cut("the page shown is the capture proxy's answer, not the site's", None)
    media, media_entries = extract.media_artifacts(traffic)
    kept, download_entries = extract.downloads(watch.downloads, traffic)
    result.artifacts += media + kept + _archives(traffic, final, result, t0, browser)
    result.facts.update({"downloads": download_entries, "media": media_entries})


def _main_exchange(traffic: list[Exchange], final: str) -> Exchange | None:
    """The response the page shown came from: the last answered request for its URL."""
    return next((ex for ex in reversed(traffic) if ex.url == final and ex.status is not None), None)


def _request_header(ex: Exchange, name: str) -> str:
    return next((v for k, v in ex.request_headers if k.lower() == name), "")


def _archives(
    traffic: list[Exchange], url: str, result: PageResult, t0: datetime, browser: Browser
) -> list[PageArtifact]:
    """The traffic as WARC 1.1, and the same WARC packed as WACZ."""
    software = f"osint-kit (Playwright {extract.version('playwright')}, Chromium {browser.version})"
    info = {
        "software": software,
        "format": "WARC File Format 1.1",
        "isPartOf": result.url,
        "description": "HTTP traffic of one page as the browser saw it (docs/web-capture.md)",
    }
    warc = write_warc(traffic, info)
    title = str(result.facts.get("title", ""))
    wacz = pack_wacz(warc, url=url, title=title, started=t0, software=software)
    return [
        PageArtifact("warc", "application/warc", warc),
        PageArtifact("wacz", "application/zip", wacz),
    ]
