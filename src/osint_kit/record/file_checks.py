"""Looking at what sits in the store's folders: what kind of entry it is (links not
followed), and whether a live writer still holds its lock.

Separate because the store (parts in ``.incoming``, a link planted at an address)
and the downloads area (folders whose downloader is gone) ask the same two questions,
and answering them must never read what it looks at, nor wait on it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def file_kind(path: Path | str) -> str:
    """What ``path`` is: "file" (a regular file, links not followed), "gone", or else a
    description ("a FIFO")."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "gone"
    if stat.S_ISREG(mode):
        return "file"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def is_locked(path: Path) -> bool:
    """Does a live process hold ``path``'s flock (a writer still at work)?"""
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


def links_under(root: Path) -> list[Path]:
    """Every symbolic link under ``root`` (to a file or a folder), none followed: a
    case folder holds none of its own making, so each one is a problem for ``verify``."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):  # never into a linked folder
        dirnames.sort()
        for name in [*dirnames, *sorted(filenames)]:
            path = Path(dirpath) / name
            if os.path.islink(path):
                found.append(path)
    return sorted(found)


def linked_on_the_way(root: Path, path: Path) -> bool:
    """Is any step from ``root`` down to ``path`` (``path`` itself included) a symbolic
    link? Then reading ``path`` may read outside ``root``."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return True
    step = root
    for part in parts:
        step = step / part
        if os.path.islink(step):
            return True
    return False
