"""Collecting video with yt-dlp's real code path (its generic extractor) from the sandbox's
video host on 127.0.0.1: originals byte-identical to what was served, video and audio kept
apart, the manifest and info JSON kept, a page captured in the browser, and every kind of
bad input recorded with its reason."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.errors import CollectionFailed, InvalidURL
from osint_kit_sandbox.video import VideoHost, video_host

pytestmark = pytest.mark.skipif(
    not all(map(__import__("shutil").which, ("ffmpeg", "ffprobe", "exiftool"))),
    reason="ffmpeg and exiftool are not installed (make setup installs them)",
)


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VideoHost]:
    with video_host(tmp_path_factory.mktemp("video")) as h:
        yield h
        assert h.writes() == []  # nothing but reads ever reached it


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(case: Case, cap_id: str) -> dict[str, list[str]]:
    (cap,) = [c for c in case.captures() if c.id == cap_id]
    roles: dict[str, list[str]] = {}
    for label, role in cap.roles:
        roles.setdefault(role, []).append(label)
    return roles


def test_a_plain_mp4_is_kept_as_served_with_its_metadata(case: Case, host: VideoHost) -> None:
    cap = case.media.collect(host.url("/clip.mp4"), examiner=EXAMINER, progress=False)
    assert cap.status == "complete", cap.reason
    roles = _files(case, cap.id)
    (media,) = roles["media"]
    assert case.exhibit(media).sha256 == _sha(host.served("/clip.mp4"))
    assert "page_capture" not in cap.record  # a media URL is not a page
    info = json.loads(case.exhibit(roles["info-json"][0]).read_bytes())
    assert info[0]["url"] == host.url("/clip.mp4")
    (item,) = [f for f in cap.record["files"] if "selection" in f]
    assert item["selection"]["expression"] == "bv*+ba/b" and item["selection"]["chosen"]
    (got,) = [f for f in cap.record["files"] if f.get("sha256")]
    made = host.media["clip"]
    facts = got["facts"]
    assert abs(float(facts["duration_s"]) - made.duration_s) < 0.2
    assert facts["video_codec"] == made.video_codec and facts["audio_codec"] == made.audio_codec
    assert facts["created"].startswith(made.creation_time.rstrip("Z")[:19])
    assert made.gps is not None and abs(float(facts["gps"][0]) - made.gps[0]) < 1e-3
    requests = cap.record["http"]["requests"]
    assert requests and all(r["method"] in ("GET", "HEAD") for r in requests)
    assert case.verify().ok


def test_dash_keeps_video_and_audio_apart_and_the_manifest(case: Case, host: VideoHost) -> None:
    cap = case.media.collect(host.url("/dash/manifest.mpd"), examiner=EXAMINER, progress=False)
    assert cap.status == "complete", cap.reason
    roles = _files(case, cap.id)
    assert len(roles["video"]) == 1 and len(roles["audio"]) == 1  # not merged
    (manifest,) = roles["manifest"]
    assert case.exhibit(manifest).read_bytes() == host.served("/dash/manifest.mpd")
    video = [f for f in cap.record["files"] if f.get("role") == "video" and f.get("sha256")]
    assert video[0]["facts"]["audio_codec"] is None  # video only, as the site served it
    # A copy to watch with sound is derived from both; the originals stay apart.
    merged = case.events()[-2]  # before the checkpoint
    assert merged.action == "analysis.derived"
    assert merged.details["derived"]["inputs"] == sorted(roles["video"] + roles["audio"])
    copy = case.exhibit(merged.exhibits[0])
    assert copy.role == "review-copy"
    from osint_kit.formats.probe import probe

    facts = probe(copy.path)
    assert facts.video_codec and facts.audio_codec and facts.readable


def test_hls_segments_are_joined_byte_for_byte(case: Case, host: VideoHost) -> None:
    cap = case.media.collect(host.url("/hls/index.m3u8"), examiner=EXAMINER, progress=False)
    assert cap.status == "complete", cap.reason
    roles = _files(case, cap.id)
    playlist = host.served("/hls/index.m3u8").decode()
    segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    joined = b"".join(host.served(f"/hls/{name}") for name in segments)
    (media,) = roles["media"]
    assert case.exhibit(media).sha256 == _sha(joined)
    (manifest,) = roles["manifest"]
    assert case.exhibit(manifest).read_bytes() == host.served("/hls/index.m3u8")


def test_a_video_page_is_captured_in_the_browser_too(case: Case, host: VideoHost) -> None:
    cap = case.media.collect(host.url("/watch.html"), examiner=EXAMINER, progress=False)
    assert cap.status == "complete", cap.reason
    page = cap.record["page_capture"]
    (web,) = [c for c in case.captures() if c.id == page["id"]]
    assert web.method == "web.browser" and web.target == host.url("/watch.html")
    (media,) = _files(case, cap.id)["media"]
    assert case.exhibit(media).sha256 == _sha(host.served("/clip.mp4"))


def test_a_playlist_is_bounded_by_the_limit(case: Case, host: VideoHost) -> None:
    cap = case.media.collect(
        host.url("/playlist.html?n=1000"),
        examiner=EXAMINER,
        limit=5,
        capture_page=False,
        progress=False,
    )
    assert cap.status == "complete", cap.reason
    assert cap.record["found"]["type"] == "playlist" and cap.record["found"]["limited_to"] == 5
    items = [f for f in cap.record["files"] if "selection" in f]
    assert len(items) == 5
    assert sum(1 for p in host.requests if p[1].startswith("/v/")) <= 10  # never the 1,000


def test_bad_input_is_recorded_with_its_reason(case: Case, host: VideoHost) -> None:
    html = case.media.collect(host.url("/article.html"), examiner=EXAMINER, progress=False)
    assert html.failed and "no video" in (html.reason or "")
    assert isinstance(html.error, CollectionFailed)
    with pytest.raises(CollectionFailed):
        html.raise_for_status()
    cut = case.media.collect(host.url("/cut.mp4"), examiner=EXAMINER, progress=False)
    assert cut.status == "partial" and "403" in (cut.reason or "")
    (kept,) = [f for f in cut.record["files"] if f.get("sha256")]
    assert kept["truncated"] and 0 < kept["size"] < len(host.served("/cut.mp4"))
    first_part = case.exhibit(_files(case, cut.id)["media"][0]).read_bytes()
    assert host.served("/cut.mp4").startswith(first_part)
    broken = case.media.collect(host.url("/truncated.mp4"), examiner=EXAMINER, progress=False)
    (file,) = [f for f in broken.record["files"] if f.get("sha256")]
    assert file["facts"]["problems"]  # kept as it came, and recorded as unreadable
    over = case.media.collect(
        host.url("/big.mp4?mb=8"), examiner=EXAMINER, max_mb=2, progress=False
    )
    assert over.status == "partial" and "byte limit" in (over.reason or "")
    (part,) = [f for f in over.record["files"] if f.get("sha256")]
    assert 2 * 2**20 <= part["size"] < 8 * 2**20
    with pytest.raises(InvalidURL):
        case.media.collect("file:///etc/passwd", examiner=EXAMINER)
    failed = [e for e in case.events() if e.action == "collection.failed"]
    assert [e.capture["target"] for e in failed if e.capture] == [host.url("/article.html")]
    assert case.verify().ok


def test_cookies_are_used_only_when_given_and_recorded_without_their_content(
    case: Case, host: VideoHost, tmp_path: Path
) -> None:
    jar = tmp_path / "cookies.txt"
    jar.write_text(
        "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tsecret-value\n"
    )
    before = jar.read_bytes()
    cap = case.media.collect(host.url("/clip.mp4"), examiner=EXAMINER, cookies=jar, progress=False)
    assert cap.record["cookies"]["sha256"] == _sha(before)
    assert jar.read_bytes() == before  # yt-dlp read a private copy
    for label in cap.exhibits:
        assert b"secret-value" not in case.exhibit(label).read_bytes()
    assert "secret-value" not in json.dumps(dict(cap.record))


def test_the_cli_collects_and_a_killed_download_is_repaired(
    root: Path, host: VideoHost, tmp_path: Path
) -> None:
    cli = str(Path(sys.executable).parent / "osint-kit")
    who = ["--examiner-name", EXAMINER.name, "--examiner-id", EXAMINER.id]
    who += ["--examiner-agency", EXAMINER.agency]
    env = {**os.environ, "OSINT_KIT_CASES": str(root)}
    subprocess.run(
        [cli, "case", "new", "V-1", "--title", "t", "--category", "other", *who,
         "--authority", "A-1", "--approved-by", "Lt. X", "--approved-at", "2026-11-01"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    done = subprocess.run(
        [cli, "media", "V-1", host.url("/clip.mp4"), *who, "--quiet"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "[complete]" in done.stdout and "media" in done.stdout
    bad = subprocess.run(
        [cli, "media", "V-1", host.url("/article.html"), *who, "--quiet"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 11 and "Traceback" not in bad.stderr + bad.stdout
    # SIGKILL in the middle of a large download: nothing recorded, repair removes it
    slow = subprocess.Popen(
        [cli, "media", "V-1", host.url("/big.mp4?mb=400"), *who, "--quiet"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    downloads = root / "V-1" / "blobs" / ".downloads"
    deadline = time.monotonic() + 240  # a hang ceiling, generous on a busy machine
    while time.monotonic() < deadline:
        if any(p.is_file() and p.stat().st_size > 0 for p in downloads.rglob("*.part")):
            break
        time.sleep(0.05)
    slow.send_signal(signal.SIGKILL)
    slow.wait()
    case = Case.open("V-1", root=root)
    events = len(case.events())
    report = case.verify()
    assert report.kinds() == {"interrupted-download"}, report.text()
    repaired = case.repair(examiner=EXAMINER)
    assert repaired.downloads and len(case.events()) == events + 1
    assert case.verify().ok and not list(downloads.iterdir())


def test_the_report_says_how_each_file_was_chosen_and_what_was_cut(
    case: Case, host: VideoHost
) -> None:
    case.media.collect(host.url("/dash/manifest.mpd"), examiner=EXAMINER, progress=False)
    case.media.collect(host.url("/cut.mp4"), examiner=EXAMINER, progress=False)
    page = case.disclosure.report().html
    assert page.count("Format chosen") >= 3 and "bv*+ba/b" in page
    assert "TRUNCATED" in page and "403" in page
    assert "Technical metadata" in page and "h264" in page
