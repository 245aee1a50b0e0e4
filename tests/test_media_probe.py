"""media/probe.py against real ffprobe and exiftool, on media generated here with known facts.

The video: 6 s, 320x240, 25 fps H.264 + 44.1 kHz AAC, created 2026-11-20T21:40:00Z,
and a copy with Apple's GPS, make and model keys. The photo: EXIF time 22:40 at
+01:00, GPS 51.5007 N 0.1246 W at 10 m, Canon EOS R6. Broken on purpose: the first
half of the video (no moov atom), the first half of a faststart copy (ffprobe
believes the index; the decode check must not), half of the photo, random bytes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from osint_kit.errors import MediaUnreadable, ToolMissing
from osint_kit.formats.media_facts import MediaFacts
from osint_kit.formats.probe import probe

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("ffmpeg", "ffprobe", "exiftool")),
    reason="ffmpeg and exiftool are installed by make setup",
)

LAT, LON, ALT = 51.5007, -0.1246, 10.0


def run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=60)


def ffmpeg(*args: str) -> None:
    run("ffmpeg", "-nostdin", "-v", "error", "-y", *args)


def exiftool(path: Path, *tags: str) -> None:
    run("exiftool", "-q", "-overwrite_original", *tags, "--", str(path))


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    video = d / "video.mp4"  # moov at the end, as ffmpeg writes by default
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=6"),
        *("-f", "lavfi", "-i", "sine=frequency=440:duration=6:sample_rate=44100"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-shortest", "-metadata", "creation_time=2026-11-20T21:40:00Z"),
        str(video),
    )
    gps = d / "gps.mp4"
    shutil.copy(video, gps)
    exiftool(
        gps,
        f"-Keys:GPSCoordinates={LAT}, {LON}, {ALT:g}",
        "-Keys:Make=Apple",
        "-Keys:Model=iPhone 15",
    )
    photo = d / "photo.jpg"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", str(photo))
    exiftool(
        photo,
        "-EXIF:DateTimeOriginal=2026:11:20 22:40:00",
        "-EXIF:OffsetTimeOriginal=+01:00",
        "-EXIF:Make=Canon",
        "-EXIF:Model=EOS R6",
        f"-EXIF:GPSLatitude={LAT}",
        "-EXIF:GPSLatitudeRef=N",
        f"-EXIF:GPSLongitude={abs(LON)}",
        "-EXIF:GPSLongitudeRef=W",
        f"-EXIF:GPSAltitude={ALT:g}",
        "-EXIF:GPSAltitudeRef=0",
    )
    local = d / "local.jpg"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=64x48", "-frames:v", "1", str(local))
    exiftool(local, "-EXIF:DateTimeOriginal=2026:11:20 22:40:00")
    data = video.read_bytes()
    (d / "truncated.mp4").write_bytes(data[: len(data) // 2])
    faststart = d / "faststart.mp4"
    ffmpeg("-i", str(video), "-c", "copy", "-movflags", "+faststart", str(faststart))
    data = faststart.read_bytes()
    (d / "cut.mp4").write_bytes(data[: len(data) * 6 // 10])
    data = photo.read_bytes()
    (d / "cut_photo.jpg").write_bytes(data[: len(data) // 2])
    (d / "random.bin").write_bytes(random.Random(21).randbytes(50_000))
    return {p.stem: p for p in d.iterdir()}


def test_a_video_says_its_length_codecs_size_rate_and_creation_time(
    media: dict[str, Path],
) -> None:
    facts = probe(media["video"])
    assert facts.duration_s == pytest.approx(6.0, abs=0.1)
    assert facts.container == "mov,mp4,m4a,3gp,3g2,mj2"
    assert (facts.video_codec, facts.audio_codec) == ("h264", "aac")
    assert (facts.width, facts.height, facts.fps) == (320, 240, 25.0)
    assert facts.size == media["video"].stat().st_size
    assert facts.bit_rate and 8 * facts.size / 6.2 < facts.bit_rate < 8 * facts.size / 5.8
    assert [s.kind for s in facts.streams] == ["video", "audio"]
    assert facts.streams[1].sample_rate == 44100
    assert facts.created == "2026-11-20T21:40:00Z"
    assert facts.created_source == "QuickTime:CreateDate"
    assert facts.gps is None and facts.make is None and facts.model is None
    assert facts.problems == () and facts.readable
    assert facts.tools["ffprobe"][0].isdigit() and facts.tools["exiftool"][0].isdigit()


def test_a_videos_gps_make_and_model(media: dict[str, Path]) -> None:
    facts = probe(media["gps"])
    assert facts.gps is not None
    assert facts.gps[0] == pytest.approx(LAT, abs=1e-4)
    assert facts.gps[1] == pytest.approx(LON, abs=1e-4)
    assert facts.gps[2] == pytest.approx(ALT, abs=0.01)
    assert (facts.make, facts.model) == ("Apple", "iPhone 15")
    assert facts.created == "2026-11-20T21:40:00Z"
    assert facts.readable


def test_a_photo_gives_size_exif_time_in_utc_gps_make_and_model(media: dict[str, Path]) -> None:
    facts = probe(media["photo"])
    assert facts.picture and facts.container == "JPEG" and facts.mime_type == "image/jpeg"
    assert (facts.width, facts.height) == (640, 480)
    assert facts.duration_s is None and facts.fps is None
    assert facts.created == "2026-11-20T21:40:00Z"  # 22:40 at +01:00
    assert facts.created_source == "EXIF:DateTimeOriginal+OffsetTimeOriginal"
    assert facts.gps == pytest.approx((LAT, LON, ALT), abs=1e-4)  # W is negative
    assert (facts.make, facts.model) == ("Canon", "EOS R6")
    assert facts.problems == () and facts.readable


def test_a_time_without_a_zone_is_kept_as_written(media: dict[str, Path]) -> None:
    facts = probe(media["local"])
    assert facts.created == "2026-11-20T22:40:00"
    assert facts.created_source == "EXIF:DateTimeOriginal"
    assert facts.gps is None and facts.readable


def test_a_truncated_mp4_is_a_problem_not_an_exception(media: dict[str, Path]) -> None:
    facts = probe(media["truncated"])
    assert not facts.readable
    assert facts.problems[0].startswith("ffprobe: ")
    assert "moov atom not found" in facts.problems[0]
    assert "0x" not in facts.problems[0] and str(media["truncated"]) not in facts.problems[0]
    assert facts.size == media["truncated"].stat().st_size
    assert facts.duration_s is None and facts.streams == ()


def test_a_cut_file_whose_index_claims_its_full_length_fails_the_decode_check(
    media: dict[str, Path],
) -> None:
    whole = probe(media["faststart"])
    assert whole.readable and whole.problems == ()
    facts = probe(media["cut"])
    assert facts.duration_s == pytest.approx(6.0, abs=0.1)  # what the index says
    assert not facts.readable
    cut = [p for p in facts.problems if p.startswith("decode: cut short")]
    assert cut, facts.problems
    assert "of the 6.00 s the file declares" in cut[0]
    # ...and without the check, nothing notices
    assert probe(media["cut"], decode_check=False, metadata=False).readable


def test_half_a_photo_is_damaged_but_keeps_its_exif(media: dict[str, Path]) -> None:
    facts = probe(media["cut_photo"])
    assert not facts.readable
    assert [p for p in facts.problems if p.startswith("decode: the picture is damaged")]
    assert facts.created == "2026-11-20T21:40:00Z" and facts.make == "Canon"
    assert (facts.width, facts.height) == (640, 480)


def test_random_bytes_are_a_problem_not_an_exception(media: dict[str, Path]) -> None:
    facts = probe(media["random"])
    assert not facts.readable
    assert any(p.startswith("ffprobe: ") for p in facts.problems)
    assert facts.container is None and facts.streams == () and facts.size == 50_000


def test_a_name_that_looks_like_an_option_or_a_pattern(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(media["photo"], tmp_path / "-i%d.jpg")
    monkeypatch.chdir(tmp_path)
    facts = probe(Path("-i%d.jpg"))
    assert (facts.width, facts.height, facts.make) == (640, 480, "Canon")
    assert facts.readable


def test_not_a_file_raises(tmp_path: Path) -> None:
    with pytest.raises(MediaUnreadable):
        probe(tmp_path / "absent.mp4")
    with pytest.raises(MediaUnreadable):
        probe(tmp_path)


def test_a_missing_tool_raises_tool_missing(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(ToolMissing) as raised:
        probe(media["video"])
    assert (raised.value.tool, raised.value.package) == ("ffprobe", "ffmpeg")
    os.symlink(shutil.which("ffprobe", path=os.defpath + ":/usr/bin") or "", empty / "ffprobe")
    with pytest.raises(ToolMissing) as raised:
        probe(media["video"])
    assert (raised.value.tool, raised.value.package) == ("exiftool", "libimage-exiftool-perl")


def test_a_hung_tool_is_a_problem_not_a_hang(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "ffprobe"
    fake.write_text(
        '#!/bin/sh\n[ "$1" = -version ] && exec echo "ffprobe version 9.9"\nsleep 600\n'
    )
    fake.chmod(0o755)
    os.symlink(shutil.which("exiftool") or "", bin_dir / "exiftool")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    started = time.monotonic()
    facts = probe(media["video"], timeout_s=1)
    # the tool would sleep 600 s: finishing well before that means it was stopped
    assert time.monotonic() - started < 300
    assert facts.problems[0] == "ffprobe: timed out after 1 s"
    assert not facts.readable
    assert facts.tools["ffprobe"] == "9.9"
    assert facts.created == "2026-11-20T21:40:00Z"  # exiftool still answered


def test_facts_survive_json(media: dict[str, Path]) -> None:
    facts = probe(media["gps"])
    data = json.loads(json.dumps(facts.to_json()))
    assert data["format"] == "osint-kit.media-facts/1" and data["readable"] is True
    assert MediaFacts.from_json(data) == facts
    assert len({facts, MediaFacts.from_json(data)}) == 1  # hashable, equal
    broken = probe(media["truncated"])
    assert MediaFacts.from_json(json.loads(json.dumps(broken.to_json()))) == broken


@pytest.mark.parametrize(
    "data",
    [
        None,
        7,
        "text",
        [],
        {"streams": "x", "problems": "ffprobe: x", "tools": [1], "size": -3},
        {"streams": [None, 1, {"kind": {}, "width": "wide", "fps": "nan"}]},
        {"gps": [1000, 2]},
        {"gps": ["a", "b", "c"], "duration_s": float("inf"), "width": True},
        {"problems": [1, None, "decode: cut short"], "created": {"a": 1}},
    ],
)
def test_from_json_reads_anything_without_an_exception(data: object) -> None:
    facts = MediaFacts.from_json(data)
    assert facts.gps is None and facts.size == 0 and facts.duration_s is None
    assert facts.width is None and facts.created is None
    assert all(isinstance(p, str) for p in facts.problems)
    assert all(s.kind in ("video", "audio", "subtitle", "data") for s in facts.streams)
    assert facts.readable == (facts.problems != ("decode: cut short",))
