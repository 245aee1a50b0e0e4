"""Web capture: osint-kit's ``capture_urls`` against bare Playwright, same pages, same run.

Every contender starts Playwright, launches the same Chromium (the one osint-kit
finds, with osint-kit's launch flags), renders the same pages served on 127.0.0.1
one by one or four at a time, and closes the browser again; all of that is timed.

- ``osint-kit``: ``case.capture_urls(urls, examiner=..., options=CaptureOptions(idle_s=...),
  parallel=N, progress=False)`` into a fresh case (created and deleted untimed):
  the recording proxy per page, scrolling, freezing the page, screenshot, DOM, text,
  MHTML, WARC, WACZ and page images, custody events, every blob fsync'ed;
- ``bare Playwright``: per page a new context and page, ``goto`` (until ``load``),
  ``wait_for_load_state("networkidle")``, a full-page PNG screenshot, close; with
  N at a time, an ``asyncio.Semaphore(N)`` in one browser, like osint-kit.

The fixture pages come from ``osint_kit_sandbox.site``. The long lazy-loading page
is made here (``LongLazySite``): 40 images over 20,000 px, half ``loading=lazy``,
half set by an IntersectionObserver, each image answered after a short delay. On it,
osint-kit is raced against bare Playwright doing the same scrolling (osint-kit's own
``osint_kit.acquire.web.page.scroll``, told when requests are in flight by Playwright's
request events) and against a plain loop that scrolls one viewport a step.

One more run of osint-kit and of bare Playwright is instrumented: the functions of
``osint_kit.acquire.web.capture`` / ``page_capture`` / ``capture_record`` / ``extract`` /
``proxy`` / ``recorder`` and the Playwright calls are wrapped with timers from here
(nothing in ``src/`` changes), which says how many milliseconds a page spends in each.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import os
import resource
import statistics
import struct
import sys
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import perf_counter
from typing import Any

from playwright.async_api import (
    Browser,
    BrowserContext,
    BrowserType,
    CDPSession,
    Page,
    Request,
    ViewportSize,
    async_playwright,
)
from playwright.async_api._context_manager import PlaywrightContextManager
from timing import Samples, race, remove_tree, settle
from workloads import OnRun, Scratch, _goal

from osint_kit import Case
from osint_kit.acquire.web import capture as capture_mod
from osint_kit.acquire.web import capture_record as capture_record_mod
from osint_kit.acquire.web import extract as extract_mod
from osint_kit.acquire.web import page_capture as page_capture_mod
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit.acquire.web.page import scroll
from osint_kit.acquire.web.proxy import RecordingProxy
from osint_kit.acquire.web.recorder import ExchangeRecorder
from osint_kit.formats.chromium import chromium_executable, launch_args
from osint_kit.record.store import BlobStore
from osint_kit_sandbox.site import serve

#: The fixture pages, cycled to make the batch, with what each must give:
#: (HTTP status of the final response, final path). "/tall" is taller than the
#: viewport, so osint-kit scrolls it (it does not grow); the others fit in it.
PAGES: dict[str, tuple[int, str]] = {
    "/": (200, "/"),
    "/gzip": (200, "/gzip"),
    "/missing": (404, "/missing"),
    "/beacon": (200, "/beacon"),
    "/redirect": (200, "/"),
    "/short": (200, "/short"),
    "/tall": (200, "/tall"),
}
DEFAULT_PAGES = 20
PARALLEL = (1, 4)
#: osint-kit / bare Playwright, one and four at a time (issue 19).
GOAL = 1.2
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Exhibits every capture must have: screenshot, DOM, MHTML, text, WARC, WACZ.
ROLES = 6
#: The long lazy page: images, px per image block, seconds before each image is sent.
LAZY_IMAGES = 40
LAZY_BLOCK_PX = 500
LAZY_DELAY_S = 0.05
#: Captures of the long lazy page per timed run.
DEFAULT_LAZY_PAGES = 4


def page_paths(count: int) -> list[str]:
    """``count`` fixture paths, cycling through PAGES in order."""
    paths = list(PAGES)
    return [paths[i % len(paths)] for i in range(count)]


# -- CPU and load ------------------------------------------------------------------------


@dataclass
class Usage:
    """CPU seconds of each timed run (this process; reaped children: node and Chromium),
    and the 1-minute load average as it started."""

    self_s: list[float] = field(default_factory=list)
    children_s: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)

    @contextmanager
    def measure(self) -> Iterator[None]:
        load = os.getloadavg()[0]
        me, kids = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        yield
        me2, kids2 = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        self.load.append(load)
        self.self_s.append(me2.ru_utime + me2.ru_stime - me.ru_utime - me.ru_stime)
        self.children_s.append(kids2.ru_utime + kids2.ru_stime - kids.ru_utime - kids.ru_stime)

    def to_json(self, warmups: int) -> dict[str, Any]:
        # the first ``warmups`` entries are the warm-up runs
        own, kids = self.self_s[warmups:], self.children_s[warmups:]
        return {
            "cpu_self_s": own,
            "cpu_children_s": kids,
            "cpu_median_s": statistics.median(a + b for a, b in zip(own, kids, strict=True)),
            "load_at_start": self.load[warmups:],
        }


# -- the long lazy page -------------------------------------------------------------------


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        PNG_MAGIC
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height, 6))
        + chunk(b"IEND", b"")
    )


def long_lazy_page(images: int = LAZY_IMAGES) -> bytes:
    """``images`` blocks of LAZY_BLOCK_PX px: even ones ``<img loading=lazy>``, odd ones
    given their ``src`` by an IntersectionObserver (200 px margin), as lazy-loading
    scripts do."""
    blocks = []
    for n in range(images):
        if n % 2 == 0:
            img = f'<img loading="lazy" src="/img/{n}.png" width="1200" height="460">'
        else:
            img = f'<img class="io" data-src="/img/{n}.png" width="1200" height="460">'
        blocks.append(f'<div style="height:{LAZY_BLOCK_PX}px">{img}</div>')
    return (
        "<!doctype html><html><head><title>Long lazy page</title></head>"
        '<body style="margin:0">' + "\n".join(blocks) + "<script>\n"
        "const io = new IntersectionObserver((seen) => seen.forEach((e) => {\n"
        "  if (e.isIntersecting) { e.target.src = e.target.dataset.src; io.unobserve(e.target); }\n"
        "}), {rootMargin: '200px'});\n"
        "document.querySelectorAll('img.io').forEach((i) => io.observe(i));\n"
        "</script></body></html>"
    ).encode()


@dataclass
class LongLazySite:
    """The long lazy page and its images on 127.0.0.1; counts the images it sent."""

    base: str = ""
    images_sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, tag: str) -> str:
        return f"{self.base}/long?{tag}"

    def take_count(self) -> int:
        with self._lock:
            n, self.images_sent = self.images_sent, 0
        return n

    def count(self) -> None:
        with self._lock:
            self.images_sent += 1


@contextmanager
def serve_long_lazy() -> Iterator[LongLazySite]:
    site = LongLazySite()
    page = long_lazy_page()
    pictures = [
        _png(1200, 460, (40 + 5 * n % 200, 120, 200 - 4 * n % 180)) for n in range(LAZY_IMAGES)
    ]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/long":
                body, kind = page, "text/html; charset=utf-8"
            elif path.startswith("/img/") and path.endswith(".png"):
                time.sleep(LAZY_DELAY_S)
                body, kind = pictures[int(path[5:-4]) % LAZY_IMAGES], "image/png"
                site.count()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


# -- bare Playwright --------------------------------------------------------------


@dataclass
class BarePage:
    url: str
    final_url: str = ""
    status: int | None = None
    png: bytes = b""
    #: Images loaded (complete, with a size) when the screenshot was taken.
    images: int = 0


@dataclass
class _InFlight:
    """Requests the page has started and not finished: what the proxy's ``in_flight`` is
    to osint-kit's scrolling."""

    count: int = 0

    def watch(self, page: Page) -> None:
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, _request: Request) -> None:
        self.count += 1

    def _end(self, _request: Request) -> None:
        self.count = max(0, self.count - 1)


