"""A hand-over of files, a list of them (``osint-kit import CASE FILE...`` /
``case.import_files``) or a whole folder (a witness's camera roll, a copied USB stick:
``osint-kit import CASE --from DIR`` / ``case.import_folder``), as one acquisition.

One ``file.import`` event lists every file with its path (relative to the folder, or to
the folder the listed files share), its original name and path, size, file-system times
(modified, and status change) and SHA-256, hashed at intake; each file is still its own
exhibit (the subject's ``source`` is the relative path). Links, FIFOs, devices and
sockets in a folder are never followed or read: they are listed as skipped, with what
they are. Pictures and videos get their technical metadata (``media.probe``), and a
photo's or video's own time (EXIF, QuickTime) is compared with its file time: a
difference (a copy, a wrong camera clock, an edit) is shown, never corrected.

Worker threads read, hash and write every file (small ones whole, large ones in
pieces) into one staging batch, made durable with one sync while the event is
sealed; the event is written once that sync is done, so the hand-over is recorded
whole or not at all. A crash before the event leaves part files that ``repair``
removes (``verify`` reports them meanwhile); once the event may be written, the parts
are never removed here, but left for ``repair`` to move into place. A file that
cannot be read, or changes while it is copied, is not taken and is listed as such
(the hand-over is then ``partial``), so one bad file does not cost the others.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Generator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from osint_kit.acquire.handover.source import (
    METHOD,
    check_source,
    file_kind,
    media_type,
    modified_time,
    nanosecond_time,
    open_source,
)
from osint_kit.base.dates import parse_time_or_none, utc_now
from osint_kit.base.text import name_as_text, name_bytes_hex, recorded_name
from osint_kit.errors import ImportSourceError, InvalidCaseField, OsintKitError, SourceChanged
from osint_kit.folder.acquisition import Artifact, record_acquisition, record_failure
from osint_kit.folder.write import CaseWriter
from osint_kit.formats.probe import probe
from osint_kit.record.chain import as_event_value
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Capture
from osint_kit.record.staging import PartWriter, StagedBlob, StagingBatch, write_part

log = logging.getLogger("osint_kit")

#: Media whose technical metadata is read at intake.
MEDIA_PREFIXES = ("image/", "video/", "audio/")
#: A picture's own time and its file time further apart than this are pointed out.
TIME_TOLERANCE_S = 120


@dataclass(frozen=True)
class Handed:
    """One file of a hand-over: where it is, the path the record gives it, its size."""

    path: Path
    #: As text for the record (a name that is not UTF-8 escaped: ``recorded_name``).
    relative: str
    size: int
    #: The relative path's raw bytes in hex, when it is not UTF-8.
    relative_hex: str | None = None


@dataclass(frozen=True)
class _Intake:
    """What the person handing over said, and who took the files."""

    handed_over_by: str
    note: str
    examiner: Examiner
    progress: bool
    metadata: bool


def import_files(
    case: CaseWriter,
    paths: Sequence[Path],
    *,
    handed_over_by: str,
    note: str,
    examiner: Examiner,
    progress: bool,
    metadata: bool = True,
) -> Capture:
    """Files named one by one, as one hand-over; each is refused (and nothing stored)
    unless it is a regular file, before a byte is copied."""
    intake = _intake(handed_over_by, note, examiner, progress, metadata)
    if not paths:
        raise InvalidCaseField("files", "no file to import")
    listed = [Path(os.path.abspath(p)) for p in paths]
    sizes = [check_source(p).st_size for p in listed]
    twice = sorted({str(p) for p in listed if listed.count(p) > 1})
    if twice:
        raise ImportSourceError(Path(twice[0]), "it is listed more than once")
    base = Path(os.path.commonpath([str(p.parent) for p in listed]))
    handed = [
        _handed(path, path.relative_to(base).as_posix(), size)
        for path, size in zip(listed, sizes, strict=True)
    ]
    source = {**recorded_name("folder", str(base)), "listed": len(handed), "bytes": sum(sizes)}
    folder = name_as_text(str(base))
    target = handed[0].relative if len(handed) == 1 else f"{len(handed)} files in {folder}"
    return _hand_over(case, handed, [], source, target, intake)


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
    """Every regular file under ``folder`` (links not followed), as one hand-over."""
    intake = _intake(handed_over_by, note, examiner, progress, metadata)
    top = Path(os.path.abspath(folder))  # once: Path.absolute() asks the OS each time
    try:
        st = os.lstat(top)
    except OSError as exc:
        raise ImportSourceError(top, exc.strerror or "no such folder") from None
    if not stat.S_ISDIR(st.st_mode):
        raise ImportSourceError(top, "it is not a folder (import files with FILE...)")
    handed, skipped = _walk(top)
    if not handed:
        raise ImportSourceError(top, "it holds no regular file")
    source = {
        **recorded_name("folder", str(top)),
        "listed": len(handed),
        "bytes": sum(h.size for h in handed),
        "modified": modified_time(st),
    }
    return _hand_over(case, handed, skipped, source, name_as_text(top.name or str(top)), intake)


def _intake(
    handed_over_by: str, note: str, examiner: Examiner, progress: bool, metadata: bool
) -> _Intake:
    if not isinstance(handed_over_by, str) or not handed_over_by.strip():
        raise InvalidCaseField("handed_over_by", "say who handed the files over")
    return _Intake(handed_over_by.strip(), note, examiner, progress, metadata)


def _hand_over(
    case: CaseWriter,
    handed: list[Handed],
    skipped: list[dict[str, str]],
    source: dict[str, Any],
    target: str,
    intake: _Intake,
) -> Capture:
    """Stage every file, then record the hand-over in one event (see the module's text)."""
    started = utc_now()
    artifacts: list[Artifact] = []
    files: list[dict[str, Any]] = []
    not_taken: list[dict[str, str]] = []
    errors: list[ImportSourceError] = []
    bar = tqdm(
        total=sum(h.size for h in handed),
        desc="import",
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=not intake.progress,
    )
    batch = case.open_batch()
    syncing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="osint-kit-sync")
    finishing: Future[None] | None = None
    writing: list[bool] = []  # set once the event is about to be written
    staging = _stage_all(handed, batch)
    try:
        for done, (item, outcome) in enumerate(staging, start=1):
            if isinstance(outcome, ImportSourceError):
                errors.append(outcome)
                not_taken.append({**_rel(item), "why": outcome.reason})
            else:
                staged, entry = outcome
                files.append(entry)
                artifacts.append(
                    Artifact(staged, "original", files[-1]["media_type"], item.relative)
                )
            bar.set_postfix_str(f"{done:,}/{len(handed):,} files", refresh=False)
            bar.update(item.size)
        # Durable at once, by one sync of the file system (not one per file), on a
        # thread: the metadata is read and the event sealed meanwhile, and the event
        # is written only once the sync is done.
        finishing = syncing.submit(batch.finish)
        if intake.metadata:
            _read_metadata(artifacts, files)
        _same_content(case, files)
        capture = _record(target, started, source, files, skipped, not_taken, len(handed), intake)
        actor = intake.examiner.actor()
        if not files:
            finishing.result()
            failed = record_failure(case, capture, actor)
            error = (
                errors[0]
                if len(errors) == 1
                else ImportSourceError(Path(target), capture["reason"])
            )
            if failed is None:
                raise error
            return replace(failed, error=error)
        durable = finishing.result

        def ready() -> None:  # called under the log's lock, just before the event is written
            durable()
            writing.append(True)

        result = record_acquisition(
            case, artifacts, capture, actor, per_file=True, before_write=ready
        )
    except BaseException as exc:
        staging.close()  # its workers done before their parts are removed
        if finishing is not None:
            wait([finishing])  # never unlink parts under a sync that is still running
        if writing:  # the event may be on the record (Ctrl-C while publishing, a full disk)
            batch.leave()  # its parts stay: repair finishes the move, or removes them
            raise
        batch.abandon()  # every part, taken or only reserved
        if isinstance(exc, OsintKitError) and not isinstance(exc, ImportSourceError):
            # Our side failed (a full disk): on the record. (A source error reaches here
            # only when recording the failed hand-over itself failed: not tried twice.)
            record_failure(
                case,
                {
                    "method": METHOD,
                    "target": target,
                    "status": "failed",
                    "reason": str(exc),
                    "started": started,
                    "ended": utc_now(),
                    "source": source,
                    "handed_over_by": intake.handed_over_by,
                    "note": intake.note,
                },
                intake.examiner.actor(),
            )
        raise
    finally:
        syncing.shutdown(wait=True)
        bar.close()
    log.info("imported %d file(s) from %s as %s", len(files), target, result.id)
    return result


