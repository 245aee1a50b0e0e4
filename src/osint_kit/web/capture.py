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
import base64
import concurrent.futures
import hashlib
import ssl
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from ..acquire import Artifact, discard, record_acquisition, record_failure
from ..errors import InvalidURL
from ..events import format_time
from ..examiner import Examiner
from ..exhibits import Capture
from .browser import chromium_executable, launch_args
from .wacz import pack_wacz
from .warc import Exchange, write_warc

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page, Request, Response

    from ..case import Case

METHOD = "web.browser"
ALLOWED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
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

    def to_json(self) -> dict[str, Any]:
        return {
            "viewport": {"width": self.viewport[0], "height": self.viewport[1]},
            "timeout_s": self.timeout_s,
            "idle_s": self.idle_s,
            "ignore_tls_errors": self.ignore_tls_errors,
            "user_agent": self.user_agent,
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
    artifacts: list[tuple[str, str, bytes]] = field(default_factory=list)  # role, type, bytes
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
    case: Case,
    urls: Sequence[str],
    *,
    examiner: Examiner,
    options: CaptureOptions | None = None,
    parallel: int = 2,
) -> list[Capture]:
    """Capture every URL into ``case``; each becomes one capture (complete, partial or failed)."""
    checked = [validate_url(u) for u in urls]  # refuse the batch before anything starts
    if not checked:
        raise InvalidURL("", "no URL to capture")
    opts = options or CaptureOptions()
    results = run_coroutine(_capture_all(checked, opts, max(1, parallel)))
    actor = examiner.actor()
    return [_record(case, r, opts, actor) for r in results]


def _record(case: Case, result: PageResult, opts: CaptureOptions, actor: dict[str, Any]) -> Capture:
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
            raise RuntimeError(f"capture of {result.url} failed and could not be recorded")
        return failed
    artifacts = []
    try:
        for role, media_type, data in result.artifacts:
            artifacts.append(Artifact(case.store.stage_bytes(data), role, media_type))
    except BaseException:
        discard(case, artifacts)
        raise
    return record_acquisition(case, artifacts, capture, actor)


async def _capture_all(urls: list[str], opts: CaptureOptions, parallel: int) -> list[PageResult]:
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
                    return await _capture_page(browser, url, opts, executable)

            return list(await asyncio.gather(*(one(u) for u in urls)))
        finally:
            await browser.close()


def _now() -> str:
    return format_time(datetime.now(UTC))


async def _capture_page(
    browser: Browser, url: str, opts: CaptureOptions, executable: str
) -> PageResult:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    result = PageResult(url=url, started=_now())
    t0 = datetime.now(UTC)
    context = await browser.new_context(
        viewport={"width": opts.viewport[0], "height": opts.viewport[1]},
        ignore_https_errors=opts.ignore_tls_errors,
        user_agent=opts.user_agent,
        accept_downloads=True,  # kept as exhibits, never opened
        service_workers="block",  # every request must pass the guard below
    )
    blocked: list[dict[str, str]] = []
    requests: list[Request] = []
    failed: list[dict[str, str]] = []
    popups: list[str] = []
    downloads: list[Any] = []

    async def guard(route: Any) -> None:
        req = route.request
        if req.method.upper() in ALLOWED_METHODS:
            await route.continue_()
        else:
            blocked.append(
                {
                    "method": req.method,
                    "url": req.url,
                    "resource_type": req.resource_type,
                    "time": _now(),
                }
            )
            await route.abort("blockedbyclient")

    def on_finished(req: Request) -> None:
        requests.append(req)

    def on_failed(req: Request) -> None:
        if not any(b["url"] == req.url and b["method"] == req.method for b in blocked):
            failed.append({"url": req.url, "method": req.method, "error": req.failure or ""})
        requests.append(req)

    async def on_popup(page: Page) -> None:
        popups.append(page.url)
        await page.close()

    def on_download(download: Any) -> None:
        downloads.append(download)

    await context.route("**/*", guard)
    page = await context.new_page()
    page.on("requestfinished", on_finished)
    page.on("requestfailed", on_failed)
    page.on("popup", on_popup)
    page.on("download", on_download)
    # Our own DevTools session: the certificate chain and the MHTML snapshot come from it.
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    try:
        try:
            response = await page.goto(
                url, wait_until="domcontentloaded", timeout=opts.timeout_s * 1000
            )
        except PlaywrightTimeout:
            response = None
            result.status = "partial"
            result.reason = f"the page did not start within {opts.timeout_s} s"
        except PlaywrightError as exc:
            result.status, result.reason = "failed", _first_line(str(exc))
            result.facts = {"blocked_requests": blocked, "failed_requests": failed}
            return result
        for state, limit, what in (
            ("load", opts.timeout_s, "the page did not finish loading"),
            ("networkidle", opts.idle_s, "the network did not go quiet"),
        ):
            if result.status != "complete":
                break
            try:
                await page.wait_for_load_state(state, timeout=limit * 1000)  # type: ignore[arg-type]
            except PlaywrightTimeout:
                result.status, result.reason = "partial", f"{what} within {limit} s"
        result.facts = await _facts(page, response, browser, executable)
        if result.facts.get("tls") is not None:
            result.facts["tls"].update(await _certificate_chain(cdp, page.url))
            result.facts["tls"]["errors_ignored"] = opts.ignore_tls_errors
        result.artifacts = await _artifacts(page, cdp)
        kept, download_entries = await _downloads(downloads)
        result.artifacts += kept
        exchanges = await _exchanges(requests)
        info = {
            "software": f"osint-kit (Playwright {_version('playwright')}, "
            f"Chromium {browser.version})",
            "format": "WARC File Format 1.1",
            "isPartOf": url,
            "description": "HTTP traffic of one page as the browser saw it (docs/web-capture.md)",
        }
        warc = write_warc(exchanges, info)
        wacz = pack_wacz(
            warc,
            url=page.url,
            title=result.facts.get("title", ""),
            started=t0,
            software=info["software"],
        )
        result.artifacts += [("warc", "application/warc", warc), ("wacz", "application/zip", wacz)]
        result.facts.update(
            {
                "blocked_requests": blocked,
                "failed_requests": failed,
                "popups": [{"url": u, "outcome": "closed"} for u in popups],
                "downloads": download_entries,
                "requests": len(exchanges),
            }
        )
    except PlaywrightError as exc:
        result.status, result.reason = "failed", _first_line(str(exc))
        result.artifacts = []
    finally:
        await context.close()
        result.ended = _now()
        result.facts["duration_ms"] = int((datetime.now(UTC) - t0).total_seconds() * 1000)
    return result


