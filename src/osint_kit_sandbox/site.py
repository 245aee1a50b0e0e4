"""A small web site on 127.0.0.1 with ordinary and hostile pages, for web capture tests
and benchmarks.

It records every request it receives, of any method (a WebSocket handshake as
``("WEBSOCKET", path)``), so a test can prove that nothing but GET/HEAD/OPTIONS ever
reached it: ``site.writes() == []``.

Hostile pages, and what each attacks:

- ``/beacon``, ``/autoform``, ``/autoform-late``: writes from the page (beacon, fetch,
  XHR, a form submitted at once or 500 ms after ``load``, when a guard may be relaxed).
- ``/pagehide-beacon``: writes on ``pagehide``/``beforeunload``/``unload``/
  ``visibilitychange``, i.e. while the capture closes the page.
- ``/popup``, ``/popup-beacon`` (+ ``/beacon-child``): writes from a window the page opened.
- ``/websocket`` (+ ``/ws``): writes over a WebSocket, which HTTP interception misses.
- ``/worker-post`` (+ ``/worker.js``, ``/sw.js``): writes from a dedicated worker and a
  service worker, outside the page's own request handling.
- ``/loop-head``, ``/loop-scroll``, ``/loop-later``: a renderer stuck in ``while(true)``
  before anything renders, when the capture scrolls, and after the page has rendered.
- ``/download``, ``/download-forever`` (+ ``/forever.bin``): downloads, one never ending.
- ``/loop``, ``/never-idle``, ``/lazy``, ``/infinite``: redirect loop, endless polling,
  content added on scroll, a feed that never ends.
- ``/huge``, ``/big?mb=N``, ``/slow?mb=N&rate=R``, ``/stream?kb=N&rate=R``: heavy pages:
  many large subresources, one large document, a slow one, a chunked one (``kb=0``
  never ends).
- ``/slow-start?s=N``: no response headers for N seconds ("did not start" vs "slow").
- ``/leaves-on-load``, ``/replaces-while-parsing``, ``/self-get-form``, ``/clicks-link``,
  ``/meta-refresh``: pages that leave their document by themselves for another page;
  ``/to-blob``, ``/to-data``, ``/to-about``: for a document they wrote themselves;
  ``/leaves-on-scroll``: for the browser's error page while they are scrolled.
- ``/options-body``: a write disguised as a read (OPTIONS with a body).
- ``/together``: ten large answers arriving at once (the byte limit).
- ``/tall``, ``/short``: plain pages to tell a full-page screenshot from a viewport one.

The server speaks HTTP/1.1; fixed responses carry a Content-Length. Client disconnects
are swallowed quietly, and ``serve()`` returns promptly even while a never-ending
response is being written: streaming loops watch a stop flag and open connections are
shut down at exit.
"""

from __future__ import annotations

import gzip
import select
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .site_pages import (
    BLOB,
    HUGE,
    PAGES,
    PHOTO,
    SCRIPTS,
    STREAM_CHUNK,
    STREAM_HEAD,
    STREAM_TAIL,
    _slow_page,
    _stream_chunk,
    big_page,
)
from .testca import TestCA
from .websocket import read_messages, ws_accept

READS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Site:
    base: str
    received: list[tuple[str, str]] = field(default_factory=list)
    ws_messages: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def writes(self) -> list[tuple[str, str]]:
        """Requests that could change something on the server (WEBSOCKET counts)."""
        return [(m, p) for m, p in self.received if m not in READS]


# Generated pages -------------------------------------------------------------------


# Writing helpers -------------------------------------------------------------------


def _write_chunk(out: BufferedIOBase, data: bytes) -> None:
    """One chunk of ``Transfer-Encoding: chunked`` (empty data ends the body)."""
    out.write(b"%x\r\n%s\r\n" % (len(data), data))


