"""Content-addressed blob store: ``blobs/sha256/ab/<64 hex>``, written once, read-only.

Writing is two steps so that a crash never leaves a blob that looks like evidence
without an event that records it:

1. ``stage()`` streams the bytes into ``blobs/.incoming/<random>.part``, hashing
   them in the same pass (a second thread hashes one chunk while the next is
   written; memory stays at two chunks), then fsyncs. The part file is flock'ed
   for as long as its writer lives, so ``verify`` can tell an import in progress
   from one a crash interrupted.
2. After the custody event is on disk, ``publish()`` renames the part file to its
   content address (or drops it when that content is already stored), makes it
   read-only and fsyncs the directory.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import io
import os
import shutil
import stat
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from osint_kit.base.files import fsync_dir, write_all
from osint_kit.errors import StorageError
from osint_kit.record.chain import is_hex64

CHUNK = 4 << 20
WRITEBACK_EVERY = 32 << 20
INCOMING = ".incoming"
#: Folders that downloaders (yt-dlp) write into, one per collection, each beside its
#: ``<id>.lock``: their files are adopted into ``.incoming`` when complete.
DOWNLOADS = ".downloads"
PART_SUFFIX = ".part"
LOCK_SUFFIX = ".lock"


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    path: Path
    #: False when identical content was already in the store.
    created: bool


@dataclass
class StagedBlob:
    """Bytes hashed and fsync'ed in ``.incoming``, not yet at their address."""

    sha256: str
    size: int
    part: Path
    _fd: int = field(repr=False)
    #: For parts staged together: the one lock that stands for all of them.
    _batch: _BatchLock | None = field(default=None, repr=False)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # also drops the flock
            self._fd = -1
        if self._batch is not None:
            self._batch.release_one()
            self._batch = None


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


_buffers = threading.local()


