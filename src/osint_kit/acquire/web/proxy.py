"""The recording proxy every capture's browser talks through: the guard, the archive, the limit.

Each capture gets its own proxy on 127.0.0.1, and its browser context is told to
send everything there, loopback included: every frame, worker, service worker
and popup, beacons fired while the page closes, WebSocket handshakes. So this is
where the read-only rule is enforced, where the WARC's bytes come from (as the
server sent them, streamed, independent of what the browser keeps), and where
the byte limit is counted.

- Reads (GET, HEAD, OPTIONS) are forwarded; the response streams to the browser
  while it is recorded, up to the byte limit. A body cut at the limit is marked
  ``length``, one still arriving when the capture ends ``time``, one the server
  broke off ``disconnect`` (WARC-Truncated).
- Any other method is answered here and never forwarded: ``204 No Content`` for a
  navigation (so a submitted form does not replace the page that is being
  captured), ``403`` otherwise. WebSocket upgrades are refused the same way. Each
  attempt is listed with method, URL, kind, the requesting document and time.
- HTTPS: the proxy connects to the site itself, checks its certificate (or
  records which errors it ignored, when the examiner chose so) and keeps its
  chain; the browser sees a certificate from a throwaway authority (certs.py).
- Once the byte limit is passed, nothing more is fetched: later requests are
  answered ``503`` and listed as skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from osint_kit.acquire.web.certs import Authority, connection_facts, upstream_context
from osint_kit.base.dates import format_time
from osint_kit.formats.warc import Exchange

ALLOWED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Headers of one request or response head, at most.
HEAD_LIMIT = 256 * 1024
CONNECT_TIMEOUT_S = 20.0
#: Only hop-by-hop headers meant for the proxy are dropped on the way to the site.
_PROXY_ONLY = frozenset({"proxy-connection", "proxy-authorization", "proxy-authenticate"})
#: Encodings every WARC reader and replay tool can undo (zstd and br are not universal).
ACCEPT_ENCODING = "gzip, deflate"
#: The header the proxy puts on answers it made itself, so the capture can tell them apart.
OWN_ANSWER = "X-Osint-Kit-Proxy"


class _Refused(Exception):
    """The connection to the site could not be made; the reason is for the record."""


@dataclass
class _Upstream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    ip: str | None
    #: Exchanges already made on this connection (a reused one may have been closed).
    used: int = 0


class _Stale(Exception):
    """A kept-alive connection the site had closed; the request is sent again on a new one."""


@dataclass
class _Head:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]

    def get(self, name: str) -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), "")


@dataclass
class RecordingProxy:
    max_bytes: int
    ignore_tls_errors: bool = False
    exchanges: list[Exchange] = field(default_factory=list)
    blocked: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    #: origin -> connection facts (protocol, chain, errors ignored)
    tls: dict[str, dict[str, Any]] = field(default_factory=dict)
    bytes_received: int = 0
    over_limit: asyncio.Event = field(default_factory=asyncio.Event)
    #: Answer from what was recorded, fetch nothing (to render a document again).
    replay: bool = False
    #: Set when a navigation could not be fetched (the proxy answered it itself).
    navigation_refused: asyncio.Event = field(default_factory=asyncio.Event)
    _authority: Authority = field(default_factory=Authority)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _open: list[asyncio.StreamWriter] = field(default_factory=list)
    in_flight: set[int] = field(default_factory=set)
    _receiving: dict[int, tuple[Exchange, bytearray]] = field(default_factory=dict)
    _closing: bool = False

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        """Stop at once: every connection cut, every body still arriving marked as cut."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        for writer in self._open:
            writer.transport.abort()
        for _ in range(10):  # a cancellation lost on the way is sent again
            pending = [t for t in self._tasks if not t.done()]
            if not pending:
                break
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=1.0)
        for ex, received in self._receiving.values():
            ex.body = bytes(received)
        self._receiving.clear()
        self.in_flight.clear()
        self._authority.close()

    def failure_for(self, url: str) -> str | None:
        """Why the proxy could not fetch ``url``, else the last navigation it could not."""
        for f in reversed(self.failed):
            if f["url"] == url:
                return f["error"]
        for f in reversed(self.failed):
            if f.get("kind") == "navigation":
                return f["error"]
        return None

    def _failed(self, head: _Head, url: str, error: str) -> bool:
        navigation = _is_navigation(head)
        self.failed.append(
            {
                "url": url,
                "method": head.method,
                "kind": "navigation" if navigation else "request",
                "error": error,
                "time": _now(),
            }
        )
        if navigation:
            self.navigation_refused.set()
        return navigation

    # -- connections from the browser ---------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._open.append(writer)
        upstreams: dict[str, _Upstream] = {}
        try:
            head = await _read_head(reader)
            if head is None:
                return
            if head.method == "CONNECT":
                await self._tunnel(reader, writer, head, upstreams)
            else:
                await self._requests(reader, writer, None, head, upstreams)
        except (OSError, EOFError, ssl.SSLError, asyncio.IncompleteReadError, ValueError):
            pass  # the browser or the site went away: what was recorded stays recorded
        except asyncio.CancelledError:
            pass  # close(): the capture is over; ending quietly is this task's whole job
        finally:
            for up in upstreams.values():
                up.writer.transport.abort()
            await _close(writer)
            with contextlib.suppress(ValueError):
                self._open.remove(writer)
            if task is not None:
                self._tasks.discard(task)

    async def _tunnel(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        head: _Head,
        upstreams: dict[str, _Upstream],
    ) -> None:
        host, port = _authority(head.target, 443)
        _reading(writer, False)  # see _peek
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        if await _peek(writer) != 0x16:  # not TLS: plain HTTP (ws://) through the tunnel
            _reading(writer, True)
            await self._requests(
                reader, writer, f"http://{_netloc(host, port, 80)}", None, upstreams
            )
            return
        origin = f"https://{_netloc(host, port, 443)}"
        refused = None
        try:
            upstreams[origin] = await self._connect(origin, host, port, tls=True)
        except _Refused as exc:
            # Still speak TLS to the browser, so that it gets the reason as an answer
            # (and a navigation leaves the page alone) rather than a broken tunnel.
            refused = str(exc)
        await writer.start_tls(self._authority.context_for(host))
        await self._requests(reader, writer, origin, None, upstreams, refused)

    async def _requests(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        origin: str | None,
        first: _Head | None,
        upstreams: dict[str, _Upstream],
        refused: str | None = None,
    ) -> None:
        """One browser connection's requests, one after another (HTTP/1.1 keep-alive)."""
        head = first
        while True:
            if head is None:
                head = await _read_head(reader)
                if head is None:
                    return
            url = head.target if origin is None else origin + head.target
            if not await self._one(reader, writer, head, url, upstreams, refused):
                return
            head = None

    async def _one(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        head: _Head,
        url: str,
        upstreams: dict[str, _Upstream],
        refused: str | None,
    ) -> bool:
        """Answer one request; False when the browser connection must close."""
        entry = {
            "method": head.method,
            "url": url,
            "kind": "request",
            "resource_type": head.get("sec-fetch-dest") or "",
            "frame": head.get("referer"),
            "time": _now(),
        }
        if self.replay and head.method.upper() in ALLOWED_METHODS:
            await self._replay(writer, url)
            return True
        if head.method.upper() not in ALLOWED_METHODS:
            # Read what the page meant to send (never forwarded), so the browser gets a
            # clean answer rather than a reset it might retry; its size is recorded.
            entry["body_bytes"] = str(len(await _request_body(reader, head)))
            navigation = _is_navigation(head)
            entry["kind"] = "navigation" if navigation else "request"
            self.blocked.append(entry)
            await _answer(
                writer, 403, "blocked: osint-kit captures are read-only", navigation=navigation
            )
            return False
        if head.get("upgrade").lower() == "websocket":
            entry["kind"] = "websocket"
            entry["url"] = "ws" + url[4:] if url.startswith("http") else url
            entry["frame"] = entry["frame"] or head.get("origin")
            self.blocked.append(entry)
            await _answer(writer, 403, "blocked: osint-kit captures are read-only")
            return False
        if self.over_limit.is_set():
            self.skipped.append({**entry, "why": "byte limit reached"})
            await _answer(
                writer,
                503,
                "skipped: the capture's byte limit was reached",
                navigation=_is_navigation(head),
            )
            return False
        if refused is not None:
            navigation = self._failed(head, url, refused)
            await _answer(writer, 502, refused, navigation=navigation)
            return False
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            await _answer(writer, 400, "not an http(s) URL")
            return False
        origin = f"{parts.scheme}://{parts.netloc}"
        up = upstreams.get(origin)
        if up is None or up.writer.is_closing() or up.reader.at_eof():
            up = await self._reconnect(writer, head, url, upstreams)
        if up is None:
            return False
        try:
            return await self._exchange(reader, writer, head, url, up, entry["resource_type"])
        except _Stale:
            up.writer.transport.abort()
            up = await self._reconnect(writer, head, url, upstreams)
            if up is None:
                return False
            return await self._exchange(reader, writer, head, url, up, entry["resource_type"])

    async def _reconnect(
        self,
        writer: asyncio.StreamWriter,
        head: _Head,
        url: str,
        upstreams: dict[str, _Upstream],
    ) -> _Upstream | None:
        """A new connection to ``url``'s site, kept for the next requests; None when it
        could not be made (then the browser has had its answer and the reason is listed)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        try:
            up = upstreams[origin] = await self._connect(
                origin, parts.hostname or "", parts.port, tls=parts.scheme == "https"
            )
        except _Refused as exc:
            navigation = self._failed(head, url, str(exc))
            await _answer(writer, 502, str(exc), navigation=navigation)
            return None
        return up

    async def _replay(self, writer: asyncio.StreamWriter, url: str) -> None:
        """The recorded answer for ``url``, or 404: nothing is fetched, nothing recorded."""
        ex = next(
            (x for x in reversed(self.exchanges) if x.url == url and x.status is not None), None
        )
        if ex is None:
            await _answer(writer, 404, "not in the recorded traffic")
            return
        body = ex.body or b""
        framing = {"transfer-encoding", "content-length", "connection"}
        lines = [f"HTTP/1.1 {ex.status} {ex.status_text}"]
        lines += [f"{k}: {v}" for k, v in ex.response_headers if k.lower() not in framing]
        lines += [f"Content-Length: {len(body)}", f"{OWN_ANSWER}: replayed from the record"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body)
        await writer.drain()

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        head: _Head,
        url: str,
        up: _Upstream,
        resource_type: str,
    ) -> bool:
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
        head: _Head,
        target: str,
        ex: Exchange,
        up: _Upstream,
    ) -> bool:
        lines = [f"{head.method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in ex.request_headers]
        up.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        body = await _request_body(reader, head)
        if body:
            ex.request_body = body
            up.writer.write(body)
        await up.writer.drain()
        while True:
            if self.over_limit.is_set():  # not even the head of an answer past the limit
                ex.failure = "not read: the capture's byte limit was reached"
                self.skipped.append(
                    {
                        "method": ex.method,
                        "url": ex.url,
                        "time": _now(),
                        "why": "byte limit reached",
                    }
                )
                await _answer(writer, 503, ex.failure, navigation=_is_navigation(head))
                return False
            try:
                raw = await _read_raw_head(up.reader)
            except ValueError:  # a head past HEAD_LIMIT: not an answer a page could use
                ex.failure = f"the server's answer head is larger than {HEAD_LIMIT} bytes"
                navigation = self._failed(head, ex.url, ex.failure)
                await _answer(writer, 502, ex.failure, navigation=navigation)
                return False
            except (OSError, asyncio.IncompleteReadError, EOFError) as exc:
                raw, why = None, f" ({exc})" if str(exc) else ""
            else:
                why = ""
            if raw is None and up.used:  # once: the new connection has used == 0
                self.exchanges.remove(ex)
                raise _Stale
            if raw is None:
                ex.failure = f"the server closed the connection before answering{why}"
                navigation = self._failed(head, ex.url, ex.failure)
                await _answer(writer, 502, ex.failure, navigation=navigation)
                return False
            self._count(len(raw))
            try:
                status, text, headers = _parse_status(raw)
            except ValueError as exc:  # not HTTP: said, and the page is left alone
                ex.failure = f"the server's answer is not HTTP ({exc})"
                navigation = self._failed(head, ex.url, ex.failure)
                await _answer(writer, 502, ex.failure, navigation=navigation)
                return False
            _give(writer, raw)
            if 100 <= status < 200 and status != 101:
                continue  # interim answers (100, 103) go to the browser; the final one follows
            break
        up.used += 1
        ex.status, ex.status_text, ex.response_headers = status, text, headers
        await writer.drain()
        framing = _framing(head.method, status, headers)
        received = bytearray()
        self._receiving[id(ex)] = (ex, received)  # a cut capture keeps what came
        try:
            keep_alive = await self._body(up.reader, writer, framing, received, ex)
        finally:
            self._receiving.pop(id(ex), None)
            ex.body = bytes(received)
        return keep_alive and _keeps_alive(raw, headers) and _keeps_alive(b"", head.headers)

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
                    self._count(len(line))
                    _give(writer, line)
                    size = int(line.split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while True:  # trailers, then the empty line
                            trailer = await upstream.readuntil(b"\n")
                            _give(writer, trailer)
                            if trailer in (b"\r\n", b"\n"):
                                await _pass_on(writer, b"")
                                return not writer.is_closing()
                    if not await self._copy(upstream, writer, size, body, ex):
                        return False
                    crlf = await upstream.readexactly(2)
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
            ex.truncated = "time" if self._closing else "disconnect"

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
                if left > 0 or self._closing:
                    self._cut(ex)
                return False
            self._count(len(data))
            body += data
            await _pass_on(writer, data)
            if left > 0:
                left -= len(data)
        return not writer.is_closing()

    def _count(self, n: int) -> None:
        self.bytes_received += n
        if self.bytes_received >= self.max_bytes:
            self.over_limit.set()

    async def _connect(self, origin: str, host: str, port: int | None, *, tls: bool) -> _Upstream:
        port = port or (443 if tls else 80)
        try:
            reader, writer = await self._open_connection(host, port, tls, verify=True)
        except ssl.SSLCertVerificationError as exc:
            error = f"certificate verify failed: {exc.verify_message or exc.reason} ({host}:{port})"
            if not self.ignore_tls_errors:
                raise _Refused(f"the site's TLS certificate was rejected: {error}") from None
            reader, writer = await self._open_connection(host, port, tls, verify=False)
            errors = self.tls.setdefault(origin, {}).setdefault("errors", [])
            if error not in errors:
                errors.append(error)
        ssl_object = writer.get_extra_info("ssl_object")
        if ssl_object is not None:
            facts = self.tls.setdefault(origin, {})
            errors = facts.get("errors", [])
            facts.update(connection_facts(ssl_object))
            facts["errors"] = errors
        peer = writer.get_extra_info("peername")
        return _Upstream(reader, writer, peer[0] if peer else None)

    async def _open_connection(
        self, host: str, port: int, tls: bool, *, verify: bool
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        context = upstream_context(verify=verify) if tls else None
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                return await asyncio.open_connection(
                    host.strip("[]"),
                    port,
                    ssl=context,
                    server_hostname=host.strip("[]") if tls else None,
                    limit=HEAD_LIMIT,
                )
        except ssl.SSLCertVerificationError:
            raise
        except TimeoutError:
            within = f"within {CONNECT_TIMEOUT_S:.0f} s"
            raise _Refused(f"no connection to {host}:{port} {within}") from None
        except (OSError, ssl.SSLError) as exc:
            raise _Refused(f"could not connect to {host}:{port}: {_reason(exc)}") from None


# -- HTTP/1.1 framing --------------------------------------------------------------------


async def _read_raw_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    except asyncio.LimitOverrunError:
        raise ValueError("header too large") from None
    return raw


async def _read_head(reader: asyncio.StreamReader) -> _Head | None:
    raw = await _read_raw_head(reader)
    if raw is None:
        return None
    lines = raw.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    return _Head(method, target, version, _header_lines(lines[1:]))


def _header_lines(lines: list[str]) -> list[tuple[str, str]]:
    out = []
    for line in lines:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if sep:
            out.append((name.strip(), value.strip()))
    return out


def _parse_status(raw: bytes) -> tuple[int, str, list[tuple[str, str]]]:
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"it begins {lines[0][:80]!r}")
    return int(parts[1]), parts[2] if len(parts) > 2 else "", _header_lines(lines[1:])


def _framing(method: str, status: int, headers: list[tuple[str, str]]) -> tuple[str, int]:
    """How the response body ends: none, a length, chunks, or the server closing."""
    if method.upper() == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return ("none", 0)
    lower = {k.lower(): v for k, v in headers}
    if "chunked" in lower.get("transfer-encoding", "").lower():
        return ("chunked", 0)
    if "content-length" in lower:
        length = int(lower["content-length"].split(",")[0].strip())
        return ("length", length) if length > 0 else ("none", 0)
    return ("close", -1)


def _keeps_alive(status_line: bytes, headers: list[tuple[str, str]]) -> bool:
    """HTTP/1.1 keeps the connection unless it says close; HTTP/1.0 only if it says so."""
    connection = next((v.lower() for k, v in headers if k.lower() == "connection"), "")
    if status_line.startswith(b"HTTP/1.0"):
        return "keep-alive" in connection
    return "close" not in connection


async def _request_body(reader: asyncio.StreamReader, head: _Head) -> bytes:
    """A read's body is rare (OPTIONS may have one); read it to keep the connection in step."""
    length = head.get("content-length")
    if length.isdigit() and 0 < int(length) <= HEAD_LIMIT:
        return await reader.readexactly(int(length))
    return b""