def _pace(stop: threading.Event, start: float, sent: int, per_s: float) -> bool:
    """Sleep until ``sent`` bytes are due at ``per_s`` bytes/s; False once stopping."""
    delay = start + sent / per_s - time.monotonic() if per_s > 0 else 0.0
    return not stop.wait(delay) if delay > 0 else not stop.is_set()


def _write_throttled(
    out: BufferedIOBase, data: bytes, per_s: float, stop: threading.Event, block: int = 64 * 1024
) -> bool:
    """Write ``data`` in ``block`` writes at ``per_s`` bytes/s; False if stopped early."""
    start = time.monotonic()
    for offset in range(0, len(data), block):
        out.write(data[offset : offset + block])
        if not _pace(stop, start, min(offset + block, len(data)), per_s):
            return False
    return True


def _number(query: dict[str, list[str]], name: str, default: float) -> float:
    try:
        return max(0.0, float(query[name][0]))
    except (KeyError, ValueError):
        return default


# Server ---------------------------------------------------------------------------


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1, no access log, and a client that goes away (broken pipe, reset, TLS
    EOF) ends its connection quietly: the base of the sandbox's servers."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:
            self.close_connection = True


def _handler(site: Site, stop: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _send(
            self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _client_gone(self) -> bool:
            # Peek on the raw socket: an SSLSocket refuses flags, and EOF shows below TLS too
            conn = self.connection
            if not select.select([conn], [], [], 0)[0]:
                return False
            try:
                return socket.socket.recv(conn, 1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            path, query = url.path, parse_qs(url.query)
            if path == "/ws":
                self._websocket()
                return
            site.received.append((self.command, self.path))
            if path in PAGES:
                self._send(200, PAGES[path].encode(), "text/html; charset=utf-8")
            elif path in SCRIPTS:
                self._send(200, SCRIPTS[path].encode(), "text/javascript; charset=utf-8")
            elif path == "/photo.png":
                self._send(200, PHOTO, "image/png")
            elif path == "/redirect":
                self._send(302, b"", "text/plain", {"Location": "/"})
            elif path == "/loop":
                self._send(302, b"", "text/plain", {"Location": "/loop"})
            elif path == "/gzip":
                page = (
                    b"<html><head><title>Zipped</title></head><body>compressed words</body></html>"
                )
                self._send(200, gzip.compress(page), "text/html", {"Content-Encoding": "gzip"})
            elif path == "/huge":
                self._send(200, HUGE, "text/html; charset=utf-8")
            elif path.startswith("/blob/"):
                self._send(200, BLOB, "application/octet-stream")
            elif path == "/api/ok":
                self._send(200, b"ok", "text/plain")
            elif path == "/file.bin":
                self._send(
                    200,
                    b"\x00" * 1000,
                    "application/octet-stream",
                    {"Content-Disposition": 'attachment; filename="file.bin"'},
                )
            elif path == "/forever.bin":
                self._forever()
            elif path == "/big":
                page = big_page(int(_number(query, "mb", 20)))
                self._send(200, page, "text/html; charset=utf-8")
            elif path == "/stream":
                self._stream(int(_number(query, "kb", 3800)), _number(query, "rate", 1024))
            elif path == "/slow":
                self._slow(_number(query, "mb", 32), _number(query, "rate", 1))
            elif path == "/slow-start":
                self._slow_start(_number(query, "s", 5))
            elif path == "/error":
                self._send(500, b"<h1>Internal error</h1>", "text/html")
            elif path == "/then-close":  # keep-alive by the rules, then hangs up anyway
                self._send(200, b"bye", "text/plain")
                self.close_connection = True
            elif path == "/huge-head":  # 300 KB of headers: no browser takes that
                self.close_connection = True
                self.wfile.write(
                    b"HTTP/1.1 200 OK\r\n" + b"X-Filler: " + b"a" * 300_000 + b"\r\n\r\nbody"
                )
            elif path == "/not-http":  # an answer that is not HTTP at all
                self.close_connection = True
                self.wfile.write(b"SSH-2.0-not-a-web-server\r\n\r\n")
            else:
                self._send(
                    404, b"<html><title>Not found</title><h1>Not here</h1></html>", "text/html"
                )

        do_HEAD = do_GET

        def do_OPTIONS(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
            # an OPTIONS that sends something is a write too
            site.received.append(("OPTIONS+body" if length or chunked else "OPTIONS", self.path))
            self._read_body()
            self._send(204, b"", "text/plain", {"Allow": "GET, HEAD, OPTIONS, POST, PUT"})

        def _write(self) -> None:  # must never be reached through the capture guard
            site.received.append((self.command, self.path))
            self._read_body()
            self._send(200, b"accepted", "text/plain")

        do_POST = do_PUT = do_DELETE = do_PATCH = _write

        def __getattr__(self, name: str) -> Any:
            # Any other method is a write too: record it rather than answer 501 unseen
            if name.startswith("do_"):
                return self._write
            raise AttributeError(name)

        def _read_body(self) -> None:
            # Read what was sent, or keep-alive would parse it as the next request
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    self.rfile.read(size + 2)
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
            else:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _websocket(self) -> None:
            key = self.headers.get("Sec-WebSocket-Key")
            if "websocket" not in self.headers.get("Upgrade", "").lower() or not key:
                site.received.append((self.command, self.path))
                self._send(400, b"WebSocket only", "text/plain")
                return
            site.received.append(("WEBSOCKET", self.path))
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", ws_accept(key))
            self.end_headers()
            self.close_connection = True
            for message in read_messages(self.rfile, self.wfile):
                site.ws_messages.append(message)

        def _forever(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Disposition", 'attachment; filename="forever.bin"')
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            block = bytes(64 * 1024)
            while self.command != "HEAD" and not stop.is_set():
                self.wfile.write(block)
                if stop.wait(0.1) or self._client_gone():
                    return

        def _stream(self, kb: int, rate_kb: float) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command == "HEAD":
                return
            out = self.wfile
            _write_chunk(out, STREAM_HEAD)
            left = kb * 1024 - len(STREAM_HEAD) - len(STREAM_TAIL) if kb else -1
            start, sent, i = time.monotonic(), 0, 0
            while left != 0:
                size = STREAM_CHUNK if left < 0 else min(STREAM_CHUNK, left)
                _write_chunk(out, _stream_chunk(i, size))
                sent, i = sent + size, i + 1
                left = left if left < 0 else left - size
                if not _pace(stop, start, sent, rate_kb * 1024):
                    self.close_connection = True  # stopping: leave the body unfinished
                    return
            _write_chunk(out, STREAM_TAIL)
            _write_chunk(out, b"")

        def _slow(self, mb: float, rate_mb: float) -> None:
            body = _slow_page(mb)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                out = self.wfile
                if not _write_throttled(out, body, rate_mb * 2**20, stop):
                    self.close_connection = True

        def _slow_start(self, seconds: float) -> None:
            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                if stop.wait(min(left, 0.1)) or self._client_gone():
                    self.close_connection = True
                    return
            page = b"<!doctype html><html><head><title>Slow start</title></head><body>"
            self._send(200, page + b"<p>finally</p></body></html>", "text/html; charset=utf-8")

    return Handler


class _Server(ThreadingHTTPServer):
    """Threads are daemons and open connections are shut down at exit, so closing the
    server never waits on a response that does not end."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._lock:
            conns = list(self._open)
        for conn in conns:
            # below TLS on purpose: SSLSocket.shutdown would race the writing thread
            with suppress(OSError):
                socket.socket.shutdown(conn, socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # disconnects are not errors here
            super().handle_error(request, client_address)


@contextmanager
def serve(tls: TestCA | None = None) -> Iterator[Site]:
    """Serve the site on a free port of 127.0.0.1, over HTTPS when given a test CA."""
    site = Site(base="")
    stop = threading.Event()
    server = _Server(("127.0.0.1", 0), _handler(site, stop))
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.server_chain, tls.server_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    site.base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        stop.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
