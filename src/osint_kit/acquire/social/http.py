"""Every HTTP exchange of a collection, kept for the WARC; read-only; routed; rate-limit aware.

``PlatformHTTP`` owns one ``requests`` session whose adapter is the only way out:

- methods other than GET, HEAD and OPTIONS are refused before they leave
  (collection is read-only, whatever a library would like to send);
- each exchange (request headers, status, response headers, body, time, server
  address) is kept, so the run's WARC holds what the platform actually returned;
- ``connect_to`` sends a host's requests to another address while the URL and
  ``Host`` header stay as they were (a mirror, a gateway, or the tests' fakes);
- a 429 is retried after its ``Retry-After`` when that is within the bound, and
  the 429 itself stays on the record.

The snscrape scrapers are given this session's adapter too, so what they fetch is
recorded and guarded the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from osint_kit.acquire.social.settings import CollectSettings
from osint_kit.base.dates import parse_http_date
from osint_kit.errors import WriteRefused
from osint_kit.formats.warc import Exchange

log = logging.getLogger("osint_kit")

READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    when = parse_http_date(text)
    if when is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RecordingAdapter(HTTPAdapter):
    def __init__(self, owner: PlatformHTTP) -> None:
        super().__init__(max_retries=0)
        self.owner = owner

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        method = (request.method or "GET").upper()
        url = request.url or ""
        if method not in READ_ONLY:
            self.owner.blocked.append({"method": method, "url": url})
            raise WriteRefused(method, url)
        settings = self.owner.settings
        # The run's time-out governs every request, a library's own too (snscrape asks 10 s).
        kwargs["timeout"] = settings.timeout_s
        attempt = 0
        while True:
            started = datetime.now(UTC)
            routed = self.owner.route(request)
            try:
                response = super().send(routed, **kwargs)
                server_ip = _peer_ip(response)
                body = read_body(response.raw) if method != "HEAD" else b""
            except Exception as exc:  # every failure is listed, then raised as requests would
                failure = _as_request_error(exc)
                partial = getattr(exc, "partial_body", None)
                if isinstance(partial, bytes) and partial:
                    # The bytes that arrived before the server hung up: kept in the WARC
                    # (WARC-Truncated: disconnect), and on the error for the caller.
                    response._content, response._content_consumed = partial, True
                    response.url, response.request = url, request
                    self.owner.keep(request, response, started, server_ip, truncated=True)
                    failure.partial_body = partial  # type: ignore[attr-defined]
                    failure.partial_headers = response.headers  # type: ignore[attr-defined]
                self.owner.failures.append(
                    {
                        "url": url,
                        "method": method,
                        "error": type(failure).__name__,
                        "timed_out": isinstance(failure, requests.Timeout),
                        "detail": str(exc)[:300],
                    }
                )
                if failure is exc:
                    raise
                raise failure from exc
            response._content = body
            response._content_consumed = True
            response.url = url
            response.request = request
            self.owner.keep(request, response, started, server_ip)
            if response.status_code != 429 or attempt >= settings.rate_limit_retries:
                return response
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is None or wait > settings.max_retry_after_s:
                return response  # the collector reports it: rate limited beyond our bound
            attempt += 1
            self.owner.waited_s += wait
            log.info("rate limited by %s; waiting %.0f s as asked", urlsplit(url).hostname, wait)
            time.sleep(wait)


#: How much of a body is read at a time (``read1``: what arrived, not a full buffer).
READ_PIECE = 1 << 16


def read_body(raw: Any) -> bytes:
    """A response's whole body; when reading fails part-way (the server hung up before
    the length it announced), the exception carries what arrived as ``partial_body``.
    urllib3's ``read()`` gathers into a buffer that is lost when it raises; ``read1``
    returns each piece as it comes, so none of it is lost."""
    read = getattr(raw, "read1", None) or raw.read
    pieces: list[bytes] = []
    try:
        while piece := read(READ_PIECE, decode_content=True):
            pieces.append(piece)
    except Exception as exc:
        exc.partial_body = b"".join(pieces)  # type: ignore[attr-defined]
        raise
    return b"".join(pieces)


def _as_request_error(exc: Exception) -> Exception:
    """What went wrong while sending or reading, as the ``requests`` error it amounts to
    (urllib3 raises its own while a body is read: a read time-out, a cut connection)."""
    if isinstance(exc, requests.RequestException):
        return exc
    name = type(exc).__name__
    if "Timeout" in name:
        return requests.ReadTimeout(str(exc))
    if isinstance(exc, (OSError, ValueError)) or "Error" in name:
        return requests.ConnectionError(f"{name}: {exc}")
    return exc


def _peer_ip(response: requests.Response) -> str | None:
    """The server address the connection went to, while the connection is still held."""
    try:
        conn = getattr(response.raw, "_connection", None) or getattr(
            response.raw, "connection", None
        )
        sock = conn.sock if conn is not None else None
        return str(sock.getpeername()[0]) if sock is not None else None
    except (AttributeError, OSError):
        return None


class PlatformHTTP:
    """The one HTTP session of a collection run, and everything it exchanged."""

    def __init__(self, settings: CollectSettings) -> None:
        self.settings = settings
        self.exchanges: list[Exchange] = []
        self.blocked: list[dict[str, str]] = []
        self.failures: list[dict[str, Any]] = []
        #: Host -> where its requests actually went, for every host ``connect_to`` rerouted.
        self.rerouted: dict[str, str] = {}
        self.bytes_received = 0
        self.waited_s = 0.0
        self._lock = threading.Lock()
        self.adapter = RecordingAdapter(self)
        self.session = self.equip(requests.Session())
        self.session.headers["User-Agent"] = settings.user_agent

    def equip(self, session: requests.Session) -> requests.Session:
        """Route ``session`` (ours or a library's) through the recording, read-only adapter."""
        session.mount("https://", self.adapter)
        session.mount("http://", self.adapter)
        return session

    def route(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        routes = self.settings.connect_to
        base = routes.get((parts.hostname or "").lower()) or routes.get("*")
        if not base:
            return request
        to = urlsplit(base)
        with self._lock:
            self.rerouted.setdefault(parts.netloc.lower(), base)
        routed = request.copy()
        routed.url = urlunsplit((to.scheme, to.netloc, parts.path, parts.query, ""))
        routed.headers["Host"] = parts.netloc
        return routed

    def keep(
        self,
        request: requests.PreparedRequest,
        response: requests.Response,
        started: datetime,
        server_ip: str | None,
        *,
        truncated: bool = False,
    ) -> None:
        body = response.content or b""
        headers = list(response.raw.headers.items()) if response.raw is not None else []
        req_headers = [
            (k, v.decode("latin-1") if isinstance(v, bytes) else v)
            for k, v in request.headers.items()
        ]
        host = urlsplit(request.url or "").netloc
        if not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", host))
        exchange = Exchange(
            url=request.url or "",
            method=(request.method or "GET").upper(),
            resource_type="collector",
            started=started,
            request_headers=req_headers,
            status=response.status_code,
            status_text=response.reason or "",
            response_headers=headers,
            body=body,
            server_ip=server_ip,
            truncated="disconnect" if truncated else None,
        )
        with self._lock:
            self.exchanges.append(exchange)
            self.bytes_received += len(body)

    def get(self, url: str, *, params: Mapping[str, Any] | None = None) -> requests.Response:
        """A GET through the session; connection errors are retried ``settings.retries`` times."""
        for attempt in range(self.settings.retries + 1):
            try:
                return self.session.get(url, params=params, timeout=self.settings.timeout_s)
            except (requests.ConnectionError, requests.Timeout):
                if attempt >= self.settings.retries:
                    raise
                time.sleep(min(2.0**attempt, 8.0))
        raise AssertionError("unreachable")
