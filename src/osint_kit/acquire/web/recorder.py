"""The recording half of the proxy: one exchange relayed to the site and back, its bytes
kept for the WARC as the server sent them, counted against the byte limit.

Separate from the proxy's connection handling (proxy.py) because this is where the
evidence comes from: what a WARC record holds, when a body is marked truncated
(``length``, ``time``, ``disconnect``) and how the byte limit is counted are
decided here and nowhere else.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from osint_kit.acquire.web.guard import answer, is_navigation
from osint_kit.acquire.web.http1 import (
    HEAD_LIMIT,
    Head,
    body_framing,
    keeps_alive,
    parse_status,
    read_raw_head,
)
from osint_kit.acquire.web.upstream import Stale, Upstream
from osint_kit.base.dates import utc_now
from osint_kit.formats.warc import Exchange

#: Only hop-by-hop headers meant for the proxy are dropped on the way to the site.
_PROXY_ONLY = frozenset({"proxy-connection", "proxy-authorization", "proxy-authenticate"})
#: Encodings every WARC reader and replay tool can undo (zstd and br are not universal).
ACCEPT_ENCODING = "gzip, deflate"


@dataclass
class ExchangeRecorder:
    """What one capture's proxy fetched: the exchanges, the bytes counted against
    ``max_bytes``, and what could not be fetched or was skipped past the limit."""

    max_bytes: int
    exchanges: list[Exchange] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    bytes_received: int = 0
    over_limit: asyncio.Event = field(default_factory=asyncio.Event)
    #: Set when a navigation could not be fetched (the proxy answered it itself).
    navigation_refused: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: set[int] = field(default_factory=set)
    _receiving: dict[int, tuple[Exchange, bytearray]] = field(default_factory=dict)
    #: The capture is ending: a body cut from now on was cut by time, not by the server.
    closing: bool = False

    def keep_what_came(self) -> None:
        """Every body still arriving keeps what came (the capture is over)."""
        for ex, received in self._receiving.values():
            ex.body = bytes(received)
        self._receiving.clear()
        self.in_flight.clear()

    def failure_for(self, url: str) -> str | None:
        """Why the proxy could not fetch ``url``, else the last navigation it could not."""
        for f in reversed(self.failed):
            if f["url"] == url:
                return f["error"]
        for f in reversed(self.failed):
            if f.get("kind") == "navigation":
                return f["error"]
        return None

    def note_failure(self, head: Head, url: str, error: str) -> bool:
        """List a request that could not be fetched; True when it was a navigation."""
        navigation = is_navigation(head)
        self.failed.append(
            {
                "url": url,
                "method": head.method,
                "kind": "navigation" if navigation else "request",
                "error": error,
                "time": utc_now(),
            }
        )
        if navigation:
            self.navigation_refused.set()
        return navigation

    async def record_exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        head: Head,
        url: str,
        up: Upstream,
        resource_type: str,
    ) -> bool:
        """Relay one request to the site and its answer to the browser, recording both;
        False when the browser connection must close."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [(k, v) for k, v in head.headers if k.lower() not in _PROXY_ONLY]
        headers = [
            (k, ACCEPT_ENCODING if k.lower() == "accept-encoding" else v) for k, v in headers
        ]
        ex = Exchange(
            url=url,
            method=head.method,
            resource_type=resource_type,
            started=datetime.now(UTC),
            request_headers=headers,
            server_ip=up.ip,
        )
        self.exchanges.append(ex)
        self.in_flight.add(id(ex))
        try:
            return await self._relay(reader, writer, head, target, ex, up)
        finally:
            self.in_flight.discard(id(ex))

    async def _relay(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        head: Head,
        target: str,
        ex: Exchange,
        up: Upstream,
    ) -> bool:
        lines = [f"{head.method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in ex.request_headers]
        # No body: the guard refuses any request that carries one (guard.carries_body).
        up.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await up.writer.drain()
        while True:
            if self.over_limit.is_set():  # not even the head of an answer past the limit
                ex.failure = "not read: the capture's byte limit was reached"
                self.skipped.append(
                    {
                        "method": ex.method,
                        "url": ex.url,
                        "time": utc_now(),
                        "why": "byte limit reached",
                    }
                )
                await answer(writer, 503, ex.failure, navigation=is_navigation(head))
                return False
            try:
                raw = await read_raw_head(up.reader)
            except ValueError:  # a head past HEAD_LIMIT: not an answer a page could use
                ex.failure = f"the server's answer head is larger than {HEAD_LIMIT} bytes"
                navigation = self.note_failure(head, ex.url, ex.failure)
                await answer(writer, 502, ex.failure, navigation=navigation)
                return False
            except (OSError, asyncio.IncompleteReadError, EOFError) as exc:
                raw, why = None, f" ({exc})" if str(exc) else ""
            else:
                why = ""
            if raw is None and up.used:  # once: the new connection has used == 0
                self.exchanges.remove(ex)
                raise Stale
            if raw is None:
                ex.failure = f"the server closed the connection before answering{why}"
                navigation = self.note_failure(head, ex.url, ex.failure)
                await answer(writer, 502, ex.failure, navigation=navigation)
                return False
            if not self._fits(len(raw)):  # the head alone passes the limit: not kept
                continue  # answered as past the limit at the top of the loop
            try:
                status, text, headers = parse_status(raw)
            except ValueError as exc:  # not HTTP: said, and the page is left alone
                ex.failure = f"the server's answer is not HTTP ({exc})"
                navigation = self.note_failure(head, ex.url, ex.failure)
                await answer(writer, 502, ex.failure, navigation=navigation)
                return False
            _give(writer, raw)
            if 100 <= status < 200 and status != 101:
                continue  # interim answers (100, 103) go to the browser; the final one follows
            break
        up.used += 1
        ex.status, ex.status_text, ex.response_headers = status, text, headers
        await writer.drain()
        framing = body_framing(head.method, status, headers)
        received = bytearray()
        self._receiving[id(ex)] = (ex, received)  # a cut capture keeps what came
        try:
            keep_alive = await self._body(up.reader, writer, framing, received, ex)
        finally:
            self._receiving.pop(id(ex), None)
            ex.body = bytes(received)
        return keep_alive and keeps_alive(raw, headers) and keeps_alive(b"", head.headers)

    async def _body(
        self,
        upstream: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        framing: tuple[str, int],
        body: bytearray,
        ex: Exchange,
    ) -> bool:
        """Stream the body to the browser while recording it; False if the connection ends."""
        kind, length = framing
        try:
            if kind == "none":
                return True
            if kind == "length":
                return await self._copy(upstream, writer, length, body, ex)
            if kind == "chunked":
                while True:
                    line = await upstream.readuntil(b"\n")
                    if not self._fits(len(line)):
                        ex.truncated = "length"
                        return False
                    _give(writer, line)
                    size = int(line.split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while True:  # trailers, then the empty line
                            trailer = await upstream.readuntil(b"\n")
                            if not self._fits(len(trailer)):
                                ex.truncated = "length"
                                return False
                            _give(writer, trailer)
                            if trailer in (b"\r\n", b"\n"):
                                await _pass_on(writer, b"")
                                return not writer.is_closing()
                    if not await self._copy(upstream, writer, size, body, ex):
                        return False
                    crlf = await upstream.readexactly(2)
                    if not self._fits(len(crlf)):
                        ex.truncated = "length"
                        return False
                    _give(writer, crlf)
            await self._copy(upstream, writer, -1, body, ex)  # until the server closes
            return False
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, OSError):
            self._cut(ex)
            return False
        except asyncio.CancelledError:
            self._cut(ex)
            raise

    def _cut(self, ex: Exchange) -> None:
        """The body ended early: the capture ended (time) or the server broke off."""
        if ex.truncated is None:
            ex.truncated = "time" if self.closing else "disconnect"

    async def _copy(
        self,
        upstream: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        length: int,
        body: bytearray,
        ex: Exchange,
    ) -> bool:
        """``length`` bytes (all until EOF for -1) from the site to the browser and the record."""
        left = length
        while left != 0:
            room = self.max_bytes - self.bytes_received
            if room <= 0:
                ex.truncated = "length"
                self.over_limit.set()
                return False
            want = min(65536, room) if left < 0 else min(65536, room, left)
            data = await upstream.read(want)
            if not data:
                if left > 0 or self.closing:
                    self._cut(ex)
                return False
            # Other bodies may have arrived while this one waited: only the room left now.
            room = self.max_bytes - self.bytes_received
            if len(data) > room:
                data = data[:room]
                ex.truncated = "length"
            self._count(len(data))
            body += data
            await _pass_on(writer, data)
            if ex.truncated == "length":
                return False
            if left > 0:
                left -= len(data)
        return not writer.is_closing()

    def _fits(self, n: int) -> bool:
        """Count ``n`` bytes that arrived, if they fit under the limit; else the limit is
        reached and they are not kept (the limit is never passed, even by a head)."""
        if self.bytes_received + n > self.max_bytes:
            self.over_limit.set()
            return False
        self._count(n)
        return True

    def _count(self, n: int) -> None:
        self.bytes_received += n
        if self.bytes_received >= self.max_bytes:
            self.over_limit.set()


def _give(writer: asyncio.StreamWriter, data: bytes) -> None:
    if not writer.is_closing():
        writer.write(data)


async def _pass_on(writer: asyncio.StreamWriter, data: bytes) -> None:
    """Give the browser what came; once it has gone (the page was stopped, a request
    cancelled), the body is still read and recorded to its end, up to the limits."""
    if writer.is_closing():
        return
    try:
        _give(writer, data)
        await writer.drain()
    except (ConnectionError, RuntimeError):
        writer.transport.abort()
