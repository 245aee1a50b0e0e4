"""The recording proxy on its own, with a plain HTTP client (curl) in front of it: the
guard, what a hostile server can send it, and what it records."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
from collections.abc import Iterator

import pytest

from osint_kit.acquire.web.guard import OWN_ANSWER
from osint_kit.acquire.web.proxy import RecordingProxy
from osint_kit_sandbox.site import Site
from osint_kit_sandbox.site_pages import PAGES

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


class Running:
    """A RecordingProxy on its own event loop in a thread, as long as the test needs it."""

    def __init__(self, max_bytes: int = 10 * 2**20) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.proxy = self.call(self._make(max_bytes))
        self.url: str = self.call(self.proxy.start())

    async def _make(self, max_bytes: int) -> RecordingProxy:
        return RecordingProxy(max_bytes=max_bytes)

    def call(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def close(self) -> None:
        self.call(self.proxy.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def proxy() -> Iterator[Running]:
    running = Running()
    yield running
    running.close()


def settled(proxy: Running) -> None:
    """The client has its answer a moment before the proxy has filed it."""
    import time

    until = time.monotonic() + 120  # a hang ceiling: it settles in milliseconds when quiet
    while proxy.proxy.in_flight and time.monotonic() < until:
        time.sleep(0.01)


def curl(proxy: Running, *args: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request through the proxy."""
    done = subprocess.run(
        ["curl", "-s", "-i", "--max-time", "20", "-x", proxy.url, *args],
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=30,
    )
    settled(proxy)
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_reads_pass_and_are_recorded_as_sent(proxy: Running, site: Site) -> None:
    status, _, body = curl(proxy, site.url("/"))
    assert status == 200 and body == PAGES["/"].encode()
    [ex] = proxy.proxy.exchanges
    assert ex.url == site.url("/") and ex.body == PAGES["/"].encode() and ex.truncated is None
    assert ex.server_ip == "127.0.0.1"


def test_writes_are_answered_here_and_never_reach_the_site(proxy: Running, site: Site) -> None:
    status, headers, _ = curl(proxy, "-X", "POST", "--data", "x=1", site.url("/api/like"))
    assert status == 403 and OWN_ANSWER.lower() in headers
    nav, _, _ = curl(
        proxy, "-X", "POST", "-H", "Sec-Fetch-Mode: navigate", "--data", "a", site.url("/submit")
    )
    assert nav == 204  # a navigation the browser will not follow
    socket, _, _ = curl(
        proxy, "-H", "Upgrade: websocket", "-H", "Connection: Upgrade", site.url("/ws")
    )
    assert socket == 403
    assert [(b["method"], b["kind"]) for b in proxy.proxy.blocked] == [
        ("POST", "request"),
        ("POST", "navigation"),
        ("GET", "websocket"),
    ]
    assert proxy.proxy.blocked[0]["body_bytes"] == "3"
    assert site.writes() == [] and site.ws_messages == []


@pytest.mark.parametrize(
    "args",
    [
        ["-X", "OPTIONS", "--data", "like=1"],
        ["-X", "GET", "--data", "like=1"],
        ["-X", "HEAD", "-H", "Transfer-Encoding: chunked", "--data", "like=1"],
    ],
)
def test_a_read_that_sends_a_body_is_a_write(proxy: Running, site: Site, args: list[str]) -> None:
    status, headers, _ = curl(proxy, *args, site.url("/api/options"))
    assert status == 403 and OWN_ANSWER.lower() in headers
    [blocked] = proxy.proxy.blocked
    assert blocked["method"] == args[1] and blocked["url"] == site.url("/api/options")
    assert all(path != "/api/options" for _, path in site.received)  # never reached
    assert site.writes() == [] and proxy.proxy.exchanges == []


def test_a_read_with_an_empty_body_is_a_read(proxy: Running, site: Site) -> None:
    status, _, _ = curl(proxy, "-X", "OPTIONS", "-H", "Content-Length: 0", site.url("/"))
    assert status == 204 and proxy.proxy.blocked == []
    assert site.received[-1] == ("OPTIONS", "/")


@pytest.mark.parametrize(
    ("path", "words"),
    [("/not-http", "not HTTP"), ("/huge-head", "larger than")],
)
def test_an_answer_no_browser_could_use_is_refused_and_said(
    proxy: Running, site: Site, path: str, words: str
) -> None:
    status, headers, _ = curl(proxy, site.url(path))
    assert status == 502 and words in headers[OWN_ANSWER.lower()]
    [failed] = proxy.proxy.failed
    assert failed["url"] == site.url(path) and words in failed["error"]
    assert all(ex.status is None for ex in proxy.proxy.exchanges)  # nothing for the WARC


def test_an_unreachable_site_is_named(proxy: Running) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    status, headers, _ = curl(proxy, f"http://127.0.0.1:{port}/")
    assert status == 502 and "connection refused" in headers[OWN_ANSWER.lower()]


def test_the_byte_limit_cuts_the_body_and_marks_it(site: Site) -> None:
    running = Running(max_bytes=2**20)
    try:
        curl(running, site.url("/big?mb=3"))
        [ex] = running.proxy.exchanges
        assert ex.truncated == "length" and len(ex.body or b"") < 2**20
        assert running.proxy.bytes_received == 2**20
        status, _, _ = curl(running, site.url("/"))
        assert status == 503 and running.proxy.skipped[0]["why"] == "byte limit reached"
    finally:
        running.close()


def test_a_chunked_body_is_recorded_whole_and_dechunked(proxy: Running, site: Site) -> None:
    status, _, body = curl(proxy, site.url("/stream?kb=64&rate=8192"))
    assert status == 200 and len(body) == 64 * 1024
    [ex] = proxy.proxy.exchanges
    assert ex.body == body and ex.truncated is None


def test_a_kept_alive_connection_the_site_hung_up_is_made_again(proxy: Running, site: Site) -> None:
    done = subprocess.run(
        ["curl", "-s", "--max-time", "20", "-x", proxy.url, site.url("/then-close"), site.url("/")],
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=30,
    )
    settled(proxy)
    assert done.stdout == b"bye" + PAGES["/"].encode()
    assert proxy.proxy.failed == []
    assert [ex.status for ex in proxy.proxy.exchanges] == [200, 200]
