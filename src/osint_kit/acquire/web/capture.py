"""``web.browser``: render a URL in headless Chromium and keep what it showed and fetched.

Per URL, one capture with these exhibits: full-page screenshot (PNG), rendered
DOM (HTML), visible text, MHTML snapshot, and the page's HTTP traffic as a WARC
1.1 file (and the same as WACZ). The capture record holds the acquisition facts
(requested and final URL, redirect chain, HTTP status, server address, TLS
details and any errors ignored, title, user agent, viewport, browser and
Playwright versions, times, status and the limit that ended it) and the
read-only guard's list of what it blocked.

Every byte goes through a recording proxy of the capture's own (proxy.py): it
refuses every request other than GET, HEAD and OPTIONS, every request with a body
and every WebSocket, from any frame, worker or popup and while the page closes, and
records what the site sent. Nothing is posted, uploaded or submitted. A navigation
the page starts itself does not replace the document asked for (navigation.py).

Here is the batch: the URLs checked, one browser, pages side by side, each
recorded as it ends. One page in the browser is page_capture.py's job, what its
record says and writing it into the case capture_record.py's.

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
import threading
from collections.abc import Callable, Sequence

from tqdm.auto import tqdm

from osint_kit.acquire.web.capture_record import PageResult, record_capture
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit.acquire.web.page import CALL_S, bounded, now
from osint_kit.acquire.web.page_capture import GRACE_S, capture_page
from osint_kit.base.background import Interrupt, run_coroutine
from osint_kit.base.urls import validate_url
from osint_kit.errors import InvalidOption, InvalidURL
from osint_kit.folder.write import CaseWriter
from osint_kit.formats.chromium import chromium_executable, launch_args
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Capture

log = logging.getLogger(__name__)


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
                recorded[index] = record_capture(case, result, opts, actor)
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
                        result = await capture_page(browser, url, opts, executable, stop, interrupt)
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
