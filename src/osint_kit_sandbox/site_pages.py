"""The fixture site's pages: the ordinary and hostile ones by path, the scripts they load,
and the bodies made to measure (a large page, a slow one, a stream's chunks)."""

from __future__ import annotations

import random
from pathlib import Path
from tempfile import TemporaryDirectory

from .pictures import make_png


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
    "/autoform-late": """<!doctype html><html><head><title>Late form</title></head><body>
<form id="f" method="post" action="/submit"><input name="report" value="examiner was here"></form>
<p>the real page</p>
<script>window.addEventListener('load', () =>
  setTimeout(() => document.getElementById('f').submit(), 500));</script></body></html>""",
    "/popup": """<!doctype html><html><head><title>Popup</title></head><body><p>opens a window</p>
<script>window.open('/', 'pop');</script></body></html>""",
    "/popup-beacon": """<!doctype html><html><head><title>Popup beacon</title></head><body>
<p>opens a window that phones home</p>
<script>window.open('/beacon-child');</script></body></html>""",
    "/beacon-child": """<!doctype html><html><head><title>Beacon child</title></head><body>
<p>child window</p><script>
navigator.sendBeacon('/collect-popup', 'child');
window.addEventListener('pagehide', () => navigator.sendBeacon('/collect-popup', 'child'));
fetch('/api/ok').catch(() => {});
</script></body></html>""",
    "/pagehide-beacon": """<!doctype html><html><head><title>Goodbye beacon</title></head><body>
<p>this page writes while it is being closed</p><script>
function bye() {
  navigator.sendBeacon('/collect-pagehide', 'bye');
  fetch('/api/keepalive', {method: 'POST', body: 'x', keepalive: true}).catch(() => {});
}
for (const name of ['pagehide', 'beforeunload', 'unload']) window.addEventListener(name, bye);
document.addEventListener('visibilitychange', bye);
</script></body></html>""",
    "/websocket": """<!doctype html><html><head><title>WebSocket</title></head><body>
<p>this page talks over a WebSocket</p><script>
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://')
  + location.host + '/ws');
ws.onopen = () => { ws.send('LIKE post 7'); ws.send('COMMENT hello'); };
</script></body></html>""",
    "/worker-post": """<!doctype html><html><head><title>Workers</title></head><body>
<p>this page writes from workers</p><script>
new Worker('/worker.js');
try {
  navigator.serviceWorker.register('/sw.js').catch(() => {});
} catch (e) {}
</script></body></html>""",
    "/download": """<!doctype html><html><head><title>Download</title></head><body>
<a id="d" href="/file.bin">file</a>
<script>window.onload = () => document.getElementById('d').click();</script>
</body></html>""",
    "/download-forever": """<!doctype html><html><head><title>Endless download</title></head><body>
<a id="d" href="/forever.bin">file</a>
<script>window.onload = () => document.getElementById('d').click();</script>
</body></html>""",
    "/loop-head": """<!doctype html><html><head><title>Loop in head</title>
<script>while(true){}</script></head><body><p>never rendered</p></body></html>""",
    "/loop-scroll": """<!doctype html><html><head><title>Loop on scroll</title></head>
<body style="margin:0">
<div style="height:4000px">scrolling hangs this page</div>
<script>window.addEventListener('scroll', () => { while(true){} });</script></body></html>""",
    "/loop-later": """<!doctype html><html><head><title>Loop later</title></head><body>
<p>rendered before the loop</p>
<script>setTimeout(() => { while(true){} }, 300);</script></body></html>""",
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
    "/tall": """<!doctype html><html><head><title>Tall</title></head><body style="margin:0">
<div style="height:5000px;background:linear-gradient(#fff,#9cf)">top of a tall page</div>
</body></html>""",
    "/goes-bad": """<!doctype html><html><head><title>Goes bad</title></head><body>
<p>the real page, before it navigates to an answer that is not HTTP</p>
<script>window.onload = () => setTimeout(() => { location.href = '/not-http'; }, 200);</script>
</body></html>""",
    "/goes-away": """<!doctype html><html><head><title>Goes away</title></head><body>
<p>the real page, before it navigates to a host that does not answer</p>
<script>window.onload = () => setTimeout(() => {
  location.href = 'http://127.0.0.1:9/gone'; }, 200);</script>
</body></html>""",
    # Pages that leave their document by themselves (the capture keeps the one asked for).
    "/leaves-on-load": """<!doctype html><html><head><title>Leaves on load</title></head><body>
<p>the page asked for, which leaves on load</p>
<script>window.onload = () => { location.href = '/not-found-here'; };</script></body></html>""",
    "/replaces-while-parsing": """<!doctype html><html><head><title>Replaces itself</title>
<script>location.replace('/');</script></head><body>
<p>the page asked for, which replaces itself while it is parsed</p></body></html>""",
    "/self-get-form": """<!doctype html><html><head><title>GET form</title></head><body>
<form id="f" method="get" action="/not-found-here"><input name="q" value="examiner"></form>
<p>the page asked for, which submits a GET form</p>
<script>document.getElementById('f').submit();</script></body></html>""",
    "/clicks-link": """<!doctype html><html><head><title>Clicks a link</title></head><body>
<a id="a" href="/redirect">elsewhere</a><p>the page asked for, which clicks a link</p>
<script>document.getElementById('a').click();</script></body></html>""",
    "/meta-refresh": """<!doctype html><html><head><title>Meta refresh</title>
<meta http-equiv="refresh" content="0; url=/not-found-here"></head><body>
<p>the page asked for, which refreshes to another</p></body></html>""",
    "/to-blob": """<!doctype html><html><head><title>To blob</title></head><body>
<p>the page asked for, which writes a document and goes there</p><script>
const doc = new Blob(['<title>Written</title><h1>a document the page wrote</h1>'],
  {type: 'text/html'});
location.href = URL.createObjectURL(doc);</script></body></html>""",
    "/to-data": """<!doctype html><html><head><title>To data</title></head><body>
<p>the page asked for, which goes to a data: URL</p><script>
location.href = 'data:text/html,<title>Written</title><h1>a document the page wrote</h1>';
</script></body></html>""",
    "/to-about": """<!doctype html><html><head><title>To about</title></head><body>
<p>the page asked for, which empties itself</p>
<script>window.onload = () => { location.href = 'about:blank'; };</script></body></html>""",
    "/leaves-on-scroll": """<!doctype html><html><head><title>Leaves on scroll</title></head>
<body style="margin:0"><div style="height:4000px">the real page, tall</div><script>
window.addEventListener('scroll', () => { location.href = 'http://127.0.0.1:9/gone'; },
  {once: true});</script></body></html>""",
    "/options-body": """<!doctype html><html><head><title>OPTIONS body</title></head><body>
<p>this page sends a body with OPTIONS</p><script>
fetch('/api/options', {method: 'OPTIONS', body: 'like=1'}).catch(() => {});
</script></body></html>""",
    "/together": """<!doctype html><html><head><title>Together</title></head><body>
<p>ten 2 MiB answers at once</p><script>
Promise.all([...Array(10).keys()].map(i => fetch('/blob/' + i).then(r => r.arrayBuffer())))
  .catch(() => {});</script></body></html>""",
    "/short": """<!doctype html><html><head><title>Short</title></head><body>
<p>a page that fits in the window</p><img src="/photo.png" width="120" height="80">
</body></html>""",
}


