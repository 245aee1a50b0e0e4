"""Media files made up from their name: small valid PNG and JPEG images, and stand-in MP4s.

Faithful: the bytes are real images that browsers and image libraries decode, the
Content-Type matches, and the same name always gives the same bytes (so a hash
recorded by one run is the hash of the next).
Simplified: pictures are coloured blocks; an ``.mp4`` is an ``ftyp`` box followed by
filler, enough for type sniffing but not for playback.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from .common import stable_hash

NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@:")


@dataclass(frozen=True)
class MediaFile:
    name: str
    content_type: str
    body: bytes


def valid_name(name: str) -> bool:
    return bool(name) and set(name) <= NAME_CHARS and not name.startswith(".")


def content_type(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "mp4": "video/mp4",
    }.get(ext, "application/octet-stream")


def image_size(name: str) -> tuple[int, int]:
    """(width, height) of the picture ``name`` makes: multiples of 8, 48..120 x 32..96."""
    digest = stable_hash("size", name)
    return 48 + 8 * (digest[0] % 10), 32 + 8 * (digest[1] % 9)


def render(name: str) -> MediaFile:
    kind = content_type(name)
    if kind == "image/png":
        body = png(name)
    elif kind == "image/jpeg":
        body = jpeg(name)
    elif kind == "video/mp4":
        body = mp4(name)
    else:
        body = b"".join(stable_hash("blob", name, i) for i in range(8))
    return MediaFile(name, kind, body)


def _colour(name: str, x: int, y: int, width: int, height: int) -> tuple[int, int, int]:
    """A diagonal blend between two colours picked from the name."""
    d = stable_hash("colour", name)
    t = (x / max(width - 1, 1) + y / max(height - 1, 1)) / 2
    return (
        round(d[0] + (d[3] - d[0]) * t),
        round(d[1] + (d[4] - d[1]) * t),
        round(d[2] + (d[5] - d[2]) * t),
    )


def png(name: str) -> bytes:
    width, height = image_size(name)
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(_colour(name, x // 8 * 8, y // 8 * 8, width, height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def jpeg(name: str) -> bytes:
    """A baseline JPEG of flat 8x8 blocks: DC terms only, quantiser 1, tiny Huffman tables."""
    width, height = image_size(name)
    bits = _BitWriter()
    previous = [0, 0, 0]
    for by in range(0, height, 8):
        for bx in range(0, width, 8):
            for component, level in enumerate(_ycbcr(_colour(name, bx, by, width, height))):
                dc = 8 * (level - 128)  # DCT of a flat block, quantiser 1
                diff, previous[component] = dc - previous[component], dc
                size = abs(diff).bit_length()
                bits.write(size, 4)  # DC table: category n has the 4-bit code n
                if size:
                    bits.write(diff if diff > 0 else diff + (1 << size) - 1, size)
                bits.write(0, 1)  # AC table: end-of-block is the only code, '0'
    dc_table = bytes([0x00]) + bytes([0, 0, 0, 12] + [0] * 12) + bytes(range(12))
    ac_table = bytes([0x10]) + bytes([1] + [0] * 15) + bytes([0x00])
    components = b"".join(bytes([i, 0x11, 0]) for i in (1, 2, 3))
    return b"".join(
        [
            b"\xff\xd8",
            _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xDB, b"\x00" + b"\x01" * 64),
            _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + components),
            _segment(0xC4, dc_table + ac_table),
            _segment(
                0xDA, b"\x03" + b"".join(bytes([i, 0x00]) for i in (1, 2, 3)) + b"\x00\x3f\x00"
            ),
            bits.finish(),
            b"\xff\xd9",
        ]
    )


def mp4(name: str) -> bytes:
    ftyp = b"ftypisom" + struct.pack(">I", 0x200) + b"isomiso2mp41"
    filler = b"".join(stable_hash("video", name, i) for i in range(32))
    return (
        struct.pack(">I", 8 + len(ftyp))
        + ftyp
        + struct.pack(">I", 8 + len(filler))
        + b"mdat"
        + filler
    )


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _ycbcr(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = rgb
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    return tuple(max(0, min(255, round(v))) for v in (y, cb, cr))  # type: ignore[return-value]


class _BitWriter:
    def __init__(self) -> None:
        self._out = bytearray()
        self._acc = 0
        self._count = 0

    def write(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self._acc = (self._acc << 1) | ((value >> shift) & 1)
            self._count += 1
            if self._count == 8:
                self._emit()

    def _emit(self) -> None:
        self._out.append(self._acc)
        if self._acc == 0xFF:
            self._out.append(0x00)  # byte stuffing
        self._acc = self._count = 0

    def finish(self) -> bytes:
        if self._count:
            self._acc = (self._acc << (8 - self._count)) | ((1 << (8 - self._count)) - 1)
            self._count = 8
            self._emit()
        return bytes(self._out)
