"""Review aids for footage: keyframes at scene changes, a thumbnail, a contact sheet, a clip.

Each writes new files only where it is told (names are deterministic:
``kf-000001.jpg``…), through a temporary name in the same folder renamed into
place, so a failed run leaves nothing half-written. The case stores each output
as a derived exhibit naming its input; nothing here knows about cases.

A video that cannot be decoded raises ``MediaUnreadable`` with ffmpeg's reason:
ffmpeg runs with ``-xerror``, so a decoding error stops it rather than yield an
aid of a damaged file that looks complete. Every run has a time-out in
proportion to the video's length (``_budget``), so a hostile file cannot hang a
notebook. Bad arguments raise ``InvalidOption``.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps

from osint_kit.errors import InvalidOption, MediaUnreadable, OutputExists
from osint_kit.formats.media_facts import BLOCKING, MediaFacts
from osint_kit.formats.media_tools import clean_error, find_tool, media_input, run_tool
from osint_kit.formats.picture_hash import MAX_PIXELS, hash_bytes, to_hex
from osint_kit.formats.probe import probe

#: Contact sheet layout, in pixels: the margin round each picture, the caption under
#: it, the title strip on top (only with a title).
PAD = 4
LABEL_H = 20
TITLE_H = 32
#: ffmpeg's JPEG quality (2 best .. 31 worst).
JPEG_Q = "3"
_SHOWINFO = re.compile(
    r"\[Parsed_showinfo_\d+ @ [^\]]*\]\s*(?:\[info\]\s*)?n:\s*(\d+)\s.*?pts_time:\s*(-?[0-9.]+)"
)


@dataclass(frozen=True)
class Keyframe:
    """A frame written as a JPEG, its time from the start of the video, its hashes (hex)."""

    time_s: float
    path: Path
    phash: str | None
    dhash: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "time_s": self.time_s,
            "path": str(self.path),
            "phash": self.phash,
            "dhash": self.dhash,
        }


@dataclass(frozen=True)
class ClipFacts:
    """A segment cut as a new file: the offsets in the source it actually covers, its
    length (read back with ffprobe) and the ffmpeg command that made it."""

    start_s: float
    end_s: float
    duration_s: float
    path: Path
    command: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "start_s": self.start_s,
            "end_s": self.end_s,
            "duration_s": self.duration_s,
            "path": str(self.path),
            "command": list(self.command),
        }


def timecode(seconds: float) -> str:
    """``HH:MM:SS.mmm``."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _budget(seconds: float | None, given: float | None = None) -> float:
    """Time-out of one ffmpeg run: ``given``, or a floor plus three times the video's
    length (1080p H.264 decodes at ~25x real time on two cores here, 4K HEVC may be
    slower than real time); a file without a duration gets ten minutes."""
    if given is not None:
        return float(given)
    return 600.0 if seconds is None else 60.0 + 3.0 * seconds


def _readable(media: Path) -> MediaFacts:
    find_tool("ffmpeg")  # before anything is made
    facts = probe(media, metadata=False, decode_check=False)
    blocking = [p for p in facts.problems if p.startswith(BLOCKING)]
    if blocking:
        raise MediaUnreadable(str(media), "; ".join(blocking))
    return facts


def _input(media: Path, facts: MediaFacts) -> list[str]:
    # A picture read by image2 would take a "%d" in its name as a sequence pattern.
    image2 = ["-f", "image2", "-pattern_type", "none"] if facts.container == "image2" else []
    return [*image2, "-i", media_input(media)]


def _ffmpeg(args: Sequence[str], media: Path, timeout_s: float) -> str:
    """Runs ffmpeg; its stderr, or ``MediaUnreadable`` with the errors it printed."""
    command = [find_tool("ffmpeg"), "-nostdin", "-hide_banner", *args]
    run = run_tool(command, timeout_s)
    if run.timed_out:
        raise MediaUnreadable(str(media), f"ffmpeg did not finish within {timeout_s:g} s")
    if run.returncode != 0:
        lines = run.stderr.splitlines()
        # With "-loglevel level+info" each line says its level: only errors are kept.
        if any("[info]" in line for line in lines):
            lines = [line for line in lines if re.search(r"\[(error|fatal|panic)\] ", line)]
        errors = [re.sub(r"\[(error|fatal|panic)\] ", "", line) for line in lines]
        raise MediaUnreadable(str(media), clean_error("\n".join(errors), media))
    return run.stderr


