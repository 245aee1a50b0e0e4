"""BagIt 1.0 bags written from known digests, deterministic zips, and bounded, safe unzipping.

The bag's tag files are written here, in bagit-python's format and order
(``bagit.txt``, ``bag-info.txt`` with its Payload-Oxum, ``manifest-sha256.txt``,
``tagmanifest-sha256.txt``), so that bagit-python validates them; the tests keep
bagit-python as the independent check. An exhibit is not hashed to make the bag:
its SHA-256 is already recorded (the blob store is content-addressed). It is read
once, while the zip is written, and hashed on the way; ``zip_folder`` refuses a
file whose bytes differ from the digest the manifest lists.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from tqdm.auto import tqdm

from osint_kit.base.files import open_regular
from osint_kit.errors import BagFailed, UnsafeBundle
from osint_kit.record.file_hash import hash_file

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: Bytes read at a time while zipping (stored exhibits are copied in these).
ZIP_CHUNK = 8 << 20


class ContentMismatch(Exception):
    """A file's bytes did not hash to the digest its bag declares (raised by ``zip_folder``)."""

    def __init__(self, name: str, expected: str, actual: str) -> None:
        self.name = name
        self.expected = expected
        self.actual = actual
        super().__init__(f"{name}: SHA-256 {actual}, expected {expected}")


def make_bag(folder: Path, info: Mapping[str, str], known: Mapping[str, str]) -> None:
    """Turn ``folder`` (its files become the payload, under ``data/``) into a BagIt 1.0 bag,
    as ``bagit.make_bag(folder, info, checksums=["sha256"])`` then declared 1.0 would.

    ``known`` maps payload paths (``data/...``) to their SHA-256, taken as given and not
    read here (``zip_folder(..., expect=known)`` checks them as it reads them); every other
    file is hashed. Raises BagFailed.
    """
    try:
        _make_bag(folder, info, known)
    except OSError as exc:
        raise BagFailed(f"{exc.filename or folder}: {exc.strerror or exc}") from None


