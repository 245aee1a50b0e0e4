"""A video host on 127.0.0.1 for the footage work (issue 21): tests, the demo and the
benchmark. Its media are made by ``video_media.py``; a witness's camera roll, by
``camera_roll.py``.

``video_host()`` generates its media with ffmpeg's test sources when it starts (about a
second: a few seconds of 320x240 at 25 fps), then serves:

- ``/clip.mp4``: H.264 + AAC, 6.0 s, moov at the end as a phone writes it, with a
  creation time, a GPS position, make and model in Apple's QuickTime keys (what ffprobe
  shows as ``com.apple.quicktime.*`` tags and exiftool reads as ``Keys:GPSCoordinates``);
- ``/hls/index.m3u8`` + ``/hls/seg_NNN.ts``: the same clip as a VOD HLS playlist of 2 s
  MPEG-TS segments; ``/hls/master.m3u8``: a master playlist naming it as its one variant;
- ``/dash/manifest.mpd`` + segments: the same clip as DASH with separate video and audio
  adaptation sets (yt-dlp sees a video-only and an audio-only format);
- ``/watch.html``: a page with ``<video controls src="/clip.mp4">`` (yt-dlp's generic
  extractor finds it);
- ``/playlist.html?n=N``: a page with N ``<video>`` elements, ``/v/<i>.mp4``, every one
  the same 1 s MP4 (yt-dlp's generic extractor makes a playlist of N entries);
- ``/truncated.mp4``: the first 55 % of ``/clip.mp4``, so no moov atom (ffprobe fails);
- ``/corrupt.mp4``: random bytes served as ``video/mp4``;
- ``/article.html``: a page without media (yt-dlp: unsupported URL);
- ``/cut.mp4``: a download that fails part-way: a request without ``Range`` is answered
  with the full Content-Length of ``/clip.mp4`` but only its first 40 %, then the
  connection is closed; a request with ``Range`` (how a client resumes) gets 403;
  ``/cutoff.mp4?announce=N&send=M``: ``/big.mp4`` grown to N bytes (at least the clip's
  size) announced, its first M sent, then the connection closed (``Range``: 403 too);
- ``/big.mp4?mb=N``: a video of exactly N MiB for the download benchmark: ``/clip.mp4``
  with a ``free`` box of pseudo-random padding between its media data and its moov, so
  ffprobe and exiftool read it as the 6 s clip; ``/big.bin?mb=N``: N MiB of padding
  alone. The padding is one pseudo-random MiB repeated, sent with ``sendfile``.

Every response has a Content-Type and a Content-Length; HEAD is answered; a single
``Range`` is honoured on the media files (206, or 416 when it cannot be met). Every
request is recorded, so a test can prove that only GET/HEAD/OPTIONS ever arrived:
``host.writes() == []``.

``make_witness_folder(dest)`` writes a phone's camera roll as copied from a USB stick
(``DCIM/100APPLE/IMG_000N.JPG``, a ``.MOV``, ``Notes/statement.txt``) with EXIF times,
GPS, make and model, and file times set, one photo's EXIF time hours away from its file
time and one photo without EXIF; it returns what it wrote, for tests to compare.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import parse_qs, urlsplit

from .site import READS, QuietHandler, _Server
from .video_media import MIB, Generated, block_file, generate

CUT_SHARE = 0.40
#: Upper bound of ``/playlist.html?n=N`` and ``/big.mp4?mb=N``.
MAX_ITEMS = 100_000
MAX_BIG_MB = 64 * 1024


@dataclass
class VideoHost:
    base: str
    workdir: Path
    media: dict[str, Generated] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    #: (path, Range header) of every request that carried a Range header.
    ranges: list[tuple[str, str]] = field(default_factory=list)
    _files: dict[str, tuple[Path, str]] = field(default_factory=dict, repr=False)
    _cache: dict[Path, bytes] = field(default_factory=dict, repr=False)

    def url(self, path: str) -> str:
        return self.base + path

    def writes(self) -> list[tuple[str, str]]:
        """Requests that could change something on the server."""
        return [(m, p) for m, p in self.requests if m not in READS]

    def served(self, path: str) -> bytes:
        """The exact bytes a complete GET of ``path`` is answered with (for ``/cut.mp4``
        the whole file it announces, of which it sends only the first part)."""
        answer = self._answer(path)
        if answer is None:
            raise KeyError(path)
        body, _kind = answer
        return body if isinstance(body, bytes) else body.read(0, body.size)

    def served_sha256(self, path: str) -> tuple[int, str]:
        """(size, SHA-256) of what ``served(path)`` returns, without holding it in memory
        (for ``/big.mp4?mb=500``)."""
        answer = self._answer(path)
        if answer is None:
            raise KeyError(path)
        body, _kind = answer
        if isinstance(body, bytes):
            return len(body), hashlib.sha256(body).hexdigest()
        digest = hashlib.sha256()
        for at in range(0, body.size, 16 * MIB):
            digest.update(body.read(at, min(16 * MIB, body.size - at)))
        return body.size, digest.hexdigest()

    def cutoff(self, announce: int) -> _Big:
        """The whole file ``/cutoff.mp4?announce=N`` announces (and cuts short)."""
        return _Big.around(self._bytes(self._files["/clip.mp4"][0]), announce, self.workdir)

    # -- what a path is answered with -------------------------------------------------

    def _bytes(self, file: Path) -> bytes:
        data = self._cache.get(file)
        if data is None:
            data = self._cache[file] = file.read_bytes()
        return data

    def _answer(self, target: str) -> tuple[bytes | _Big, str] | None:
        """(body, Content-Type) for a request target."""
        url = urlsplit(target)
        path, query = url.path, parse_qs(url.query)
        if path in self._files:
            file, kind = self._files[path]
            return self._bytes(file), kind
        if path == "/watch.html":
            return _watch_page(), "text/html; charset=utf-8"
        if path == "/article.html":
            return _ARTICLE.encode(), "text/html; charset=utf-8"
        if path == "/playlist.html":
            return _playlist_page(_count(query, "n", 3, MAX_ITEMS)), "text/html; charset=utf-8"
        if re.fullmatch(r"/v/\d{1,6}\.mp4", path):
            return self._bytes(self._files["/item.mp4"][0]), "video/mp4"
        if path == "/big.mp4":
            size = _count(query, "mb", 1, MAX_BIG_MB) * MIB
            clip = self._bytes(self._files["/clip.mp4"][0])
            return _Big.around(clip, size, self.workdir), "video/mp4"
        if path == "/big.bin":
            size = _count(query, "mb", 1, MAX_BIG_MB) * MIB
            return _Big(b"", size, b"", block_file(self.workdir)), "application/octet-stream"
        return None


@dataclass(frozen=True)
class _Big:
    """A large body: ``head``, then ``padding`` bytes of the repeated block, then ``tail``."""

    head: bytes
    padding: int
    tail: bytes
    block: Path

    @property
    def size(self) -> int:
        return len(self.head) + self.padding + len(self.tail)

    @classmethod
    def around(cls, mp4: bytes, size: int, workdir: Path) -> _Big:
        """``mp4`` (moov last) grown to ``size`` bytes by a ``free`` box before its moov:
        chunk offsets point into mdat, before the box, so they stay right."""
        at = _moov_offset(mp4)
        box = 16  # 64-bit box header: size 1, type, largesize
        padding = max(0, size - len(mp4) - box)
        header = (1).to_bytes(4, "big") + b"free" + (box + padding).to_bytes(8, "big")
        return cls(mp4[:at] + header, padding, mp4[at:], block_file(workdir))

    def pieces(self, first: int, count: int) -> Iterator[bytes | tuple[int, int]]:
        """The bytes ``first`` to ``first + count``: bytes of head and tail, and
        (offset in the padding, length) for the padding."""
        head_end, pad_end = len(self.head), len(self.head) + self.padding
        end = first + count
        if first < head_end:
            yield self.head[first : min(end, head_end)]
        lo, hi = max(first, head_end), min(end, pad_end)
        if lo < hi:
            yield lo - head_end, hi - lo
        if end > pad_end:
            yield self.tail[max(first, pad_end) - pad_end : end - pad_end]

    def read(self, first: int, count: int) -> bytes:
        block = self.block.read_bytes()
        out = bytearray()
        for piece in self.pieces(first, count):
            if isinstance(piece, bytes):
                out += piece
                continue
            at, left = piece
            while left:
                n = min(left, MIB - at % MIB)
                out += block[at % MIB : at % MIB + n]
                at, left = at + n, left - n
        return bytes(out)


def _moov_offset(mp4: bytes) -> int:
    at = 0
    while at + 8 <= len(mp4):
        size, kind = int.from_bytes(mp4[at : at + 4], "big"), mp4[at + 4 : at + 8]
        if size == 1:
            size = int.from_bytes(mp4[at + 8 : at + 16], "big")
        if kind == b"moov":
            return at
        if size < 8:
            break
        at += size
    raise ValueError("no top-level moov box")


# -- generation -----------------------------------------------------------------------


# -- pages ------------------------------------------------------------------------------


def _watch_page() -> bytes:
    return b"""<!doctype html><html><head><title>Fight outside the Red Lion, 20 November</title>
