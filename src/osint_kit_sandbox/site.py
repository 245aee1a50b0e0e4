"""A small web site on 127.0.0.1 with ordinary and hostile pages, for web capture tests
and benchmarks.

It records every request it receives, so a test can prove that nothing but
GET/HEAD/OPTIONS ever reached it.
"""

from __future__ import annotations

import gzip
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from tempfile import TemporaryDirectory

from .demo import make_png
from .testca import TestCA


def _png() -> bytes:
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.png"
        make_png(path, 120, 80)
        return path.read_bytes()


PHOTO = _png()
BLOB = bytes(range(256)) * 8192  # 2 MiB
HUGE = b"""<!doctype html><html><head><title>Heavy</title></head><body><p>20 MB of data</p>
<script>(async () => { for (let i = 0; i < 10; i++) {
  try { await (await fetch('/blob/' + i)).arrayBuffer(); } catch (e) {} } })();</script>
</body></html>"""  # the page, then 10 x 2 MiB fetched one after another

PAGES: dict[str, str] = {
    "/": """<!doctype html><html><head><title>Missing: J. Smith, 15</title></head><body>
<h1>Have you seen J. Smith?</h1><img src="/photo.png" width="120" height="80">
<p>Last seen near the station on 24 November.</p><a href="/missing">more</a></body></html>""",
    "/beacon": """<!doctype html><html><head><title>Tracker</title></head><body><p>beacons</p>
<script>
navigator.sendBeacon('/collect', 'visitor=examiner');
fetch('/api/like', {method: 'POST', body: 'like=1'}).catch(() => {});
var x = new XMLHttpRequest(); x.open('PUT', '/api/profile'); x.send('name=x');
fetch('/api/ok').then(r => r.text()).then(t => document.body.append(t));
</script></body></html>""",
    "/autoform": """<!doctype html><html><head><title>Form</title></head><body>
<form id="f" method="post" action="/submit"><input name="report" value="examiner was here"></form>
<p>This page submits a form by itself.</p>
<script>document.getElementById('f').submit();</script></body></html>""",
    "/popup": """<!doctype html><html><head><title>Popup</title></head><body><p>opens a window</p>
<script>window.open('/', 'pop');</script></body></html>""",
    "/download": """<!doctype html><html><head><title>Download</title></head><body>
<a id="d" href="/file.bin">file</a>
<script>window.onload = () => document.getElementById('d').click();</script>
</body></html>""",
    "/lazy": """<!doctype html><html><head><title>Lazy</title></head><body>
<div style="height:3000px">scroll down</div><div id="more"></div>
<script>
let n = 0;
window.addEventListener('scroll', () => {
  if (n < 3 && window.innerHeight + window.scrollY >= document.body.scrollHeight - 50) {
    n += 1;
    const img = document.createElement('img');
    img.src = '/photo.png?lazy=' + n;
    img.style = 'display:block;height:600px';
    document.getElementById('more').append(img);
  }
});
</script></body></html>""",
    "/infinite": """<!doctype html><html><head><title>Feed</title></head><body>
<div id="feed"></div><script>
function more() {
  for (let i = 0; i < 20; i++) {
    const p = document.createElement('p'); p.textContent = 'post ' + Math.random();
    p.style = 'height:100px'; document.getElementById('feed').append(p);
  }
}
more();
window.addEventListener('scroll', more);
</script></body></html>""",
    "/never-idle": """<!doctype html><html><head><title>Busy</title></head><body><p>polling</p>
<script>setInterval(() => fetch('/api/ok?' + Date.now()), 150);</script></body></html>""",
}


@dataclass
class Site:
    base: str
    received: list[tuple[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

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

        def do_GET(self) -> None:
            site.received.append((self.command, self.path))
            path = self.path.split("?")[0]
            if path in PAGES:
                self._send(200, PAGES[path].encode(), "text/html; charset=utf-8")
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
            elif path == "/error":
                self._send(500, b"<h1>Internal error</h1>", "text/html")
            else:
                self._send(
                    404, b"<html><title>Not found</title><h1>Not here</h1></html>", "text/html"
                )

        do_HEAD = do_GET

        def do_POST(self) -> None:  # must never be reached through the capture guard
            site.received.append((self.command, self.path))
            self._send(200, b"accepted", "text/plain")

        do_PUT = do_POST

    return Handler


@contextmanager
def serve(tls: TestCA | None = None) -> Iterator[Site]:
    """Serve the site on a free port of 127.0.0.1, over HTTPS when given a test CA."""
    site = Site(base="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.server_chain, tls.server_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    site.base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
