"""Staging: bytes written into ``blobs/.incoming`` before the event that records them.

One blob stages on its own (a part with its own flock, see ``BlobStore.stage``); many
small ones stage as a ``StagingBatch``: parts written one by one (or by worker
threads: ``reserve``, ``write_part``, ``PartWriter``), one lock file standing for all
of them, made durable by one ``sync_filesystem`` instead of an fsync each.

Apart from the store itself because hand-over intake drives batches directly, and
verification and repair read the same part and lock names; none of this knows where
a blob ends up.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from osint_kit.base.files import write_all
from osint_kit.errors import StorageError

WRITEBACK_EVERY = 32 << 20
PART_SUFFIX = ".part"
LOCK_SUFFIX = ".lock"


@dataclass
class StagedBlob:
    """Bytes hashed and fsync'ed in ``.incoming``, not yet at their address."""

    sha256: str
    size: int
    part: Path
    _fd: int = field(repr=False)
    #: For parts staged together: the one lock that stands for all of them.
    _batch: _BatchLock | None = field(default=None, repr=False)

    @classmethod
    def left_by_a_crash(cls, part: Path, sha256: str, size: int) -> StagedBlob:
        """A part a crash left, hashed again (``repair``): no lock of its own to hold."""
        return cls(sha256=sha256, size=size, part=part, _fd=-1)

    @property
    def batched(self) -> bool:
        """Still one of a batch's parts (its lock, not its own, stands for it)."""
        return self._batch is not None

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # also drops the flock
            self._fd = -1
        if self._batch is not None:
            self._batch.release_one()
            self._batch = None


class _BatchLock:
    """The flock'ed ``<batch>.lock``: removed when the batch is finished and all parts released."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd
        self.left = 0
        self.sealed = False

    def release_one(self) -> None:
        self.left -= 1
        if self.sealed and self.left <= 0:
            self.drop_all()

    def seal(self) -> None:
        self.sealed = True
        if self.left <= 0:
            self.drop_all()

    def drop_all(self) -> None:
        if self.fd >= 0:
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = -1


class StagingBatch:
    """Parts written one by one under one lock; see ``BlobStore.open_batch``."""

    def __init__(self, incoming: Path) -> None:
        self.incoming = str(incoming)
        self.name = uuid.uuid4().hex
        lock = incoming / f"{self.name}{LOCK_SUFFIX}"
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StorageError(lock, exc.strerror or str(exc)) from exc
        self.lock = _BatchLock(lock, fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self.lock.drop_all()
            raise StorageError(lock, exc.strerror or str(exc)) from exc
        self.staged: list[StagedBlob] = []
        self.reserved = 0

    def add(self, data: bytes) -> StagedBlob:
        """Write ``data`` as the next part."""
        part = self.reserve()
        write_part(part, data)
        return self.added(part, hashlib.sha256(data).hexdigest(), len(data))

    def reserve(self) -> Path:
        """The name of the next part, for a worker thread to write (``write_part``); then
        ``added`` registers it, in the order reserved."""
        part = Path(f"{self.incoming}/{self.name}.{self.reserved}{PART_SUFFIX}")
        self.reserved += 1
        return part

    def added(self, part: Path, sha256: str, size: int) -> StagedBlob:
        self.lock.left += 1
        staged = StagedBlob(sha256, size, part, -1, self.lock)
        self.staged.append(staged)
        return staged

    def finish(self) -> None:
        """Make every part durable (one syncfs); the lock goes when the last part does."""
        try:
            sync_filesystem(Path(self.incoming), [s.part for s in self.staged])
        except OSError as exc:
            raise StorageError(Path(self.incoming), exc.strerror or str(exc)) from exc
        self.lock.seal()

    def leave(self) -> None:
        """Drop the lock and leave every part where it is, for ``repair``: after the
        event that names them may have been written, no part is removed here."""
        for staged in self.staged:
            staged._batch = None
        self.lock.drop_all()

    def abandon(self) -> None:
        """Remove every part, registered or only reserved (a worker may have written it)."""
        for staged in self.staged:
            staged._batch = None
        for n in range(self.reserved):
            Path(f"{self.incoming}/{self.name}.{n}{PART_SUFFIX}").unlink(missing_ok=True)
        self.lock.drop_all()


def write_part(part: Path, data: bytes) -> None:
    """Write a batch's part (a name from ``StagingBatch.reserve``); not synced here."""
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
        try:
            write_all(fd, data)
            # Its writeback starts now, without waiting: the batch's one sync then has
            # little left to do, and a large hand-over does not fill memory with copies.
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise StorageError(part, exc.strerror or str(exc)) from exc


class PartWriter:
    """A batch's part (a name from ``StagingBatch.reserve``) written in pieces, for a
    file too large to hold whole: not synced here (the batch's one sync does that), but
    its writeback is started every ``WRITEBACK_EVERY`` bytes, so that sync waits for the
    tail only and the page cache is not flooded. Errors are ``StorageError``s."""

    def __init__(self, part: Path) -> None:
        self.part = part
        self.written = self._flushed = 0
        try:
            self._fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
        except OSError as exc:
            raise StorageError(part, exc.strerror or str(exc)) from exc

    def write(self, chunk: memoryview | bytes) -> None:
        try:
            write_all(self._fd, chunk)
            self.written += len(chunk)
            if self.written - self._flushed >= WRITEBACK_EVERY:
                os.posix_fadvise(
                    self._fd, self._flushed, self.written - self._flushed, os.POSIX_FADV_DONTNEED
                )
                self._flushed = self.written
        except OSError as exc:
            raise StorageError(self.part, exc.strerror or str(exc)) from exc

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.close()
        if kind is not None:
            self.part.unlink(missing_ok=True)


def is_batch_lock(path: Path) -> bool:
    """Is ``path`` (in ``.incoming``) the lock file of a staging batch, not a part?"""
    return path.name.endswith(LOCK_SUFFIX)


def sync_filesystem(directory: Path, files: Sequence[Path]) -> None:
    """Make ``files`` durable: one ``syncfs`` of their file system where Linux offers it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        syncfs = None
    if syncfs is not None:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def abandon_part(fd: int, part: Path) -> None:
    """Close a part that failed half-way and remove it: nothing names it yet."""
    os.close(fd)
    part.unlink(missing_ok=True)
