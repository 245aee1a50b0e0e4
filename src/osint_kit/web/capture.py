"""``web.browser``: render a URL in headless Chromium and keep what it showed and fetched.

Per URL, one capture with these exhibits: full-page screenshot (PNG), rendered
DOM (HTML), visible text, MHTML snapshot, and the page's HTTP traffic as a WARC
1.1 file. The capture record holds the acquisition facts (requested and final
URL, redirect chain, HTTP status, server address, TLS details, title, user agent,
viewport, browser and Playwright versions, times, status) and the read-only
guard's list of what it blocked.

The browser is read-only: every request other than GET, HEAD and OPTIONS is
aborted and listed, so a page that submits a form or fires a POST beacon cannot
act in the examiner's name. Popups are closed and downloads refused; both are
listed. Nothing is posted, uploaded or submitted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from tqdm.auto import tqdm

from ..acquire import Artifact, discard, record_acquisition, record_failure
from ..errors import CaptureNotRecorded, InvalidURL
from ..examiner import Examiner
from ..exhibits import Capture
from ..writer import CaseWriter
from . import extract
from .browser import chromium_executable, launch_args
from .extract import PageArtifact
from .page import PageWatch, now, scroll
from .wacz import pack_wacz
from .warc import Exchange, write_warc

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Response


METHOD = "web.browser"
T = TypeVar("T")


@dataclass(frozen=True)
class CaptureOptions:
    """What the examiner can set for a capture; recorded with it."""

    viewport: tuple[int, int] = (1280, 800)
    #: Seconds for the page's ``load`` event.
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


def validate_url(url: str) -> str:
    """Only absolute http(s) URLs with a host; anything else is refused before a browser starts."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidURL(str(url), "it is empty")
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InvalidURL(text, f"it is not a URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"the scheme {parts.scheme + ':'!r}" if parts.scheme else "it has no scheme"
        raise InvalidURL(text, f"{shown} is not captured; only http: and https: are")
    if not parts.hostname:
        raise InvalidURL(text, "it has no host")
    if any(c.isspace() for c in text):
        raise InvalidURL(text, "it contains white space")
    return text


@dataclass
class PageResult:
    url: str
    status: str = "complete"
    reason: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    artifacts: list[PageArtifact] = field(default_factory=list)
    started: str = ""
    ended: str = ""


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on a private event loop in a worker thread.

    Works the same from a script and from a notebook, whose kernel already runs a
    loop in the main thread.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


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
    finished pages when there is more than one.
    """
    checked = [validate_url(u) for u in urls]  # refuse the batch before anything starts
    if not checked:
        raise InvalidURL("", "no URL to capture")
    opts = options or CaptureOptions()
    bar = tqdm(
        total=len(checked), desc="capture", unit="page", disable=not progress or len(checked) < 2
    )
    with bar:
        results = run_coroutine(_capture_all(checked, opts, max(1, parallel), bar.update))
    actor = examiner.actor()
    return [_record(case, r, opts, actor) for r in results]


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
    if result.status == "failed" or not result.artifacts:
        failed = record_failure(case, capture, actor)
        if failed is None:  # could not even record the failure: say so to the caller
            raise CaptureNotRecorded(result.url, result.reason or "the capture failed")
        return failed
    artifacts = []
    try:
        for a in result.artifacts:
            artifacts.append(
                Artifact(case.store.stage_bytes(a.data), a.role, a.media_type, a.source)
            )
    except BaseException:
        discard(case, artifacts)
        raise
    return record_acquisition(case, artifacts, capture, actor)


async def _capture_all(
    urls: list[str], opts: CaptureOptions, parallel: int, done: Callable[[int], object]
) -> list[PageResult]:
    from playwright.async_api import async_playwright

    executable = chromium_executable()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=executable, args=launch_args(), headless=True
        )
        try:
            gate = asyncio.Semaphore(parallel)

            async def one(url: str) -> PageResult:
                async with gate:
                    result = await _capture_page(browser, url, opts, executable)
                done(1)
                return result

            return list(await asyncio.gather(*(one(u) for u in urls)))
        finally:
            await browser.close()


async def _capture_page(
    browser: Browser, url: str, opts: CaptureOptions, executable: str
) -> PageResult:
    from playwright.async_api import Error as PlaywrightError

    result = PageResult(url=url, started=now())
    t0 = datetime.now(UTC)
    context = await browser.new_context(
        viewport={"width": opts.viewport[0], "height": opts.viewport[1]},
        ignore_https_errors=opts.ignore_tls_errors,
        user_agent=opts.user_agent,
        accept_downloads=True,  # kept as exhibits, never opened
        service_workers="block",  # every request must pass the guard
    )
    watch = PageWatch(max_bytes=opts.max_bytes)
    await context.route("**/*", watch.guard)
    page = await context.new_page()
    page.on("requestfinished", watch.on_finished)
    page.on("requestfailed", watch.on_failed)
    page.on("popup", watch.on_popup)
    page.on("download", watch.on_download)
    # Our own DevTools session: the certificate chain and the MHTML snapshot come from it.
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    stopper = asyncio.create_task(watch.stop_when_over_limit(cdp))
    try:
        response = await _load(page, url, opts, result)
        if result.status == "failed":
            result.facts = watch.record()
            traffic = await extract.exchanges(watch.requests)
            if any(ex.status is not None for ex in traffic):
                # Servers answered (a redirect loop, say): keep what they said.
                result.status = "partial"
                result.reason = f"{result.reason}; what the servers answered is in the WARC"
                result.facts["requests"] = len(traffic)
                result.artifacts = _archives(traffic, url, result, t0, browser)
            return result
        result.facts = await extract.page_facts(page, response, browser, executable)
        if result.facts.get("tls") is not None:
            result.facts["tls"].update(await extract.certificate_chain(cdp, page.url))
            result.facts["tls"]["errors_ignored"] = opts.ignore_tls_errors
        result.artifacts, notes = await extract.page_artifacts(page, cdp, opts.max_height_px)
        result.facts.update(notes)
        kept, download_entries = await extract.downloads(watch.downloads)
        traffic = await extract.exchanges(watch.requests)
        media, media_entries = extract.media_artifacts(traffic)
        result.artifacts += media + kept + _archives(traffic, page.url, result, t0, browser)
        result.facts.update(watch.record())
        result.facts.update(
            {"downloads": download_entries, "media": media_entries, "requests": len(traffic)}
        )
        if watch.over_limit and result.status == "complete":
            result.status = "partial"
            result.reason = f"the page's traffic passed the byte limit ({opts.max_bytes} bytes)"
    except PlaywrightError as exc:
        result.status, result.reason = "failed", extract.first_line(str(exc))
        result.artifacts = []
    finally:
        stopper.cancel()
        await context.close()
        result.ended = now()
        result.facts["duration_ms"] = int((datetime.now(UTC) - t0).total_seconds() * 1000)
    return result


async def _load(page: Page, url: str, opts: CaptureOptions, result: PageResult) -> Response | None:
    """Navigate, wait for load and for quiet, scroll; set the result's status as limits bite."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        response = await page.goto(
            url, wait_until="domcontentloaded", timeout=opts.timeout_s * 1000
        )
    except PlaywrightTimeout:
        result.status = "partial"
        result.reason = f"the page did not start within {opts.timeout_s} s"
        return None
    except PlaywrightError as exc:
        result.status, result.reason = "failed", extract.first_line(str(exc))
        return None
    for state, limit, what in (
        ("load", opts.timeout_s, "the page did not finish loading"),
        ("networkidle", opts.idle_s, "the network did not go quiet"),
    ):
        try:
            await page.wait_for_load_state(state, timeout=limit * 1000)  # type: ignore[arg-type]
        except PlaywrightTimeout:
            result.status, result.reason = "partial", f"{what} within {limit} s"
            return response
    if opts.scroll:
        stopped = await scroll(page, seconds=opts.scroll_s, max_height_px=opts.max_height_px)
        if stopped:
            result.status, result.reason = "partial", stopped
    return response


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