def _read_buffer() -> memoryview:
    """This thread's read buffer, made once: a fresh 4 MiB buffer for each of thousands
    of small files costs more (zeroing it) than hashing them."""
    view: memoryview | None = getattr(_buffers, "view", None)
    if view is None:
        view = _buffers.view = memoryview(bytearray(CHUNK))
    return view


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
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb", buffering=0) as f:
        while n := f.readinto(view):
            h.update(view[:n])
            size += n
    return h.hexdigest(), size


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def incoming_dir(self) -> Path:
        return self.root / INCOMING

    def path_for(self, sha256: str) -> Path:
        if not is_hex64(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return Path(f"{self.root}/sha256/{sha256[:2]}/{sha256}")

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path_for(sha256), "rb")

    # -- writing -----------------------------------------------------------

    def stage(self, source: BinaryIO) -> StagedBlob:
        """Copy ``source`` (anything with ``readinto``) into ``.incoming``, hashing as it goes."""
        self.incoming_dir.mkdir(parents=True, exist_ok=True)
        part = self.incoming_dir / f"{uuid.uuid4().hex}{PART_SUFFIX}"
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StorageError(part, exc.strerror or str(exc)) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            digest, size = _copy_hashing(source, fd)
            os.fsync(fd)
        except _SourceReadError as exc:
            _abandon(fd, part)
            raise exc.original from None  # the caller knows what the source was
        except OSError as exc:
            _abandon(fd, part)
            raise StorageError(part, exc.strerror or str(exc)) from exc
        except BaseException:
            _abandon(fd, part)
            raise
        return StagedBlob(sha256=digest, size=size, part=part, _fd=fd)

    def stage_bytes(self, data: bytes) -> StagedBlob:
        return self.stage(io.BytesIO(data))

    def stage_many(self, items: Sequence[bytes]) -> list[StagedBlob]:
        """Stage many small byte strings (posts, media) with one flush for all of them."""
        if not items:
            return []
        batch = self.open_batch()
        try:
            staged = [batch.add(data) for data in items]
            batch.finish()
        except BaseException:
            batch.abandon()
            raise
        return staged

    def stage_files(self, paths: Sequence[Path], *, small: int = 8 << 20) -> list[StagedBlob]:
        """Stage files this program has just made (review aids, keyframes): those up to
        ``small`` bytes into one batch made durable at once, larger ones streamed."""
        batch = self.open_batch()
        staged: list[StagedBlob] = []
        try:
            for path in paths:
                with open(path, "rb") as f:
                    if os.fstat(f.fileno()).st_size <= small:
                        staged.append(batch.add(f.read()))
                    else:
                        staged.append(self.stage(f))
            batch.finish()
        except BaseException:
            batch.abandon()
            for s in staged:
                if s._batch is None:
                    self.discard(s)
            raise
        return staged

    def open_batch(self) -> StagingBatch:
        """A batch of small blobs staged one by one (as posts arrive), made durable at once.

        One lock file (``<batch>.lock``) stands for every part of the batch
        (``<batch>.<n>.part``), so a collection of thousands of posts holds one
        file descriptor, not thousands; ``finish()`` makes them all durable with
        one ``syncfs`` of the case's file system instead of one fsync each.
        Publishing or discarding a part releases it; the lock goes with the last
        part once the batch is finished. ``abandon()`` discards every part.
        """
        self.incoming_dir.mkdir(parents=True, exist_ok=True)
        return StagingBatch(self.incoming_dir)

    def publish(self, staged: StagedBlob) -> StoredBlob:
        """Move a staged blob to its content address; idempotent for identical content."""
        final, created = self._place(staged, durable=True)
        return StoredBlob(staged.sha256, staged.size, Path(final), created)

    def publish_many(self, staged: Sequence[StagedBlob]) -> None:
        """Publish a batch: every rename first, then one flush for all the directories."""
        if len(staged) < 4:
            for s in staged:
                self.publish(s)
            return
        shards: set[str] = set()
        try:
            for s in staged:
                self._place(s, durable=False, shards=shards)
        except BaseException:
            for s in staged:
                s.release()
            raise
        try:
            sync_filesystem(self.root, [*map(Path, sorted(shards)), self.incoming_dir])
        except OSError as exc:
            raise StorageError(self.root, exc.strerror or str(exc)) from exc

    def _place(
        self, staged: StagedBlob, *, durable: bool, shards: set[str] | None = None
    ) -> tuple[str, bool]:
        """Rename one part to its address: (that address, whether it is new there).
        ``shards``: the shard folders a batch has already seen (each is looked at once
        per batch, not once per blob). Paths are strings here: for thousands of blobs,
        building Path objects took longer than the renames."""
        if not is_hex64(staged.sha256):
            raise ValueError(f"not a SHA-256 hex digest: {staged.sha256!r}")
        shard = f"{self.root}/sha256/{staged.sha256[:2]}"
        final = f"{shard}/{staged.sha256}"
        try:
            if _file_kind(final) == "file":  # a link planted there is replaced
                staged.part.unlink(missing_ok=True)
                return final, False
            if shards is None or shard not in shards:
                if not os.path.isdir(shard):
                    os.makedirs(shard, exist_ok=True)
                    if durable:
                        fsync_dir(Path(shard).parent)
                if shards is not None:
                    shards.add(shard)
            if staged._batch is None:  # a batch's parts are written read-only already
                os.chmod(staged.part, 0o444)
            os.rename(staged.part, final)
            if durable:
                fsync_dir(Path(shard))
                fsync_dir(self.incoming_dir)
            return final, True
        except OSError as exc:
            raise StorageError(Path(final), exc.strerror or str(exc)) from exc
        finally:
            staged.release()

    def downloads(self) -> DownloadArea:
        """A fresh folder under ``blobs/.downloads`` for a downloader to write into, held
        (flock'ed) while it is open: ``repair`` removes only folders nobody holds."""
        root = self.root / DOWNLOADS
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

    def adopt(self, path: Path, hashed: FollowedHash | None = None) -> StagedBlob:
        """Stage a file a downloader wrote (in a ``downloads()`` folder, on the same file
        system) without copying it: locked, moved into ``.incoming``, hashed, fsync'ed.

        ``hashed``: its hash as taken while it was written (``HashFollower``); used
        only when the file is still that inode, that size and that modification time,
        else the file is read again."""
        self.incoming_dir.mkdir(parents=True, exist_ok=True)
        part = self.incoming_dir / f"{uuid.uuid4().hex}{PART_SUFFIX}"
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
            _abandon(fd, part)
            raise StorageError(path, exc.strerror or str(exc)) from exc
        except BaseException:
            _abandon(fd, part)
            raise
        return StagedBlob(sha256=digest, size=size, part=part, _fd=fd)

    def stale_downloads(self) -> list[Path]:
        """Download folders whose downloader is gone (a crash): nothing in them was
        recorded, so ``repair`` removes them."""
        root = self.root / DOWNLOADS
        if not root.is_dir():
            return []
        return [
            entry
            for entry in sorted(root.iterdir())
            if _file_kind(entry) == "a directory"
            and not _is_locked(root / f"{entry.name}{LOCK_SUFFIX}")
        ]

    def discard(self, staged: StagedBlob) -> None:
        staged.part.unlink(missing_ok=True)
        staged.release()

    # -- reading the folder ------------------------------------------------

    def iter_files(self) -> Iterator[Path]:
        """Every file under ``sha256/`` (whatever its name), for verification."""
        base = self.root / "sha256"
        if not base.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                yield Path(dirpath) / name

    def leftover_parts(self) -> list[tuple[Path, bool]]:
        """Part files in ``.incoming``, each with whether a live writer still holds it.

        Only regular files: anything else there (``not_regular_incoming``) was not
        written by an import and is left alone.
        """
        if not self.incoming_dir.is_dir():
            return []
        found = []
        for entry in sorted(self.incoming_dir.iterdir()):
            if _file_kind(entry) != "file":
                continue
            lock = entry
            if entry.name.endswith(PART_SUFFIX) and entry.name.count(".") == 2:
                lock = entry.with_name(entry.name.split(".", 1)[0] + LOCK_SUFFIX)
            found.append((entry, _is_locked(lock)))
        return found

    def not_regular_incoming(self) -> list[tuple[Path, str]]:
        """What sits in ``.incoming`` that is not a regular file, with what it is
        (a directory, a FIFO, a symbolic link…): never read, moved or removed."""
        if not self.incoming_dir.is_dir():
            return []
        return [
            (entry, kind)
            for entry in sorted(self.incoming_dir.iterdir())
            if (kind := _file_kind(entry)) not in ("file", "gone")
        ]


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def is_batch_lock(path: Path) -> bool:
    """Is ``path`` (in ``.incoming``) the lock file of a staging batch, not a part?"""
    return path.name.endswith(LOCK_SUFFIX)


