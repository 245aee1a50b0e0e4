"""What arrived, against what was announced (issue 31): a video download the server cut
keeps every byte that came and says so; ``--max-mb`` cuts only a file past it, at it; an
HLS download is typed from its bytes and keeps the playlists it joined; a platform's
picture that answered 200 with a page, ``null`` or a cut body is kept as it came, marked
``mismatch`` and asked for again. Real yt-dlp, ffmpeg, snscrape against the sandbox."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import EXAMINER
from osint_kit import Capture, Case
from osint_kit.cli.program import main
from osint_kit.formats.content_check import check_arrival, sniff
from osint_kit_sandbox.platforms import FakePlatforms
from osint_kit_sandbox.platforms.media import render
from osint_kit_sandbox.video import VideoHost, video_host
from social_helpers import exhibits_of, posts_of, settings_for, warc_records

MIB = 2**20
needs_ffmpeg = pytest.mark.skipif(
    not all(map(shutil.which, ("ffmpeg", "ffprobe", "exiftool"))),
    reason="ffmpeg and exiftool are not installed (make setup installs them)",
)


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VideoHost]:
    with video_host(tmp_path_factory.mktemp("video")) as h:
        yield h
        assert h.writes() == []


def _media_files(cap: Capture) -> list[dict[str, Any]]:
    record = cap.record
    return [f for f in record["files"] if f.get("role") in ("media", "video", "audio")]


# -- video: a download the server cut --------------------------------------------------


@needs_ffmpeg
def test_a_cut_download_keeps_every_byte_that_arrived(case: Case, host: VideoHost) -> None:
    url = host.url("/cutoff.mp4?announce=1000000&send=600000")
    cap = case.media.collect(url, examiner=EXAMINER, progress=False)
    assert cap.status == "partial"
    (file,) = _media_files(cap)
    assert file["truncated"] is True and file["status"] == "partial"
    assert (file["announced_bytes"], file["received_bytes"], file["size"]) == (
        1_000_000,
        600_000,
        600_000,
    )
    assert "600,000 bytes arrived of the 1,000,000 announced" in (cap.reason or "")
    (label,) = [x for x in cap.exhibits if case.exhibit(x).role == "media"]
    assert case.exhibit(label).read_bytes() == host.cutoff(1_000_000).read(0, 600_000)
    assert case.verify().ok


@needs_ffmpeg
def test_the_command_does_not_call_a_cut_download_collected(
    root: object, host: VideoHost, capsys: pytest.CaptureFixture[str]
) -> None:
    who = ["--examiner-name", EXAMINER.name, "--examiner-id", EXAMINER.id]
    who += ["--examiner-agency", EXAMINER.agency, "--root", str(root)]
    made = main(
        ["case", "new", "V-2", "--title", "t", "--category", "other", *who,
         "--authority", "A-1", "--approved-by", "Lt. X", "--approved-at", "2026-11-01"]
    )  # fmt: skip
    assert made == 0
    url = host.url("/cutoff.mp4?announce=1000000&send=600000")
    status = main(["media", "V-2", url, "--no-page", "--quiet", *who])
    out = capsys.readouterr().out
    assert status == 11
    assert "collected 0 complete, 1 incomplete, 0 failed of 1 URL(s)" in out
    status = main(["media", "V-2", host.url("/clip.mp4"), "--quiet", *who])
    assert status == 0 and "collected 1 complete, 0 incomplete" in capsys.readouterr().out


# -- video: the byte limit ----------------------------------------------------------------


@needs_ffmpeg
@pytest.mark.parametrize(
    ("mb", "max_bytes", "over"),
    [(1, MIB + 1, False), (1, MIB, False), (1, MIB - 1, True), (2, MIB, True)],
    ids=["under", "exactly-at", "one-byte-over", "twice"],
)
def test_max_mb_cuts_only_a_file_past_it_and_at_it(
    case: Case, host: VideoHost, mb: int, max_bytes: int, over: bool
) -> None:
    path = f"/big.mp4?mb={mb}"
    cap = case.media.collect(
        host.url(path), examiner=EXAMINER, max_mb=max_bytes / MIB, progress=False
    )
    (file,) = _media_files(cap)
    (label,) = [x for x in cap.exhibits if case.exhibit(x).role == "media"]
    kept = case.exhibit(label).read_bytes()
    if not over:
        assert cap.status == "complete" and file["status"] == "complete", cap.reason
        assert "truncated" not in file and kept == host.served(path)
        return
    assert cap.status == "partial" and file["status"] == "over-limit"
    assert file["truncated"] is True and file["kept_bytes"] == max_bytes
    assert kept == host.served(path)[:max_bytes]  # exactly up to the limit, nothing after
    assert "byte limit" in (cap.reason or "")


@needs_ffmpeg
def test_video_and_audio_exactly_at_the_limit_are_complete(case: Case, host: VideoHost) -> None:
    first = case.media.collect(host.url("/dash/manifest.mpd"), examiner=EXAMINER, progress=False)
    total = sum(int(f["size"]) for f in _media_files(first))
    again = case.media.collect(
        host.url("/dash/manifest.mpd"), examiner=EXAMINER, max_mb=total / MIB, progress=False
    )
    assert again.status == "complete", again.reason
    assert [f["status"] for f in _media_files(again)] == ["complete", "complete"]


# -- video: HLS typed from its bytes, its playlists kept ----------------------------------


@needs_ffmpeg
def test_hls_is_typed_from_its_bytes_and_keeps_master_and_variant(
    case: Case, host: VideoHost
) -> None:
    cap = case.media.collect(host.url("/hls/master.m3u8"), examiner=EXAMINER, progress=False)
    assert cap.status == "complete", cap.reason
    exhibits = [case.exhibit(x) for x in cap.exhibits]
    (media,) = [e for e in exhibits if e.role == "media"]
    assert media.media_type == "video/mp2t"  # the joined segments are MPEG-TS
    (file,) = _media_files(cap)
    assert (file["named_type"], file["type_from_bytes"]) == ("video/mp4", "video/mp2t")
    playlists = {e.read_bytes() for e in exhibits if e.role == "manifest"}
    assert playlists == {host.served("/hls/master.m3u8"), host.served("/hls/index.m3u8")}
    kinds = {f["kind"] for f in cap.record["files"] if f.get("role") == "manifest"}
    assert kinds == {"hls-master", "hls-media"}
    assert case.verify().ok


def test_the_type_comes_from_the_bytes() -> None:
    assert sniff(b"\x47" + bytes(187) + b"\x47" + bytes(187) + b"\x47" + bytes(10)) == "video/mp2t"
    assert sniff(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00") == "video/mp4"
    assert sniff(b"  <!DOCTYPE html><html>") == "text/html"
    assert sniff(b"null") == "application/json"
    assert sniff(b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n") == (
        "application/vnd.apple.mpegurl"
    )
    jpeg = render("x.jpg").body
    assert check_arrival(jpeg, content_type="image/jpg", content_length=str(len(jpeg))).ok
    cut = check_arrival(jpeg[:200], content_type="image/jpeg", content_length=len(jpeg))
    assert cut.truncated and any("does not decode" in d for d in cut.differences)
    page = check_arrival(b"<html>login</html>", content_type="image/jpeg", content_length=None,
                         expected="image")  # fmt: skip
    assert page.found_type == "text/html" and not page.ok


# -- platform media -----------------------------------------------------------------------

START = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
PICTURE = "sighting-0.jpg"


def _channel(fake: FakePlatforms) -> None:
    ch = fake.telegram.add_channel("lost_dog_watch", title="Lost Dog Watch", subscribers=12)
    for i in range(3):
        photos = [PICTURE] if i == 0 else [f"sighting-{i}.jpg"]
        ch.add_post(date=START + timedelta(hours=i), text=f"Sighting {i}", photos=photos)


def _medium(case: Case, cap: Capture, name: str) -> dict[str, object]:
    for post in posts_of(case, cap):
        for m in post["media"]:
            if m["url"].endswith("/" + name):
                return dict(m)
    raise AssertionError(f"{name} is in no stored post")


@pytest.mark.parametrize(
    ("body", "kind", "said"),
    [
        (b"<!doctype html><html><body>Please log in</body></html>", "text/html", "text/html"),
        (b"null", "image/jpeg", "JSON null"),
        (render(PICTURE).body[:300], "image/jpeg", "does not decode"),
    ],
    ids=["html-page", "json-null", "cut-picture"],
)
def test_a_platform_picture_that_is_not_what_was_announced_is_kept_as_a_mismatch(
    fake: FakePlatforms, case: Case, body: bytes, kind: str, said: str
) -> None:
    _channel(fake)
    fake.fail(rf"/file/{PICTURE}$", 200, times=None, headers={"Content-Type": kind}, body=body)
    settings = settings_for(fake, retries=1)
    cap = case.collect("telegram:lost_dog_watch", settings=settings, examiner=EXAMINER,
                       progress=False)  # fmt: skip
    assert cap.status == "partial" and "did not arrive as announced" in (cap.reason or "")
    medium = _medium(case, cap, PICTURE)
    assert medium["state"] == "mismatch" and said in str(medium["error"])
    kept = [e for e in exhibits_of(case, cap, "media") if e.sha256 == medium["sha256"]]
    assert len(kept) == 1 and kept[0].read_bytes() == body  # what arrived, kept
    asked = [r for r in fake.requests if r.target.endswith("/" + PICTURE)]
    assert len(asked) == 2  # asked again once (retries=1)
    entry = next(p for p in cap.record["posts"] if "media_mismatch" in p)
    assert next(iter(entry["media_mismatch"].values()))["sha256"] == medium["sha256"]
    # the next run asks for it again, and keeps it when it is right
    fake.clear_faults()
    again = case.collect("telegram:lost_dog_watch", settings=settings, examiner=EXAMINER,
                         progress=False)  # fmt: skip
    assert again.status == "complete", again.reason
    fixed = _medium(case, again, PICTURE)
    assert "state" not in fixed and fixed["media_type"] == "image/jpeg"
    assert case.verify().ok


def test_a_picture_cut_in_transfer_keeps_what_arrived_and_is_asked_again(
    fake: FakePlatforms, case: Case
) -> None:
    _channel(fake)
    whole = render(PICTURE).body
    half = len(whole) // 2
    cut = {"Content-Type": "image/jpeg", "Content-Length": str(len(whole))}
    fake.fail(rf"/file/{PICTURE}$", 200, times=None, headers=cut, body=whole[:half])
    settings = settings_for(fake, retries=1)
    cap = case.collect("telegram:lost_dog_watch", settings=settings, examiner=EXAMINER,
                       progress=False)  # fmt: skip
    assert cap.status == "partial"
    medium = _medium(case, cap, PICTURE)
    assert medium["state"] == "mismatch" and medium["size"] == half
    assert f"{half:,} bytes arrived of the {len(whole):,} announced" in str(medium["error"])
    (kept,) = [e for e in exhibits_of(case, cap, "media") if e.sha256 == medium["sha256"]]
    assert kept.read_bytes() == whole[:half]
    (warc,) = exhibits_of(case, cap, "warc")
    records = warc_records(warc.read_bytes())
    cut_records = [r for r in records if r[0] == "response" and str(r[1]).endswith(PICTURE)]
    assert len(cut_records) == 2  # asked again once (retries=1), both cut: both in the WARC
    assert all(r[3] == whole[:half] for r in cut_records)
    # cut once only: the second try brings it whole
    fake.clear_faults()
    fake.fail(rf"/file/{PICTURE}$", 200, times=1, headers=cut, body=whole[:half])
    other = case.collect("telegram:lost_dog_watch", settings=settings, examiner=EXAMINER,
                         progress=False)  # fmt: skip
    assert other.status == "complete", other.reason
    assert _medium(case, other, PICTURE)["sha256"] == hashlib.sha256(whole).hexdigest()
    assert case.verify().ok


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def test_a_picture_of_another_picture_type_is_complete_with_its_announced_type_recorded(
    fake: FakePlatforms, case: Case
) -> None:
    """CDNs send WebP or PNG for a ``.jpg`` to browsers that take it: a whole picture for a
    picture is what was asked for; the difference is recorded, not called wrong."""
    png = _png()
    assert check_arrival(png, content_type="image/jpeg", content_length=len(png)).ok
    assert not check_arrival(png, content_type="video/mp4", content_length=len(png)).ok
    _channel(fake)
    sent = {"Content-Type": "image/jpeg", "Content-Length": str(len(png))}
    fake.fail(rf"/file/{PICTURE}$", 200, times=None, headers=sent, body=png)
    cap = case.collect("telegram:lost_dog_watch", settings=settings_for(fake, retries=1),
                       examiner=EXAMINER, progress=False)  # fmt: skip
    assert cap.status == "complete", cap.reason
    medium = _medium(case, cap, PICTURE)
    assert "state" not in medium and medium["media_type"] == "image/png"
    assert medium["announced_type"] == "image/jpeg"
    asked = [r for r in fake.requests if r.target.endswith("/" + PICTURE)]
    assert len(asked) == 1  # nothing to ask again for
    assert case.verify().ok
