"""Web capture: osint-kit's ``capture_urls`` against bare Playwright, same pages, same run.

Every contender starts Playwright, launches the same Chromium (the one osint-kit
finds, with osint-kit's launch flags), renders the same fixture pages served on
127.0.0.1 (``osint_kit_sandbox.site``) one by one or a few at a time, and closes
the browser again; all of that is timed. The contenders:

- ``osint-kit``: ``case.capture_urls(urls, examiner=..., options=CaptureOptions(idle_s=...),
  parallel=N)`` into a fresh case (created and deleted untimed): screenshot, DOM,
  text, MHTML, WARC, WACZ and page images per URL, the read-only guard, custody
  events, every blob fsync'ed;
- ``bare Playwright``: per page a new context, a new page, ``goto`` (until
  ``domcontentloaded``), ``wait_for_load_state("load")``,
  ``wait_for_load_state("networkidle")``, a full-page PNG screenshot, close, i.e.
  the waits ``_load`` in ``osint_kit.web.capture`` makes, and nothing else;
- two steps between them, to see where osint-kit's extra time goes: bare plus
  osint-kit's scrolling (``osint_kit.web.page.scroll``), and bare plus all the
  browser work of a capture written out here with plain Playwright calls (guard
  route, DevTools session, scrolling, page facts, DOM, text, MHTML, every
  request's headers and body); what osint-kit spends beyond that is WARC and
  WACZ packing, staging and recording in the case.

One more run of osint-kit and of the bare variants is instrumented: the
functions of ``osint_kit.web.capture`` / ``collect`` and the Playwright calls
are wrapped with timers (from here, nothing in ``src/`` changes), which says
how many milliseconds a page spends in each.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from playwright.async_api import (
    Browser,
    BrowserContext,
    BrowserType,
    CDPSession,
    FloatRect,
    Page,
    Request,
    Response,
    Route,
    ViewportSize,
    async_playwright,
)
from playwright.async_api._context_manager import PlaywrightContextManager
from timing import Samples, race, remove_tree, settle
from workloads import OnRun, Scratch, _goal

from osint_kit import Case
from osint_kit.store import BlobStore
from osint_kit.web import capture as capture_mod
from osint_kit.web import extract as collect_mod
from osint_kit.web.browser import chromium_executable, launch_args
from osint_kit.web.capture import CaptureOptions
from osint_kit.web.page import scroll
from osint_kit_sandbox.site import serve

#: The fixture pages, cycled to make the batch, with what each must give:
#: (HTTP status of the final response, final path).
PAGES: dict[str, tuple[int, str]] = {
    "/": (200, "/"),
    "/gzip": (200, "/gzip"),
    "/missing": (404, "/missing"),
    "/beacon": (200, "/beacon"),
    "/redirect": (200, "/"),
}
DEFAULT_PAGES = 20
PARALLEL = (1, 2, 4)
#: osint-kit / bare Playwright, one page at a time.
GOAL = 1.5
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Exhibits every capture must have (page images come on top where the page has them).
ROLES = 6


def page_paths(count: int) -> list[str]:
    """``count`` fixture paths, cycling through PAGES in order."""
    paths = list(PAGES)
    return [paths[i % len(paths)] for i in range(count)]


# -- bare Playwright --------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """What bare Playwright does on each page beyond load, quiet and screenshot."""

    scroll: bool = False
    #: Everything osint-kit asks of the browser: guard, DevTools session, facts,
    #: clipped screenshot, DOM, text, MHTML, each request's headers and body.
    everything: bool = False


@dataclass
class BarePage:
    url: str
    final_url: str = ""
    status: int | None = None
    png: bytes = b""
    extra_bytes: int = 0  # DOM + text + MHTML + traffic bodies, in the "everything" variant
    requests: int = 0
    blocked: int = 0


@dataclass
class _Watch:
    requests: list[Request] = field(default_factory=list)
    blocked: int = 0
    bytes_received: int = 0

    async def guard(self, route: Route) -> None:
        if route.request.method.upper() in READ_METHODS:
            await route.continue_()
        else:
            self.blocked += 1
            await route.abort("blockedbyclient")

    def on_request(self, request: Request) -> None:
        self.requests.append(request)

    def on_data(self, event: dict[str, Any]) -> None:
        self.bytes_received += int(event.get("encodedDataLength") or 0)


async def _traffic(requests: list[Request]) -> int:
    """What ``collect.exchanges`` asks of each request: headers, response, server, body."""
    size = 0
    for req in requests:
        await req.headers_array()
        response = await req.response()
        if response is None:
            continue
        await response.headers_array()
        await response.server_addr()
        if not 300 <= response.status < 400:
            # a body Chromium no longer holds: osint-kit records why, we skip it
            with contextlib.suppress(Exception):
                size += len(await response.body())
    return size


async def _facts(page: Page, response: Response | None) -> None:
    """What ``collect.page_facts`` asks of the page and the response."""
    await page.title()
    await page.evaluate("navigator.userAgent")
    if response is None:
        return
    req = response.request.redirected_from
    while req is not None:
        await req.response()
        req = req.redirected_from
    await response.server_addr()
    await response.security_details()


async def _bare_page(
    browser: Browser, url: str, opts: CaptureOptions, variant: Variant
) -> BarePage:
    out = BarePage(url=url)
    viewport: ViewportSize = {"width": opts.viewport[0], "height": opts.viewport[1]}
    if variant.everything:
        context = await browser.new_context(
            viewport=viewport,
            accept_downloads=True,
            service_workers="block",
        )
    else:
        context = await browser.new_context(viewport=viewport)
    try:
        watch = _Watch()
        cdp: CDPSession | None = None
        if variant.everything:
            await context.route("**/*", watch.guard)
        page = await context.new_page()
        if variant.everything:
            page.on("requestfinished", watch.on_request)
            page.on("requestfailed", watch.on_request)
            cdp = await context.new_cdp_session(page)
            cdp.on("Network.dataReceived", watch.on_data)
            await cdp.send("Network.enable")
        response = await page.goto(
            url, wait_until="domcontentloaded", timeout=opts.timeout_s * 1000
        )
        await page.wait_for_load_state("load", timeout=opts.timeout_s * 1000)
        await page.wait_for_load_state("networkidle", timeout=opts.idle_s * 1000)
        if variant.scroll or variant.everything:
            await scroll(page, seconds=opts.scroll_s, max_height_px=opts.max_height_px)
        out.final_url, out.status = page.url, response.status if response else None
        if cdp is None:
            out.png = await page.screenshot(full_page=True, type="png")
        else:
            await _facts(page, response)
            height = int(await page.evaluate("document.documentElement.scrollHeight"))
            clip: FloatRect = {
                "x": 0,
                "y": 0,
                "width": opts.viewport[0],
                "height": min(height, 30_000),
            }
            out.png = await page.screenshot(full_page=True, type="png", clip=clip)
            dom = await page.content()
            text = await page.evaluate("document.body ? document.body.innerText : ''")
            mhtml = await cdp.send("Page.captureSnapshot", {"format": "mhtml"})
            out.extra_bytes = len(dom) + len(str(text)) + len(mhtml["data"])
            out.extra_bytes += await _traffic(watch.requests)
            out.requests, out.blocked = len(watch.requests), watch.blocked
    finally:
        await context.close()
    return out


async def _bare_all(
    urls: list[str], opts: CaptureOptions, parallel: int, variant: Variant
) -> list[BarePage]:
    """Like ``capture._capture_all``: one browser, at most ``parallel`` pages at a time."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_executable(), args=launch_args(), headless=True
        )
        try:
            gate = asyncio.Semaphore(parallel)

            async def one(url: str) -> BarePage:
                async with gate:
                    return await _bare_page(browser, url, opts, variant)

            return list(await asyncio.gather(*(one(u) for u in urls)))
        finally:
            await browser.close()