async def _scroll_by_viewport(page: Page, viewport_height: int, busy: Callable[[], int]) -> None:
    """The plain way: one viewport a step to the bottom, each step until no request is in
    flight (at most 1.5 s), then back to the top."""
    height = int(await page.evaluate("document.documentElement.scrollHeight"))
    y = 0
    while y + viewport_height < height:
        y += viewport_height
        await page.evaluate(f"window.scrollTo(0, {y})")
        await asyncio.sleep(0.05)
        until = time.monotonic() + 1.5
        while busy() and time.monotonic() < until:
            await asyncio.sleep(0.05)
        height = int(await page.evaluate("document.documentElement.scrollHeight"))
    await page.evaluate("window.scrollTo(0, 0)")


_LOADED_IMAGES = "[...document.images].filter((i) => i.complete && i.naturalWidth).length"


async def _bare_page(browser: Browser, url: str, opts: CaptureOptions, scrolling: str) -> BarePage:
    """``scrolling``: "" none, "osint-kit" osint-kit's ``scroll``, "viewport" the plain loop."""
    out = BarePage(url=url)
    viewport: ViewportSize = {"width": opts.viewport[0], "height": opts.viewport[1]}
    context = await browser.new_context(viewport=viewport)
    try:
        page = await context.new_page()
        flight = _InFlight()
        if scrolling:
            flight.watch(page)
        response = await page.goto(url, wait_until="load", timeout=opts.timeout_s * 1000)
        with contextlib.suppress(Exception):  # osint-kit goes on too, and notes it
            await page.wait_for_load_state("networkidle", timeout=opts.idle_s * 1000)
        if scrolling == "osint-kit":
            await scroll(
                page,
                seconds=opts.scroll_s,
                max_height_px=opts.max_height_px,
                viewport_height=opts.viewport[1],
                busy=lambda: flight.count,
            )
        elif scrolling == "viewport":
            await _scroll_by_viewport(page, opts.viewport[1], lambda: flight.count)
        out.final_url, out.status = page.url, response.status if response else None
        out.images = int(await page.evaluate(_LOADED_IMAGES))
        out.png = await page.screenshot(full_page=True, type="png")
    finally:
        await context.close()
    return out


