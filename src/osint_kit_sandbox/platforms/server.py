"""One HTTP server on 127.0.0.1 that plays t.me, Mastodon instances and a Bluesky AppView.

Clients reach it by "connect-to" routing: they ask for ``https://t.me/s/chan`` but
connect to :attr:`FakePlatforms.url`, keeping the public ``Host`` header, so the
server picks the platform by ``Host`` and writes public ``https://`` URLs.
Answer order: writes get 405; then a canned answer for the exact host + target;
then the first matching :meth:`~FakePlatforms.fail` rule with hits left; then the
platform. Every request, whatever its method, is logged in :attr:`~FakePlatforms.requests`.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from .bluesky import HOSTS as BLUESKY_HOSTS
from .bluesky import BlueskyFake
from .bluesky_views import handle as serve_bluesky
from .common import Reply, query_of
from .mastodon import MastodonFake
from .mastodon_api import handle as serve_mastodon_api
from .mastodon_html import handle as serve_mastodon_pages
from .media import render, valid_name
from .telegram import CDN_HOST as TELEGRAM_CDN_HOST
from .telegram import HOST as TELEGRAM_HOST
from .telegram import TelegramFake
from .telegram_html import handle as serve_telegram


class Request(NamedTuple):
    """A request the fake received: compares equal to ``(method, host, path_and_query)``."""

    method: str
    host: str
    target: str


@dataclass(frozen=True)
class Fault:
    """A rule of :meth:`FakePlatforms.fail`."""

    pattern: re.Pattern[str]
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    host: str | None


class FakePlatforms:
    """The fake platforms, served from the moment this is made until :meth:`close`."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._requests: list[Request] = []
        self._errors: list[str] = []
        self._faults: list[tuple[Fault, list[int | None]]] = []
        self._canned: dict[tuple[str, str], Reply] = {}
        self.telegram = TelegramFake(self._lock)
        self.mastodon = MastodonFake(self._lock)
        self.bluesky = BlueskyFake(self._lock)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.answer = self._answer
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-platforms", daemon=True
        )
        self._thread.start()

    def __enter__(self) -> FakePlatforms:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving and drop open keep-alive connections, so no stale client is answered."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        self._server.drop_connections()

    @property
    def connect_to(self) -> dict[str, str]:
        """Every public host name the fake answers for, mapped to :attr:`url`."""
        hosts = [TELEGRAM_HOST, TELEGRAM_CDN_HOST, *self.mastodon.hosts(), *BLUESKY_HOSTS]
        return {host: self.url for host in hosts}

    @property
    def requests(self) -> list[Request]:
        """A copy of the requests received so far, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[str]:
        """Tracebacks of bugs in the fake itself (each also answered 500)."""
        with self._lock:
            return list(self._errors)

    def fail(
        self,
        path_regex: str,
        status: int = 500,
        times: int | None = 1,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        host: str | None = None,
    ) -> Fault:
        """Answer requests whose path+query matches ``path_regex`` (searched) with ``status``.

        ``times`` answers, then the rule stops (``None``: forever). ``host`` narrows it to
        one host name. Rules are tried in the order they were added. A ``Content-Length``
        in ``headers`` above ``len(body)`` is a transfer cut short: the body is sent, then
        the connection is closed.
        """
        fault = Fault(
            re.compile(path_regex),
            status,
            tuple((headers or {}).items()),
            body,
            host and host.lower(),
        )
        with self._lock:
            self._faults.append((fault, [times]))
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def canned(
        self,
        host: str,
        path_and_query: str,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> None:
        """Answer exactly this host + request target (path and query as sent) with exactly this,
        ahead of fault rules and the platforms; only the 405 for writes comes first."""
        with self._lock:
            self._canned[(host.lower(), path_and_query)] = Reply(status, tuple(headers), body, "")

    def _answer(self, method: str, host: str, target: str) -> Reply:
        with self._lock:
            self._requests.append(Request(method, host, target))
            if method not in ("GET", "HEAD"):
                return Reply(
                    405, (("Allow", "GET, HEAD"), ("Content-Type", "text/plain")), b"read only\n"
                )
            if (canned := self._canned.get((host, target))) is not None:
                return canned
            for fault, left in self._faults:
                remaining = left[0]
                if remaining == 0 or (fault.host is not None and fault.host != host):
                    continue
                if fault.pattern.search(target):
                    if remaining is not None:
                        left[0] = remaining - 1
                    return Reply(fault.status, fault.headers, fault.body, "")
            try:
                return self._dispatch(host, target)
            except Exception:
                self._errors.append(traceback.format_exc())
                return Reply(500, (("Content-Type", "text/plain"),), b"fake platform error\n")

    def _dispatch(self, host: str, target: str) -> Reply:
        """The platform's answer; called with the lock held, so the platform holds still."""
        split = urlsplit(target)
        path, query = unquote(split.path), query_of(split.query)
        if path.startswith("/media/"):
            return _media(path[len("/media/") :])
        if host == TELEGRAM_HOST:
            return serve_telegram(self.telegram, path, query)
        if host == TELEGRAM_CDN_HOST:
            if path.startswith("/file/"):
                return _media(path[len("/file/") :])
            return Reply(404, (("Content-Type", "text/plain"),), b"not found\n")
        if (instance := self.mastodon.get(host)) is not None:
            if path.startswith("/api/"):
                return serve_mastodon_api(instance, path, query)
            return serve_mastodon_pages(instance, path, query)
        return serve_bluesky(self.bluesky, host, path, query)


def _media(name: str) -> Reply:
    if not valid_name(name):
        return Reply(404, (("Content-Type", "text/plain"),), b"not found\n")
    found = render(name)
    return Reply(200, (("Content-Type", found.content_type),), found.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    answer: Callable[[str, str, str], Reply]

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-answer is not news; fake bugs go to FakePlatforms.errors

    def drop_connections(self) -> None:
        with self._open_lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection is closed after this
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms stall
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests read fake.requests instead

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):  # any method at all is logged and answered
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 16 << 20))
            self.close_connection = length > 16 << 20  # the rest is unread: start afresh
        target = self.path
        host = self.headers.get("Host", "")
        if target.startswith(("http://", "https://")):  # absolute form, as sent to a proxy
            split = urlsplit(target)
            host = host or split.netloc
            target = split.path + (f"?{split.query}" if split.query else "") or "/"
        host = _host_name(host) or "127.0.0.1"
        reply = self.server.answer(self.command, host, target)
        self.send_response_only(reply.status)
        names = {name.lower() for name, _ in reply.headers}
        if "server" not in names:
            self.send_header("Server", reply.server or "nginx")
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        for name, value in reply.headers:
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)
        announced = next((v for k, v in reply.headers if k.lower() == "content-length"), "")
        if announced.strip().isdigit() and int(announced) > len(reply.body):
            self.close_connection = True  # hang up: the client sees a short body, not a stall
            self.wfile.flush()
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)


def _host_name(header: str) -> str:
    header = header.strip().lower()
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header
