"""Hashing files: a regular file read once (``hash_file``), or followed while a
downloader writes it (``HashFollower``).

Apart from the blob store because verification, repair, bundles and exports hash
files without writing any blob; what the two share (the chunk size, one reusable read
buffer per thread, refusing what is not a regular file) is about reading safely and
fast, not about where blobs go.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from osint_kit.base.files import kind_of
from osint_kit.errors import NotARegularFile

CHUNK = 4 << 20


@dataclass(frozen=True)
class FollowedHash:
    """A file's SHA-256 taken as it was written, and what the file was when it was done."""

    sha256: str
    size: int
    inode: int
    mtime_ns: int

    def matches(self, st: os.stat_result) -> bool:
        return (st.st_ino, st.st_size, st.st_mtime_ns) == (self.inode, self.size, self.mtime_ns)


class HashFollower:
    """Hashes a file while a downloader writes it (on a thread of its own), so that a
    large download is not read a second time. It follows the first of ``paths`` that
    appears (``x.part``, then ``x``; a rename keeps the inode), starts again when the
    file is truncated, and ``finish()`` reads what is left; ``adopt`` checks the
    result against the file before it trusts it."""

    def __init__(self, *paths: Path) -> None:
        self._paths = paths
        self._stop = threading.Event()
        self._fd: int | None = None
        self._hash = hashlib.sha256()
        self._pos = 0
        self._thread = threading.Thread(target=self._run, name="osint-kit-follow", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                last = self._stop.is_set()
                self._read()
                if last:
                    return
                self._stop.wait(0.02)
        except OSError:
            self._pos = -1  # unusable: the file is read again when adopted

    def _read(self) -> None:
        if self._fd is None:
            for path in self._paths:
                try:
                    self._fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
                    break
                except FileNotFoundError:
                    continue
            if self._fd is None:
                return
        if os.fstat(self._fd).st_size < self._pos:  # truncated: start again
            self._hash, self._pos = hashlib.sha256(), 0
        while chunk := os.pread(self._fd, CHUNK, self._pos):
            self._hash.update(chunk)
            self._pos += len(chunk)

    def finish(self) -> FollowedHash | None:
        """Stop following (the writer is done); the hash, or None when unusable."""
        self._stop.set()
        self._thread.join()
        fd, self._fd = self._fd, None
        if fd is None:
            return None
        try:
            st = os.fstat(fd)
        finally:
            os.close(fd)
        if self._pos != st.st_size:
            return None
        return FollowedHash(self._hash.hexdigest(), self._pos, st.st_ino, st.st_mtime_ns)


_buffers = threading.local()


def _read_buffer() -> memoryview:
    """This thread's read buffer, made once: a fresh 4 MiB buffer for each of thousands
    of small files costs more (zeroing it) than hashing them."""
    view: memoryview | None = getattr(_buffers, "view", None)
    if view is None:
        view = _buffers.view = memoryview(bytearray(CHUNK))
    return view


def hash_file(path: Path, *, follow: bool = True) -> tuple[str, int]:
    """SHA-256 and size of a regular file, read once in large chunks.

    Anything else (a FIFO, a device, a directory; with ``follow=False`` a symbolic
    link) raises OSError instead of being read: opened with O_NONBLOCK, a FIFO cannot
    make the caller wait for a writer that never comes.
    """
    h = hashlib.sha256()
    size = 0
    view = _read_buffer()
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(mode := os.fstat(fd).st_mode):
            raise NotARegularFile(Path(path), kind_of(mode))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb", buffering=0) as f:
        while n := f.readinto(view):
            h.update(view[:n])
            size += n
    return h.hexdigest(), size