async def _bare_all(
    urls: list[str], opts: CaptureOptions, parallel: int, scrolling: str
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
                    return await _bare_page(browser, url, opts, scrolling)

            return list(await asyncio.gather(*(one(u) for u in urls)))
        finally:
            await browser.close()


def _check_bare(pages: list[BarePage], expected: list[tuple[int, str]]) -> None:
    for got, (status, final) in zip(pages, expected, strict=True):
        problem = None
        if not got.png.startswith(PNG_MAGIC) or len(got.png) < 1000:
            problem = f"no PNG screenshot ({len(got.png)} bytes)"
        elif got.status != status or not got.final_url.split("?")[0].endswith(final):
            problem = f"HTTP {got.status} at {got.final_url}, expected {status} at {final}"
        if problem:
            raise RuntimeError(f"bare Playwright on {got.url}: {problem}")


@dataclass
class BareRuns:
    urls: list[str]
    expected: list[tuple[int, str]]
    usage: dict[str, Usage] = field(default_factory=lambda: defaultdict(Usage))
    #: Per contender, per run: images loaded per page when the screenshot was taken.
    images: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def time(self, name: str, opts: CaptureOptions, parallel: int, scrolling: str = "") -> float:
        settle(False)
        with self.usage[name].measure():
            start = perf_counter()
            pages = asyncio.run(_bare_all(self.urls, opts, parallel, scrolling))
            seconds = perf_counter() - start
        _check_bare(pages, self.expected)
        self.images[name].append(statistics.mean(p.images for p in pages))
        return seconds


# -- osint-kit ------------------------------------------------------------------------


def _check_captures(captures: list[Any], expected: list[tuple[int, str]]) -> dict[str, Any]:
    """Each capture complete, with the right status and final URL, all exhibits."""
    exhibits = 0
    for cap, (status, final) in zip(captures, expected, strict=True):
        rec = cap.record
        problem = None
        if cap.status != "complete":
            problem = f"status {cap.status} ({cap.reason})"
        elif rec.get("http_status") != status or not str(rec.get("final_url", "")).split("?")[
            0
        ].endswith(final):
            problem = f"HTTP {rec.get('http_status')} at {rec.get('final_url')}"
        elif len(cap.exhibits) < ROLES:
            problem = f"only {len(cap.exhibits)} exhibits"
        elif final == "/beacon" and len(rec.get("blocked_requests", [])) < 3:
            problem = f"the proxy blocked {len(rec.get('blocked_requests', []))} writes"
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
    expected: list[tuple[int, str]]
    facts: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, Usage] = field(default_factory=lambda: defaultdict(Usage))
    #: Per contender, per run: page images recorded per capture (with their bytes).
    images: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    #: No progress bar on stderr, where capture_urls has the option.
    quiet: dict[str, bool] = field(
        default_factory=lambda: (
            {"progress": False}
            if "progress" in inspect.signature(Case.capture_urls).parameters
            else {}
        )
    )

    def time(self, name: str, opts: CaptureOptions, parallel: int) -> float:
        case = self.scratch.new_case()
        try:
            settle(self.scratch.cold)
            with self.usage[name].measure():
                start = perf_counter()
                captures = case.capture_urls(
                    self.urls,
                    examiner=self.scratch.examiner,
                    options=opts,
                    parallel=parallel,
                    **self.quiet,
                )
                seconds = perf_counter() - start
            self.facts = _check_captures(captures, self.expected)
            kept = [sum(1 for m in c.record.get("media", []) if m.get("size")) for c in captures]
            self.images[name].append(statistics.mean(kept))
            report = case.verify()
            if not report.ok:
                raise RuntimeError(f"the benchmark case does not verify:\n{report.text()}")
        finally:
            remove_tree(case.path)
        return seconds


