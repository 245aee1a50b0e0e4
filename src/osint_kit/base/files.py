"""Files, written durably (whole writes, fsync of files and directories, atomic replace)
and read safely (only a regular file is opened: a FIFO, device or socket is refused
before it can hang a command)."""

from __future__ import annotations

import io
import os
import stat
import uuid
from pathlib import Path

from osint_kit.errors import NotARegularFile


def write_all(fd: int, data: bytes | memoryview) -> None:
    """``os.write`` until every byte is written (a write may be short)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int = 0o444) -> None:
    """Temp file, fsync, chmod, rename over ``path``, fsync the directory."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # never leave a temp file beside the target
        raise
    fsync_dir(path.parent)


#: What an entry that is not a regular file is, by its mode (links first: lstat's view).
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def kind_of(mode: int) -> str:
    """What a file-system entry is, by its ``st_mode``: "a regular file", "a FIFO (named
    pipe)", "a character device"..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: Path | str, *, follow_links: bool = True) -> io.BufferedReader:
    """``path`` opened for reading, if it is a regular file; else ``NotARegularFile``
    (an ``OSError`` too, so a caller's ``except OSError`` still turns it into its own
    error), before a byte is read.

    Every file osint-kit reads, given by the user or found in a case, is opened here: a
    FIFO would block the open and every read until someone writes to it (a hang), and a
    device or socket reads forever or not at all. ``O_NONBLOCK`` makes the open of a
    FIFO return at once; ``fstat`` of the descriptor (not the name, which can be
    swapped meanwhile) decides. ``follow_links=False`` refuses a link itself."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_links else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(Path(path), kind_of(mode))
        os.set_blocking(fd, True)  # a regular file ignores it; set back all the same
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path | str, *, follow_links: bool = True) -> bytes:
    """The bytes of ``path``, a regular file (``open_regular``)."""
    with open_regular(path, follow_links=follow_links) as f:
        return f.read()


def read_regular_text(path: Path | str) -> str:
    """The UTF-8 text of ``path``, a regular file (``open_regular``); ``ValueError``
    (``UnicodeDecodeError``) when it is not UTF-8."""
    return read_regular(path).decode("utf-8")