def _file_kind(path: Path | str) -> str:
    """What ``path`` is: "file" (a regular file, links not followed), "gone", or else a
    description ("a FIFO")."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "gone"
    if stat.S_ISREG(mode):
        return "file"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


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


def _abandon(fd: int, part: Path) -> None:
    os.close(fd)
    part.unlink(missing_ok=True)


def _is_locked(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN)
    finally:
        os.close(fd)
    return False


class _SourceReadError(OSError):
    def __init__(self, original: OSError) -> None:
        super().__init__(original.errno, original.strerror)
        self.original = original


def _copy_hashing(source: BinaryIO, fd: int) -> tuple[str, int]:
    """One pass over ``source``: chunk k is hashed on one worker thread while it is
    written, and what is written is pushed to disk by another as we go.

    Two buffers alternate; a buffer is refilled only after the hash of what it held
    has finished, so memory stays at ``2 * CHUNK`` whatever the size. Starting the
    writeback early (``posix_fadvise(DONTNEED)`` on the written range) means the
    closing fsync waits for the tail only, and the page cache is not flooded with
    evidence; doing it on its own thread keeps the copy loop from blocking on the
    disk queue (see docs/performance.md).
    """
    h = hashlib.sha256()
    buffers = (memoryview(bytearray(CHUNK)), memoryview(bytearray(CHUNK)))
    size = flushed = 0
    pending: Future[None] | None = None
    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="osint-kit-hash")
    flusher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="osint-kit-writeback")
    with hasher, flusher:
        i = 0
        while True:
            view = buffers[i]
            try:
                n = source.readinto(view)  # type: ignore[attr-defined]
            except OSError as exc:
                raise _SourceReadError(exc) from exc
            if not n:
                break
            chunk = view[:n]
            if pending is not None:
                pending.result()
            pending = hasher.submit(h.update, chunk)
            write_all(fd, chunk)
            size += n
            if size - flushed >= WRITEBACK_EVERY:
                flusher.submit(
                    os.posix_fadvise, fd, flushed, size - flushed, os.POSIX_FADV_DONTNEED
                )
                flushed = size
            i ^= 1
        if pending is not None:
            pending.result()
    return h.hexdigest(), size
