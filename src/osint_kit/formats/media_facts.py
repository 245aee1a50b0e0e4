"""The record of what a video, sound or picture file says about itself: ``MediaFacts``.

Kept apart from the tools that fill it because most readers (exhibits, reports,
disclosure, the facts table) only read stored facts back and never run a tool.

Problems start with where they come from. ``ffprobe:`` and ``decode:`` mean the
media cannot be decoded as it is (``readable`` is False); ``exiftool:`` (metadata
could not be read) and ``warning:`` (decoder errors, but every frame came out) do
not. ``from_json`` reads what a case file holds, so ``readable`` is computed from
the stored problems alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from osint_kit.formats.media_tools import MAX_PROBLEM
from osint_kit.formats.untrusted_values import as_float, as_int, as_mapping, as_text

FORMAT = "osint-kit.media-facts/1"
#: Problems with these prefixes mean the media cannot be decoded as it is.
BLOCKING = ("ffprobe:", "decode:")
KINDS = ("video", "audio", "subtitle", "data")
#: Latitude and longitude in decimal degrees, altitude in metres (or None).
Position = tuple[float, float, float | None]


def _rate(value: Any) -> float | None:
    """``30000/1001`` or ``25`` as frames per second; ``0/0`` is None."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    num, _, den = str(value).partition("/")
    top, bottom = as_float(num), as_float(den or "1")
    if not top or not bottom:
        return None
    fps = top / bottom
    return fps if 0 < fps < 100_000 else None


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
        index = as_int(data.get("index"))
        video = kind == "video"
        return cls(
            index=position if index is None else index,
            kind=kind if kind in KINDS else "data",
            codec=as_text(data.get("codec_name")),
            profile=as_text(data.get("profile")),
            width=as_int(data.get("width")) if video else None,
            height=as_int(data.get("height")) if video else None,
            fps=(_rate(data.get("avg_frame_rate")) or _rate(data.get("r_frame_rate")))
            if video
            else None,
            sample_rate=as_int(data.get("sample_rate")),
            channels=as_int(data.get("channels")),
            bit_rate=as_int(data.get("bit_rate")),
            duration_s=as_float(data.get("duration")),
            start_s=as_float(data.get("start_time"), negative=True),
            cover=as_mapping(data.get("disposition")).get("attached_pic") == 1,
        )

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: Any, position: int = 0) -> Stream:
        d = as_mapping(data)
        kind = d.get("kind")
        index = as_int(d.get("index"))
        return cls(
            index=position if index is None else index,
            kind=kind if kind in KINDS else "data",
            codec=as_text(d.get("codec")),
            profile=as_text(d.get("profile")),
            width=as_int(d.get("width")),
            height=as_int(d.get("height")),
            fps=as_float(d.get("fps")),
            sample_rate=as_int(d.get("sample_rate")),
            channels=as_int(d.get("channels")),
            bit_rate=as_int(d.get("bit_rate")),
            duration_s=as_float(d.get("duration_s")),
            start_s=as_float(d.get("start_s"), negative=True),
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
        d = as_mapping(data)
        streams = d.get("streams")
        problems = d.get("problems")
        tools = d.get("tools")
        return cls(
            container=as_text(d.get("container")),
            mime_type=as_text(d.get("mime_type")),
            picture=d.get("picture") is True,
            duration_s=as_float(d.get("duration_s")),
            size=as_int(d.get("size")) or 0,
            bit_rate=as_int(d.get("bit_rate")),
            streams=tuple(
                Stream.from_json(s, i)
                for i, s in enumerate(streams if isinstance(streams, list) else [])
            ),
            width=as_int(d.get("width")),
            height=as_int(d.get("height")),
            fps=as_float(d.get("fps")),
            video_codec=as_text(d.get("video_codec")),
            audio_codec=as_text(d.get("audio_codec")),
            created=as_text(d.get("created")),
            created_source=as_text(d.get("created_source")),
            gps=_gps_from_json(d.get("gps")),
            make=as_text(d.get("make")),
            model=as_text(d.get("model")),
            software=as_text(d.get("software")),
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
    lat, lon = as_float(value[0], negative=True), as_float(value[1], negative=True)
    alt = as_float(value[2], negative=True) if len(value) == 3 else None
    return position(lat, lon, alt)


def position(lat: float | None, lon: float | None, alt: float | None) -> Position | None:
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (lat, lon, alt)