SCRIPTS: dict[str, str] = {
    "/worker.js": """fetch('/api/worker', {method: 'POST', body: 'from worker'}).catch(() => {});
fetch('/api/ok?worker=1').catch(() => {});
""",
    "/sw.js": """self.addEventListener('install', (event) => {
  event.waitUntil(fetch('/api/sw', {method: 'POST', body: 'from sw'}).catch(() => {}));
});
""",
}


_BIG: dict[int, bytes] = {}  # deterministic, so cached: tests compare bytes


def big_page(mb: int) -> bytes:
    """An HTML page of exactly ``mb`` MiB (or its head and tail only, when smaller)."""
    page = _BIG.get(mb)
    if page is None:
        head = (
            f"<!doctype html><html><head><title>Big {mb} MB</title></head><body>\n"
            '<p id="first">start of the big page</p>\n'
        ).encode()
        tail = b'<p id="last">end of the big page</p>\n</body></html>\n'
        room = mb * 2**20 - len(head) - len(tail)
        parts: list[bytes] = []
        i = used = 0
        while True:
            para = f"<p>filler paragraph {i:07d}: the quick brown fox jumps over the dog.</p>\n"
            if used + len(para) > room:
                break
            parts.append(para.encode())
            used += len(para)
            i += 1
        page = head + b"".join(parts) + b" " * max(0, room - used) + tail
        _BIG[mb] = page
    return page


_LETTERS = bytes(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64] for i in range(256)
)


def _slow_page(mb: float) -> bytes:
    """``mb`` MiB of HTML, mostly an incompressible comment (so gzip on the way won't help)."""
    head = b"<!doctype html><html><head><title>Slow</title></head><body><p>slow page</p><!--"
    tail = b"--></body></html>"
    n = max(0, int(mb * 2**20) - len(head) - len(tail))
    return head + random.Random(n).randbytes(n).translate(_LETTERS) + tail


STREAM_HEAD = b"<!doctype html><html><head><title>Streaming</title></head><body>\n"


STREAM_TAIL = b"</body></html>\n"


STREAM_CHUNK = 16 * 1024


def _stream_chunk(i: int, size: int) -> bytes:
    """``<p>chunk i</p>`` padded with spaces to exactly ``size`` bytes."""
    text = f"<p>chunk {i}</p>".encode()[:size]
    return text + b" " * (size - len(text) - 1) + b"\n" if size > len(text) else text
