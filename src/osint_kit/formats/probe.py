"""Technical metadata of a video or picture: ffprobe for streams, exiftool for time, place, device.

The file is hostile (a witness's file, a platform's download): whatever it holds,
``probe`` returns ``MediaFacts`` and never a traceback. A truncated or corrupt
file is described in ``problems`` (the tool's own words, trimmed); a missing tool
raises ``ToolMissing``. Each tool runs with a time-out; a hung tool is a problem,
not a hang. Paths reach ffmpeg and ffprobe as ``file:/absolute/path`` (never read
as an option or a protocol, and ``-pattern_type none`` keeps a ``%d`` in a
picture's name from being taken as a sequence), exiftool after ``--``.

Problems start with where they come from. ``ffprobe:`` and ``decode:`` mean the
media cannot be decoded as it is (``readable`` is False); ``exiftool:`` (metadata
could not be read) and ``warning:`` (decoder errors, but every frame came out) do
not. ``from_json`` reads what a case file holds, so ``readable`` is computed from
the stored problems alone.

The decode check (is the file really there to its end?). ffprobe trusts the
index: an MP4 whose moov atom sits first and whose data was cut, or a Matroska
file cut short, reports its full duration. A full decode answers for certain
but costs the whole video's decoding time. Bounded instead, two ffprobe runs on
the tail of the first video stream (or the first audio stream when there is no
video):

1. demux only the last ``TAIL_S`` seconds (from the keyframe before them in
   indexed containers): where the packets end, of every stream and of that
   stream, is compared with the duration the file declares; data ending more
   than ``TOLERANCE_S`` early means the file is cut short;
2. decode that stream from its last keyframe at least ``DECODE_S`` seconds
   before the end: no frame, or frames stopping short of the last packet,
   means it does not decode to the end.

Cost: two ffprobe starts, demuxing the last ~5 s and decoding from one keyframe
to the end, whatever the video's length. Measured on this project's 2-core
machine: 0.25 s for a 60 s 640x360 H.264 file with 10 s GOPs (a full decode:
0.9 s), 0.4 s at 1920x1080 (full decode: 2.4 s); a full decode grows with the
length, this check does not.

What it cannot see: damage in the middle of a file whose end is intact, and a
cut in a format that declares no duration (MPEG-TS, raw streams: their duration
is estimated from the data that is there). In a file without an index whose last
5 s hold no keyframe, decoding is not checked (a ``warning:``). A picture is
decoded in full; any decoding error in it is a ``decode:`` problem.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from osint_kit.errors import MediaUnreadable, ToolMissing

FORMAT = "osint-kit.media-facts/1"
#: The Debian package that brings each tool, for ``ToolMissing``.
PACKAGES = {"ffprobe": "ffmpeg", "ffmpeg": "ffmpeg", "exiftool": "libimage-exiftool-perl"}
#: Problems with these prefixes mean the media cannot be decoded as it is.
BLOCKING = ("ffprobe:", "decode:")
TAIL_S = 5.0
DECODE_S = 3.0
TOLERANCE_S = 0.5
#: A problem's text is trimmed to this many characters (a hostile file can make tools
#: print a lot).
MAX_PROBLEM = 300
#: ffmpeg's demuxers that read a single picture.
PICTURE_FORMATS = ("image2", "_pipe")
KINDS = ("video", "audio", "subtitle", "data")
#: Latitude and longitude in decimal degrees, altitude in metres (or None).
Position = tuple[float, float, float | None]


# -- tools -------------------------------------------------------------------


def find_tool(name: str) -> str:
    """The executable of ``name`` on PATH, or ``ToolMissing`` naming its Debian package."""
    found = shutil.which(name)
    if not found:
        raise ToolMissing(name, PACKAGES.get(name, name))
    return found


@cache
def _version(executable: str, flag: str) -> str:
    """Versions do not change under a running kernel: asked once per executable."""
    try:
        done = subprocess.run(
            [executable, flag], stdin=subprocess.DEVNULL, capture_output=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unknown ({type(exc).__name__})"
    first = done.stdout.decode("utf-8", "replace").strip().splitlines()
    if not first:
        return "unknown"
    found = re.match(r"\S+ version (\S+)", first[0])
    return found.group(1) if found else first[0].strip()[:100]


def tool_version(name: str) -> str:
    """``ffprobe -version``/``ffmpeg -version`` (the version on its first line) or
    ``exiftool -ver``."""
    return _version(find_tool(name), "-ver" if name == "exiftool" else "-version")


@dataclass(frozen=True)
class ToolRun:
    """What a tool did: its exit status (None when it did not finish), output, errors."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False


