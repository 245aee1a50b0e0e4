"""Pictures the sandbox makes without any image library."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def make_png(path: Path, width: int = 320, height: int = 200) -> None:
    """A small RGB picture (a dusk sky over a street), written with zlib alone."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            ground = y > height * 0.7
            figure = abs(x - width * 0.6) < 6 and height * 0.45 < y < height * 0.72
            if figure:
                rgb = (30, 30, 40)
            elif ground:
                rgb = (70, 70, 75)
            else:
                rgb = (40 + y // 2, 60 + y // 3, 150 - y // 4)
            rows += bytes(rgb)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    png += chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")
    path.write_bytes(png)