# -- instrumentation ----------------------------------------------------------------------

#: osint-kit's own functions, timed where the module that calls them looks them up.
OUR_FUNCTIONS: tuple[tuple[Any, str], ...] = (
    (capture_mod, "_capture_all"),
    (capture_mod, "capture_page"),
    (page_capture_mod, "_run_until_limit"),
    (page_capture_mod, "_load"),
    (page_capture_mod, "_loaded"),
    (page_capture_mod, "scroll"),
    (page_capture_mod, "freeze"),
    (page_capture_mod, "_render_again"),
    (extract_mod, "page_facts"),
    (extract_mod, "page_artifacts"),
    (page_capture_mod, "add_traffic"),
    (extract_mod, "media_artifacts"),
    (extract_mod, "downloads"),
    (capture_record_mod, "_archives"),
    (capture_record_mod, "write_warc"),
    (capture_record_mod, "pack_wacz"),
    (capture_mod, "record_capture"),
    (capture_record_mod, "record_acquisition"),
    (BlobStore, "stage_bytes"),
    (RecordingProxy, "start"),
    (RecordingProxy, "close"),
    (ExchangeRecorder, "record_exchange"),
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
    (BrowserContext, "new_cdp_session"),
    (Page, "goto"),
    (Page, "wait_for_load_state"),
    (Page, "screenshot"),
    (Page, "content"),
    (Page, "evaluate"),
    (Page, "title"),
    (CDPSession, "send"),
    (Request, "response"),
)


@dataclass
class Probe:
    """Total seconds and calls per label; async and plain functions alike."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, label: str, seconds: float) -> None:
        with self._lock:  # record_capture runs in a worker thread
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


def _contender(samples: Samples, usage: Usage, pages: int, parallel: int) -> dict[str, Any]:
    return {
        **samples.to_json(),
        **usage.to_json(len(samples.warmup)),
        "pages": pages,
        "parallel": parallel,
        "s_per_page": samples.median / pages,
        "pages_per_min": pages * 60 / samples.median,
    }


def _ratio(ours: Samples, theirs: Samples) -> dict[str, Any]:
    """Ratio of the medians, and of each round's pair (the contenders alternate)."""
    pairs = [a / b for a, b in zip(ours.seconds, theirs.seconds, strict=True)]
    return {
        "of_medians": ours.median / theirs.median,
        "rounds": pairs,
        "median": statistics.median(pairs),
        "min": min(pairs),
        "max": max(pairs),
    }


def _loaded_on(on_run: OnRun) -> OnRun:
    """``on_run`` with the 1-minute load average after each run, on stderr."""

    def report(name: str, seconds: float) -> None:
        on_run(f"{name} [load {os.getloadavg()[0]:.1f}]", seconds)

    return report