def run_tool(args: Sequence[str], timeout_s: float) -> ToolRun:
    """Runs a tool without stdin; on time-out the process is killed, not waited for."""
    try:
        done = subprocess.run(
            list(args), stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout_s
        )
    except subprocess.TimeoutExpired:
        return ToolRun(None, "", f"timed out after {timeout_s:g} s", timed_out=True)
    except OSError as exc:
        return ToolRun(None, "", f"could not run: {exc.strerror or exc}")
    return ToolRun(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def media_input(path: Path) -> str:
    """How ffmpeg and ffprobe are given a file: never an option, never a protocol."""
    return "file:" + os.path.abspath(path)


def clean_error(text: str, path: Path | str | None = None) -> str:
    """A tool's error output on one line: no memory addresses, no path, no repeats, trimmed."""
    names = {str(path), os.path.abspath(path), media_input(Path(path))} if path else set()
    lines: list[str] = []
    for raw in text.splitlines():
        line = re.sub(r" @ 0x[0-9a-f]+\]", "]", raw.strip())
        for name in sorted(names, key=len, reverse=True):
            line = line.replace(name + ": ", "").replace(name, "FILE")
        line = line.strip()
        if line and line not in lines and line != "Conversion failed!":
            lines.append(line)
    joined = "; ".join(lines) or "no error text"
    return joined if len(joined) <= MAX_PROBLEM else joined[: MAX_PROBLEM - 1] + "…"


# -- values from hostile output ----------------------------------------------


def _float(value: Any, *, negative: bool = False) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or (number < 0 and not negative):
        return None
    return number


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value >= 0 and value.is_integer() else None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**63 else None


def _text(value: Any, limit: int = 200) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\x00", "").strip()
    return text[:limit] if text else None


def _rate(value: Any) -> float | None:
    """``30000/1001`` or ``25`` as frames per second; ``0/0`` is None."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    num, _, den = str(value).partition("/")
    top, bottom = _float(num), _float(den or "1")
    if not top or not bottom:
        return None
    fps = top / bottom
    return fps if 0 < fps < 100_000 else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# -- the records -------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    """One stream as ffprobe sees it. ``cover`` is a picture attached to audio (album art)."""

    index: int
    kind: str
    codec: str | None = None
    profile: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bit_rate: int | None = None
    duration_s: float | None = None
    start_s: float | None = None
    cover: bool = False

    @classmethod
    def from_ffprobe(cls, data: Mapping[str, Any], position: int) -> Stream:
        kind = data.get("codec_type")
        index = _int(data.get("index"))
        video = kind == "video"
        return cls(
            index=position if index is None else index,
            kind=kind if kind in KINDS else "data",
            codec=_text(data.get("codec_name")),
            profile=_text(data.get("profile")),
            width=_int(data.get("width")) if video else None,
            height=_int(data.get("height")) if video else None,
            fps=(_rate(data.get("avg_frame_rate")) or _rate(data.get("r_frame_rate")))
            if video
            else None,
            sample_rate=_int(data.get("sample_rate")),
            channels=_int(data.get("channels")),
            bit_rate=_int(data.get("bit_rate")),
            duration_s=_float(data.get("duration")),
            start_s=_float(data.get("start_time"), negative=True),
            cover=_mapping(data.get("disposition")).get("attached_pic") == 1,
        )

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: Any, position: int = 0) -> Stream:
        d = _mapping(data)
        kind = d.get("kind")
        index = _int(d.get("index"))
        return cls(
            index=position if index is None else index,
            kind=kind if kind in KINDS else "data",
            codec=_text(d.get("codec")),
            profile=_text(d.get("profile")),
            width=_int(d.get("width")),
            height=_int(d.get("height")),
            fps=_float(d.get("fps")),
            sample_rate=_int(d.get("sample_rate")),
            channels=_int(d.get("channels")),
            bit_rate=_int(d.get("bit_rate")),
            duration_s=_float(d.get("duration_s")),
            start_s=_float(d.get("start_s"), negative=True),
            cover=d.get("cover") is True,
        )


@dataclass(frozen=True)
class MediaFacts:
    """What a video or picture file says about itself, and what is wrong with it.

    ``created`` is ISO 8601 UTC (``2026-11-20T21:40:00Z``) when the file gives the
    time with a zone (QuickTime's CreateDate is UTC by definition), otherwise the
    local time as written, without a zone (``2026-11-20T22:40:00``);
    ``created_source`` names the tag(s) it came from. ``gps`` is (latitude,
    longitude, altitude in metres or None), in decimal degrees.
    """

    container: str | None
    duration_s: float | None
    size: int
    bit_rate: int | None
    streams: tuple[Stream, ...]
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    audio_codec: str | None
    created: str | None
    created_source: str | None
    gps: Position | None
    make: str | None
    model: str | None
    software: str | None
    problems: tuple[str, ...] = ()
    tools: dict[str, str] = field(default_factory=dict, hash=False)  # a dict: unhashable
    picture: bool = False
    mime_type: str | None = None

    @property
    def readable(self) -> bool:
        """No problem that prevents decoding (``ffprobe:`` or ``decode:``)."""
        return not any(p.startswith(BLOCKING) for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "container": self.container,
            "mime_type": self.mime_type,
            "picture": self.picture,
            "duration_s": self.duration_s,
            "size": self.size,
            "bit_rate": self.bit_rate,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "video_codec": self.video_codec,
            "audio_codec": self.audio_codec,
            "created": self.created,
            "created_source": self.created_source,
            "gps": list(self.gps) if self.gps else None,
            "make": self.make,
            "model": self.model,
            "software": self.software,
            "streams": [s.to_json() for s in self.streams],
            "problems": list(self.problems),
            "readable": self.readable,
            "tools": dict(self.tools),
        }

    @classmethod
    def from_json(cls, data: Any) -> MediaFacts:
        """Whatever a case file holds: a wrong type becomes None, never an exception."""
        d = _mapping(data)
        streams = d.get("streams")
        problems = d.get("problems")
        tools = d.get("tools")
        return cls(
            container=_text(d.get("container")),
            mime_type=_text(d.get("mime_type")),
            picture=d.get("picture") is True,
            duration_s=_float(d.get("duration_s")),
            size=_int(d.get("size")) or 0,
            bit_rate=_int(d.get("bit_rate")),
            streams=tuple(
                Stream.from_json(s, i)
                for i, s in enumerate(streams if isinstance(streams, list) else [])
            ),
            width=_int(d.get("width")),
            height=_int(d.get("height")),
            fps=_float(d.get("fps")),
            video_codec=_text(d.get("video_codec")),
            audio_codec=_text(d.get("audio_codec")),
            created=_text(d.get("created")),
            created_source=_text(d.get("created_source")),
            gps=_gps_from_json(d.get("gps")),
            make=_text(d.get("make")),
            model=_text(d.get("model")),
            software=_text(d.get("software")),
            problems=tuple(
                str(p)[: MAX_PROBLEM * 2]
                for p in (problems if isinstance(problems, list) else [])
                if isinstance(p, str)
            ),
            tools={
                str(k): str(v)
                for k, v in (tools.items() if isinstance(tools, Mapping) else [])
                if isinstance(v, str | int | float)
            },
        )


def _gps_from_json(value: Any) -> Position | None:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        return None
    lat, lon = _float(value[0], negative=True), _float(value[1], negative=True)
    alt = _float(value[2], negative=True) if len(value) == 3 else None
    return _position(lat, lon, alt)


def _position(lat: float | None, lon: float | None, alt: float | None) -> Position | None:
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (lat, lon, alt)


# -- time, place, device -----------------------------------------------------

_EXIF_TIME = re.compile(
    r"^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    if text == "Z":
        return UTC
    found = _OFFSET.match(text.strip())
    if not found:
        return None
    sign, hours, minutes = found.groups()
    if int(hours) > 18 or int(minutes) > 59:
        return None
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def _when(value: Any, offset: Any = None, *, utc: bool = False) -> tuple[str, bool] | None:
    """An EXIF/QuickTime/ISO time as (ISO 8601 text, whether it had a zone), or None."""
    text = _text(value)
    if not text:
        return None
    found = _EXIF_TIME.match(text)
    if not found:
        return None
    y, mo, d, h, mi, s, fraction, zone_text = found.groups()
    try:
        moment = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))
    except ValueError:
        return None  # 0000:00:00 00:00:00, month 13...
    if fraction and int(fraction[1:7].ljust(6, "0")):
        moment = moment.replace(microsecond=int(fraction[1:7].ljust(6, "0")))
    zone = _zone(zone_text) or _zone(_text(offset)) or (UTC if utc else None)
    spec = "milliseconds" if moment.microsecond else "seconds"
    if zone is None:
        return moment.isoformat(timespec=spec), False
    aware = moment.replace(tzinfo=zone).astimezone(UTC)
    return aware.replace(tzinfo=None).isoformat(timespec=spec) + "Z", True


def _created(exif: Mapping[str, Any], tags: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The first time given with a zone, in this order; else the first one as written."""
    candidates: list[tuple[str, Any, str | None, int]] = [
        ("EXIF:DateTimeOriginal", exif.get("ExifIFD:DateTimeOriginal"), "OffsetTimeOriginal", 0),
        ("EXIF:CreateDate", exif.get("ExifIFD:CreateDate"), "OffsetTimeDigitized", 0),
        ("Keys:CreationDate", exif.get("Keys:CreationDate"), None, 0),
        ("QuickTime:CreateDate", exif.get("QuickTime:CreateDate"), None, 1),  # UTC by definition
        ("XMP:DateTimeOriginal", exif.get("XMP-exif:DateTimeOriginal"), None, 0),
        ("XMP:CreateDate", exif.get("XMP-xmp:CreateDate"), None, 0),
        ("XMP:DateCreated", exif.get("XMP-photoshop:DateCreated"), None, 0),
        ("ffprobe:creation_time", tags.get("creation_time"), None, 0),
    ]
    unzoned: tuple[str, str] | None = None
    for label, value, offset_tag, utc in candidates:
        offset = exif.get(f"ExifIFD:{offset_tag}") if offset_tag else None
        found = _when(value, offset, utc=bool(utc))
        if found is None:
            continue
        text, zoned = found
        if offset_tag and _zone(_text(offset)) and zoned:
            label += f"+{offset_tag}"
        if zoned:
            return text, label
        unzoned = unzoned or (text, label)
    return unzoned if unzoned else (None, None)


_ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")


def _iso6709(text: str | None) -> Position | None:
    """``+51.5007-000.1246+010.000/`` (decimal degrees only, the form phones write)."""
    found = _ISO6709.match(text or "")
    if not found:
        return None
    lat, lon, alt = (_float(g, negative=True) if g else None for g in found.groups())
    return _position(lat, lon, alt)


def _gps(exif: Mapping[str, Any], tags: Mapping[str, str]) -> Position | None:
    found = _position(
        _float(exif.get("Composite:GPSLatitude"), negative=True),
        _float(exif.get("Composite:GPSLongitude"), negative=True),
        _float(exif.get("Composite:GPSAltitude"), negative=True),
    )
    if found:
        return found
    for key in ("com.apple.quicktime.location.iso6709", "location", "location-eng"):
        if found := _iso6709(tags.get(key)):
            return found
    return None


_DEVICE_GROUPS = ("IFD0", "Keys", "UserData", "ItemList", "XMP-tiff", "XMP-xmp", "QuickTime")


def _device(exif: Mapping[str, Any], tags: Mapping[str, str], name: str) -> str | None:
    for group in _DEVICE_GROUPS:
        if found := _text(exif.get(f"{group}:{name}")):
            return found
    for key, value in exif.items():
        if key.endswith(f":{name}") and (found := _text(value)):
            return found
    apple = _text(tags.get(f"com.apple.quicktime.{name.lower()}"))
    if apple or name != "Software":
        return apple
    # Last resort: what wrote the file (ffmpeg's muxer writes "Lavf59.27.100").
    return _text(exif.get("XMP-xmp:CreatorTool")) or _text(tags.get("encoder"))


# -- the probe ---------------------------------------------------------------


def _is_picture(format_name: str | None, mime: str | None) -> bool:
    if mime and mime.startswith("image/"):
        return True
    return bool(format_name) and (
        format_name == PICTURE_FORMATS[0] or str(format_name).endswith(PICTURE_FORMATS[1])
    )


def _ffprobe(path: Path, timeout_s: float) -> tuple[dict[str, Any], list[str]]:
    run = run_tool(
        [
            find_tool("ffprobe"),
            *("-v", "error", "-print_format", "json", "-show_format", "-show_streams"),
            *("-pattern_type", "none", media_input(path)),
        ],
        timeout_s,
    )
    data: Any = None
    try:
        data = json.loads(run.stdout) if run.stdout.strip() else None
    except ValueError:
        data = None
    data = dict(data) if isinstance(data, dict) else {}
    if run.timed_out or run.returncode != 0 or not data.get("format"):
        return {}, [f"ffprobe: {clean_error(run.stderr, path)}"]
    return data, []


def _exiftool(path: Path, timeout_s: float) -> tuple[dict[str, Any], list[str]]:
    run = run_tool(
        [
            find_tool("exiftool"),
            *("-json", "-n", "-G1", "-api", "largefilesupport=1", "--"),
            os.path.abspath(path),
        ],
        timeout_s,
    )
    try:
        data = json.loads(run.stdout) if run.stdout.strip() else None
    except ValueError:
        data = None
    found = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
    if found is None:
        return {}, [f"exiftool: {clean_error(run.stderr, path)}"]
    problems = []
    error = _text(found.get("ExifTool:Error"), MAX_PROBLEM)
    warning = _text(found.get("ExifTool:Warning"), MAX_PROBLEM)
    if error:
        problems.append(f"exiftool: {error}")
    if warning and not warning.startswith("[minor]"):
        problems.append(f"exiftool: {warning}")
    return found, problems


def probe(
    path: Path, *, timeout_s: float = 60, metadata: bool = True, decode_check: bool = True
) -> MediaFacts:
    """The technical metadata of a video or picture.

    ``metadata=False`` skips exiftool (time, place, device come from ffprobe's tags
    only); ``decode_check=False`` skips the check that the end of the file decodes.
    Raises ``ToolMissing`` when a tool needed is absent, ``MediaUnreadable`` when
    ``path`` is not a regular file; everything wrong inside the file is in ``problems``.
    """
    path = Path(path)
    ffprobe_exe = find_tool("ffprobe")
    if metadata:
        find_tool("exiftool")
    try:
        size = path.stat().st_size
        regular = path.is_file()
    except OSError as exc:
        raise MediaUnreadable(str(path), exc.strerror or str(exc)) from None
    if not regular:
        raise MediaUnreadable(str(path), "not a regular file")
    # exiftool (mostly Perl starting up) runs beside ffprobe and the decode check.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="osint-kit-exiftool") as pool:
        pending = pool.submit(_exiftool, path, timeout_s) if metadata else None
        data, problems = _ffprobe(path, timeout_s)
        fmt = _mapping(data.get("format"))
        raw_streams = data.get("streams")
        streams = tuple(
            Stream.from_ffprobe(s, i)
            for i, s in enumerate(raw_streams if isinstance(raw_streams, list) else [])
            if isinstance(s, Mapping)
        )
        format_name = _text(fmt.get("format_name"))
        checked = _is_picture(format_name, None)
        decoding = _decoding(
            ffprobe_exe, path, data, checked, streams, fmt, problems, decode_check, timeout_s
        )
        exif: Mapping[str, Any] = {}
        if pending is not None:
            exif, more = pending.result()
            problems += more
    tags: dict[str, str] = {}
    for source in (*(_mapping(s).get("tags") for s in raw_streams or []), fmt.get("tags")):
        for key, value in _mapping(source).items():
            if isinstance(key, str) and (text := _text(value, 1000)):
                tags[key.lower()] = text  # the container's own tags, read last, win
    mime = _text(exif.get("File:MIMEType"))
    picture = _is_picture(format_name, mime)
    if picture != checked:  # exiftool knew better what it is: check it as that
        decoding = _decoding(
            ffprobe_exe, path, data, picture, streams, fmt, problems, decode_check, timeout_s
        )
    video, audio = _main_streams(streams, picture)
    width = video.width if video else None
    height = video.height if video else None
    if picture and not (width and height):
        size_text = _text(exif.get("Composite:ImageSize")) or ""
        if found := re.match(r"^(\d+)[ x](\d+)$", size_text):
            width, height = int(found.group(1)), int(found.group(2))
    if data and not picture and video is None and audio is None:
        problems.append("ffprobe: no video or audio stream")
    problems += decoding
    duration = None if picture else _float(fmt.get("duration"))
    created, created_source = _created(exif, tags)
    tools = {"ffprobe": tool_version("ffprobe")}
    if metadata:
        tools["exiftool"] = tool_version("exiftool")
    return MediaFacts(
        container=(_text(exif.get("File:FileType")) or format_name) if picture else format_name,
        mime_type=mime,
        picture=picture,
        duration_s=duration,
        size=size,
        bit_rate=_int(fmt.get("bit_rate")),
        streams=streams,
        width=width,
        height=height,
        fps=None if picture or video is None else video.fps,
        video_codec=video.codec if video else None,
        audio_codec=audio.codec if audio else None,
        created=created,
        created_source=created_source,
        gps=_gps(exif, tags),
        make=_device(exif, tags, "Make"),
        model=_device(exif, tags, "Model"),
        software=_device(exif, tags, "Software"),
        problems=tuple(problems),
        tools=tools,
    )


def _main_streams(
    streams: tuple[Stream, ...], picture: bool
) -> tuple[Stream | None, Stream | None]:
    """The first video stream (not cover art, unless a picture has nothing else) and the
    first audio stream."""
    video = next((s for s in streams if s.kind == "video" and not s.cover), None)
    if picture and video is None:
        video = next((s for s in streams if s.kind == "video"), None)
    audio = next((s for s in streams if s.kind == "audio"), None)
    return video, audio


def _decoding(
    ffprobe_exe: str,
    path: Path,
    data: Mapping[str, Any],
    picture: bool,
    streams: tuple[Stream, ...],
    fmt: Mapping[str, Any],
    problems: list[str],
    decode_check: bool,
    timeout_s: float,
) -> list[str]:
    """What the decode check finds, when it is asked for and ffprobe read the file."""
    if not (data and decode_check) or any(p.startswith(BLOCKING) for p in problems):
        return []
    video, audio = _main_streams(streams, picture)
    return _check_decoding(ffprobe_exe, path, picture, video or audio, fmt, timeout_s)


# -- the decode check --------------------------------------------------------


def _json_list(run: ToolRun, key: str) -> list[Mapping[str, Any]]:
    try:
        data = json.loads(run.stdout) if run.stdout.strip() else {}
    except ValueError:
        return []
    found = _mapping(data).get(key)
    return [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []


def _check_decoding(
    exe: str,
    path: Path,
    picture: bool,
    stream: Stream | None,
    fmt: Mapping[str, Any],
    timeout_s: float,
) -> list[str]:
    """See the module's docstring. Returns problems (``decode:`` blocking, ``warning:`` not)."""
    src = media_input(path)
    if stream is None:
        return []
    frames_of = [exe, "-v", "error", "-select_streams", str(stream.index)]
    frames_of += ["-show_entries", "frame=best_effort_timestamp_time", "-of", "json"]
    if picture:
        run = run_tool([*frames_of, "-pattern_type", "none", src], timeout_s)
        # A still has no later frame to recover in: any decoding error (a truncated
        # JPEG's "overread") means a damaged picture.
        if run.timed_out or run.returncode != 0 or not _json_list(run, "frames"):
            return [f"decode: the picture does not decode: {clean_error(run.stderr, path)}"]
        if run.stderr.strip():
            return [f"decode: the picture is damaged: {clean_error(run.stderr, path)}"]
        return []
    start = _float(fmt.get("start_time"), negative=True) or 0.0
    duration = _float(fmt.get("duration"))
    if not duration:
        return ["warning: decode: not checked, the file declares no duration"]
    end = start + duration
    tail_from = max(start, end - TAIL_S)
    run = run_tool(
        [
            *(exe, "-v", "error", "-read_intervals", f"{tail_from:.6f}%"),
            *("-show_entries", "packet=stream_index,pts_time,dts_time,duration_time,flags"),
            *("-of", "json", src),
        ],
        timeout_s,
    )
    if run.timed_out or run.returncode != 0:
        return [f"decode: reading the end of the file failed: {clean_error(run.stderr, path)}"]
    packets = []
    for p in _json_list(run, "packets"):
        at = _float(p.get("pts_time"), negative=True)
        at = _float(p.get("dts_time"), negative=True) if at is None else at
        if at is not None:
            length = _float(p.get("duration_time")) or 0.0
            flags = p.get("flags")
            packets.append((_int(p.get("stream_index")), at, at + length, str(flags or "")))
    errors = clean_error(run.stderr, path) if run.stderr.strip() else ""
    ours = [p for p in packets if p[0] == stream.index]
    data_end = max((p[2] for p in packets), default=None)
    declared = [(end, "the file")]
    if stream.duration_s and stream.start_s is not None:
        declared.append((stream.start_s + stream.duration_s, f"its {stream.kind} stream"))
    for expected, whose in declared:
        got = data_end if whose == "the file" else max((p[2] for p in ours), default=None)
        if got is None or got < expected - TOLERANCE_S:
            ends = "no data" if got is None else f"data ends at {got - start:.2f} s"
            return [
                f"decode: cut short: {ends} of the {expected - start:.2f} s {whose} declares"
                + (f" ({errors})" if errors else "")
            ]
    keys = sorted(p[1] for p in ours if "K" in p[3])
    if not keys:
        return [f"warning: decode: not checked, no keyframe in the last {TAIL_S:g} s"]
    before = [k for k in keys if k <= end - DECODE_S]
    decode_from = before[-1] if before else keys[0]
    run = run_tool([*frames_of, "-read_intervals", f"{decode_from:.6f}%", src], timeout_s)
    frames = [
        t
        for f in _json_list(run, "frames")
        if (t := _float(f.get("best_effort_timestamp_time"), negative=True)) is not None
    ]
    last_packet = max(p[1] for p in ours)
    decoded = clean_error(run.stderr, path) if run.stderr.strip() else ""
    if run.timed_out or run.returncode != 0 or not frames:
        return [f"decode: the end of the {stream.kind} does not decode: {decoded or 'no frame'}"]
    if max(frames) < last_packet - TOLERANCE_S:
        return [
            f"decode: decoding stops at {max(frames) - start:.2f} s of "
            f"{last_packet - start:.2f} s" + (f" ({decoded})" if decoded else "")
        ]
    found = [e for e in (errors, decoded) if e]
    return [f"warning: decode: {'; '.join(found)}"[:MAX_PROBLEM]] if found else []