def run_ffmpeg(args: Sequence[str], media: Path, *, timeout_s: float) -> str:
    """ffmpeg with ``args`` (outputs named in them); ``MediaUnreadable`` on failure."""
    return _ffmpeg(args, media, timeout_s)


def _check_number(name: str, value: float, *, low: float = 0.0) -> None:
    if not isinstance(value, int | float) or not math.isfinite(value) or value < low:
        raise InvalidOption(name, f"{value!r} is not a number of at least {low:g}")


def _scale(width: int) -> str:
    # Never enlarged; an even height (what the encoders want), the aspect ratio kept.
    return f"scale=w='min({width},iw)':h=-2"


# -- keyframes ---------------------------------------------------------------


def keyframes(
    video: Path,
    out_dir: Path,
    *,
    threshold: float = 0.3,
    max_frames: int = 100,
    width: int = 640,
    timeout_s: float | None = None,
) -> list[Keyframe]:
    """The first frame and every scene change (ffmpeg's scene score above
    ``threshold``), as ``kf-000001.jpg``… in ``out_dir``, at most ``max_frames`` and
    at most ``width`` pixels wide, with their times and perceptual hashes.

    ``out_dir`` is made if needed and must not already hold keyframes
    (``OutputExists``): a folder mixing two runs would be misread.

    ffmpeg 5.1's scene score compares brightness (the luma plane): a cut that
    changes colour alone at the same brightness is not found. Scoring in RGB finds
    it but cost 25-45% more time at 1080p here, so it is not done.
    """
    video = Path(video)
    if not isinstance(threshold, int | float) or not 0 < threshold < 1:
        raise InvalidOption("threshold", f"{threshold!r} is not between 0 and 1")
    if not isinstance(max_frames, int) or max_frames < 1:
        raise InvalidOption("max_frames", f"{max_frames!r} is not a positive whole number")
    if not isinstance(width, int) or width < 16:
        raise InvalidOption("width", f"{width!r} is not a width of at least 16 pixels")
    if timeout_s is not None:
        _check_number("timeout_s", timeout_s, low=0.001)
    facts = _readable(video)
    if not any(s.kind == "video" for s in facts.streams):
        raise MediaUnreadable(str(video), "it has no video stream")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.glob("kf-*.jpg")):
        raise OutputExists(out_dir, "it already holds keyframes; use an empty folder")
    work = Path(tempfile.mkdtemp(prefix=".keyframes-", dir=out_dir))
    try:
        select = f"select='eq(n\\,0)+gt(scene\\,{threshold:.6f})',showinfo,{_scale(width)}"
        # The image2 muxer reads "%" as a pattern: a literal one is written "%%".
        pattern = os.path.abspath(work).replace("%", "%%") + "/kf-%06d.jpg"
        stderr = _ffmpeg(
            [
                *("-loglevel", "level+info", "-nostats", "-xerror"),
                *_input(video, facts),
                *("-map", "0:v:0", "-an", "-sn", "-dn", "-vf", select),
                *("-fps_mode", "vfr", "-frames:v", str(max_frames), "-q:v", JPEG_Q),
                *("-f", "image2", pattern),
            ],
            video,
            _budget(facts.duration_s, timeout_s),
        )
        written = sorted(work.glob("kf-*.jpg"))
        times = [float(m.group(2)) for m in _SHOWINFO.finditer(stderr)]
        if not written:
            raise MediaUnreadable(str(video), "ffmpeg decoded no frame")
        if len(times) < len(written):
            raise MediaUnreadable(str(video), "ffmpeg did not report every frame's time")
        found = []
        for number, (path, at) in enumerate(zip(written, times, strict=False), start=1):
            final = out_dir / f"kf-{number:06d}.jpg"
            os.replace(path, final)
            hashed = hash_bytes(final.read_bytes())
            found.append(Keyframe(round(at, 6), final, to_hex(hashed.phash), to_hex(hashed.dhash)))
        return found
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- thumbnail ---------------------------------------------------------------


