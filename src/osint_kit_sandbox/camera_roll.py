"""A witness's camera-roll folder for the hand-over work (issue 23): pictures and a short
video whose own times, places and devices are written into their metadata with exiftool,
one of them with a file time that differs from the time it says it was taken."""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .video_media import MAKE, MODEL, apple_keys, ffmpeg, test_source, tool


@dataclass(frozen=True)
class WitnessFile:
    """One file of the witness folder and what was written into it."""

    relpath: str  # POSIX, relative to the folder
    size: int
    sha256: str
    mtime: datetime  # file-system modification time (UTC)
    exif_time: datetime | None  # DateTimeOriginal with OffsetTimeOriginal (aware)
    gps: tuple[float, float] | None
    make: str | None
    model: str | None


@dataclass(frozen=True)
class WitnessFolder:
    root: Path
    files: dict[str, WitnessFile]


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


STATEMENT = (
    "I filmed this from the bus stop opposite the Red Lion at about 21:40 on 20 November.\n"
    "The photos are from just before. Handed over on a USB stick.\n"
)


def _exif_args(file: Path, when: datetime, gps: tuple[float, float]) -> list[str]:
    lat, lon = gps
    return [
        f"-DateTimeOriginal={when:%Y:%m:%d %H:%M:%S}",
        f"-CreateDate={when:%Y:%m:%d %H:%M:%S}",
        f"-OffsetTimeOriginal={when.isoformat()[-6:]}",
        f"-GPSLatitude={abs(lat)}",
        f"-GPSLatitudeRef={'N' if lat >= 0 else 'S'}",
        f"-GPSLongitude={abs(lon)}",
        f"-GPSLongitudeRef={'E' if lon >= 0 else 'W'}",
        f"-Make={MAKE}",
        f"-Model={MODEL}",
        "-overwrite_original",
        str(file),
    ]


def make_witness_folder(dest: Path) -> WitnessFolder:
    """A phone's camera roll as copied from a USB stick, under ``dest`` (created)."""
    exiftool = tool("exiftool")
    dest.mkdir(parents=True, exist_ok=True)
    args: list[str] = []
    for rel, (exif, gps, _mtime) in _WITNESS.items():
        file = dest / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        if file.suffix == ".JPG":
            shade = 60 * int(file.stem[-1])
            ffmpeg(
                *("-f", "lavfi", "-i", f"testsrc2=size=640x480:rate=1,hue=h={shade}"),
                *("-frames:v", "1", "-map_metadata", "-1", "-fflags", "+bitexact", file),
            )
            if exif is not None and gps is not None:
                args += [*_exif_args(file, _t(exif), gps), "-execute"]
        elif file.suffix == ".MOV":
            assert exif is not None and gps is not None
            when = _t(exif).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            ffmpeg(*test_source(3.0), *apple_keys(when, gps, MAKE, MODEL), "-f", "mov", file)
        else:
            file.write_text(STATEMENT, encoding="utf-8")
    if args:
        done = subprocess.run(
            [exiftool, "-q", *args[:-1]], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"exiftool failed: {done.stderr.strip()}")
    files = {}
    for rel, (exif, gps, mtime) in _WITNESS.items():
        file = dest / rel
        stamp = _t(mtime).timestamp()
        os.utime(file, (stamp, stamp))
        data = file.read_bytes()
        has_tags = exif is not None
        files[rel] = WitnessFile(
            relpath=rel,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            mtime=_t(mtime).astimezone(UTC),
            exif_time=_t(exif) if exif else None,
            gps=gps,
            make=MAKE if has_tags else None,
            model=MODEL if has_tags else None,
        )
    return WitnessFolder(root=dest, files=files)


#: relpath -> (EXIF time or None, GPS or None, file time). IMG_0002's file time is
#: 5 h 31 min after its EXIF time (the copy to the USB stick); IMG_0004 has no EXIF.
_WITNESS: dict[str, tuple[str | None, tuple[float, float] | None, str]] = {
    "DCIM/100APPLE/IMG_0001.JPG": (
        "2026-11-20T21:38:12+00:00",
        (51.50072, -0.12431),
        "2026-11-20T21:38:12+00:00",
    ),
    "DCIM/100APPLE/IMG_0002.JPG": (
        "2026-11-20T21:39:47+00:00",
        (51.50081, -0.12447),
        "2026-11-21T03:10:47+00:00",
    ),
    "DCIM/100APPLE/IMG_0003.MOV": (
        "2026-11-20T21:40:00+00:00",
        (51.5007, -0.1246),
        "2026-11-20T21:40:06+00:00",
    ),
    "DCIM/100APPLE/IMG_0004.JPG": (None, None, "2026-11-21T08:02:30+00:00"),
    "Notes/statement.txt": (None, None, "2026-11-21T09:15:00+00:00"),
}