<meta name="description" content="Filmed by a passer-by"></head><body>
<h1>Fight outside the Red Lion, 20 November</h1>
<video controls width="320" height="240" src="/clip.mp4"></video>
<p>Filmed by a passer-by at 21:40. Share if you know the men involved.</p>
</body></html>
"""


_ARTICLE = """<!doctype html><html><head><title>Council meeting minutes</title></head><body>
<h1>Council meeting minutes</h1><p>No video here, only words about parking.</p>
</body></html>
"""


def _playlist_page(n: int) -> bytes:
    videos = "\n".join(f'<video controls src="/v/{i}.mp4"></video>' for i in range(n))
    return (
        f"<!doctype html><html><head><title>All the clips ({n})</title></head><body>\n"
        f"<h1>All the clips</h1>\n{videos}\n</body></html>\n"
    ).encode()


def _count(query: dict[str, list[str]], name: str, default: int, most: int) -> int:
    try:
        return min(most, max(0, int(query[name][0])))
    except (KeyError, ValueError):
        return default


def _byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """(first, last) of one ``bytes=`` range; None: no (usable) Range, answer 200;
    "unsatisfiable": answer 416."""
    if not header:
        return None
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if m is None or m.group(1) == m.group(2) == "":
        return None  # several ranges, or not bytes: the whole body is a valid answer
    if m.group(1) == "":
        suffix = int(m.group(2))
        return (max(0, size - suffix), size - 1) if suffix and size else "unsatisfiable"
    first = int(m.group(1))
    last = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    if first >= size or last < first:
        return "unsatisfiable"
    return first, last


# -- server ----------------------------------------------------------------------------


def _handler(host: VideoHost, stop: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _head(self, status: int, kind: str, length: int, extra: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(length))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()

        def _send(self, status: int, body: bytes, kind: str, **extra: str) -> None:
            self._head(status, kind, len(body), extra)
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:
            host.requests.append((self.command, self.path))
            if self.headers.get("Range"):
                host.ranges.append((self.path, self.headers["Range"]))
            path = urlsplit(self.path).path
            if path in ("/cut.mp4", "/cutoff.mp4"):
                self._cut(path)
                return
            answer = host._answer(self.path)
            if answer is None:
                self._send(404, b"<h1>Not here</h1>", "text/html; charset=utf-8")
                return
            body, kind = answer
            if not kind.startswith(("video/", "application/")):
                self._send(200, body if isinstance(body, bytes) else b"", kind)
                return
            size = len(body) if isinstance(body, bytes) else body.size
            wanted = _byte_range(self.headers.get("Range"), size)
            if wanted == "unsatisfiable":
                self._send(416, b"", "text/plain", **{"Content-Range": f"bytes */{size}"})
                return
            first, last = wanted if isinstance(wanted, tuple) else (0, size - 1)
            extra = {"Accept-Ranges": "bytes", "Last-Modified": "Fri, 20 Nov 2026 21:45:00 GMT"}
            status = 200
            if isinstance(wanted, tuple):
                status = 206
                extra["Content-Range"] = f"bytes {first}-{last}/{size}"
            self._head(status, kind, last + 1 - first, extra)
            if self.command == "HEAD":
                return
            if isinstance(body, bytes):
                self.wfile.write(body[first : last + 1])
            else:
                self._send_big(body, first, last + 1 - first)

        do_HEAD = do_GET

        def do_OPTIONS(self) -> None:
            host.requests.append((self.command, self.path))
            self._send(204, b"", "text/plain", Allow="GET, HEAD, OPTIONS")

        def _write(self) -> None:  # never reached by a read-only collector
            host.requests.append((self.command, self.path))
            with suppress(ValueError):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._send(405, b"read-only host", "text/plain", Allow="GET, HEAD, OPTIONS")

        do_POST = do_PUT = do_DELETE = do_PATCH = _write

        def _cut(self, path: str) -> None:
            if self.headers.get("Range"):
                self._send(403, b"<h1>Forbidden</h1>", "text/html; charset=utf-8")
                return
            if path == "/cutoff.mp4":
                query = parse_qs(urlsplit(self.path).query)
                big = host.cutoff(_count(query, "announce", MIB, MAX_BIG_MB * MIB))
                size = big.size
                sent = min(size, _count(query, "send", size // 2, MAX_BIG_MB * MIB))
                body = big.read(0, sent)
            else:
                body = host.served("/cut.mp4")
                size, sent = len(body), int(len(body) * CUT_SHARE)
            self._head(200, "video/mp4", size, {"Accept-Ranges": "bytes"})
            if self.command == "HEAD":
                return
            self.wfile.write(body[:sent])
            self.close_connection = True
            with suppress(OSError):  # hang up: the client sees a short body, not a stall
                self.connection.shutdown(2)

        def _send_big(self, body: _Big, first: int, count: int) -> None:
            """Bytes ``first`` to ``first + count`` of ``body``; the padding by ``sendfile``."""
            out = self.connection.fileno()
            with open(body.block, "rb") as block:
                for piece in body.pieces(first, count):
                    if isinstance(piece, bytes):
                        self.wfile.write(piece)
                        continue
                    at, left = piece
                    while left > 0:
                        if stop.is_set():
                            self.close_connection = True
                            return
                        sent = os.sendfile(out, block.fileno(), at % MIB, min(left, MIB - at % MIB))
                        if sent == 0:
                            raise ConnectionResetError
                        at, left = at + sent, left - sent

    return Handler


@contextmanager
def video_host(workdir: Path | None = None) -> Iterator[VideoHost]:
    """Generate the media (in ``workdir``, or a temporary folder deleted at exit) and
    serve them on a free port of 127.0.0.1."""
    with TemporaryDirectory(prefix="video-host-") as tmp:
        root = Path(tmp) if workdir is None else workdir
        root.mkdir(parents=True, exist_ok=True)
        media, files = generate(root)
        files["/cut.mp4"] = files["/clip.mp4"]
        host = VideoHost(base="", workdir=root, media=media, _files=files)
        stop = threading.Event()
        server = _Server(("127.0.0.1", 0), _handler(host, stop))
        host.base = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
        thread.start()
        try:
            yield host
        finally:
            stop.set()
            server.shutdown()
            server.close_connections()
            server.server_close()


# -- a witness's folder -------------------------------------------------------------------
