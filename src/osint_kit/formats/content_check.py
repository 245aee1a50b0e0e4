"""What arrived, checked against what was announced: the type the bytes are (not the
type a server or a file name says), the length, and whether a picture decodes.

A server that answers 200 can still send the wrong thing: an HTML error or login page,
JSON ``null``, a picture cut short when the connection dropped, an HLS download that
a downloader names ``.mp4`` while its bytes are MPEG-TS. ``sniff`` names the type
from the first bytes (magic numbers, and the first characters of text formats);
``check_arrival`` compares a body with its announced Content-Type and Content-Length
and the kind of file expected, and returns every difference, in words for the record.

Knows nothing of cases or platforms; the collectors decide what a difference means.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

#: A picture larger than this (pixels) is not decoded (a decompression bomb), only sniffed.
MAX_PIXELS = 80_000_000

#: Media types that say nothing of what the bytes are.
UNSPECIFIC = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
)

#: Names of one type that servers use interchangeably.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "audio/mp4": "video/mp4",
    "audio/x-m4a": "video/mp4",
    "audio/m4a": "video/mp4",
    "application/mp4": "video/mp4",
    "video/quicktime": "video/mp4",  # one container family (ISO BMFF), told apart by brand
    "audio/webm": "video/webm",
    "audio/ogg": "video/ogg",
    "application/ogg": "video/ogg",
    "audio/mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "video/mpeg2-ts": "video/mp2t",
    "video/vnd.dlna.mpeg-tts": "video/mp2t",
    "application/x-mpegurl": "application/vnd.apple.mpegurl",
    "audio/mpegurl": "application/vnd.apple.mpegurl",
    "audio/x-mpegurl": "application/vnd.apple.mpegurl",
    "application/xhtml+xml": "text/html",
    "text/json": "application/json",
}

#: What a post's attachment kind expects the bytes to be (by top-level type).
#: A video may be served as its HLS playlist or DASH manifest (Bluesky's are).
_STREAM = ("application/vnd.apple.mpegurl", "application/dash+xml")
EXPECTED = {
    "image": ("image/",),
    "video": ("video/", "audio/", *_STREAM),
    "gifv": ("video/", "image/", *_STREAM),
}


def normalise(media_type: str | None) -> str:
    """``Image/JPG; charset=x`` -> ``image/jpeg``: the type without parameters, one name."""
    base = (media_type or "").split(";", 1)[0].strip().lower()
    return ALIASES.get(base, base)


def _family(media_type: str) -> str:
    top = media_type.split("/", 1)[0]
    return "av" if top in ("video", "audio") else media_type if top not in ("image",) else top


def same_family(found: str, announced: str) -> bool:
    """Whether a body of type ``found`` answers for ``announced``: the same type, or a
    picture for a picture, a video or sound for a video or sound (CDNs send WebP for a
    ``.jpg`` to browsers that take it). The difference is still recorded by the caller
    (the file's own type beside the announced one); it is not a wrong answer."""
    return found == announced or _family(found) == _family(announced)


def _iso_bmff(head: bytes) -> str | None:
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        return "image/heic"
    if brand in (b"avif", b"avis"):
        return "image/avif"
    if brand == b"qt  ":
        return "video/quicktime"
    return "video/mp4"


def _text(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"#extm3u"):
        return "application/vnd.apple.mpegurl"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<title")):
        return "text/html"
    if text.startswith(b"<"):
        if b"<mpd" in text:
            return "application/dash+xml"
        if b"<html" in text or b"<!doctype html" in text:
            return "text/html"
        return "application/xml" if text.startswith(b"<?xml") else None
    if text[:1] in (b"{", b"[", b'"') or text.startswith((b"null", b"true", b"false")):
        return "application/json"
    return None


def sniff(head: bytes) -> str | None:
    """The media type of a body, from its first bytes (a few hundred are enough);
    None when they match nothing known."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}[head[8:12]]
    if (found := _iso_bmff(head)) is not None:
        return found
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if len(head) >= 377 and head[0] == head[188] == head[376] == 0x47:
        return "video/mp2t"
    if head.startswith(b"OggS"):
        return "video/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"FLV\x01"):
        return "video/x-flv"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"BM") and len(head) > 14:
        return "image/bmp"
    return _text(head[:4096])


def picture_problem(data: bytes) -> str | None:
    """Why ``data`` does not decode as a whole picture (cut short, damaged), or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    return None  # not decoded: too large to decode safely; sniffed only
                img.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "not a picture Pillow can read"
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        return f"the picture does not decode: {str(exc)[:200] or type(exc).__name__}"
    return None


@dataclass(frozen=True)
class Arrival:
    """A body checked against what was announced for it."""

    announced_type: str | None
    found_type: str | None
    announced_length: int | None
    received: int
    differences: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.differences

    @property
    def truncated(self) -> bool:
        return self.announced_length is not None and self.received < self.announced_length

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "announced_type": self.announced_type,
            "found_type": self.found_type,
            "announced_length": self.announced_length,
            "received": self.received,
        }
        if self.differences:
            out["differences"] = list(self.differences)
        return out


def announced_length(value: str | None) -> int | None:
    """A Content-Length header as a number; None when absent or not one number."""
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 20 else None


def check_arrival(
    body: bytes,
    *,
    content_type: str | None,
    content_length: str | int | None,
    expected: str | None = None,
) -> Arrival:
    """What ``body`` is against its Content-Type, its Content-Length (as sent; None when
    the body was decoded from a compressed transfer) and ``expected``, a post's kind of
    attachment (``image``, ``video``, ``gifv``; anything else expects nothing)."""
    announced = normalise(content_type) or None
    length = content_length if isinstance(content_length, int) else announced_length(content_length)
    found = sniff(body[:4096])
    differences = []
    if not body:
        differences.append("the answer is empty")
    elif found == "application/json" and body.strip() == b"null":
        differences.append("the answer is JSON null, not a file")
    elif found in ("text/html", "application/json") and expected in EXPECTED:
        differences.append(f"the answer is {found}, not the {expected} announced")
    if length is not None and len(body) != length:
        differences.append(f"{len(body):,} bytes arrived of the {length:,} announced")
    if body and announced not in UNSPECIFIC and announced is not None:
        if found is None and announced.startswith(("image/", "video/", "audio/")):
            differences.append(f"announced as {announced}; the bytes are no known {announced}")
        elif found is not None and not same_family(normalise(found), announced):
            differences.append(f"announced as {announced}; the bytes are {found}")
    wanted = EXPECTED.get(expected or "")
    said = any(d.startswith("the answer is") for d in differences)
    if (
        body
        and wanted
        and found is not None
        and not normalise(found).startswith(wanted)
        and not said
    ):
        differences.append(f"a {expected} was expected; the bytes are {found}")
    picture = found is not None and found.startswith("image/") and found != "image/heic"
    if body and picture and (problem := picture_problem(body)) is not None:
        differences.append(problem)
    return Arrival(content_type, found, length, len(body), tuple(dict.fromkeys(differences)))