def _check_bare(pages: list[BarePage], paths: list[str], variant: Variant) -> None:
    for got, path in zip(pages, paths, strict=True):
        status, final = PAGES[path]
        problem = None
        if not got.png.startswith(PNG_MAGIC) or len(got.png) < 1000:
            problem = f"no PNG screenshot ({len(got.png)} bytes)"
        elif got.status != status or not got.final_url.endswith(final):
            problem = f"HTTP {got.status} at {got.final_url}, expected {status} at {final}"
        elif variant.everything and (got.extra_bytes < 500 or got.requests < 1):
            problem = f"only {got.extra_bytes} bytes of DOM, text, MHTML and traffic"
        elif variant.everything and path == "/beacon" and got.blocked < 3:
            problem = f"the guard blocked {got.blocked} writes, expected 3"
        if problem:
            raise RuntimeError(f"bare Playwright on {got.url}: {problem}")


def _time_bare(
    urls: list[str], paths: list[str], opts: CaptureOptions, parallel: int, variant: Variant
) -> float:
    settle(False)
    start = perf_counter()
    pages = asyncio.run(_bare_all(urls, opts, parallel, variant))
    seconds = perf_counter() - start
    _check_bare(pages, paths, variant)
    return seconds


# -- osint-kit ------------------------------------------------------------------------


