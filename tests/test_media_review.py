"""media/review.py against real ffmpeg, on a video with known scene changes.

``scenes.mp4``: 6 s at 320x240, 25 fps, three 2 s scenes (SMPTE bars, which stand
still; ffmpeg's testsrc2; a Mandelbrot zoom), a keyframe every second, with
sound. ffmpeg's scene score is computed on brightness, so each cut changes it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from osint_kit.errors import InvalidOption, MediaUnreadable, OutputExists, ToolMissing
from osint_kit.formats.footage import (
    LABEL_H,
    PAD,
    TITLE_H,
    Keyframe,
    clip,
    contact_sheet,
    keyframes,
    thumbnail,
    timecode,
)
from osint_kit.formats.picture_hash import distance, hash_bytes, to_hex

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("ffmpeg", "ffprobe")),
    reason="ffmpeg is installed by make setup",
)

SCENES = "[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]"
#: pHashes of one picture differ by at most this many bits of 64; unrelated ones by ~32.
SAME = 10


def ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args],
        check=True,
        capture_output=True,
        timeout=60,
    )


def ffprobe(path: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def phash(path: Path) -> str:
    found = to_hex(hash_bytes(path.read_bytes()).phash)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("review")
    sources = [
        "smptebars=s=320x240:r=25:d=2",
        "testsrc2=s=320x240:r=25:d=2",
        "mandelbrot=s=320x240:r=25,trim=duration=2",
    ]
    inputs = [a for s in sources for a in ("-f", "lavfi", "-i", s)]
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25"]
    ffmpeg(
        *inputs,
        *("-f", "lavfi", "-i", "sine=d=6"),
        *("-filter_complex", SCENES, "-map", "[v]", "-map", "3:a", *encode, "-c:a", "aac"),
        str(d / "scenes.mp4"),
    )
    # MPEG-TS starts its clock at 1.4 s: times must still count from the start.
    ffmpeg(*inputs, "-filter_complex", SCENES, "-map", "[v]", *encode, str(d / "scenes.ts"))
    data = (d / "scenes.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(data[: len(data) // 2])  # no moov atom
    ffmpeg("-i", str(d / "scenes.mp4"), "-c", "copy", "-movflags", "+faststart", str(d / "fs.mp4"))
    data = (d / "fs.mp4").read_bytes()
    (d / "cut.mp4").write_bytes(data[: len(data) * 6 // 10])  # index intact, data cut
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x480", "-frames:v", "1", str(d / "photo.jpg"))
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x480", "-frames:v", "1", str(d / "portrait.jpg"))
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-n", "-Orientation=6", str(d / "portrait.jpg")],
        check=True,
        timeout=60,
    )
    return {p.name: p for p in d.iterdir()}


@pytest.fixture(scope="module")
def found(media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> list[Keyframe]:
    return keyframes(media["scenes.mp4"], tmp_path_factory.mktemp("kf") / "frames")


def test_keyframes_are_the_first_frame_and_each_scene_change(
    found: list[Keyframe], media: dict[str, Path], tmp_path: Path
) -> None:
    assert [k.time_s for k in found] == pytest.approx([0.0, 2.0, 4.0], abs=0.1)
    assert [k.path.name for k in found] == ["kf-000001.jpg", "kf-000002.jpg", "kf-000003.jpg"]
    folder = found[0].path.parent
    assert sorted(p.name for p in folder.iterdir()) == [k.path.name for k in found]
    for k in found:
        with Image.open(k.path) as img:
            assert (img.format, img.size) == ("JPEG", (320, 240))  # never enlarged to 640
        assert k.phash == phash(k.path) and k.dhash and len(k.dhash) == 16
    hashes = [k.phash or "" for k in found]
    for i in range(3):
        for j in range(i + 1, 3):
            assert distance(hashes[i], hashes[j]) > SAME, (i, j)
    # Another frame of the first scene is the same picture.
    later = thumbnail(media["scenes.mp4"], tmp_path / "at1.jpg", at_s=1.2)
    assert distance(phash(later), hashes[0]) <= SAME
    assert distance(phash(later), hashes[1]) > SAME


def test_keyframe_times_count_from_the_start_of_the_video(
    media: dict[str, Path], tmp_path: Path
) -> None:
    ts = keyframes(media["scenes.ts"], tmp_path / "ts")
    assert [k.time_s for k in ts] == pytest.approx([0.0, 2.0, 4.0], abs=0.1)


def test_keyframes_are_bounded_and_never_mixed_with_an_earlier_run(
    media: dict[str, Path], tmp_path: Path
) -> None:
    two = keyframes(media["scenes.mp4"], tmp_path / "kf", max_frames=2, width=160)
    assert [k.time_s for k in two] == pytest.approx([0.0, 2.0], abs=0.1)
    with Image.open(two[0].path) as img:
        assert img.size == (160, 120)
    with pytest.raises(OutputExists):
        keyframes(media["scenes.mp4"], tmp_path / "kf")
    assert sorted(p.name for p in (tmp_path / "kf").iterdir()) == ["kf-000001.jpg", "kf-000002.jpg"]


@pytest.mark.parametrize(
    "option", [{"threshold": 0}, {"threshold": 1.5}, {"max_frames": 0}, {"width": 4}]
)
def test_keyframes_refuse_bad_options(
    media: dict[str, Path], tmp_path: Path, option: dict[str, float]
) -> None:
    with pytest.raises(InvalidOption):
        keyframes(media["scenes.mp4"], tmp_path / "kf", **option)  # type: ignore[arg-type]
    assert not (tmp_path / "kf").exists()


def test_a_contact_sheet_is_one_grid_of_the_keyframes(
    found: list[Keyframe], tmp_path: Path
) -> None:
    out = contact_sheet(found, tmp_path / "sheet.png", columns=2, width=640, title="E0007")
    assert out == tmp_path / "sheet.png"
    box_w = 640 // 2 - 2 * PAD
    box_h = round(box_w * 240 / 320)
    cell_h = box_h + 2 * PAD + LABEL_H
    with Image.open(out) as sheet:
        assert sheet.format == "PNG"
        assert sheet.size == (640, TITLE_H + 2 * cell_h)  # 3 frames, 2 columns: 2 rows
        rgb = sheet.convert("RGB")
        # Each cell shows its frame: the middle of cell n is the middle of frame n.
        for n, k in enumerate(found):
            row, column = divmod(n, 2)
            x = column * 320 + PAD + box_w // 2
            y = TITLE_H + row * cell_h + PAD + box_h // 2
            with Image.open(k.path) as frame:
                expected = frame.convert("RGB").getpixel((160, 120))
            got = rgb.getpixel((x, y))
            assert all(abs(a - b) <= 40 for a, b in zip(got, expected, strict=True)), n
        # The fourth cell is empty: background.
        assert rgb.getpixel((320 + PAD + box_w // 2, TITLE_H + cell_h + PAD + box_h // 2)) == (
            24,
            24,
            24,
        )
    jpeg = contact_sheet(found, tmp_path / "sheet.jpg")
    with Image.open(jpeg) as sheet:
        assert sheet.format == "JPEG"
        assert sheet.size == (1280, 1 * ((1280 // 4 - 2 * PAD) * 3 // 4 + 2 * PAD + LABEL_H))
    with pytest.raises(InvalidOption):
        contact_sheet([], tmp_path / "none.png")


def test_timecodes() -> None:
    assert timecode(0) == "00:00:00.000"
    assert timecode(3725.5) == "01:02:05.500"
    assert timecode(59.9996) == "00:01:00.000"


def test_a_thumbnail_of_a_video_and_of_a_picture(
    media: dict[str, Path], found: list[Keyframe], tmp_path: Path
) -> None:
    out = thumbnail(media["scenes.mp4"], tmp_path / "t.jpg")  # 10% in: 0.6 s, first scene
    with Image.open(out) as img:
        assert (img.format, img.size) == ("JPEG", (320, 240))
    assert distance(phash(out), found[0].phash or "") <= SAME
    late = thumbnail(media["scenes.mp4"], tmp_path / "late.jpg", at_s=5.0, width=160)
    with Image.open(late) as img:
        assert img.size == (160, 120)
    assert distance(phash(late), found[2].phash or "") <= SAME
    picture = thumbnail(media["photo.jpg"], tmp_path / "p.jpg")
    with Image.open(picture) as img:
        assert img.size == (320, 240)
    # A phone's portrait photo: stored 640x480, shown turned a quarter (EXIF orientation 6).
    portrait = thumbnail(media["portrait.jpg"], tmp_path / "portrait.jpg")
    with Image.open(portrait) as img:
        assert img.size == (320, 427)
    with pytest.raises(InvalidOption):
        thumbnail(media["scenes.mp4"], tmp_path / "x.jpg", at_s=6.5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "late.jpg",
        "p.jpg",
        "portrait.jpg",
        "t.jpg",
    ]


def test_a_clip_starts_exactly_where_asked(
    media: dict[str, Path], found: list[Keyframe], tmp_path: Path
) -> None:
    facts = clip(media["scenes.mp4"], tmp_path / "clip.mp4", 3.0, 5.0)
    assert facts.path == tmp_path / "clip.mp4"
    assert facts.start_s == pytest.approx(3.0, abs=0.01)
    assert facts.end_s == pytest.approx(5.0, abs=0.05)
    assert facts.duration_s == pytest.approx(2.0, abs=0.05)
    assert "libx264" in facts.command and facts.command[-1] == str(tmp_path / "clip.mp4")
    probed = ffprobe(facts.path)
    assert float(probed["format"]["duration"]) == pytest.approx(2.0, abs=0.05)
    assert [s["codec_name"] for s in probed["streams"]] == ["h264", "aac"]
    # Its first frame is the source's frame at 3.0 s (mid-testsrc2), its last the Mandelbrot.
    first = thumbnail(facts.path, tmp_path / "first.jpg", at_s=0)
    source = thumbnail(media["scenes.mp4"], tmp_path / "src.jpg", at_s=3.0)
    assert distance(phash(first), phash(source)) <= 4
    last = thumbnail(facts.path, tmp_path / "last.jpg", at_s=1.9)
    assert distance(phash(last), found[2].phash or "") <= SAME


@pytest.mark.parametrize(
    ("start", "end"),
    [(5.0, 3.0), (3.0, 3.0), (-1.0, 2.0), (2.0, 60.0), (6.5, 7.0), (math.nan, 2.0)],
)
def test_a_clip_refuses_bad_offsets(
    media: dict[str, Path], tmp_path: Path, start: float, end: float
) -> None:
    with pytest.raises(InvalidOption):
        clip(media["scenes.mp4"], tmp_path / "clip.mp4", start, end)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "aid"),
    [
        ("truncated.mp4", "keyframes"),
        ("truncated.mp4", "thumbnail"),
        ("truncated.mp4", "clip"),
        ("cut.mp4", "keyframes"),
        ("cut.mp4", "clip"),  # the start of the cut file decodes: a thumbnail of it is fine
    ],
)
def test_a_broken_video_raises_media_unreadable(
    media: dict[str, Path], tmp_path: Path, name: str, aid: str
) -> None:
    out = tmp_path / "out"
    with pytest.raises(MediaUnreadable) as raised:
        if aid == "keyframes":
            keyframes(media[name], out)
        elif aid == "thumbnail":
            thumbnail(media[name], out / "t.jpg")
        else:
            clip(media[name], out / "c.mp4", 2.0, 5.5)
    assert raised.value.what == str(media[name])
    assert "moov atom not found" in raised.value.reason or "corrupt" in raised.value.reason
    assert not out.exists() or list(out.iterdir()) == []  # nothing half-written left


def test_a_missing_tool_raises_tool_missing(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(ToolMissing) as raised:
        thumbnail(media["scenes.mp4"], tmp_path / "t.jpg")
    assert (raised.value.tool, raised.value.package) == ("ffmpeg", "ffmpeg")
    os.symlink("/usr/bin/ffmpeg", bin_dir / "ffmpeg")
    with pytest.raises(ToolMissing) as raised:
        keyframes(media["scenes.mp4"], tmp_path / "kf")
    assert (raised.value.tool, raised.value.package) == ("ffprobe", "ffmpeg")
    assert not (tmp_path / "kf").exists() and not (tmp_path / "t.jpg").exists()


def test_a_hung_ffmpeg_is_stopped(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "ffmpeg"
    fake.write_text("#!/bin/sh\nsleep 600\n")
    fake.chmod(0o755)
    os.symlink("/usr/bin/ffprobe", bin_dir / "ffprobe")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    started = time.monotonic()
    with pytest.raises(MediaUnreadable) as raised:
        clip(media["scenes.mp4"], tmp_path / "out" / "c.mp4", 1.0, 2.0, timeout_s=1)
    # ffmpeg would sleep 600 s: finishing well before that means it was stopped
    assert time.monotonic() - started < 300
    assert raised.value.reason == "ffmpeg did not finish within 1 s"
    assert list((tmp_path / "out").iterdir()) == []
