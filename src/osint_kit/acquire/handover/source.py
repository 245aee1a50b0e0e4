"""``file.import``: a file handed over by a witness or a colleague, as a source.

A source is checked and opened without following links and without blocking (a FIFO
or device is refused before a byte is read); ``handover.py`` copies and hashes it,
and checks it did not change during the copy.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from osint_kit.base.files import open_regular
from osint_kit.errors import ImportSourceError, NotARegularFile

log = logging.getLogger("osint_kit")

METHOD = "file.import"


def file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory (import the files inside it instead)"),
        (stat.S_ISLNK, "a symbolic link (import the file it points to, by its real path)"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def check_source(path: Path) -> os.stat_result:
    """Refuse anything but an existing regular file, without following a link."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise ImportSourceError(path, "no such file") from None
    except OSError as exc:
        raise ImportSourceError(path, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise ImportSourceError(path, f"it is {file_kind(st.st_mode)}")
    return st


def open_source(path: Path) -> tuple[io.BufferedReader, os.stat_result]:
    """The file opened for reading (links refused, a FIFO or device refused unread), and
    its status as the open descriptor shows it."""
    try:
        f = open_regular(path, follow_links=False)
    except NotARegularFile as exc:  # swapped between lstat and open
        raise ImportSourceError(path, f"it is {exc.kind}") from None
    except OSError as exc:
        raise ImportSourceError(path, exc.strerror or str(exc)) from None
    return f, os.fstat(f.fileno())


def modified_time(st: os.stat_result) -> str:
    return nanosecond_time(st.st_mtime_ns)


def nanosecond_time(ns: int) -> str:
    """A file-system time (nanoseconds since the epoch) as RFC 3339 UTC, to the nanosecond."""
    moment = datetime.fromtimestamp(ns // 1_000_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 1_000_000_000:09d}Z"


def media_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"