def measure_web(
    scratch: Scratch,
    pages: int,
    idle_s: int,
    repeat: int,
    on_run: OnRun,
    lazy_pages: int = DEFAULT_LAZY_PAGES,
) -> dict[str, Any]:
    """Race osint-kit against bare Playwright: fixture pages 1 and 4 at a time; the long
    lazy page one at a time, bare Playwright scrolling the same way; then one
    instrumented run of each."""
    paths = page_paths(pages)
    expected = [PAGES[p] for p in paths]
    opts = CaptureOptions(idle_s=idle_s)
    report = _loaded_on(on_run)
    with serve() as site, serve_long_lazy() as lazy_site:
        urls = [site.url(p) for p in paths]
        ours = OsintKitRuns(scratch, urls, expected)
        bare = BareRuns(urls, expected)
        contenders: dict[str, Callable[[], float]] = {}
        for n in PARALLEL:
            ours_name, bare_name = f"osint-kit, {n} at a time", f"bare Playwright, {n} at a time"
            contenders[ours_name] = functools.partial(ours.time, ours_name, opts, n)
            contenders[bare_name] = functools.partial(bare.time, bare_name, opts, n)
        print(f"{pages} fixture pages, 1 and 4 at a time", file=sys.stderr)
        samples = race(contenders, repeat, report)
        facts = ours.facts

        lazy_urls = [lazy_site.url(f"n={i}") for i in range(lazy_pages)]
        lazy_expected = [(200, "/long")] * lazy_pages
        lazy_ours = OsintKitRuns(scratch, lazy_urls, lazy_expected)
        lazy_bare = BareRuns(lazy_urls, lazy_expected)
        images: dict[str, list[int]] = defaultdict(list)

        def counted(name: str, run: Callable[[], float]) -> Callable[[], float]:
            def timed() -> float:
                lazy_site.take_count()
                seconds = run()
                images[name].append(lazy_site.take_count())
                return seconds

            return timed

        lazy_contenders = {
            "osint-kit": counted("osint-kit", lambda: lazy_ours.time("osint-kit", opts, 1)),
            "bare + osint-kit's scroll": counted(
                "bare + osint-kit's scroll",
                lambda: lazy_bare.time("bare + osint-kit's scroll", opts, 1, "osint-kit"),
            ),
            "bare + scroll a viewport a step": counted(
                "bare + scroll a viewport a step",
                lambda: lazy_bare.time("bare + scroll a viewport a step", opts, 1, "viewport"),
            ),
            "bare, no scrolling": counted(
                "bare, no scrolling", lambda: lazy_bare.time("bare, no scrolling", opts, 1, "")
            ),
        }
        print(f"the long lazy page, {lazy_pages} captures one at a time", file=sys.stderr)
        lazy_samples = race(lazy_contenders, repeat, report)

        print("instrumented runs (not in the figures above)", file=sys.stderr)
        breakdown = {}
        instrumented_runs: list[tuple[str, int, Callable[[], float]]] = [
            ("osint-kit, 1 at a time", pages, lambda: ours.time("instrumented", opts, 1)),
            ("bare Playwright, 1 at a time", pages, lambda: bare.time("instrumented", opts, 1)),
            (
                "osint-kit, long lazy page",
                lazy_pages,
                lambda: lazy_ours.time("instrumented", opts, 1),
            ),
        ]
        for name, count, run in instrumented_runs:
            probe = Probe()
            with instrumented(probe) as missing:
                seconds = run()
            report(f"{name} (instrumented)", seconds)
            breakdown[name] = {
                "seconds": seconds,
                "pages": count,
                "not_wrapped": missing,
                "calls": probe.per_page(count),
            }

    ratios = {
        f"{n} at a time": _ratio(
            samples[f"osint-kit, {n} at a time"], samples[f"bare Playwright, {n} at a time"]
        )
        for n in PARALLEL
    }
    lazy_ratios = {
        f"osint-kit/{name}": _ratio(lazy_samples["osint-kit"], lazy_samples[name])
        for name in lazy_samples
        if name != "osint-kit"
    }
    parallel = {name: int(name.split(", ")[1].split()[0]) for name in samples}
    usage = {**ours.usage, **bare.usage}
    lazy_usage = {**lazy_ours.usage, **lazy_bare.usage}
    return {
        "pages": pages,
        "paths": list(PAGES),
        "options": opts.to_json(),
        **facts,
        "contenders": {
            name: _contender(s, usage[name], pages, parallel[name]) for name, s in samples.items()
        },
        "ratios": ratios,
        "goal": {
            f"{n} at a time": _goal(ratios[f"{n} at a time"]["of_medians"], GOAL) for n in PARALLEL
        },
        "lazy": {
            "page": {
                "images": LAZY_IMAGES,
                "height_px": LAZY_IMAGES * LAZY_BLOCK_PX,
                "image_delay_s": LAZY_DELAY_S,
                "captures_per_run": lazy_pages,
            },
            "contenders": {
                name: {
                    **_contender(s, lazy_usage[name], lazy_pages, 1),
                    # all runs, warm-up first: images the site sent per page, and images
                    # in the picture (bare: loaded at the screenshot; osint-kit: recorded)
                    "images_sent_per_page": [n / lazy_pages for n in images[name]],
                    "images_shown_per_page": {**lazy_ours.images, **lazy_bare.images}[name],
                }
                for name, s in lazy_samples.items()
            },
            "ratios": lazy_ratios,
        },
        "breakdown": breakdown,
    }