async def _facts(
    page: Page, response: Response | None, browser: Browser, executable: str
) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "final_url": page.url,
        "title": await page.title(),
        "user_agent": await page.evaluate("navigator.userAgent"),
        "viewport": page.viewport_size,
        "browser": {"name": "chromium", "version": browser.version, "executable": executable},
        "playwright": _version("playwright"),
    }
    if response is None:
        return facts
    chain = []
    req = response.request.redirected_from
    while req is not None:
        r = await req.response()
        chain.append({"url": req.url, "status": r.status if r else None})
        req = req.redirected_from
    facts["redirects"] = list(reversed(chain))
    facts["http_status"] = response.status
    facts["http_status_text"] = response.status_text
    server = await response.server_addr()
    facts["server"] = {"ip": server["ipAddress"], "port": server["port"]} if server else None
    tls = await response.security_details()
    facts["tls"] = dict(tls) if tls else None
    return facts


async def _certificate_chain(cdp: Any, url: str) -> dict[str, Any]:
    """The chain the browser's own connection received, leaf first, as PEM with SHA-256s."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    try:
        got = await cdp.send("Network.getCertificate", {"origin": origin})
    except Exception as exc:  # recorded, not fatal: the page itself was captured
        return {"chain_error": _first_line(str(exc))}
    ders = [base64.b64decode(x) for x in got.get("tableNames", [])]
    if not ders:
        return {"chain_error": "the browser returned no certificate for " + origin}
    return {
        "chain_pem": [ssl.DER_cert_to_PEM_cert(d) for d in ders],
        "chain_sha256": [hashlib.sha256(d).hexdigest() for d in ders],
        "leaf_sha256": hashlib.sha256(ders[0]).hexdigest(),
    }


async def _artifacts(page: Page, cdp: Any) -> list[tuple[str, str, bytes]]:
    screenshot = await page.screenshot(full_page=True, type="png")
    dom = (await page.content()).encode("utf-8")
    text = await page.evaluate("document.body ? document.body.innerText : ''")
    snapshot = await cdp.send("Page.captureSnapshot", {"format": "mhtml"})
    return [
        ("screenshot", "image/png", screenshot),
        ("dom", "text/html", dom),
        ("text", "text/plain", str(text).encode("utf-8")),
        ("mhtml", "multipart/related", str(snapshot["data"]).encode("utf-8")),
    ]


async def _downloads(
    downloads: list[Any],
) -> tuple[list[tuple[str, str, bytes]], list[dict[str, Any]]]:
    """Each download the page started, kept as a ``download`` exhibit, or why not."""
    import mimetypes

    artifacts, entries = [], []
    for d in downloads:
        entry: dict[str, Any] = {"url": d.url, "filename": d.suggested_filename}
        failure = await d.failure()
        if failure:
            entry["outcome"] = f"failed: {failure}"
        else:
            data = Path(await d.path()).read_bytes()
            media = mimetypes.guess_type(d.suggested_filename)[0] or "application/octet-stream"
            artifacts.append(("download", media, data))
            entry.update({"outcome": "kept", "size": len(data)})
        entries.append(entry)
    return artifacts, entries


async def _exchanges(requests: list[Request]) -> list[Exchange]:
    out = []
    for req in requests:
        try:
            out.append(await _exchange(req))
        except Exception as exc:  # the page or context went away: say so, keep the rest
            out.append(
                Exchange(
                    url=req.url,
                    method=req.method,
                    resource_type=req.resource_type,
                    started=datetime.now(UTC),
                    failure=_first_line(str(exc)),
                )
            )
    return out


async def _exchange(req: Request) -> Exchange:
    timing = req.timing
    start = timing.get("startTime", 0) if timing else 0
    started = datetime.fromtimestamp(start / 1000, UTC) if start > 0 else datetime.now(UTC)
    ex = Exchange(
        url=req.url,
        method=req.method,
        resource_type=req.resource_type,
        started=started,
        request_headers=[(h["name"], h["value"]) for h in await req.headers_array()],
        request_body=req.post_data_buffer,
        failure=req.failure,
    )
    response = await req.response()
    if response is not None:
        ex.status = response.status
        ex.status_text = response.status_text
        ex.response_headers = [(h["name"], h["value"]) for h in await response.headers_array()]
        server = await response.server_addr()
        ex.server_ip = server["ipAddress"] if server else None
        if 300 <= response.status < 400:
            ex.body_error = "redirect"
        else:
            try:
                ex.body = await response.body()
            except Exception as exc:  # any reason the browser gives is recorded
                ex.body_error = _first_line(str(exc))
    return ex


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