def _handed(path: Path, relative: str, size: int) -> Handed:
    """A file to take; a path that is not UTF-8 kept as escaped text and its bytes."""
    return Handed(path, name_as_text(relative), size, name_bytes_hex(relative))


def _rel(item: Handed) -> dict[str, str]:
    """``relative_path`` (and ``relative_path_hex`` for a name that is not UTF-8)."""
    raw = {"relative_path_hex": item.relative_hex} if item.relative_hex is not None else {}
    return {"relative_path": item.relative, **raw}


def _record(
    target: str,
    started: str,
    source: dict[str, Any],
    files: list[dict[str, Any]],
    skipped: list[dict[str, str]],
    not_taken: list[dict[str, str]],
    listed: int,
    intake: _Intake,
) -> dict[str, Any]:
    """What the hand-over's event says of it (its capture record)."""
    capture: dict[str, Any] = {
        "method": METHOD,
        "target": target,
        "status": ("partial" if files else "failed") if not_taken else "complete",
        "started": started,
        "ended": utc_now(),
        "source": {**source, "files": len(files)},
        "files": files,
        "handed_over_by": intake.handed_over_by,
        "note": intake.note,
        "media_type_from": "file name extension",
    }
    if not_taken:
        first = not_taken[0]
        more = ", …" if len(not_taken) > 1 else ""
        capture["reason"] = (
            f"{len(not_taken)} of {listed} file(s) not taken "
            f"({first['relative_path']}: {first['why']}{more})"
        )
        capture["not_taken"] = not_taken
    if skipped:
        capture["skipped"] = skipped
    differing = [f["relative_path"] for f in files if f.get("time_check", {}).get("differs")]
    if differing:
        capture["times_differ"] = differing
    return capture


