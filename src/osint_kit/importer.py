"""``file.import``: files handed over by a witness or a colleague become exhibits.

Each file is one capture: opened without following links and without blocking
(a FIFO or device is refused before a byte is read), copied into the store while
hashing, checked not to have changed during the copy, then recorded and published.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .acquire import Artifact, record_acquisition, record_failure
from .dates import utc_now
from .errors import ImportSourceError, InvalidCaseField, OsintKitError, SourceChanged
from .examiner import Examiner
from .exhibits import Capture
from .store import StagedBlob
from .writer import CaseWriter

log = logging.getLogger("osint_kit")

METHOD = "file.import"


def _kind(mode: int) -> str:
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
        raise ImportSourceError(path, f"it is {_kind(st.st_mode)}")
    return st


def _open_source(path: Path) -> tuple[int, os.stat_result]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ImportSourceError(path, exc.strerror or str(exc)) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):  # swapped between lstat and open
        os.close(fd)
        raise ImportSourceError(path, f"it is {_kind(st.st_mode)}")
    return fd, st


def _mtime(st: os.stat_result) -> str:
    moment = datetime.fromtimestamp(st.st_mtime_ns // 1_000_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{st.st_mtime_ns % 1_000_000_000:09d}Z"


def media_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def import_files(
    case: CaseWriter,
    paths: list[Path],
    *,
    handed_over_by: str,
    note: str,
    examiner: Examiner,
    progress: bool,
) -> list[Capture]:
    if not isinstance(handed_over_by, str) or not handed_over_by.strip():
        raise InvalidCaseField("handed_over_by", "say who handed the files over")
    if not paths:
        raise InvalidCaseField("files", "no file to import")
    for path in paths:  # refuse the whole batch before storing anything
        check_source(path)
    actor = examiner.actor()
    captures = []
    bar = tqdm(paths, desc="import", unit="file", disable=not progress or len(paths) < 2)
    for path in bar:
        captures.append(_import_one(case, path, handed_over_by.strip(), note, actor))
    return captures


def stage_unchanged(case: CaseWriter, path: Path, fd: int, before: os.stat_result) -> StagedBlob:
    """Copy the open file ``fd`` into the store, hashing it; refused (and nothing kept)
    when it cannot be read or changed while it was copied. Closes ``fd``."""
    with os.fdopen(fd, "rb", buffering=0) as f:
        try:
            staged = case.store.stage(f)
        except OSError as exc:
            raise ImportSourceError(path, f"read failed: {exc.strerror or exc}") from None
        after = os.fstat(f.fileno())
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
        staged.size != before.st_size
    ):
        case.store.discard(staged)
        raise SourceChanged(path, "it changed while it was being copied; import it again")
    return staged


def _import_one(
    case: CaseWriter, path: Path, handed_over_by: str, note: str, actor: dict[str, Any]
) -> Capture:
    started = utc_now()
    fd, before = _open_source(path)
    staged: StagedBlob | None = None
    source = {
        "original_name": path.name,
        "original_path": str(path.absolute()),
        "size": before.st_size,
        "modified": _mtime(before),
        "modified_ns": str(before.st_mtime_ns),  # JSON numbers stop at 2**53
    }
    try:
        staged = stage_unchanged(case, path, fd, before)
    except OsintKitError as exc:
        if staged is not None:
            case.store.discard(staged)
        _record_failure(case, actor, path, source, handed_over_by, note, started, exc)
        raise
    except BaseException:
        if staged is not None:
            case.store.discard(staged)
        raise
    mtype = media_type(path.name)
    capture = {
        "method": METHOD,
        "target": path.name,
        "status": "complete",
        "started": started,
        "ended": utc_now(),
        "source": source,
        "handed_over_by": handed_over_by,
        "note": note,
        "media_type_from": "file name extension",
    }
    result = record_acquisition(case, [Artifact(staged, "original", mtype)], capture, actor)
    log.info("imported %s as %s (sha256 %s)", path, result.exhibits[0], staged.sha256)
    return result


def _record_failure(
    case: CaseWriter,
    actor: dict[str, Any],
    path: Path,
    source: dict[str, Any],
    handed_over_by: str,
    note: str,
    started: str,
    error: OsintKitError,
) -> None:
    capture = {
        "method": METHOD,
        "target": path.name,
        "status": "failed",
        "reason": str(error),
        "started": started,
        "ended": utc_now(),
        "source": source,
        "handed_over_by": handed_over_by,
        "note": note,
    }
    record_failure(case, capture, actor)