def _check_captures(captures: list[Any], paths: list[str]) -> dict[str, Any]:
    """Each capture complete, with the right status and final URL, all exhibits, the guard on."""
    exhibits = 0
    for cap, path in zip(captures, paths, strict=True):
        status, final = PAGES[path]
        rec = cap.record
        problem = None
        if cap.status != "complete":
            problem = f"status {cap.status} ({cap.reason})"
        elif rec.get("http_status") != status or not rec.get("final_url", "").endswith(final):
            problem = f"HTTP {rec.get('http_status')} at {rec.get('final_url')}"
        elif len(cap.exhibits) < ROLES:
            problem = f"only {len(cap.exhibits)} exhibits"
        elif path == "/beacon" and len(rec.get("blocked_requests", [])) < 3:
            problem = f"the guard blocked {len(rec.get('blocked_requests', []))} writes"
        if problem:
            raise RuntimeError(f"osint-kit capture of {cap.target}: {problem}")
        exhibits += len(cap.exhibits)
    first = captures[0].record
    return {
        "exhibits": exhibits,
        "chromium": first["browser"]["version"],
        "executable": first["browser"]["executable"],
        "playwright": first["playwright"],
    }


@dataclass
class OsintKitRuns:
    """Times ``capture_urls`` into a fresh case; keeps what the last run's checks found."""

    scratch: Scratch
    urls: list[str]
    paths: list[str]
    facts: dict[str, Any] = field(default_factory=dict)
    #: No progress bar on stderr, where capture_urls has the option (like import_files).
    quiet: dict[str, bool] = field(
        default_factory=lambda: (
            {"progress": False}
            if "progress" in inspect.signature(Case.capture_urls).parameters
            else {}
        )
    )

    def time(self, opts: CaptureOptions, parallel: int) -> float:
        case = self.scratch.new_case()
        try:
            settle(self.scratch.cold)
            start = perf_counter()
            captures = case.capture_urls(
                self.urls,
                examiner=self.scratch.examiner,
                options=opts,
                parallel=parallel,
                **self.quiet,
            )
            seconds = perf_counter() - start
            self.facts = _check_captures(captures, self.paths)
            report = case.verify()
            if not report.ok:
                raise RuntimeError(f"the benchmark case does not verify:\n{report.text()}")
        finally:
            remove_tree(case.path)
        return seconds


# -- instrumentation ----------------------------------------------------------------------

