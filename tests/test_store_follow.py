"""A download hashed while it is written is not read twice, and a hash that no longer
matches its file (rewritten, truncated, replaced) is never trusted."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
import time
from pathlib import Path

from osint_kit import Case
from osint_kit.record.file_hash import HashFollower


def _write_slowly(path: Path, blocks: list[bytes], truncate_after: int | None = None) -> None:
    with open(path, "wb") as f:
        for n, block in enumerate(blocks):
            f.write(block)
            f.flush()
            if n == truncate_after:
                f.truncate(0)
                f.seek(0)
            time.sleep(0.005)


def test_a_followed_hash_is_the_file_s_and_is_used(case: Case) -> None:
    with case.writer.store.downloads() as area:
        part, final = area.path / "v.mp4.part", area.path / "v.mp4"
        blocks = [os.urandom(300_000) for _ in range(20)]
        follower = HashFollower(part, final)
        writer = threading.Thread(target=_write_slowly, args=(part, blocks, 5))
        writer.start()
        writer.join()
        part.rename(final)  # what yt-dlp does when done
        followed = follower.finish()
        data = final.read_bytes()
        assert data == b"".join(blocks[6:])  # truncated after block 5: written again
        assert followed is not None and followed.sha256 == hashlib.sha256(data).hexdigest()
        staged = case.writer.store.adopt(final, followed)
        assert staged.sha256 == followed.sha256 and staged.size == len(data)
        case.writer.store.discard(staged)


def test_a_hash_that_no_longer_matches_its_file_is_not_trusted(case: Case) -> None:
    with case.writer.store.downloads() as area:
        path = area.path / "v.bin"
        path.write_bytes(b"x" * 1000)
        follower = HashFollower(path)
        followed = follower.finish()
        assert followed is not None
        path.write_bytes(b"y" * 1000)  # same size, rewritten after it was followed
        os.utime(path, ns=(followed.mtime_ns + 5_000_000, followed.mtime_ns + 5_000_000))
        staged = case.writer.store.adopt(path, followed)
        assert staged.sha256 == hashlib.sha256(b"y" * 1000).hexdigest()
        case.writer.store.discard(staged)
        other = area.path / "w.bin"
        other.write_bytes(b"z" * 1000)
        forged = dataclasses.replace(followed, sha256="0" * 64)  # another inode
        staged = case.writer.store.adopt(other, forged)
        assert staged.sha256 == hashlib.sha256(b"z" * 1000).hexdigest()
        case.writer.store.discard(staged)
