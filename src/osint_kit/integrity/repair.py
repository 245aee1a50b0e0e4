"""Explicit repair of what a crash leaves, itself on the record (``log.repaired``).

- A torn last line of ``custody.jsonl`` is kept, byte for byte, as a blob named
  in the repair event, then cut from the log so appends can go on.
- An import whose event was written but whose blob was not yet moved into place
  is finished (the staged bytes hash to what the event says).
- A partial copy whose import never reached the log is removed; the event lists
  its name, size and hash.
- A checkpoint stopped by a crash: files its event names are moved into place;
  files no event names (the crash came before the event) are removed, listed.
- A disposal stopped by a crash (``disposition.started`` without its
  ``disposition.completed``) is finished: what remains of its blobs is deleted and
  its completion recorded, with ``completed_by_repair: true`` (cancelled instead,
  nothing more deleted, when a legal hold stands now). A part file holding disposed
  bytes is removed, never moved back into the store.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osint_kit.base.text import shown_in_html
from osint_kit.folder.checkpoint import checkpoint_of, final_name, pending_files
from osint_kit.folder.disposal import carry_out
from osint_kit.folder.export_residue import (
    clean_interrupted_exports,
    interrupted_exports,
    shown,
)
from osint_kit.folder.write import CaseWriter
from osint_kit.record.builtin_actions import CHECKPOINT, REPAIRED
from osint_kit.record.disposals import DisposalLedger
from osint_kit.record.events import Event, EventDraft, Subject
from osint_kit.record.examiner import Examiner
from osint_kit.record.file_hash import hash_file
from osint_kit.record.staging import StagedBlob, is_batch_lock


@dataclass
class RepairReport:
    torn_tail: dict[str, Any] | None = None
    completed: list[dict[str, Any]] = field(default_factory=list)
    discarded: list[dict[str, Any]] = field(default_factory=list)
    #: Pending checkpoint files: ``{"name", "sha256", "action": "moved"|"removed"}``.
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    #: What repair did not touch, and why: ``{"name", "reason"}`` (a directory or a FIFO
    #: in ``blobs/.incoming`` was not written by an import; reading a FIFO would hang).
    left_alone: list[dict[str, str]] = field(default_factory=list)
    #: Exports a crash interrupted: ``{"folder", "bundle", "action"}``.
    exports: list[dict[str, str]] = field(default_factory=list)
    #: Download folders a crash left (media collection): ``{"folder", "files", "bytes"}``.
    downloads: list[dict[str, Any]] = field(default_factory=list)
    event: Event | None = None
    #: Disposals a crash interrupted, finished: ``{"started", "completed", "deleted",
    #: "bytes"}`` (seqs of the two events, blobs deleted now and their bytes).
    dispositions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def repaired(self) -> bool:
        return self.event is not None or bool(self.dispositions)

    def text(self) -> str:
        alone = [f"  left alone: {a['name']} ({a['reason']})" for a in self.left_alone]
        if not self.repaired:
            return "\n".join(["nothing to repair", *alone])
        finished = [
            f"  cancelled the disposal started at seq {d['started']}: {d['cancelled']}; "
            f"recorded as custody event seq {d['completed']}"
            if d.get("cancelled")
            else f"  finished the disposal started at seq {d['started']}: {d['deleted']} "
            f"blob(s), {d['bytes']:,} bytes deleted; recorded as custody event seq "
            f"{d['completed']}"
            for d in self.dispositions
        ]
        if self.event is None:
            return "\n".join(["repaired:", *finished, *alone])
        lines = [f"repaired, recorded as custody event seq {self.event.seq}:", *finished]
        if self.torn_tail:
            t = self.torn_tail
            lines.append(
                f"  torn last line of {t['size']} bytes kept as blob {t['sha256'][:16]}… "
                "and cut from the log"
            )
        lines += [
            f"  finished moving blob {c['sha256'][:16]}… ({c['exhibits']}) into place"
            for c in self.completed
        ]
        lines += [
            f"  removed {d.get('what', 'partial copy')} {d['name']}"
            + (f" ({d['size']} bytes, never recorded)" if "size" in d else "")
            for d in self.discarded
        ]
        lines += [
            f"  {c['action']} interrupted checkpoint file {c['name']}" for c in self.checkpoints
        ]
        lines += [f"  interrupted export of {e['bundle']}: {e['action']}" for e in self.exports]
        lines += [
            f"  removed interrupted download {d['folder']} ({d['files']} file(s), {d['bytes']:,} "
            "bytes, never recorded)"
            for d in self.downloads
        ]
        return "\n".join([*lines, *alone])

    def _repr_html_(self) -> str:
        return f"<pre>{shown_in_html(self.text())}</pre>"


def repair_case(case: CaseWriter, examiner: Examiner) -> RepairReport:
    report = RepairReport()
    kept: list[StagedBlob] = []

    def keep(data: bytes) -> None:
        kept.append(case.stage_bytes(data))

    torn = case.cut_torn_tail(keep)
    subjects: list[Subject] = []
    if torn:
        staged = kept[0]
        report.torn_tail = {"sha256": staged.sha256, "size": staged.size}
        subjects.append(Subject(staged.sha256, staged.size, "torn-log-tail"))

    # Which blobs does the log name? (After the cut, so the log reads clean.)
    named: dict[str, list[str]] = {}
    ledger = DisposalLedger()
    for event in case.log.events():
        ledger.see_event(event)
        for s in event.subjects:
            named.setdefault(s.sha256, []).extend([s.exhibit] if s.exhibit else [])
    pending = []
    for entry, kind in case.store.not_regular_incoming():
        report.left_alone.append(_left_alone(case, entry, f"not a regular file: {kind}"))
    for part, locked in case.store.leftover_parts():
        if locked or any(part == k.part for k in kept):
            continue
        if is_batch_lock(part):  # empty: what it stood for is listed part by part
            pending.append((part, "", 0))
            report.discarded.append({"name": part.name, "what": "lock of a staging batch"})
            continue
        try:
            sha, size = hash_file(part, follow=False)
        except OSError as exc:  # replaced since it was listed, or unreadable
            report.left_alone.append(_left_alone(case, part, exc.strerror or str(exc)))
            continue
        if sha in named and not case.store.exists(sha) and ledger.expected_gone(sha) is None:
            pending.append((part, sha, size))
            report.completed.append(
                {"sha256": sha, "size": size, "exhibits": ", ".join(named[sha]) or "-"}
            )
        else:
            pending.append((part, "", 0))
            report.discarded.append(
                {"name": part.name, "what": "partial copy", "size": size, "sha256": sha}
            )

    moves = _pending_checkpoints(case, report)
    exports = interrupted_exports(case)
    report.exports = [
        {
            "folder": left.folder.name,
            "bundle": shown(case, left.dest),
            "action": "moved into place" if left.recorded else "removed (never recorded)",
        }
        for left in exports
    ]
    stale = case.store.stale_downloads()
    for folder in stale:
        files = [f for f in folder.rglob("*") if f.is_file() and not f.is_symlink()]
        report.downloads.append(
            {
                "folder": str(folder.relative_to(case.path)),
                "files": len(files),
                "bytes": sum(f.stat().st_size for f in files),
            }
        )
    if not (torn or pending or moves or exports or stale):
        _finish_disposals(case, examiner, ledger, report)
        return report
    summary = []
    if torn:
        summary.append(f"kept and cut a torn last line of {len(torn)} bytes")
    if report.completed:
        summary.append(f"finished {len(report.completed)} interrupted import(s)")
    copies = [d for d in report.discarded if "size" in d]
    if copies:
        summary.append(f"removed {len(copies)} partial copy(ies) never recorded")
    if len(copies) < len(report.discarded):
        summary.append(f"removed {len(report.discarded) - len(copies)} staging batch lock(s)")
    if report.checkpoints:
        summary.append(f"dealt with {len(report.checkpoints)} interrupted checkpoint file(s)")
    if report.exports:
        summary.append(f"dealt with {len(report.exports)} interrupted export(s)")
    if report.downloads:
        summary.append(f"removed {len(report.downloads)} interrupted download(s)")
    details: dict[str, Any] = {
        "summary": "; ".join(summary),
        "torn_tail": report.torn_tail,
        "completed": report.completed,
        "discarded": report.discarded,
        "checkpoints": report.checkpoints,
        "exports": report.exports,
        "downloads": report.downloads,
    }
    if report.left_alone:
        details["left_alone"] = report.left_alone
    draft = EventDraft(REPAIRED, details=details, subjects=subjects)
    finished = [case.resume_part(part, sha, size) for part, sha, size in pending if sha]
    report.event = case.append(
        draft, examiner.actor(), publish=[*kept, *finished], keep_on_failure=True
    )
    for part, sha, _ in pending:
        if not sha:
            case.remove_part(part)
    for pending_file, target in moves:
        if target is None:
            pending_file.unlink(missing_ok=True)
        else:
            os.replace(pending_file, target)
    if exports:
        clean_interrupted_exports(case, finish=True)
    for folder in stale:
        case.remove_download(folder)
    _finish_disposals(case, examiner, ledger, report)
    return report


def _finish_disposals(
    case: CaseWriter, examiner: Examiner, ledger: DisposalLedger, report: RepairReport
) -> None:
    """Each disposal a crash stopped: delete what remains of its blobs, record it done (or
    cancelled, deleting nothing more, when a legal hold now stands or the case was
    reopened)."""
    for disposal in ledger.interrupted():
        event = carry_out(case, disposal, examiner, by_repair=True)
        report.dispositions.append(
            {
                "started": disposal.seq,
                "completed": event.seq,
                "deleted": len(event.details["deleted"]),
                "bytes": event.details["bytes_deleted"],
                "cancelled": event.details.get("cancelled", ""),
            }
        )


def _pending_checkpoints(case: CaseWriter, report: RepairReport) -> list[tuple[Path, Path | None]]:
    """Each pending checkpoint file, and where it goes (None: removed)."""

    named = {
        str(e.details.get("file"))
        for e in case.log.events()
        if e.action == CHECKPOINT and isinstance(e.details.get("file"), str)
    }
    moves: list[tuple[Path, Path | None]] = []
    for pending in pending_files(case):
        if not stat.S_ISREG(os.lstat(pending).st_mode):
            report.left_alone.append(_left_alone(case, pending, "not a regular file"))
            continue
        final = final_name(pending)
        recorded = str(checkpoint_of(final).relative_to(case.path)) in named
        moves.append((pending, final if recorded else None))
        report.checkpoints.append(
            {
                "name": str(pending.relative_to(case.path)),
                "sha256": hash_file(pending, follow=False)[0],
                "action": "moved" if recorded else "removed",
            }
        )
    return moves


def _left_alone(case: CaseWriter, path: Path, reason: str) -> dict[str, str]:
    return {"name": str(path.relative_to(case.path)), "reason": reason}