#: osint-kit's own functions, timed where ``capture.py`` calls them.
OUR_FUNCTIONS: tuple[tuple[Any, str], ...] = (
    (capture_mod, "_capture_all"),
    (capture_mod, "_capture_page"),
    (capture_mod, "_load"),
    (capture_mod, "scroll"),
    (collect_mod, "page_facts"),
    (collect_mod, "certificate_chain"),
    (collect_mod, "page_artifacts"),
    (collect_mod, "downloads"),
    (collect_mod, "exchanges"),
    (collect_mod, "media_artifacts"),
    (capture_mod, "_archives"),
    (capture_mod, "write_warc"),
    (capture_mod, "pack_wacz"),
    (capture_mod, "_record"),
    (capture_mod, "record_acquisition"),
    (BlobStore, "stage_bytes"),
)
#: Playwright calls, timed wherever they are made (ours and bare Playwright's alike).
PLAYWRIGHT_CALLS: tuple[tuple[Any, str], ...] = (
    (PlaywrightContextManager, "__aenter__"),  # starts Playwright's driver (node)
    (PlaywrightContextManager, "__aexit__"),
    (BrowserType, "launch"),
    (Browser, "close"),
    (Browser, "new_context"),
    (BrowserContext, "close"),
    (BrowserContext, "new_page"),
    (BrowserContext, "route"),
    (BrowserContext, "new_cdp_session"),
    (Page, "goto"),
    (Page, "wait_for_load_state"),
    (Page, "screenshot"),
    (Page, "content"),
    (Page, "evaluate"),
    (Page, "title"),
    (CDPSession, "send"),
    (Request, "headers_array"),
    (Request, "response"),
    (Response, "headers_array"),
    (Response, "server_addr"),
    (Response, "security_details"),
    (Response, "body"),
)


