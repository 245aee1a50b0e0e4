"""BagIt 1.0 bags with bagit-python, deterministic zips, and bounded, safe unzipping.

bagit-python changes the process's working directory while it bags, and writes
BagIt 0.97; so the bag is made in a child process (a notebook kernel's working
directory is never touched), then declared 1.0 (RFC 8493) and its tag manifest
rewritten by bagit-python itself.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import BagFailed, UnsafeBundle

ZIP_TIME = (1980, 1, 1, 0, 0, 0)

_MAKE = """
import json, sys, bagit
path, info = sys.argv[1], json.loads(sys.argv[2])
bagit.make_bag(path, info, checksums=["sha256"])
with open(path + "/bagit.txt", "w", encoding="utf-8") as f:
    f.write("BagIt-Version: 1.0\\nTag-File-Character-Encoding: UTF-8\\n")
bagit.Bag(path).save()
"""


def make_bag(folder: Path, info: Mapping[str, str]) -> None:
    """Turn ``folder`` (its files become the payload, under ``data/``) into a BagIt 1.0 bag."""
    import json

    r = subprocess.run(
        [sys.executable, "-c", _MAKE, str(folder), json.dumps(dict(info))],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        raise BagFailed((r.stderr.strip().splitlines() or ["bagit-python failed"])[-1])


def zip_folder(folder: Path, out: Path, top: str) -> tuple[str, int]:
    """Zip ``folder`` under ``top/``: sorted names, fixed times and modes, so same bytes in,
    same zip out. Written to ``out`` exclusively (an existing file is never replaced).

    Exhibits are stored as they are (evidence is mostly pictures and video, which
    do not compress, and deflating gigabytes would take minutes); the bag's own
    text files are deflated. Returns the zip's SHA-256 and size, computed as it
    is written.
    """
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    with open(out, "xb") as raw:
        hashed = _HashingWriter(raw)
        with zipfile.ZipFile(hashed, "w") as zf:  # type: ignore[call-overload]
            for path in files:
                rel = path.relative_to(folder).as_posix()
                info = zipfile.ZipInfo(f"{top}/{rel}", ZIP_TIME)
                stored = rel.startswith("data/exhibits/")
                info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                info.external_attr = (stat.S_IFREG | 0o444) << 16
                info.create_system = 3  # Unix, so the mode above means what it says
                info.file_size = path.stat().st_size
                with open(path, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                    while chunk := src.read(4 << 20):
                        dst.write(chunk)
        raw.flush()
        os.fsync(raw.fileno())
        return hashed.hexdigest(), hashed.size


class _HashingWriter:
    """A write-only file that hashes what passes through, on a worker thread (hashlib lets
    go of the GIL), and starts writing back to disk as it goes, so the closing fsync
    waits for the tail only (as the blob store does)."""

    WRITEBACK_EVERY = 64 << 20

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.fd = raw.fileno()
        self.h = hashlib.sha256()
        self.size = 0
        self.flushed = 0
        self.pending: Future[None] | None = None
        self.hasher = ThreadPoolExecutor(1, thread_name_prefix="osint-kit-zip-hash")
        self.flusher = ThreadPoolExecutor(1, thread_name_prefix="osint-kit-zip-writeback")

    def write(self, data: bytes) -> int:
        if self.pending is not None:
            self.pending.result()
        self.pending = self.hasher.submit(self.h.update, data)
        written = int(self.raw.write(data))
        self.size += len(data)
        if self.size - self.flushed >= self.WRITEBACK_EVERY:
            self.raw.flush()
            self.flusher.submit(
                os.posix_fadvise,
                self.fd,
                self.flushed,
                self.size - self.flushed,
                os.POSIX_FADV_DONTNEED,
            )
            self.flushed = self.size
        return written

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.raw.flush()

    def seekable(self) -> bool:
        return False

    def hexdigest(self) -> str:
        if self.pending is not None:
            self.pending.result()
        self.hasher.shutdown()
        self.flusher.shutdown()
        return self.h.hexdigest()


def safe_extract(bundle: Path, dest: Path, *, max_bytes: int, max_files: int = 100_000) -> Path:
    """Unzip into ``dest`` (a fresh folder), refusing what could escape it or blow up.

    Every name is checked before anything is written: absolute paths, ``..``,
    backslashes, links, duplicates; sizes are bounded as declared and again as
    read (a zip can lie about them). Returns the bag's top folder.
    """
    try:
        zf = zipfile.ZipFile(bundle)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeBundle(bundle, f"not a readable zip ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > max_files:
            raise UnsafeBundle(bundle, f"{len(infos)} entries, more than {max_files}")
        tops, seen, declared = set(), set(), 0
        for info in infos:
            name = info.filename
            pure = PurePosixPath(name)
            if (
                not name
                or "\\" in name
                or pure.is_absolute()
                or ".." in pure.parts
                or name.startswith("/")
                or ":" in pure.parts[0]
            ):
                raise UnsafeBundle(bundle, f"entry {name!r} would be written outside the bundle")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeBundle(bundle, f"entry {name!r} is a symbolic link")
            if name in seen:
                raise UnsafeBundle(bundle, f"entry {name!r} appears twice")
            seen.add(name)
            tops.add(pure.parts[0])
            declared += info.file_size
        if len(tops) != 1:
            raise UnsafeBundle(bundle, "a bundle holds exactly one top folder")
        if declared > max_bytes:
            raise UnsafeBundle(bundle, f"it unpacks to {declared} bytes, more than {max_bytes}")
        written = 0
        for info in infos:
            if info.is_dir():
                continue
            target = dest / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "xb") as out:
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > max_bytes:
                        raise UnsafeBundle(bundle, f"it unpacks to more than {max_bytes} bytes")
                    out.write(chunk)
        return dest / tops.pop()
