"""Carrying out a recorded disposal (steps 2 and 3 of lifecycle/dispose.py): delete its
blobs and the derived views, then record the completion, or record it cancelled when
the case may no longer be disposed of. The disposition job and ``repair`` (for one a
crash interrupted) both finish a disposal here."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from osint_kit.base.files import fsync_dir
from osint_kit.errors import RecordsRefused, StorageError
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.write import CaseWriter
from osint_kit.record.builtin_actions import DISPOSAL_COMPLETED
from osint_kit.record.case_state import RecordsState, require_disposable
from osint_kit.record.disposals import Disposal, DisposalLedger
from osint_kit.record.events import Event, EventDraft
from osint_kit.record.examiner import Examiner


def carry_out(
    case: CaseWriter, disposal: Disposal, examiner: Examiner, *, by_repair: bool
) -> Event:
    """Steps 2 and 3 of ``disposal``: delete what remains of its blobs (one a new exhibit
    named again since is kept), remove the derived views, record the completion.
    ``repair`` calls it for a disposal a crash interrupted."""
    events = list(case.log.events())
    try:
        require_disposable(RecordsState.of(events))
    except RecordsRefused as exc:
        cancelled = _cancel(case, disposal, examiner, exc.reason, by_repair=by_repair)
        if by_repair:
            return cancelled
        raise
    ledger = DisposalLedger.of(events)
    renamed = [s for s in disposal.blobs if ledger.named_after(s, disposal.seq)]
    deleted, missing, size = _delete_blobs(case, [s for s in disposal.blobs if s not in renamed])
    views = case.views.remove_all()  # they may hold the disposed content
    details = {
        "started": disposal.seq,
        "authorization": disposal.authorization,
        "deleted": deleted,
        "already_gone": missing,
        "kept_named_again": renamed,
        "bytes_deleted": size,
        "derived_views_removed": views,
        "completed_by_repair": by_repair,
    }
    return case.append(EventDraft(DISPOSAL_COMPLETED, details=details), examiner.actor())


def _cancel(
    case: CaseWriter, disposal: Disposal, examiner: Examiner, why: str, *, by_repair: bool
) -> Event:
    """Complete ``disposal`` without deleting anything more: it may no longer go on.
    What a crash had deleted before is named (``already_gone``): gone is gone."""
    missing = [s for s in disposal.blobs if not os.path.lexists(case.store.path_for(s))]
    details = {
        "started": disposal.seq,
        "authorization": disposal.authorization,
        "cancelled": f"{why} (nothing more was deleted)",
        "deleted": [],
        "already_gone": missing,
        "kept_named_again": [],
        "bytes_deleted": 0,
        "derived_views_removed": case.views.remove_all() if missing else [],
        "completed_by_repair": by_repair,
    }
    return case.append(EventDraft(DISPOSAL_COMPLETED, details=details), examiner.actor())


def _delete_blobs(case: CaseFolder, shas: Sequence[str]) -> tuple[list[str], list[str], int]:
    """Unlink each blob (made writable when the system refuses to remove a read-only file:
    POSIX does not ask, others do); fsync each directory once. (deleted, already gone,
    bytes)."""
    deleted, missing, size = [], [], 0
    folders: set[Path] = set()
    for sha in shas:
        path = case.store.path_for(sha)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            missing.append(sha)
            continue
        try:
            try:
                os.unlink(path)
            except PermissionError:
                if not stat.S_ISREG(st.st_mode):  # never chmod through a link
                    raise
                os.chmod(path, 0o600)
                os.unlink(path)
        except OSError as exc:
            raise StorageError(
                path,
                f"{exc.strerror or exc}: the disposal is recorded as started but not complete "
                "(osint-kit repair finishes it)",
            ) from exc
        deleted.append(sha)
        size += st.st_size
        folders.add(path.parent)
    for folder in sorted(folders):
        fsync_dir(folder)
    return deleted, missing, size
