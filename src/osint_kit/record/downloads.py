"""The downloads area: ``blobs/.downloads/<id>/``, where a downloader (yt-dlp) writes
its files, each folder held by a flock'ed ``<id>.lock`` while in use.

A finished file is adopted into ``.incoming`` by a rename on the same file system (no
copy; hashed as it was written when ``HashFollower`` saw it all), and from there it is
published like any staged blob. Apart from the store because only media collection
writes here and only verification and repair look for folders left by a crash.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import uuid
from pathlib import Path

from osint_kit.errors import StorageError
from osint_kit.record.file_checks import file_kind, is_locked
from osint_kit.record.file_hash import CHUNK, FollowedHash
from osint_kit.record.staging import (
    LOCK_SUFFIX,
    PART_SUFFIX,
    StagedBlob,
    abandon_part,
)

#: Folders that downloaders (yt-dlp) write into, one per collection, each beside its
#: ``<id>.lock``: their files are adopted into ``.incoming`` when complete.
DOWNLOADS = ".downloads"


class DownloadArea:
    """A downloader's own folder (``path``), held until ``close()``, which removes it with
    whatever was not adopted."""

    def __init__(self, path: Path, lock: Path, fd: int) -> None:
        self.path = path
        self._lock = lock
        self._fd = fd

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.unlink(missing_ok=True)
        os.close(self._fd)

    def __enter__(self) -> DownloadArea:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove_download(folder: Path) -> None:
    """Remove a stale download folder and its lock (repair)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.with_name(folder.name + LOCK_SUFFIX).unlink(missing_ok=True)


def open_download_area(blobs: Path) -> DownloadArea:
    """A fresh folder under ``blobs/.downloads`` for a downloader to write into, held
    (flock'ed) while it is open: ``repair`` removes only folders nobody holds."""
    root = blobs / DOWNLOADS
    root.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    lock = root / f"{name}{LOCK_SUFFIX}"
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        (root / name).mkdir()
    except OSError as exc:
        raise StorageError(root, exc.strerror or str(exc)) from exc
    return DownloadArea(root / name, lock, fd)


def adopt_download(incoming: Path, path: Path, hashed: FollowedHash | None) -> StagedBlob:
    """Stage a file a downloader wrote (in a download area, on the same file system)
    without copying it: locked, moved into ``incoming``, hashed, fsync'ed.

    ``hashed``: its hash as taken while it was written (``HashFollower``); used
    only when the file is still that inode, that size and that modification time,
    else the file is read again."""
    incoming.mkdir(parents=True, exist_ok=True)
    part = incoming / f"{uuid.uuid4().hex}{PART_SUFFIX}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise StorageError(path, exc.strerror or str(exc)) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # before the move: never unheld
        os.rename(path, part)
        st = os.fstat(fd)
        if hashed is not None and hashed.matches(st):
            digest, size = hashed.sha256, hashed.size
        else:
            h = hashlib.sha256()
            size = 0
            buffer = memoryview(bytearray(CHUNK))
            while n := os.readv(fd, [buffer]):
                h.update(buffer[:n])
                size += n
            digest = h.hexdigest()
        os.fsync(fd)
    except OSError as exc:
        abandon_part(fd, part)
        raise StorageError(path, exc.strerror or str(exc)) from exc
    except BaseException:
        abandon_part(fd, part)
        raise
    return StagedBlob(sha256=digest, size=size, part=part, _fd=fd)


def stale_download_folders(blobs: Path) -> list[Path]:
    """Download folders whose downloader is gone (a crash): nothing in them was
    recorded, so ``repair`` removes them."""
    root = blobs / DOWNLOADS
    if not root.is_dir():
        return []
    return [
        entry
        for entry in sorted(root.iterdir())
        if file_kind(entry) == "a directory" and not is_locked(root / f"{entry.name}{LOCK_SUFFIX}")
    ]
