"""A hand-over of a whole folder (a witness's camera roll, a copied USB stick) as one
acquisition: ``osint-kit import CASE --from DIR`` / ``case.import_folder(DIR)``.

One ``file.import`` event lists every file with its path relative to the folder, its
original name, size, file-system times (modified, and status change) and SHA-256,
hashed at intake; each file is still its own exhibit (the subject's ``source`` is the
relative path). Links, FIFOs, devices and sockets are never followed or read: they are
listed as skipped, with what they are. Pictures and videos get their technical
metadata (``media.probe``), and a photo's or video's own time (EXIF, QuickTime) is
compared with its file time: a difference (a copy, a wrong camera clock, an edit) is
shown, never corrected.

The files are staged first and the event appended once, so the hand-over is recorded
whole or not at all; a crash before the event leaves part files that ``repair``
removes (``verify`` reports them meanwhile).
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .acquire import Artifact, discard, record_acquisition
from .chain import as_event_value
from .dates import parse_time_or_none, utc_now
from .errors import ImportSourceError, InvalidCaseField, OsintKitError, SourceChanged
from .examiner import Examiner
from .exhibits import Capture
from .importer import METHOD, _kind, _mtime, _open_source, media_type, stage_unchanged
from .store import StagedBlob, StagingBatch, write_part
from .writer import CaseWriter

log = logging.getLogger("osint_kit")

#: Media whose technical metadata is read at intake.
MEDIA_PREFIXES = ("image/", "video/", "audio/")
#: A picture's own time and its file time further apart than this are pointed out.
TIME_TOLERANCE_S = 120


def import_folder(
    case: CaseWriter,
    folder: Path,
    *,
    handed_over_by: str,
    note: str,
    examiner: Examiner,
    progress: bool,
    metadata: bool = True,
) -> Capture:
    if not isinstance(handed_over_by, str) or not handed_over_by.strip():
        raise InvalidCaseField("handed_over_by", "say who handed the files over")
    top = Path(folder)
    try:
        st = os.lstat(top)
    except OSError as exc:
        raise ImportSourceError(top, exc.strerror or "no such folder") from None
    if not stat.S_ISDIR(st.st_mode):
        raise ImportSourceError(top, "it is not a folder (import files with FILE...)")
    found, skipped = _walk(top)
    if not found:
        raise ImportSourceError(top, "it holds no regular file")
    started = utc_now()
    artifacts: list[Artifact] = []
    files: list[dict[str, Any]] = []
    bar = tqdm(
        total=sum(size for _, size in found),
        desc="import",
        unit="B",
        unit_scale=True,
        disable=not progress,
    )
    batch = case.store.open_batch()
    try:
        for staged, entry in _stage_all(case, top, found, batch):
            files.append(entry)
            artifacts.append(
                Artifact(staged, "original", entry["media_type"], entry["relative_path"])
            )
            bar.update(staged.size)
        batch.finish()  # durable at once: one sync of the file system, not one per file
        if metadata:
            _read_metadata(artifacts, files)
    except BaseException:
        batch.abandon()
        discard(case, [a for a in artifacts if a.staged._batch is None])
        raise
    finally:
        bar.close()
    capture = {
        "method": METHOD,
        "target": top.name or str(top),
        "status": "complete",
        "started": started,
        "ended": utc_now(),
        "source": {
            "folder": str(top.absolute()),
            "files": len(files),
            "bytes": sum(f["size"] for f in files),
            "modified": _mtime(st),
        },
        "files": files,
        "handed_over_by": handed_over_by.strip(),
        "note": note,
        "media_type_from": "file name extension",
    }
    if skipped:
        capture["skipped"] = skipped
    differing = [f["relative_path"] for f in files if f.get("time_check", {}).get("differs")]
    if differing:
        capture["times_differ"] = differing
    result = record_acquisition(case, artifacts, capture, examiner.actor())
    log.info("imported %d file(s) from %s as %s", len(files), top, result.id)
    return result


def _walk(top: Path) -> tuple[list[tuple[Path, int]], list[dict[str, str]]]:
    """Every regular file under ``top`` (sorted, links not followed), and what was not
    taken, with what it is."""
    found: list[tuple[Path, int]] = []
    skipped: list[dict[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        here = Path(dirpath)
        for name in sorted(dirnames):
            if os.path.islink(here / name):
                skipped.append({"path": (here / name).relative_to(top).as_posix(), "why": "a link"})
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            try:
                st = os.lstat(path)
            except OSError as exc:
                rel = path.relative_to(top).as_posix()
                skipped.append({"path": rel, "why": exc.strerror or str(exc)})
                continue
            if stat.S_ISREG(st.st_mode):
                found.append((path, st.st_size))
            else:
                rel = path.relative_to(top).as_posix()
                skipped.append({"path": rel, "why": _kind(st.st_mode)})
    return found, skipped


#: Files up to this size are read whole (on two threads) and written into one batch
#: made durable at once; larger ones are streamed and fsync'ed one by one.
SMALL = 8 * 2**20
#: How many small files are read ahead of the writing.
AHEAD = 64


def _stage_all(
    case: CaseWriter, top: Path, found: list[tuple[Path, int]], batch: StagingBatch
) -> Iterator[tuple[StagedBlob, dict[str, Any]]]:
    """Stage every file in order: small ones read and hashed on two threads and written
    into ``batch``, large ones streamed; each checked not to have changed meanwhile."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="osint-kit-read") as pool:
        for start in range(0, len(found), AHEAD):
            window = found[start : start + AHEAD]
            parts = [batch.reserve() if size <= SMALL else None for _, size in window]
            copies = [
                pool.submit(_copy_small, path, part) if part is not None else None
                for (path, _), part in zip(window, parts, strict=True)
            ]
            for (path, _), part, copy in zip(window, parts, copies, strict=True):
                rel = path.relative_to(top).as_posix()
                if part is None or copy is None:
                    fd, before = _open_source(path)
                    staged = stage_unchanged(case, path, fd, before)
                else:
                    digest, size, before = copy.result()
                    staged = batch.added(part, digest, size)
                yield staged, _describe(path, rel, before, staged)


