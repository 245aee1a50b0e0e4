"""Technical metadata of a video or picture: ffprobe for streams, exiftool for time, place, device.

The file is hostile (a witness's file, a platform's download): whatever it holds,
``probe`` returns ``MediaFacts`` and never a traceback. A truncated or corrupt
file is described in ``problems`` (the tool's own words, trimmed); a missing tool
raises ``ToolMissing``. Each tool runs with a time-out; a hung tool is a problem,
not a hang. Paths reach ffmpeg and ffprobe as ``file:/absolute/path`` (never read
as an option or a protocol, and ``-pattern_type none`` keeps a ``%d`` in a
picture's name from being taken as a sequence), exiftool after ``--``.

This module runs ffprobe and puts the pieces together; the record is
``formats.media_facts``, exiftool's tags are read in ``formats.exiftool``, and
whether the file decodes to its end is ``formats.decode_check``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from osint_kit.errors import MediaUnreadable
from osint_kit.formats.decode_check import check_decoding
from osint_kit.formats.exiftool import created_time, device_name, gps_position, read_exiftool
from osint_kit.formats.media_facts import BLOCKING, MediaFacts, Stream
from osint_kit.formats.media_tools import (
    clean_error,
    find_tool,
    media_input,
    run_tool,
    tool_version,
)
from osint_kit.formats.untrusted_values import as_float, as_int, as_mapping, as_text

#: ffmpeg's demuxers that read a single picture.
PICTURE_FORMATS = ("image2", "_pipe")


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
        pending = pool.submit(read_exiftool, path, timeout_s) if metadata else None
        data, problems = _ffprobe(path, timeout_s)
        fmt = as_mapping(data.get("format"))
        raw_streams = data.get("streams")
        streams = tuple(
            Stream.from_ffprobe(s, i)
            for i, s in enumerate(raw_streams if isinstance(raw_streams, list) else [])
            if isinstance(s, Mapping)
        )
        format_name = as_text(fmt.get("format_name"))
        checked = _is_picture(format_name, None)
        decoding = _decoding(
            ffprobe_exe, path, data, checked, streams, fmt, problems, decode_check, timeout_s
        )
        exif: Mapping[str, Any] = {}
        if pending is not None:
            exif, more = pending.result()
            problems += more
    tags: dict[str, str] = {}
    for source in (*(as_mapping(s).get("tags") for s in raw_streams or []), fmt.get("tags")):
        for key, value in as_mapping(source).items():
            if isinstance(key, str) and (text := as_text(value, 1000)):
                tags[key.lower()] = text  # the container's own tags, read last, win
    mime = as_text(exif.get("File:MIMEType"))
    picture = _is_picture(format_name, mime)
    if picture != checked:  # exiftool knew better what it is: check it as that
        decoding = _decoding(
            ffprobe_exe, path, data, picture, streams, fmt, problems, decode_check, timeout_s
        )
    video, audio = _main_streams(streams, picture)
    width = video.width if video else None
    height = video.height if video else None
    if picture and not (width and height):
        size_text = as_text(exif.get("Composite:ImageSize")) or ""
        if found := re.match(r"^(\d+)[ x](\d+)$", size_text):
            width, height = int(found.group(1)), int(found.group(2))
    if data and not picture and video is None and audio is None:
        problems.append("ffprobe: no video or audio stream")
    problems += decoding
    duration = None if picture else as_float(fmt.get("duration"))
    created, created_source = created_time(exif, tags)
    tools = {"ffprobe": tool_version("ffprobe")}
    if metadata:
        tools["exiftool"] = tool_version("exiftool")
    return MediaFacts(
        container=(as_text(exif.get("File:FileType")) or format_name) if picture else format_name,
        mime_type=mime,
        picture=picture,
        duration_s=duration,
        size=size,
        bit_rate=as_int(fmt.get("bit_rate")),
        streams=streams,
        width=width,
        height=height,
        fps=None if picture or video is None else video.fps,
        video_codec=video.codec if video else None,
        audio_codec=audio.codec if audio else None,
        created=created,
        created_source=created_source,
        gps=gps_position(exif, tags),
        make=device_name(exif, tags, "Make"),
        model=device_name(exif, tags, "Model"),
        software=device_name(exif, tags, "Software"),
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
    return check_decoding(ffprobe_exe, path, picture, video or audio, fmt, timeout_s)