def _temporary(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.parent / f".{out.name}.{uuid.uuid4().hex[:12]}.tmp{out.suffix}"


def thumbnail(
    media: Path,
    out: Path,
    *,
    at_s: float | None = None,
    width: int = 320,
    timeout_s: float | None = None,
) -> Path:
    """One frame as a JPEG at most ``width`` wide: at ``at_s`` seconds, by default 10%
    into a video (its first frame when the length is unknown); a picture, scaled."""
    media, out = Path(media), Path(out)
    if not isinstance(width, int) or width < 16:
        raise InvalidOption("width", f"{width!r} is not a width of at least 16 pixels")
    if at_s is not None:
        _check_number("at_s", at_s)
    if timeout_s is not None:
        _check_number("timeout_s", timeout_s, low=0.001)
    facts = _readable(media)
    if not any(s.kind == "video" for s in facts.streams):
        raise MediaUnreadable(str(media), "it has no picture or video stream")
    duration = facts.duration_s
    seek: list[str] = []
    if not facts.picture:
        if at_s is not None and duration is not None and at_s >= duration:
            raise InvalidOption("at_s", f"{at_s:g} s is past the end of the {duration:g} s video")
        at = at_s if at_s is not None else (duration * 0.1 if duration else 0.0)
        seek = ["-ss", f"{at:.6f}"] if at > 0 else []
    tmp = _temporary(out)
    if facts.picture and _picture_thumbnail(media, tmp, width):
        os.replace(tmp, out)
        return out
    output = ["-map", "0:v:0", "-frames:v", "1", "-vf", _scale(width), "-q:v", JPEG_Q]
    output += ["-f", "image2", "-update", "1", "-y", os.path.abspath(tmp)]
    try:
        _ffmpeg(
            ["-v", "error", "-xerror", *seek, *_input(media, facts), *output],
            media,
            _budget(duration, timeout_s),
        )
        if seek and not (tmp.is_file() and tmp.stat().st_size):
            # A seek in a file without an index (MPEG-TS) can land after the last
            # keyframe: then decode from the start and drop frames up to the time.
            _ffmpeg(
                ["-v", "error", "-xerror", *_input(media, facts), *seek, *output],
                media,
                _budget(duration, timeout_s),
            )
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise MediaUnreadable(str(media), "ffmpeg decoded no frame there")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _picture_thumbnail(media: Path, tmp: Path, width: int) -> bool:
    """A picture scaled by Pillow, turned as its EXIF orientation says (ffmpeg 5.1
    ignores it: a phone's portrait photo would lie on its side). False when Pillow
    cannot read it; ffmpeg then tries."""
    try:
        with Image.open(media) as img:
            if img.width * img.height > MAX_PIXELS:
                return False
            img.draft("RGB", (width, width))  # JPEG: decode at 1/2, 1/4, 1/8 when it can
            picture = ImageOps.exif_transpose(img).convert("RGB")
        if picture.width > width:
            height = max(1, round(picture.height * width / picture.width))
            picture = picture.resize((width, height), Image.Resampling.LANCZOS)
        picture.save(tmp, format="JPEG", quality=90)
        return True
    # Hostile bytes fail in many ways (OSError for a truncated file, SyntaxError,
    # ValueError, DecompressionBombError...): each leaves the picture to ffmpeg.
    except Exception:
        tmp.unlink(missing_ok=True)
        return False


# -- contact sheet -----------------------------------------------------------


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow before 10.1: the bitmap font, one size
        return ImageFont.load_default()


def contact_sheet(
    frames: Sequence[Keyframe],
    out: Path,
    *,
    columns: int = 4,
    width: int = 1280,
    title: str = "",
) -> Path:
    """One picture of the keyframes in a grid, ``columns`` across and ``width`` wide,
    each captioned with its number and time (``HH:MM:SS.mmm``); PNG when ``out`` ends
    in ``.png``, JPEG otherwise.

    Each cell is ``width // columns`` wide; pictures keep their aspect ratio inside a
    box shaped like the first frame, ``PAD`` pixels from its edges, with a
    ``LABEL_H`` caption strip below, and a ``TITLE_H`` strip on top with a title.
    """
    out = Path(out)
    if not frames:
        raise InvalidOption("frames", "no keyframes to put on a contact sheet")
    if not isinstance(columns, int) or columns < 1:
        raise InvalidOption("columns", f"{columns!r} is not a positive whole number")
    if not isinstance(width, int) or width < columns * (2 * PAD + 16):
        raise InvalidOption("width", f"{width!r} is too narrow for {columns} columns")
    cell_w = width // columns
    box_w = cell_w - 2 * PAD
    box_h = box_w * 9 // 16
    try:
        with Image.open(frames[0].path) as first:
            if first.width > 0 and first.height > 0:
                box_h = max(1, round(box_w * first.height / first.width))
    except (OSError, ValueError, Image.DecompressionBombError):
        pass  # drawn as an unreadable cell below; the sheet keeps a 16:9 box
    cell_h = box_h + 2 * PAD + LABEL_H
    rows = math.ceil(len(frames) / columns)
    top = TITLE_H if title else 0
    sheet = Image.new("RGB", (width, top + rows * cell_h), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    font = _font(14)
    if title:
        draw.text(
            (PAD * 2, TITLE_H // 2), title[:200], fill=(240, 240, 240), font=_font(18), anchor="lm"
        )
    for number, frame in enumerate(frames):
        row, column = divmod(number, columns)
        x, y = column * cell_w + PAD, top + row * cell_h + PAD
        try:
            with Image.open(frame.path) as img:
                img.draft("RGB", (box_w, box_h))
                picture = img.convert("RGB")
                picture.thumbnail((box_w, box_h), Image.Resampling.LANCZOS)
            sheet.paste(
                picture, (x + (box_w - picture.width) // 2, y + (box_h - picture.height) // 2)
            )
        except (OSError, ValueError, Image.DecompressionBombError):
            draw.rectangle((x, y, x + box_w - 1, y + box_h - 1), fill=(90, 90, 90))
            draw.text((x + PAD, y + PAD), "unreadable", fill=(255, 255, 255), font=font)
        caption = f"#{number + 1}  {timecode(frame.time_s)}"
        draw.text(
            (x + box_w // 2, y + box_h + PAD + LABEL_H // 2),
            caption,
            fill=(240, 240, 240),
            font=font,
            anchor="mm",
        )
    tmp = _temporary(out)
    try:
        if out.suffix.lower() == ".png":
            sheet.save(tmp, format="PNG")
        else:
            sheet.save(tmp, format="JPEG", quality=90)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


# -- clip --------------------------------------------------------------------


def clip(
    video: Path, out: Path, start_s: float, end_s: float, *, timeout_s: float | None = None
) -> ClipFacts:
    """The segment from ``start_s`` to ``end_s`` as a new MP4 (H.264 + AAC, re-encoded so
    that it starts exactly at ``start_s``, not at the keyframe before it).

    The offsets returned are those actually cut, read back from the new file:
    ``start_s`` plus any delay of its first frame, ``end_s`` as ``start_s`` plus its
    duration. ``command`` is the ffmpeg command, naming ``out`` (it ran on a temporary
    name in the same folder, renamed into place).
    """
    video, out = Path(video), Path(out)
    _check_number("start_s", start_s)
    _check_number("end_s", end_s)
    if timeout_s is not None:
        _check_number("timeout_s", timeout_s, low=0.001)
    if end_s <= start_s:
        raise InvalidOption("end_s", f"{end_s:g} s is not after start_s ({start_s:g} s)")
    facts = _readable(video)
    duration = facts.duration_s
    if duration is not None and start_s >= duration:
        raise InvalidOption("start_s", f"{start_s:g} s is past the end of the {duration:g} s video")
    if duration is not None and end_s > duration + 0.001:
        raise InvalidOption("end_s", f"{end_s:g} s is past the end of the {duration:g} s video")
    tmp = _temporary(out)
    seek = ["-ss", f"{start_s:.6f}"]
    encode = [
        *("-t", f"{end_s - start_s:.6f}", "-map", "0:v:0?", "-map", "0:a:0?"),
        *("-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", "-f", "mp4"),
    ]
    args = ["-v", "error", "-xerror", *seek, *_input(video, facts), *encode]
    try:
        _ffmpeg([*args, "-y", os.path.abspath(tmp)], video, _budget(duration, timeout_s))
        made = probe(tmp, metadata=False, decode_check=False)
        wanted = {s.kind for s in facts.streams} & {"video", "audio"}
        if not made.duration_s or not wanted <= {s.kind for s in made.streams}:
            # A seek in a file without an index (MPEG-TS) can land after the last
            # keyframe before start_s: then decode from the start, drop up to start_s.
            args = ["-v", "error", "-xerror", *_input(video, facts), *seek, *encode]
            _ffmpeg([*args, "-y", os.path.abspath(tmp)], video, _budget(duration, timeout_s))
            made = probe(tmp, metadata=False, decode_check=False)
        if not made.readable or not made.duration_s:
            raise MediaUnreadable(str(video), "the clip ffmpeg made cannot be read back")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    starts = [s.start_s for s in made.streams if s.kind == "video" and s.start_s is not None]
    delay = max(0.0, starts[0]) if starts else 0.0
    command = (find_tool("ffmpeg"), "-nostdin", "-hide_banner", *args, "-y", os.path.abspath(out))
    return ClipFacts(
        start_s=round(start_s + delay, 6),
        end_s=round(start_s + made.duration_s, 6),
        duration_s=round(made.duration_s - delay, 6),
        path=out,
        command=command,
    )