def _same_content(case: CaseWriter, files: list[dict[str, Any]]) -> None:
    """Mark a file whose bytes the case already holds (its exhibit) or an earlier file
    of this hand-over holds (its path): stored once, still an exhibit each."""
    earlier = case.log.exhibits_for_sha256(f["sha256"] for f in files)
    first: dict[str, str] = {}
    for entry in files:
        sha = entry["sha256"]
        if sha in earlier:
            entry["same_content_as"] = earlier[sha]
        elif sha in first:
            entry["same_content_as"] = first[sha]
        else:
            first[sha] = entry["relative_path"]


def _walk(top: Path) -> tuple[list[Handed], list[dict[str, str]]]:
    """Every regular file under ``top`` (sorted, links not followed), and what was not
    taken, with what it is."""
    found: list[Handed] = []
    skipped: list[dict[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        here = Path(dirpath)
        for name in sorted(dirnames):
            if os.path.islink(here / name):
                rel = (here / name).relative_to(top).as_posix()
                skipped.append({**recorded_name("path", rel), "why": "a link"})
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            try:
                st = os.lstat(path)
            except OSError as exc:
                rel = path.relative_to(top).as_posix()
                skipped.append({**recorded_name("path", rel), "why": exc.strerror or str(exc)})
                continue
            if stat.S_ISREG(st.st_mode):
                found.append(_handed(path, path.relative_to(top).as_posix(), st.st_size))
            else:
                rel = path.relative_to(top).as_posix()
                skipped.append({**recorded_name("path", rel), "why": file_kind(st.st_mode)})
    return found, skipped


#: Files up to this size are read whole by a worker; larger ones are streamed by it in
#: pieces of ``PIECE`` bytes. Either way they go into the one batch made durable at once.
SMALL = 8 * 2**20
PIECE = 4 * 2**20
#: How many files are handed to the workers ahead of the one being recorded.
AHEAD = 64
#: Worker threads: hashing is fast (SHA-256 instructions), reading the source is not;
#: four reads in flight keep a disk busier than two (docs/performance.md).
READERS = 4

#: A file staged, and what the event says of it.
_Staged = tuple[StagedBlob, dict[str, Any]]


def _stage_all(
    handed: list[Handed], batch: StagingBatch
) -> Generator[tuple[Handed, _Staged | ImportSourceError], None, None]:
    """Stage every file, in order, by worker threads that read, hash and write it into
    ``batch``; a file that cannot be read or changed meanwhile comes back as its error
    (nothing of it kept)."""
    pool = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="osint-kit-read")
    try:
        for start in range(0, len(handed), AHEAD):
            window = handed[start : start + AHEAD]
            parts = [batch.reserve() for _ in window]
            copies = [pool.submit(_copy, h, part) for h, part in zip(window, parts, strict=True)]
            for item, part, copy in zip(window, parts, copies, strict=True):
                try:
                    digest, size, entry = copy.result()
                except ImportSourceError as exc:
                    yield item, exc
                    continue
                yield item, (batch.added(part, digest, size), entry)
    finally:  # stopped (Ctrl-C, an error): what has not started never does
        pool.shutdown(wait=True, cancel_futures=True)


def _copy(item: Handed, part: Path) -> tuple[str, int, dict[str, Any]]:
    """On a worker: copy one file into its part, and say what the event says of it."""
    copy = _copy_small if item.size <= SMALL else _copy_large
    digest, size, before = copy(item.path, part)
    return digest, size, _describe(item, before, digest, size)


def _copy_small(path: Path, part: Path) -> tuple[str, int, os.stat_result]:
    """Copy a small file into its batch part and hash it (on a worker: hashlib and the
    file calls let go of the GIL, so they run at once); refused when the file changed
    while it was read."""
    f, before = open_source(path)
    with f:
        try:
            data = f.read(before.st_size + 1)  # one byte more tells a file that grew
        except OSError as exc:
            raise ImportSourceError(path, f"read failed: {exc.strerror or exc}") from None
        after = os.fstat(f.fileno())
    _unchanged(path, before, after, len(data))
    write_part(part, data)
    return hashlib.sha256(data).hexdigest(), len(data), before


def _copy_large(path: Path, part: Path) -> tuple[str, int, os.stat_result]:
    """Stream a large file into its batch part, hashing each piece as it is written;
    refused (the part removed) when the file changed while it was read."""
    f, before = open_source(path)
    h = hashlib.sha256()
    view = memoryview(bytearray(PIECE))
    with f, PartWriter(part) as out:
        while True:
            try:
                n = f.readinto(view)
            except OSError as exc:
                raise ImportSourceError(path, f"read failed: {exc.strerror or exc}") from None
            if not n:
                break
            h.update(view[:n])
            out.write(view[:n])
            if out.written > before.st_size:  # still growing: never read to an end
                break
        after = os.fstat(f.fileno())
        _unchanged(path, before, after, out.written)
    return h.hexdigest(), out.written, before


def _unchanged(path: Path, before: os.stat_result, after: os.stat_result, read: int) -> None:
    """Refuse a file whose size or modification time moved while it was copied, or of
    which not exactly its size was read: its hash would prove nothing."""
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
        read != before.st_size
    ):
        raise SourceChanged(path, "it changed while it was being copied; import it again")


def _describe(item: Handed, before: os.stat_result, sha256: str, size: int) -> dict[str, Any]:
    """What the hand-over's event says of one file."""
    return {
        **_rel(item),
        **recorded_name("original_name", item.path.name),
        **recorded_name("original_path", str(item.path)),  # absolute already
        "size": size,
        "sha256": sha256,
        "media_type": media_type(item.path.name),
        "modified": modified_time(before),
        "modified_ns": str(before.st_mtime_ns),  # JSON numbers stop at 2**53
        "changed": nanosecond_time(before.st_ctime_ns),
    }


def _read_metadata(artifacts: list[Artifact], files: list[dict[str, Any]]) -> None:
    """Technical metadata of every picture, video and sound, two at a time (ffprobe and
    exiftool are separate processes), and the time check."""

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