@dataclass
class Probe:
    """Total seconds and calls per label; async and plain functions alike."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, label: str, seconds: float) -> None:
        self.seconds[label] += seconds
        self.calls[label] += 1

    def timed(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def name_of(args: tuple[Any, ...]) -> str:
            # CDPSession.send(self, method, params): one line per DevTools method
            return f"{label}({args[1]})" if label == "CDPSession.send" else label

        if inspect.iscoroutinefunction(fn):

            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                start = perf_counter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    self.add(name_of(args), perf_counter() - start)

            return timed_async

        def timed_sync(*args: Any, **kwargs: Any) -> Any:
            start = perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name_of(args), perf_counter() - start)

        return timed_sync

    def per_page(self, pages: int) -> dict[str, dict[str, float]]:
        return {
            label: {
                "total_s": s,
                "calls": self.calls[label],
                "ms_per_page": s * 1000 / pages,
            }
            for label, s in sorted(self.seconds.items(), key=lambda kv: -kv[1])
        }


def _label(owner: Any, name: str) -> str:
    return f"{owner.__name__.rsplit('.', 1)[-1]}.{name}"


@contextmanager
def instrumented(probe: Probe) -> Iterator[list[str]]:
    """Wrap OUR_FUNCTIONS and PLAYWRIGHT_CALLS with timers; yields what could not be wrapped."""
    undo: list[tuple[Any, str, Any]] = []
    missing = []
    try:
        for owner, name in OUR_FUNCTIONS + PLAYWRIGHT_CALLS:
            original = owner.__dict__.get(name)
            if original is None:
                missing.append(_label(owner, name))
                continue
            undo.append((owner, name, original))
            setattr(owner, name, probe.timed(_label(owner, name), original))
        yield missing
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


# -- the measurement --------------------------------------------------------------------


def _contender(samples: Samples, pages: int, parallel: int) -> dict[str, Any]:
    return {
        **samples.to_json(),
        "pages": pages,
        "parallel": parallel,
        "s_per_page": samples.median / pages,
        "pages_per_min": pages * 60 / samples.median,
    }


def measure_web(
    scratch: Scratch, pages: int, idle_s: int, repeat: int, on_run: OnRun
) -> dict[str, Any]:
    """Race osint-kit (parallel 1, 2, 4; scrolling off) against bare Playwright variants."""
    paths = page_paths(pages)
    opts = CaptureOptions(idle_s=idle_s)
    no_scroll = CaptureOptions(idle_s=idle_s, scroll=False)
    bare, scrolled, everything = Variant(), Variant(scroll=True), Variant(everything=True)
    with serve() as site:
        urls = [site.url(p) for p in paths]
        ours = OsintKitRuns(scratch, urls, paths)

        def ours_at(parallel: int) -> Callable[[], float]:
            return lambda: ours.time(opts, parallel)

        contenders = {f"osint-kit, {n} at a time": ours_at(n) for n in PARALLEL}
        contenders.update(
            {
                "osint-kit, scrolling off": lambda: ours.time(no_scroll, 1),
                "bare Playwright": lambda: _time_bare(urls, paths, opts, 1, bare),
                "bare + scroll": lambda: _time_bare(urls, paths, opts, 1, scrolled),
                "bare + all browser work": lambda: _time_bare(urls, paths, opts, 1, everything),
                "bare Playwright, 4 at a time": lambda: _time_bare(urls, paths, opts, 4, bare),
                "bare + all browser work, 4 at a time": lambda: _time_bare(
                    urls, paths, opts, 4, everything
                ),
            }
        )
        samples = race(contenders, repeat, on_run)
        facts = ours.facts
        print("instrumented runs (not in the figures above)", file=sys.stderr)
        breakdown = {}
        instrumented_runs: list[tuple[str, Callable[[], float]]] = [
            ("osint-kit, 1 at a time", lambda: ours.time(opts, 1)),
            ("bare + all browser work", lambda: _time_bare(urls, paths, opts, 1, everything)),
            ("bare Playwright", lambda: _time_bare(urls, paths, opts, 1, bare)),
        ]
        for name, run in instrumented_runs:
            probe = Probe()
            with instrumented(probe) as missing:
                seconds = run()
            on_run(f"{name} (instrumented)", seconds)
            breakdown[name] = {
                "seconds": seconds,
                "not_wrapped": missing,
                "calls": probe.per_page(pages),
            }
    ours_1, ours_4 = samples["osint-kit, 1 at a time"], samples["osint-kit, 4 at a time"]
    base, all_work = samples["bare Playwright"], samples["bare + all browser work"]
    ratios = {
        "osint-kit/bare": ours_1.median / base.median,
        "osint-kit scrolling off/bare": samples["osint-kit, scrolling off"].median / base.median,
        "bare+scroll/bare": samples["bare + scroll"].median / base.median,
        "bare+all browser work/bare": samples["bare + all browser work"].median / base.median,
        "osint-kit/bare+all browser work": ours_1.median / all_work.median,
        "4 at a time: osint-kit/bare+all browser work": ours_4.median
        / samples["bare + all browser work, 4 at a time"].median,
    }
    # throughput at 4 at a time over throughput at 1 at a time
    scaling = {
        "osint-kit": ours_1.median / ours_4.median,
        "bare Playwright": base.median / samples["bare Playwright, 4 at a time"].median,
        "bare + all browser work": all_work.median
        / samples["bare + all browser work, 4 at a time"].median,
    }
    parallel = {name: 4 if name.endswith("4 at a time") else 1 for name in samples}
    parallel |= {f"osint-kit, {n} at a time": n for n in PARALLEL}
    return {
        "pages": pages,
        "paths": list(PAGES),
        "options": opts.to_json(),
        **facts,
        "contenders": {name: _contender(s, pages, parallel[name]) for name, s in samples.items()},
        "ratios": ratios,
        "speedup_4_at_a_time": scaling,
        "goal": _goal(ratios["osint-kit/bare"], GOAL),
        "breakdown": breakdown,
    }
