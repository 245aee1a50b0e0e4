"""Perceptual hashes of a picture's bytes: pHash and dHash, which survive resizing,
re-compression and small edits (the repeated-image analysis and keyframes use them)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: Pictures larger than this (pixels) are skipped, not decoded: a decompression bomb
#: of a few kilobytes can claim gigabytes. Checked on the header, before decoding.
MAX_PIXELS = 80_000_000  # under Pillow's own warning limit (89M)


def _dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II as a matrix: ``D @ x`` is the DCT of ``x`` (no scipy needed)."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    d: np.ndarray = np.sqrt(2.0 / n) * np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    d[0, :] = np.sqrt(1.0 / n)
    d.setflags(write=False)
    return d


_DCT32 = _dct_matrix(32)


@dataclass(frozen=True)
class ImageHash:
    """The hashes of one byte string, or why it has none (``skipped``)."""

    phash: int | None
    dhash: int | None
    width: int | None
    height: int | None
    skipped: str | None = None


def _bits(flags: np.ndarray) -> int:
    value = 0
    for bit in flags.ravel():
        value = (value << 1) | int(bool(bit))
    return value


def phash(grey: Image.Image) -> int:
    """pHash of a greyscale picture: DCT of 32x32, top-left 8x8, above their median."""
    pixels = np.asarray(grey.resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float64)
    low = (_DCT32 @ pixels @ _DCT32.T)[:8, :8]
    return _bits(low > np.median(low))


def dhash(grey: Image.Image) -> int:
    """dHash: each pixel of a 9x8 greyscale brighter than the one to its right."""
    pixels = np.asarray(grey.resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    return _bits(pixels[:, 1:] > pixels[:, :-1])


def _greyscale(img: Image.Image) -> Image.Image:
    """Orientation applied, transparency flattened onto white, one channel."""
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img.convert("L")


def hash_bytes(data: bytes) -> ImageHash:
    """pHash and dHash of an image file's bytes (the first frame of an animation)."""
    if not data:
        return ImageHash(None, None, None, None, "empty file")
    try:
        # Between 89 and 179 million pixels Pillow also warns (a DecompressionBombWarning,
        # left alone: silencing it is not thread-safe); the check below skips them.
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                return ImageHash(None, None, width, height, f"too large: {width}x{height} pixels")
            img.seek(0)
            # JPEG can decode at 1/2, 1/4 or 1/8 scale: far faster, and 32x32 is all we need.
            img.draft("RGB", (256, 256))
            img.load()
            grey = _greyscale(img)
            return ImageHash(phash(grey), dhash(grey), *grey.size)  # as displayed
    except Image.DecompressionBombError as exc:
        return ImageHash(None, None, None, None, f"too large: {exc}")
    except UnidentifiedImageError:
        return ImageHash(None, None, None, None, "not a picture Pillow can read")
    # Bytes from the internet: a decoder may fail in many ways (OSError for a truncated
    # file, SyntaxError, ValueError, EOFError...). Each is a skipped picture with its
    # reason; a notebook must not stop on one bad file among thousands.
    except Exception as exc:
        return ImageHash(None, None, None, None, f"unreadable: {type(exc).__name__}: {exc}")


def to_hex(value: int | None) -> str | None:
    return None if value is None else f"{value:016x}"


def distance(a: str, b: str) -> int:
    """Hamming distance of two 16-hex-digit hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
