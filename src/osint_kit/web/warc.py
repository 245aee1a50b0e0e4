"""The page's HTTP traffic as WARC 1.1 records, from what the browser itself saw.

Each finished request becomes a ``request`` record and a ``response`` record
(``WARC-Concurrent-To`` links them), with ``WARC-Block-Digest`` and
``WARC-Payload-Digest`` computed by warcio. What the records mean, and what they
cannot show, is in docs/web-capture.md; in short:

- headers are the ones Chromium reports for the exchange (raw where it has them);
- the body is the one Chromium delivered to the page, *after* any
  ``Content-Encoding`` (gzip, br) and chunked ``Transfer-Encoding`` were undone.
  So that the record stays a valid HTTP message, those two headers are renamed
  ``X-Osint-Kit-Orig-Content-Encoding`` / ``-Transfer-Encoding`` and
  ``Content-Length`` is set to the body's length (the original kept likewise);
- a response whose body Chromium no longer had (redirects, evicted buffers) is
  recorded with an empty body and ``X-Osint-Kit-Body: unavailable (reason)``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ..dates import format_time

#: Headers that describe an encoding Chromium has already undone.
_UNDONE = ("content-encoding", "transfer-encoding", "content-length")


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
    server_ip: str | None = None
    failure: str | None = None


def _response_headers(ex: Exchange, body: bytes) -> list[tuple[str, str]]:
    out = []
    for name, value in ex.response_headers:
        if name.lower() in _UNDONE:
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