async def _answer(
    writer: asyncio.StreamWriter,
    status: int,
    text: str,
    *,
    error: str | None = None,
    navigation: bool = False,
) -> None:
    """An answer the proxy makes itself, marked so the capture never takes it for the site's.

    A navigation always gets ``204 No Content``: the browser then stays on the document
    it has, so nothing the proxy says ever replaces the page being captured.
    """
    if navigation:
        status = 204
    body = b""  # the reason is in the header; a body the page never reads can stall it
    reason = {204: "No Content", 400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}
    lines = [
        f"HTTP/1.1 {status} {reason.get(status, 'Service Unavailable')}",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: close",
        "Cache-Control: no-store",
        f"{OWN_ANSWER}: {(error or text)[:300].encode('ascii', 'replace').decode()}",
    ]
    with contextlib.suppress(OSError):
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()


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


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close the browser's connection cleanly (what was written arrives), briefly."""
    writer.close()
    try:
        async with asyncio.timeout(2.0):
            await writer.wait_closed()
    except (OSError, TimeoutError, ssl.SSLError, asyncio.CancelledError):
        writer.transport.abort()


async def _readable(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
    """Until ``sock`` has data (watched through a duplicate: the transport owns the original)."""
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(sock.fileno(), wake)
    try:
        await ready
    finally:
        loop.remove_reader(sock.fileno())


async def _peek(writer: asyncio.StreamWriter) -> int | None:
    """The first byte the browser sends through a new tunnel, left unread.

    Reading stops first, so the byte stays in the socket: a TLS ClientHello must reach
    the TLS layer whole, and a plain request must reach the HTTP reader whole. The
    caller resumes reading (``start_tls`` does so by itself).
    """
    loop = asyncio.get_running_loop()
    _reading(writer, False)
    fd = writer.get_extra_info("socket").fileno()
    peeker = socket.socket(fileno=os.dup(fd))
    try:
        while True:
            try:
                data = peeker.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            except BlockingIOError:
                await _readable(loop, peeker)
                continue
            return data[0] if data else None
    finally:
        peeker.close()


def _reading(writer: asyncio.StreamWriter, on: bool) -> None:
    transport: Any = writer.transport  # a socket transport: it reads as well as writes
    if on:
        transport.resume_reading()
    else:
        transport.pause_reading()


def _is_navigation(head: _Head) -> bool:
    mode = head.get("sec-fetch-mode")
    if mode:
        return mode == "navigate"
    return head.get("upgrade-insecure-requests") == "1"


def _authority(target: str, default_port: int) -> tuple[str, int]:
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        return target, default_port
    return host, int(port)


def _netloc(host: str, port: int, default: int) -> str:
    return host if port == default else f"{host}:{port}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _reason(exc: BaseException) -> str:
    errno = getattr(exc, "errno", None)
    if isinstance(errno, int) and errno > 0:
        return os.strerror(errno).lower()
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _now() -> str:
    return format_time(datetime.now(UTC))