def _make_bag(folder: Path, info: Mapping[str, str], known: Mapping[str, str]) -> None:
    entries = sorted(os.listdir(folder))
    data = folder / "data"
    data.mkdir()
    for name in entries:
        os.rename(folder / name, data / name)
    os.chmod(data, stat.S_IMODE(os.stat(folder).st_mode))
    lines = []
    total_bytes = 0
    for rel in _walk(folder, "data"):
        path = folder / rel
        size = os.stat(path).st_size
        digest = known.get(rel) or hash_file(path)[0]
        lines.append(f"{digest}  {_encode_filename(rel)}\n")
        total_bytes += size
    missing = set(known) - set(_walk(folder, "data"))
    if missing:
        raise BagFailed(f"{min(missing)} is not in the bag")
    _write_text(folder / "manifest-sha256.txt", "".join(lines))
    _write_text(folder / "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    tags: dict[str, str] = dict(info)
    tags.setdefault("Bagging-Date", date.today().strftime("%Y-%m-%d"))
    tags.setdefault("Bag-Software-Agent", "osint-kit")
    tags["Payload-Oxum"] = f"{total_bytes}.{len(lines)}"
    _write_text(folder / "bag-info.txt", bag_info_text(tags))
    tag_lines = [
        f"{hash_file(folder / name)[0]} {name}\n"
        for name in ("bag-info.txt", "bagit.txt", "manifest-sha256.txt")
    ]
    _write_text(folder / "tagmanifest-sha256.txt", "".join(tag_lines))


def bag_info_text(tags: Mapping[str, str]) -> str:
    """``bag-info.txt`` as bagit-python writes it once it has read it back (``Bag.save``):
    sorted labels, line breaks removed, each value stripped."""
    out = []
    for label in sorted(tags):
        value = re.sub(r"\n|\r|(\r\n)", "", str(tags[label])).strip()
        out.append(f"{label}: {value}\n")
    return "".join(out)


def _walk(folder: Path, top: str) -> list[str]:
    """Payload paths in bagit-python's manifest order (``os.walk``, names sorted)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder / top):
        dirnames.sort()
        base = Path(dirpath).relative_to(folder).as_posix()
        found += [f"{base}/{name}" for name in sorted(filenames)]
    return found


def _encode_filename(name: str) -> str:
    return name.replace("\r", "%0D").replace("\n", "%0A")


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def zip_folder(
    folder: Path,
    out: Path,
    top: str,
    *,
    expect: Mapping[str, str] | None = None,
    progress: bool = False,
) -> tuple[str, int]:
    """Zip ``folder`` under ``top/``: sorted names, fixed times and modes, so same bytes in,
    same zip out. Written to ``out`` exclusively (an existing file is never replaced).

    Exhibits are stored as they are (evidence is mostly pictures and video, which
    do not compress, and deflating gigabytes would take minutes); the bag's own
    text files are deflated. Returns the zip's SHA-256 and size, computed as it
    is written, and fsyncs it once.

    ``expect`` maps paths in ``folder`` to the SHA-256 their bytes must have: each is
    hashed on a worker thread as it is read for the zip (one read), and a mismatch
    raises ContentMismatch (``out`` is left for the caller to remove).

    ``progress``: a bar on stderr of the bytes read into the zip (the files' sizes).
    """
    expect = expect or {}
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    sizes = {path: path.stat().st_size for path in files}
    bar = tqdm(
        desc="export",
        total=sum(sizes.values()),
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=not progress,
    )
    with bar, open(out, "xb") as raw:
        hashed = _HashingWriter(raw)
        checker = ThreadPoolExecutor(1, thread_name_prefix="osint-kit-zip-check")
        ring = [memoryview(bytearray(ZIP_CHUNK)) for _ in range(3)]
        turns = itertools.count()  # across files, so the ring goes round, never restarts
        try:
            with zipfile.ZipFile(hashed, "w") as zf:
                for path in files:
                    rel = path.relative_to(folder).as_posix()
                    info = zipfile.ZipInfo(f"{top}/{rel}", ZIP_TIME)
                    stored = rel.startswith("data/exhibits/")
                    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                    info.external_attr = (stat.S_IFREG | 0o444) << 16
                    info.create_system = 3  # Unix, so the mode above means what it says
                    info.file_size = sizes[path]
                    want = expect.get(rel)
                    h = hashlib.sha256() if want else None
                    pending: Future[None] | None = None
                    with (
                        open_regular(path) as src,
                        zf.open(info, "w", force_zip64=True) as dst,
                    ):
                        if stored:
                            _advise(src.fileno(), os.POSIX_FADV_SEQUENTIAL)
                        for n in turns:
                            # Read into reused buffers (no fresh 8 MiB per read). A buffer
                            # is refilled two reads later, when both hashes of what it held
                            # are done: each hasher is waited for before it is given more.
                            buf = ring[n % len(ring)]
                            got = src.readinto(buf)
                            if not got:
                                break
                            chunk = buf[:got]
                            if h is not None:
                                if pending is not None:
                                    pending.result()
                                pending = checker.submit(h.update, chunk)
                            dst.write(chunk)
                            bar.update(got)
                    if pending is not None:
                        pending.result()
                    if h is not None and want is not None and h.hexdigest() != want:
                        raise ContentMismatch(rel, want, h.hexdigest())
            raw.flush()
            os.fsync(raw.fileno())
            return hashed.hexdigest(), hashed.size
        finally:
            checker.shutdown()
            hashed.close()


def _advise(fd: int, advice: int) -> None:
    with contextlib.suppress(OSError):
        os.posix_fadvise(fd, 0, 0, advice)


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
        return self.h.hexdigest()

    def close(self) -> None:
        self.hasher.shutdown()
        self.flusher.shutdown()


#: Entries that unpack to more than this many times their compressed size are refused
#: (over ``RATIO_FREE`` bytes). Deflate tops out near 1032:1, so a bound of 1000 would let
#: most deflate bombs through; the bag's text compresses 3-10:1 and exhibits are stored.
MAX_RATIO = 100
RATIO_FREE = 4 << 20
#: Bytes the payload may exceed its Payload-Oxum by and still be unpacked, so that a
#: planted or grown file is reported by BagIt (``bag-invalid``) rather than refused.
OXUM_SLACK = 1 << 20
#: A tag file (outside ``data/``) may hold this much, plus ``TAG_PER_FILE`` per payload file
#: the bag declares (a manifest line: a digest and a path).
TAG_BASE = 1 << 20
TAG_PER_FILE = 4352


def check_zip(
    bundle: Path, zf: zipfile.ZipFile, *, max_bytes: int, max_files: int = 100_000
) -> tuple[list[zipfile.ZipInfo], str]:
    """What is checked before anything is read past ``bag-info.txt``: the
    entries' names, their number, and their declared sizes against ``max_bytes``, the
    bag's Payload-Oxum and the compression ratio. Raises UnsafeBundle; returns the
    entries and the bag's top folder (for verifying in place)."""
    infos = zf.infolist()
    if len(infos) > max_files:
        raise UnsafeBundle(bundle, f"{len(infos)} entries, more than {max_files}")
    top = _check_names(bundle, infos)
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise UnsafeBundle(bundle, f"it unpacks to {declared} bytes, more than {max_bytes}")
    _check_sizes(bundle, zf, infos, top)
    return infos, top


def _check_names(bundle: Path, infos: list[zipfile.ZipInfo]) -> str:
    """Refuse any name that could land outside the folder or collide; return the top."""
    tops: set[str] = set()
    files: set[str] = set()
    folders: set[str] = set()
    for info in infos:
        name = info.filename
        pure = PurePosixPath(name)
        if (
            not name
            or "\\" in name
            or "\x00" in name
            or pure.is_absolute()
            or not pure.parts
            or ".." in pure.parts
            or name.startswith("/")
            or ":" in pure.parts[0]
        ):
            raise UnsafeBundle(bundle, f"entry {name!r} would be written outside the bundle")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafeBundle(bundle, f"entry {name!r} is a symbolic link")
        key = pure.as_posix()  # "b/./x" and "b//x" land where "b/x" does
        if key in files or (not info.is_dir() and key in folders):
            raise UnsafeBundle(bundle, f"entry {name!r} appears twice, or as a file and a folder")
        if info.is_dir():
            folders.add(key)
        else:
            files.add(key)
        folders.update(p.as_posix() for p in pure.parents if p.parts)
        tops.add(pure.parts[0])
    if len(tops) != 1:
        raise UnsafeBundle(bundle, "a bundle holds exactly one top folder")
    clash = files & folders
    if clash:
        raise UnsafeBundle(bundle, f"entry {min(clash)!r} is both a file and a folder")
    return tops.pop()


def _check_sizes(bundle: Path, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], top: str) -> None:
    """Before anything is written: every entry within what the bag declares, and none
    that inflates absurdly."""
    oxum = _payload_oxum(bundle, zf, f"{top}/bag-info.txt")
    if oxum is None:
        raise UnsafeBundle(
            bundle,
            "bag-info.txt declares no Payload-Oxum, so what it unpacks to cannot be bounded",
        )
    payload_bytes, payload_files = oxum
    tag_limit = TAG_BASE + TAG_PER_FILE * payload_files
    payload = 0
    for info in infos:
        if info.is_dir():
            continue
        name, size = info.filename, info.file_size
        in_payload = PurePosixPath(name).parts[1:2] == ("data",)
        limit = payload_bytes + OXUM_SLACK if in_payload else tag_limit
        if size > limit:
            what = (
                f"the bag's Payload-Oxum declares {payload_bytes} bytes in all"
                if in_payload
                else f"a tag file of this bag holds at most {tag_limit}"
            )
            raise UnsafeBundle(bundle, f"entry {name!r} declares {size} bytes, but {what}")
        if size > RATIO_FREE and size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeBundle(
                bundle,
                f"entry {name!r} inflates {info.compress_size} bytes to {size} "
                f"(more than {MAX_RATIO}:1): a zip bomb",
            )
        payload += size if in_payload else 0
    if payload > payload_bytes + OXUM_SLACK:
        raise UnsafeBundle(
            bundle,
            f"the payload entries declare {payload} bytes, but the bag's Payload-Oxum "
            f"declares {payload_bytes}",
        )


def _payload_oxum(bundle: Path, zf: zipfile.ZipFile, name: str) -> tuple[int, int] | None:
    """``Payload-Oxum: <bytes>.<files>`` from the zip's bag-info.txt (read, bounded, from
    the zip: nothing is unpacked before the sizes are known)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > TAG_BASE:
        raise UnsafeBundle(bundle, f"entry {name!r} declares {info.file_size} bytes")
    text = _read_entry(zf, info, TAG_BASE).decode("utf-8", errors="replace")
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "Payload-Oxum":
            size, dot, count = value.strip().partition(".")
            if dot and size.isdigit() and count.isdigit() and len(size) + len(count) < 40:
                return int(size), int(count)
    return None


#: What reading a damaged entry raises (NotImplementedError: an unsupported compression;
#: RuntimeError: an encrypted entry).
_DAMAGED = (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError, OSError)


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    try:
        with zf.open(info) as src:
            data = src.read(limit + 1)
    except _DAMAGED as exc:
        raise zipfile.BadZipFile(f"entry {info.filename!r} is damaged ({exc})") from None
    if len(data) > limit:
        raise zipfile.BadZipFile(f"entry {info.filename!r} holds more than {limit} bytes")
    return data
