"""The one way to write to a case: ``CaseWriter.append``.

Every module that writes (acquisition, import, web capture, social collection,
bundle export, checkpoints, repair, notes, verification records) takes a
``CaseWriter``, never the ``Case`` facade. ``append`` seals the events onto the
chain (signing them when the examiner has a key) with one durable write,
publishes the blobs they name, then refreshes the derived views registered with
its ``DerivedViews`` (the index), so no writer can forget a step. Views made
lazily by their readers (tables, caches) are written through the same
``DerivedViews`` (``folder/views.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from osint_kit.base.files import atomic_write, fsync_dir
from osint_kit.errors import CaseExists, RecordedNotPublished, StorageError, UndeclaredAction
from osint_kit.folder.read import SUBDIRS, CaseFolder, resolve_root, validate_case_id
from osint_kit.folder.views import Appended, DerivedViews
from osint_kit.record.actions import GROUP as ACTIONS_GROUP
from osint_kit.record.actions import action_type
from osint_kit.record.builtin_actions import CREATED
from osint_kit.record.downloads import DownloadArea, remove_download
from osint_kit.record.events import Event, EventDraft
from osint_kit.record.file_hash import FollowedHash
from osint_kit.record.ledger import record_head
from osint_kit.record.staging import StagedBlob, StagingBatch
from osint_kit.record.trust import resolve_trust


class CaseWriter(CaseFolder):
    """A case folder opened for writing, with the writer of its derived views."""

    def __init__(
        self, path: Path, identity: dict[str, Any], views: DerivedViews | None = None
    ) -> None:
        super().__init__(path, identity)
        #: Everything written under ``derived/`` goes through it.
        self.views = views if views is not None else DerivedViews(path)

    def append(
        self,
        draft: EventDraft,
        actor: dict[str, Any],
        *,
        publish: Sequence[StagedBlob] = (),
        keep_on_failure: bool = False,
        before_write: Callable[[], object] | None = None,
    ) -> Event:
        """Append one event; then publish ``publish`` (blobs it names) and refresh views."""
        return self.append_batch(
            [draft],
            actor,
            publish=publish,
            keep_on_failure=keep_on_failure,
            before_write=before_write,
        )[0]

    def append_batch(
        self,
        drafts: Sequence[EventDraft],
        actor: dict[str, Any],
        *,
        publish: Sequence[StagedBlob] = (),
        keep_on_failure: bool = False,
        before_write: Callable[[], object] | None = None,
    ) -> list[Event]:
        """Several events with one write and one fsync, then the blobs, then the views.
        ``before_write``: see ``CustodyLog.append_batch``.

        The events are durable before any blob is published at its content address:
        a crash in between leaves staged parts that ``repair`` finishes, never a blob
        the log does not name. When the append fails, the staged blobs are discarded
        (unless ``keep_on_failure``: repair's blobs that earlier events already name);
        when publishing fails after it, they stay for ``repair``
        (``RecordedNotPublished``).
        """
        try:
            for draft in drafts:
                _require_declared(draft.action)
            events = self.log.append_batch(
                drafts,
                actor,
                required=self.signatures_required,
                vouched=_vouched,
                before_write=before_write,
            )
        except BaseException:
            if not keep_on_failure:
                for staged in publish:  # never recorded: the staged bytes go
                    self.store.discard(staged)
            raise
        self._remember_head()
        if publish:
            try:
                self.store.publish_many(list(publish))
            except StorageError as exc:
                raise RecordedNotPublished(events[-1].seq, exc.path, exc.reason) from exc
        self.refresh(appended=self._appended(events))
        return events

    # -- staging: bytes hashed and made durable before the event that names them --------

    def stage_bytes(self, data: bytes) -> StagedBlob:
        return self.store.stage_bytes(data)

    def stage_many(self, items: Sequence[bytes]) -> list[StagedBlob]:
        """Several byte strings as one batch: one sync for all."""
        return self.store.stage_many(items)

    def stage_files(self, paths: Sequence[Path]) -> list[StagedBlob]:
        """Files copied and hashed into staging (one sync for all)."""
        return self.store.stage_files(paths)

    def open_batch(self) -> StagingBatch:
        """A batch its owner fills part by part (a hand-over's workers), one sync at its end."""
        return self.store.open_batch()

    def downloads(self) -> DownloadArea:
        """A private folder for a downloader (yt-dlp) to write into, removed when done."""
        return self.store.downloads()

    def adopt(self, path: Path, hashed: FollowedHash | None = None) -> StagedBlob:
        """A downloaded file staged as it is (moved, not copied)."""
        return self.store.adopt(path, hashed)

    def resume_part(self, part: Path, sha256: str, size: int) -> StagedBlob:
        """A part a crash left, hashed again, staged to be published (``repair``)."""
        return StagedBlob.left_by_a_crash(part, sha256, size)

    def discard(self, staged: StagedBlob) -> None:
        """Staged bytes that will not be recorded."""
        self.store.discard(staged)

    def remove_part(self, part: Path) -> None:
        """A part a crash left that no event names (``repair``)."""
        part.unlink(missing_ok=True)

    def remove_download(self, folder: Path) -> None:
        """A download folder a crash left, never recorded (``repair``)."""
        remove_download(folder)

    def cut_torn_tail(self, keep: Callable[[bytes], None]) -> bytes:
        """Cut a torn last line off the log, after ``keep`` has kept its bytes (``repair``:
        the only change to the log that is not an append, and it is itself recorded)."""
        return self.log.cut_torn_tail(keep)

    def _appended(self, events: list[Event]) -> Appended | None:
        """This write as the index may take it without reading it back."""
        span = self.log.last_span
        if span is None or not events or span[2] != len(events):
            return None  # a key's registration was written too: read it back
        return Appended(span[0], span[1], events)

    @property
    def signatures_required(self) -> bool:
        """Recorded at creation (``case.json`` and the ``case.created`` event)."""
        return self.identity.get("signatures") == "required"

    def _remember_head(self) -> None:
        """This write's head in the examiner's head ledger, outside the case."""
        written = self.log.last_written
        if written is not None and written[0] is not None:
            record_head(written[0], self.id, written[1], written[2], self.path)

    def refresh(self, appended: Appended | None = None) -> None:
        """Bring the registered derived views up to the log's head (best effort: they are
        views). ``appended``: the events this writer just wrote, and where."""
        self.views.refresh(self, appended)

    def rebuild(self) -> list[Path]:
        """Rebuild the registered derived views from scratch; where they are."""
        return self.views.rebuild(self)


def create_folder(
    root: Path | str | None,
    identity: dict[str, Any],
    actor: dict[str, Any],
    views: Callable[[Path], DerivedViews] = DerivedViews,
) -> CaseWriter:
    """Make a case folder with ``case.json`` and its ``case.created`` event, atomically.

    The folder is built beside its final place and renamed into it: no half-made
    case is ever visible, and an existing case is never touched.
    """
    case_id = validate_case_id(identity["id"])
    base = resolve_root(root)
    final = base / case_id
    if final.exists():
        raise CaseExists(case_id, final)
    base.mkdir(parents=True, exist_ok=True)
    work = base / f".{case_id}.creating-{uuid.uuid4().hex}"
    try:
        work.mkdir()
        for sub in SUBDIRS:
            (work / sub).mkdir()
        atomic_write(work / "case.json", json.dumps(identity, indent=2).encode() + b"\n")
        building = CaseFolder(work, identity)
        building.log.create()
        building.log.append(
            EventDraft(CREATED, details=dict(identity)),
            actor,
            required=identity.get("signatures") == "required",
        )
        fsync_dir(work)
        if final.exists():
            raise CaseExists(case_id, final)
        os.rename(work, final)
        fsync_dir(base)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    writer = CaseWriter(final, identity, views(final))
    writer.log.last_written = building.log.last_written
    writer._remember_head()
    writer.refresh()
    return writer


def _vouched(examiner_id: str, key_id: str) -> bool:
    """Does the configured trust store vouch for ``key_id`` as ``examiner_id``'s key?"""

    store = resolve_trust()
    entry = store.for_key(key_id) if store is not None else None
    return entry is not None and entry.examiner == examiner_id


def _require_declared(action: str) -> None:
    """Every event on the record has a declared type (its meaning, summary and
    disclosure rule); the types the log writes itself are not for callers."""
    declared = action_type(action)
    if declared is None:
        raise UndeclaredAction(
            action,
            f"no installed package declares it (entry point group {ACTIONS_GROUP}; "
            "docs/collectors.md#event-types)",
        )
    if declared.internal:
        raise UndeclaredAction(action, "only the custody log itself writes it")