def _copy_small(path: Path, part: Path) -> tuple[str, int, os.stat_result]:
    """Copy a small file into its batch part and hash it (on a worker: hashlib and the
    file calls let go of the GIL, so two run at once); refused when the file changed
    while it was read."""
    fd, before = _open_source(path)
    with os.fdopen(fd, "rb", buffering=0) as f:
        try:
            data = f.read()
        except OSError as exc:
            raise ImportSourceError(path, f"read failed: {exc.strerror or exc}") from None
        after = os.fstat(f.fileno())
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
        len(data) != before.st_size
    ):
        raise SourceChanged(path, "it changed while it was being copied; import it again")
    write_part(part, data)
    return hashlib.sha256(data).hexdigest(), len(data), before


def _describe(path: Path, rel: str, before: os.stat_result, staged: StagedBlob) -> dict[str, Any]:
    """What the hand-over's event says of one file."""
    return {
        "relative_path": rel,
        "original_name": path.name,
        "size": staged.size,
        "sha256": staged.sha256,
        "media_type": media_type(path.name),
        "modified": _mtime(before),
        "modified_ns": str(before.st_mtime_ns),
        "changed": _ctime(before),
    }


def _ctime(st: os.stat_result) -> str:
    moment = datetime.fromtimestamp(st.st_ctime_ns // 1_000_000_000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{st.st_ctime_ns % 1_000_000_000:09d}Z"


def _read_metadata(artifacts: list[Artifact], files: list[dict[str, Any]]) -> None:
    """Technical metadata of every picture, video and sound, two at a time (ffprobe and
    exiftool are separate processes), and the time check."""
    from .media.probe import probe

    jobs = [
        (a, f) for a, f in zip(artifacts, files, strict=True)
        if f["media_type"].startswith(MEDIA_PREFIXES)
    ]  # fmt: skip

    def read(job: tuple[Artifact, dict[str, Any]]) -> None:
        artifact, entry = job
        try:
            facts = probe(artifact.staged.part).to_json()
        except OsintKitError as exc:  # a tool missing: said, not fatal to the hand-over
            entry["facts"] = {"problems": [str(exc)]}
            return
        entry["facts"] = facts
        check = compare_times(facts, entry["modified"])
        if check:
            entry["time_check"] = check

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="osint-kit-probe") as pool:
        list(pool.map(read, jobs))
    for entry in files:
        if "facts" in entry:
            entry["facts"] = as_event_value(entry["facts"])


def compare_times(facts: Mapping[str, Any], modified: str) -> dict[str, Any] | None:
    """The file's own time (EXIF, QuickTime) against its file-system time: how far apart,
    and whether that is more than ``TIME_TOLERANCE_S``. None when the file says no time."""
    created = facts.get("created")
    if not isinstance(created, str):
        return None
    own = parse_time_or_none(created)
    zone_known = own is not None
    if own is None:  # a time without a zone: compared as if it were UTC, and said so
        try:
            own = datetime.fromisoformat(created.replace(" ", "T")).replace(tzinfo=UTC)
        except ValueError:
            return None
    on_disk = parse_time_or_none(modified)
    if on_disk is None:
        return None
    apart = (on_disk - own).total_seconds()
    return {
        "own_time": created,
        "own_time_source": facts.get("created_source"),
        "file_time": modified,
        "difference_s": str(round(apart, 3)),
        "differs": abs(apart) > TIME_TOLERANCE_S,
        **({} if zone_known else {"note": "the file's time names no zone; compared as UTC"}),
    }
