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

What this module leaves to others: staging many blobs at once (``staging``), the
folders downloaders write into (``downloads``), hashing files (``file_hash``), and
looking at folder entries without following them (``file_checks``).
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from osint_kit.base.files import fsync_dir, open_regular, write_all
from osint_kit.errors import StorageError
from osint_kit.record.chain import is_hex64
from osint_kit.record.downloads import (
    DownloadArea,
    adopt_download,
    open_download_area,
    stale_download_folders,
)
from osint_kit.record.file_checks import file_kind, is_locked
from osint_kit.record.file_hash import CHUNK, FollowedHash
from osint_kit.record.staging import (
    LOCK_SUFFIX,
    PART_SUFFIX,
    WRITEBACK_EVERY,
    StagedBlob,
    StagingBatch,
    abandon_part,
    sync_filesystem,
)

INCOMING = ".incoming"


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    path: Path
    #: False when identical content was already in the store.
    created: bool


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
        return open_regular(self.path_for(sha256))  # a FIFO planted there never hangs a read

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
            abandon_part(fd, part)
            raise exc.original from None  # the caller knows what the source was
        except OSError as exc:
            abandon_part(fd, part)
            raise StorageError(part, exc.strerror or str(exc)) from exc
        except BaseException:
            abandon_part(fd, part)
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
                if not s.batched:
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
            if file_kind(final) == "file":  # a link planted there is replaced
                staged.part.unlink(missing_ok=True)
                return final, False
            if shards is None or shard not in shards:
                if not os.path.isdir(shard):
                    os.makedirs(shard, exist_ok=True)
                    if durable:
                        fsync_dir(Path(shard).parent)
                if shards is not None:
                    shards.add(shard)
            if not staged.batched:  # a batch's parts are written read-only already
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
        """A fresh folder for a downloader to write into (``open_download_area``)."""
        return open_download_area(self.root)

    def adopt(self, path: Path, hashed: FollowedHash | None = None) -> StagedBlob:
        """Stage a downloaded file without copying it (``adopt_download``)."""
        return adopt_download(self.incoming_dir, path, hashed)

    def stale_downloads(self) -> list[Path]:
        """Download folders whose downloader is gone (``stale_download_folders``)."""
        return stale_download_folders(self.root)

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
            if file_kind(entry) != "file":
                continue
            lock = entry
            if entry.name.endswith(PART_SUFFIX) and entry.name.count(".") == 2:
                lock = entry.with_name(entry.name.split(".", 1)[0] + LOCK_SUFFIX)
            found.append((entry, is_locked(lock)))
        return found

    def not_regular_incoming(self) -> list[tuple[Path, str]]:
        """What sits in ``.incoming`` that is not a regular file, with what it is
        (a directory, a FIFO, a symbolic link…): never read, moved or removed."""
        if not self.incoming_dir.is_dir():
            return []
        return [
            (entry, kind)
            for entry in sorted(self.incoming_dir.iterdir())
            if (kind := file_kind(entry)) not in ("file", "gone")
        ]


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
