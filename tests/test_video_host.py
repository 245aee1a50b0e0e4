"""The sandbox's video host and witness folder (issue 21): every path answers as its
docstring says, ffprobe and exiftool read back what was generated, and yt-dlp's real
code path (its generic extractor) sees what the footage tests rely on. Offline: the
host listens on 127.0.0.1 only."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yt_dlp

from osint_kit_sandbox.camera_roll import make_witness_folder
from osint_kit_sandbox.video import CUT_SHARE, VideoHost, video_host
from osint_kit_sandbox.video_media import CLIP_S, CREATED, GPS, MAKE, MIB, MODEL

pytestmark = pytest.mark.skipif(
    not (shutil.which("ffmpeg") and shutil.which("ffprobe") and shutil.which("exiftool")),
    reason="needs ffmpeg, ffprobe and exiftool (Debian: ffmpeg, libimage-exiftool-perl)",
)


@pytest.fixture(scope="module")
def host() -> Iterator[VideoHost]:
    with video_host() as h:
        yield h


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in list(os.environ):
        if var.lower().endswith("_proxy"):
            monkeypatch.delenv(var, raising=False)


def fetch(
    host: VideoHost, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request; a body cut short comes back as far as it got."""
    conn = http.client.HTTPConnection(urlsplit(host.base).netloc, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        try:
            body = response.read()
        except http.client.IncompleteRead as short:
            body = short.partial
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def ffprobe(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def exiftool(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        ["exiftool", "-j", "-n", "-G1", "-a", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout)[0])


def ydl(**params: Any) -> yt_dlp.YoutubeDL:
    return yt_dlp.YoutubeDL({"quiet": True, "no_warnings": True, "noprogress": True, **params})


# -- what each path answers ---------------------------------------------------------------

ANSWERS = [
    ("/clip.mp4", "video/mp4"),
    ("/hls/index.m3u8", "application/vnd.apple.mpegurl"),
    ("/hls/seg_000.ts", "video/mp2t"),
    ("/dash/manifest.mpd", "application/dash+xml"),
    ("/dash/init-stream0.m4s", "video/iso.segment"),
    ("/watch.html", "text/html; charset=utf-8"),
    ("/playlist.html?n=7", "text/html; charset=utf-8"),
    ("/v/6.mp4", "video/mp4"),
    ("/truncated.mp4", "video/mp4"),
    ("/corrupt.mp4", "video/mp4"),
    ("/article.html", "text/html; charset=utf-8"),
    ("/big.mp4?mb=3", "video/mp4"),
    ("/big.bin?mb=2", "application/octet-stream"),
]


@pytest.mark.parametrize(("path", "kind"), ANSWERS)
def test_every_path_answers_with_its_type_and_length(host: VideoHost, path: str, kind: str) -> None:
    status, headers, body = fetch(host, path)
    assert status == 200
    assert headers["content-type"] == kind
    assert int(headers["content-length"]) == len(body) == len(host.served(path))
    assert body == host.served(path)
    status, headers, body = fetch(host, path, "HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) == len(host.served(path))
    assert host.writes() == []


def test_unknown_path_is_404(host: VideoHost) -> None:
    status, headers, _ = fetch(host, "/nothing.mp4")
    assert status == 404 and "content-length" in headers


def test_ranges_on_media(host: VideoHost) -> None:
    clip = host.served("/clip.mp4")
    status, headers, body = fetch(host, "/clip.mp4", headers={"Range": "bytes=100-199"})
    assert (status, body) == (206, clip[100:200])
    assert headers["content-range"] == f"bytes 100-199/{len(clip)}"
    status, _, body = fetch(host, "/clip.mp4", headers={"Range": "bytes=1000-"})
    assert (status, body) == (206, clip[1000:])
    status, _, body = fetch(host, "/clip.mp4", headers={"Range": "bytes=-10"})
    assert (status, body) == (206, clip[-10:])
    status, headers, _ = fetch(host, "/clip.mp4", headers={"Range": f"bytes={len(clip)}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{len(clip)}"
    big = host.served("/big.bin?mb=2")
    status, _, body = fetch(host, "/big.bin?mb=2", headers={"Range": "bytes=1048570-1048590"})
    assert (status, body) == (206, big[1048570:1048591])
    assert big[:MIB] == big[MIB:] and len(set(big[:4096])) > 200  # one random MiB, twice


def test_big_video_is_the_clip_grown_to_size(host: VideoHost, tmp_path: Path) -> None:
    big = host.served("/big.mp4?mb=3")
    assert len(big) == 3 * MIB
    assert host.served_sha256("/big.mp4?mb=3") == (len(big), hashlib.sha256(big).hexdigest())
    for first, last in [(0, 99), (1000, 2 * MIB), (3 * MIB - 5000, 3 * MIB - 1)]:
        status, _, body = fetch(host, "/big.mp4?mb=3", headers={"Range": f"bytes={first}-{last}"})
        assert (status, body) == (206, big[first : last + 1])
    file = tmp_path / "big.mp4"
    file.write_bytes(big)
    done = ffprobe(file)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert float(info["format"]["duration"]) == pytest.approx(CLIP_S, abs=0.05)
    assert [s["codec_name"] for s in info["streams"]] == ["h264", "aac"]
    decoded = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(file), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert decoded.returncode == 0 and decoded.stderr == ""


def test_clip_metadata_reads_back_with_ffprobe_and_exiftool(host: VideoHost) -> None:
    made = host.media["clip"]
    assert made.path.read_bytes() == host.served("/clip.mp4")
    done = ffprobe(made.path)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert float(info["format"]["duration"]) == pytest.approx(made.duration_s, abs=0.05)
    assert made.duration_s == CLIP_S
    video, audio = info["streams"]
    assert (video["codec_name"], audio["codec_name"]) == (made.video_codec, made.audio_codec)
    assert (video["width"], video["height"], video["r_frame_rate"]) == (320, 240, "25/1")
    assert info["format"]["tags"]["creation_time"] == made.creation_time == CREATED
    tags = exiftool(made.path)
    assert (tags["Composite:GPSLatitude"], tags["Composite:GPSLongitude"]) == pytest.approx(GPS)
    assert made.gps == GPS
    assert (tags["Keys:Make"], tags["Keys:Model"]) == (made.make, made.model) == (MAKE, MODEL)
    assert tags["QuickTime:CreateDate"] == "2026:11:20 21:40:00"


def test_hls_playlist_lists_its_segments(host: VideoHost) -> None:
    _, _, playlist = fetch(host, "/hls/index.m3u8")
    lines = playlist.decode().splitlines()
    assert (
        lines[0] == "#EXTM3U" and "#EXT-X-ENDLIST" in lines and "#EXT-X-PLAYLIST-TYPE:VOD" in lines
    )
    segments = [line for line in lines if line and not line.startswith("#")]
    assert segments == ["seg_000.ts", "seg_001.ts", "seg_002.ts"]
    for name in segments:
        status, headers, body = fetch(host, "/hls/" + name)
        assert status == 200 and headers["content-type"] == "video/mp2t"
        assert body[0] == 0x47  # an MPEG-TS sync byte


def test_dash_manifest_has_separate_video_and_audio(host: VideoHost) -> None:
    _, _, manifest = fetch(host, "/dash/manifest.mpd")
    ns = {"mpd": "urn:mpeg:dash:schema:mpd:2011"}
    sets = ET.fromstring(manifest).findall(".//mpd:AdaptationSet", ns)
    assert [s.get("contentType") for s in sets] == ["video", "audio"]
    kinds = [r.get("mimeType") for s in sets for r in s.findall("mpd:Representation", ns)]
    assert kinds == ["video/mp4", "audio/mp4"]


@pytest.mark.parametrize("path", ["/truncated.mp4", "/corrupt.mp4"])
def test_broken_videos_fail_ffprobe(host: VideoHost, path: str, tmp_path: Path) -> None:
    file = tmp_path / "broken.mp4"
    file.write_bytes(fetch(host, path)[2])
    done = ffprobe(file)
    assert done.returncode != 0
    if path == "/truncated.mp4":
        assert "moov atom not found" in done.stderr
        assert host.served("/clip.mp4").startswith(file.read_bytes())


def test_cut_download_is_short_then_forbidden(host: VideoHost) -> None:
    clip = host.served("/clip.mp4")
    assert host.served("/cut.mp4") == clip
    status, headers, body = fetch(host, "/cut.mp4")
    assert status == 200 and int(headers["content-length"]) == len(clip)
    assert body == clip[: int(len(clip) * CUT_SHARE)]
    status, _, _ = fetch(host, "/cut.mp4", headers={"Range": f"bytes={len(body)}-"})
    assert status == 403


def test_big_download_does_not_hold_up_shutdown() -> None:
    with video_host() as h:
        gate, release = threading.Event(), threading.Event()

        def read_slowly() -> None:
            conn = http.client.HTTPConnection(urlsplit(h.base).netloc, timeout=600)
            conn.request("GET", "/big.mp4?mb=4000")
            response = conn.getresponse()
            response.read(MIB)
            gate.set()
            release.wait(600)  # never reads the rest: the server's sendfile blocks
            conn.close()

        reader = threading.Thread(target=read_slowly, daemon=True)
        reader.start()
        assert gate.wait(240)
    # the server shut down while the client still held its download, unread
    assert reader.is_alive() and not release.is_set()
    release.set()


def test_writes_are_recorded() -> None:
    with video_host() as h:
        status, _, _ = fetch(h, "/clip.mp4", "POST")
        assert status == 405
        assert h.writes() == [("POST", "/clip.mp4")]


# -- yt-dlp, as a library -------------------------------------------------------------


def formats(info: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (f["format_id"], f["protocol"], f.get("vcodec") or "", f.get("acodec") or "")
        for f in info["formats"]
    ]


def test_ytdlp_finds_the_video_on_a_watch_page(host: VideoHost) -> None:
    with ydl() as y:
        raw = y.extract_info(host.url("/watch.html"), download=False, process=False)
        assert raw.get("_type", "video") == "video"
        assert raw["formats"][0]["url"] == host.url("/clip.mp4")
        info = y.extract_info(host.url("/watch.html"), download=False)
    assert info["title"].startswith("Fight outside the Red Lion")
    assert formats(info) == [("0", "http", "", "")]
    assert host.writes() == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/clip.mp4", [("mp4", "http", "", "")]),
        ("/hls/index.m3u8", [("0", "m3u8_native", "", "")]),
        (
            "/dash/manifest.mpd",
            [
                ("1", "http_dash_segments", "none", "mp4a.40.2"),
                ("0", "http_dash_segments", "avc1.42c00d", "none"),
            ],
        ),
    ],
)
def test_ytdlp_formats(host: VideoHost, path: str, expected: list[tuple[str, ...]]) -> None:
    with ydl() as y:
        info = y.extract_info(host.url(path), download=False)
    assert info["extractor"] == "generic"
    assert formats(info) == expected
    assert host.writes() == []


def test_ytdlp_downloads_are_byte_identical(host: VideoHost, tmp_path: Path) -> None:
    """With fixups off, what yt-dlp writes is what was served: the MP4 as is, HLS as the
    segments end to end, DASH video and audio each as init segment + chunks."""
    params = {"paths": {"home": str(tmp_path)}, "outtmpl": "%(id)s.f%(format_id)s.%(ext)s"}
    with ydl(**params, fixup="never") as y:
        y.extract_info(host.url("/clip.mp4"), download=True)
        y.extract_info(host.url("/hls/index.m3u8"), download=True)
    with ydl(**params, fixup="never", format="bv,ba") as y:
        y.extract_info(host.url("/dash/manifest.mpd"), download=True)

    def joined(*paths: str) -> bytes:
        return b"".join(host.served(p) for p in paths)

    chunks = [f"/dash/chunk-stream{{}}-{n:05d}.m4s" for n in (1, 2, 3)]
    assert (tmp_path / "clip.fmp4.mp4").read_bytes() == host.served("/clip.mp4")
    assert (tmp_path / "index.f0.mp4").read_bytes() == joined(
        *(f"/hls/seg_{n:03d}.ts" for n in range(3))
    )
    assert (tmp_path / "manifest.f0.mp4").read_bytes() == joined(
        "/dash/init-stream0.m4s", *(c.format(0) for c in chunks)
    )
    assert (tmp_path / "manifest.f1.m4a").read_bytes() == joined(
        "/dash/init-stream1.m4s", *(c.format(1) for c in chunks)
    )
    assert host.writes() == []


def test_ytdlp_sees_a_playlist_of_a_thousand(host: VideoHost, tmp_path: Path) -> None:
    with ydl() as y:
        raw = y.extract_info(host.url("/playlist.html?n=1000"), download=False, process=False)
    assert raw["_type"] == "playlist"
    entries = list(raw["entries"])
    assert len(entries) == 1000
    assert entries[999]["formats"][0]["url"] == host.url("/v/999.mp4")
    before = len(host.requests)
    params = {"paths": {"home": str(tmp_path)}, "outtmpl": "%(id)s.%(ext)s", "playlistend": 3}
    with ydl(**params) as y:
        info = y.extract_info(host.url("/playlist.html?n=1000"), download=True)
    assert len(info["entries"]) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "playlist-1.mp4",
        "playlist-2.mp4",
        "playlist-3.mp4",
    ]
    assert [p for _, p in host.requests[before:] if p.startswith("/v/")] == [
        "/v/0.mp4",
        "/v/1.mp4",
        "/v/2.mp4",
    ]
    assert (tmp_path / "playlist-3.mp4").read_bytes() == host.served("/v/2.mp4")


def test_ytdlp_on_a_page_without_media(host: VideoHost) -> None:
    with ydl() as y, pytest.raises(yt_dlp.utils.DownloadError, match="Unsupported URL"):
        y.extract_info(host.url("/article.html"), download=False)


@pytest.mark.parametrize("retries", [None, 2])
def test_ytdlp_cut_download_leaves_a_partial_file(
    host: VideoHost, tmp_path: Path, retries: int | None
) -> None:
    """Without ``retries`` (the library's default is none) yt-dlp stops at the short read;
    with them it resumes with a Range request and meets the 403. Either way a ``.part``
    file holds a prefix of the clip."""
    params: dict[str, Any] = {"paths": {"home": str(tmp_path)}, "outtmpl": "cut.%(ext)s"}
    if retries is not None:
        params["retries"] = retries
    ranges = len(host.ranges)
    with ydl(**params) as y, pytest.raises(yt_dlp.utils.DownloadError) as failed:
        y.extract_info(host.url("/cut.mp4"), download=True)
    if retries is None:
        assert re.search(r"\d+ bytes read, \d+ more expected", str(failed.value))
        assert host.ranges[ranges:] == []
    else:
        assert "HTTP Error 403: Forbidden" in str(failed.value)
        assert [p for p, _ in host.ranges[ranges:]] == ["/cut.mp4"]
    part = (tmp_path / "cut.mp4.part").read_bytes()
    assert 0 < len(part) < len(host.served("/clip.mp4")) * CUT_SHARE
    assert host.served("/clip.mp4").startswith(part)
    assert not (tmp_path / "cut.mp4").exists()


# -- the witness folder ------------------------------------------------------------------


def test_witness_folder_reads_back(tmp_path: Path) -> None:
    folder = make_witness_folder(tmp_path / "usb")
    assert sorted(folder.files) == [
        "DCIM/100APPLE/IMG_0001.JPG",
        "DCIM/100APPLE/IMG_0002.JPG",
        "DCIM/100APPLE/IMG_0003.MOV",
        "DCIM/100APPLE/IMG_0004.JPG",
        "Notes/statement.txt",
    ]
    for rel, made in folder.files.items():
        path = folder.root / rel
        assert path.stat().st_size == made.size
        assert path.stat().st_mtime == made.mtime.timestamp()
        if not rel.endswith((".JPG", ".MOV")):
            continue
        tags = exiftool(path)
        if made.exif_time is None:
            assert not any(k.split(":")[0] in ("IFD0", "ExifIFD", "GPS") for k in tags), rel
            continue
        assert made.gps is not None
        assert (tags["Composite:GPSLatitude"], tags["Composite:GPSLongitude"]) == pytest.approx(
            made.gps, abs=1e-6
        )
        if rel.endswith(".JPG"):
            assert tags["ExifIFD:DateTimeOriginal"] == f"{made.exif_time:%Y:%m:%d %H:%M:%S}"
            assert tags["ExifIFD:OffsetTimeOriginal"] == made.exif_time.isoformat()[-6:]
            assert (tags["IFD0:Make"], tags["IFD0:Model"]) == (made.make, made.model)
        else:
            assert tags["QuickTime:CreateDate"] == f"{made.exif_time:%Y:%m:%d %H:%M:%S}"
            assert (tags["Keys:Make"], tags["Keys:Model"]) == (made.make, made.model)
    copied = folder.files["DCIM/100APPLE/IMG_0002.JPG"]
    assert copied.exif_time is not None
    assert (copied.mtime - copied.exif_time).total_seconds() > 3 * 3600
    taken = folder.files["DCIM/100APPLE/IMG_0001.JPG"]
    assert taken.mtime == taken.exif_time
