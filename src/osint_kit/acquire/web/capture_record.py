"""The capture record of one page: what the page gave (``PageResult``), what the proxy
saw added to it (traffic facts, WARC and WACZ, media, downloads), and the whole
written into the case.

Separate from the browser side because it decides what the evidence says, not
how the page is driven: a reader checking a capture record's fields, or how a
failed or partial page is recorded, reads this module alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from osint_kit.acquire.web import extract
from osint_kit.acquire.web.extract import PageArtifact
from osint_kit.acquire.web.guard import OWN_ANSWER
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit.acquire.web.page import PageWatch
from osint_kit.acquire.web.proxy import RecordingProxy
from osint_kit.errors import CaptureNotRecorded
from osint_kit.folder.acquisition import Artifact, record_acquisition, record_failure
from osint_kit.folder.write import CaseWriter
from osint_kit.formats.wacz import pack_wacz
from osint_kit.formats.warc import Exchange, write_warc
from osint_kit.record.exhibits import Capture

if TYPE_CHECKING:
    from playwright.async_api import Browser

METHOD = "web.browser"


@dataclass
class PageResult:
    """What one page gave, filled in by the browser side and by the traffic."""

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

    def lead(self, reason: str) -> None:
        """Partial, with this reason first: that the page shown is not the live one says
        more about the evidence than a limit met on the way (said after it)."""
        if self.status == "complete":
            self.status, self.reason = "partial", reason
        elif self.status == "partial":
            self.reason = f"{reason}; also, {self.reason}" if self.reason else reason


def record_capture(
    case: CaseWriter, result: PageResult, opts: CaptureOptions, actor: dict[str, Any]
) -> Capture:
    """``result`` into the case: an acquisition with its exhibits, or a failure without."""
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
    staged = case.stage_many([a.data for a in result.artifacts])
    artifacts = [
        Artifact(blob, a.role, a.media_type, a.source)
        for blob, a in zip(staged, result.artifacts, strict=True)
    ]
    return record_acquisition(case, artifacts, capture, actor)


def add_traffic(
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
    if "http_status" not in result.facts and result.status != "failed":
        _status_from_traffic(result, traffic, url)
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


def _status_from_traffic(result: PageResult, traffic: list[Exchange], url: str) -> None:
    """The browser never said what the document's answer was (a limit stopped loading
    before it did): the recorded answers say it, following the server's redirects from
    the URL asked for. Marked as read from the recorded traffic."""
    chain: list[dict[str, Any]] = []
    current, seen = url, set()
    while current not in seen:
        seen.add(current)
        ex = next((x for x in traffic if x.url == current and x.status is not None), None)
        status = ex.status if ex is not None else None
        if ex is None or status is None:
            return
        location = extract.header(ex, "location")
        if 300 <= status < 400 and location:
            chain.append({"url": current, "status": status})
            current = urljoin(current, location)
            continue
        result.facts.update(
            {
                "redirects": chain,
                "http_status": status,
                "http_status_text": ex.status_text,
                "http_status_from": "the recorded traffic (the browser had not said it)",
            }
        )
        if not str(result.facts.get("final_url") or "").startswith(("http:", "https:")):
            result.facts["final_url"] = current
        return


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
