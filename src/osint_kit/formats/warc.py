"""The page's HTTP traffic as WARC 1.1 records, as the recording proxy passed it on.

Each exchange becomes a ``response`` record and a ``request`` record
(``WARC-Concurrent-To`` links them), with ``WARC-Block-Digest`` and
``WARC-Payload-Digest`` computed by warcio. What the records mean, and what they
cannot show, is in docs/web-capture.md; in short:

- the request is the one the proxy sent to the site, the response status line
  and headers the ones the site sent;
- the body is the bytes the site sent, ``Content-Encoding`` (gzip, deflate) left
  as it came. A chunked body is recorded de-chunked: ``Transfer-Encoding`` is
  then renamed ``X-Osint-Kit-Orig-Transfer-Encoding`` and ``Content-Length`` set
  to the recorded length (a differing original is kept as
  ``X-Osint-Kit-Orig-Content-Length``), so the record stays a valid HTTP message;
- a body cut short has ``WARC-Truncated``: ``length`` (the capture's byte limit),
  ``time`` (still arriving when the capture ended) or ``disconnect`` (the server
  broke off).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from osint_kit.base.dates import format_time

#: Headers that describe framing the record no longer has.
_REFRAMED = ("transfer-encoding", "content-length")


@dataclass
class Exchange:
    """One request the page made, and what came back (if anything)."""

    url: str
    method: str
    resource_type: str
    started: datetime
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes | None = None
    status: int | None = None
    status_text: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    body_error: str | None = None
    #: Why the body is incomplete: "length", "time" or "disconnect" (WARC-Truncated).
    truncated: str | None = None
    server_ip: str | None = None
    failure: str | None = None


def _response_headers(ex: Exchange, body: bytes) -> list[tuple[str, str]]:
    out = []
    for name, value in ex.response_headers:
        lower = name.lower()
        if lower == "content-length" and value.strip() == str(len(body)):
            continue  # set again below, unchanged
        if lower in _REFRAMED:
            out.append((f"X-Osint-Kit-Orig-{name.title()}", value))
        else:
            out.append((name, value))
    out.append(("Content-Length", str(len(body))))
    if ex.body_error:
        out.append(("X-Osint-Kit-Body", f"unavailable ({ex.body_error})"))
    return out


def write_warc(exchanges: list[Exchange], info: dict[str, str]) -> bytes:
    """A gzipped WARC 1.1 file: a warcinfo record, then request/response pairs."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record("capture.warc.gz", info))
    for ex in exchanges:
        if ex.status is None:
            continue  # failed or blocked: listed in the capture record, nothing to archive
        body = ex.body or b""
        date = {"WARC-Date": format_time(ex.started)}
        http = StatusAndHeaders(
            f"{ex.status} {ex.status_text}".strip(),
            _response_headers(ex, body),
            protocol="HTTP/1.1",
        )
        extra = dict(date)
        if ex.truncated:
            extra["WARC-Truncated"] = ex.truncated
        if ex.server_ip:
            extra["WARC-IP-Address"] = ex.server_ip
        response = writer.create_warc_record(
            ex.url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http,
            warc_headers_dict=extra,
        )
        path = _request_target(ex.url)
        req_http = StatusAndHeaders(
            f"{ex.method} {path} HTTP/1.1", ex.request_headers, protocol="", is_http_request=True
        )
        req_body = ex.request_body or b""
        request = writer.create_warc_record(
            ex.url,
            "request",
            payload=io.BytesIO(req_body),
            length=len(req_body),
            http_headers=req_http,
            warc_headers_dict={
                **date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(response)
        writer.write_record(request)
    return buf.getvalue()


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
