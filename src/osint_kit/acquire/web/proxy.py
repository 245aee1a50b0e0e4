"""The recording proxy every capture's browser talks through: the guard, the archive, the limit.

Each capture gets its own proxy on 127.0.0.1, and its browser context is told to
send everything there, loopback included: every frame, worker, service worker
and popup, beacons fired while the page closes, WebSocket handshakes. So this is
where the read-only rule is enforced, where the WARC's bytes come from (as the
server sent them, streamed, independent of what the browser keeps), and where
the byte limit is counted.

- Reads (GET, HEAD, OPTIONS, without a body) are forwarded; the response streams to
  the browser while it is recorded, up to the byte limit. A body cut at the limit is
  marked ``length``, one still arriving when the capture ends ``time``, one the
  server broke off ``disconnect`` (WARC-Truncated).
- Any other method, and any request with a body, is answered here and never
  forwarded: ``204 No Content`` for a navigation (so a submitted form does not
  replace the page that is being captured), ``403`` otherwise. WebSocket upgrades
  are refused the same way. Each attempt is listed with method, URL, kind, the
  requesting document and time.
- HTTPS: the proxy connects to the site itself, checks its certificate (or
  records which errors it ignored, when the examiner chose so) and keeps its
  chain (upstream.py); the browser sees a certificate from a throwaway authority
  (certs.py).
- Once the byte limit is passed, nothing more is fetched: later requests are
  answered ``503`` and listed as skipped.

What is refused is the guard's (guard.py), how an exchange is recorded and
counted the recorder's (recorder.py), the wire format http1.py's; here are the
browser's connections: the server loop, CONNECT tunnels, replay from the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from osint_kit.acquire.web.certs import Authority
from osint_kit.acquire.web.guard import ALLOWED_METHODS, OWN_ANSWER, answer, refuse
from osint_kit.acquire.web.http1 import Head, read_head
from osint_kit.acquire.web.recorder import ExchangeRecorder
from osint_kit.acquire.web.upstream import Refused, Stale, Upstream, connect
from osint_kit.base.dates import utc_now


@dataclass
class RecordingProxy(ExchangeRecorder):
    """One capture's proxy: the browser's connections, each request past the guard, then
    recorded (what is recorded, and the byte limit, are :class:`ExchangeRecorder`'s)."""

    ignore_tls_errors: bool = False
    blocked: list[dict[str, str]] = field(default_factory=list)
    #: origin -> connection facts (protocol, chain, errors ignored)
    tls: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Answer from what was recorded, fetch nothing (to render a document again).
    replay: bool = False
    _authority: Authority = field(default_factory=Authority)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _open: list[asyncio.StreamWriter] = field(default_factory=list)

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        """Stop at once: every connection cut, every body still arriving marked as cut."""
        self.closing = True
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
        self.keep_what_came()
        self._authority.close()

    # -- connections from the browser ---------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._open.append(writer)
        upstreams: dict[str, Upstream] = {}
        try:
            head = await read_head(reader)
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
        head: Head,
        upstreams: dict[str, Upstream],
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
            upstreams[origin] = await connect(
                origin,
                host,
                port,
                tls=True,
                ignore_tls_errors=self.ignore_tls_errors,
                seen=self.tls,
            )
        except Refused as exc:
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
        first: Head | None,
        upstreams: dict[str, Upstream],
        refused: str | None = None,
    ) -> None:
        """One browser connection's requests, one after another (HTTP/1.1 keep-alive)."""
        head = first
        while True:
            if head is None:
                head = await read_head(reader)
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
        head: Head,
        url: str,
        upstreams: dict[str, Upstream],
        refused: str | None,
    ) -> bool:
        """Answer one request; False when the browser connection must close."""
        entry = {
            "method": head.method,
            "url": url,
            "kind": "request",
            "resource_type": head.get("sec-fetch-dest") or "",
            "frame": head.get("referer"),
            "time": utc_now(),
        }
        if self.replay and head.method.upper() in ALLOWED_METHODS:
            await self._replay(writer, url)
            return True
        if await refuse(
            reader,
            writer,
            head,
            url,
            entry,
            blocked=self.blocked,
            skipped=self.skipped,
            over_limit=self.over_limit,
        ):
            return False
        if refused is not None:
            navigation = self.note_failure(head, url, refused)
            await answer(writer, 502, refused, navigation=navigation)
            return False
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            await answer(writer, 400, "not an http(s) URL")
            return False
        origin = f"{parts.scheme}://{parts.netloc}"
        up = upstreams.get(origin)
        if up is None or up.writer.is_closing() or up.reader.at_eof():
            up = await self._reconnect(writer, head, url, upstreams)
        if up is None:
            return False
        try:
            return await self.record_exchange(reader, writer, head, url, up, entry["resource_type"])
        except Stale:
            up.writer.transport.abort()
            up = await self._reconnect(writer, head, url, upstreams)
            if up is None:
                return False
            return await self.record_exchange(reader, writer, head, url, up, entry["resource_type"])

    async def _reconnect(
        self,
        writer: asyncio.StreamWriter,
        head: Head,
        url: str,
        upstreams: dict[str, Upstream],
    ) -> Upstream | None:
        """A new connection to ``url``'s site, kept for the next requests; None when it
        could not be made (then the browser has had its answer and the reason is listed)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        try:
            up = upstreams[origin] = await connect(
                origin,
                parts.hostname or "",
                parts.port,
                tls=parts.scheme == "https",
                ignore_tls_errors=self.ignore_tls_errors,
                seen=self.tls,
            )
        except Refused as exc:
            navigation = self.note_failure(head, url, str(exc))
            await answer(writer, 502, str(exc), navigation=navigation)
            return None
        return up

    async def _replay(self, writer: asyncio.StreamWriter, url: str) -> None:
        """The recorded answer for ``url``, or 404: nothing is fetched, nothing recorded."""
        ex = next(
            (x for x in reversed(self.exchanges) if x.url == url and x.status is not None), None
        )
        if ex is None:
            await answer(writer, 404, "not in the recorded traffic")
            return
        body = ex.body or b""
        framing = {"transfer-encoding", "content-length", "connection"}
        lines = [f"HTTP/1.1 {ex.status} {ex.status_text}"]
        lines += [f"{k}: {v}" for k, v in ex.response_headers if k.lower() not in framing]
        lines += [f"Content-Length: {len(body)}", f"{OWN_ANSWER}: replayed from the record"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body)
        await writer.drain()


# -- the browser's sockets: closing them, peeking into a new tunnel ----------------------


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


def _authority(target: str, default_port: int) -> tuple[str, int]:
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        return target, default_port
    return host, int(port)


def _netloc(host: str, port: int, default: int) -> str:
    return host if port == default else f"{host}:{port}"
