"""Disposition: deleting what a closed case may no longer keep, on the record (issue 22).

Three steps, each durable before the next, so that a crash never leaves it half said:

1. ``disposition.started`` (signed, like every event, when the examiner has a key):
   the authorization, who approved it and why, each exhibit to dispose with its
   SHA-256, size, role and reason, and which blobs will be deleted (a blob that an
   exhibit not disposed still holds is kept, and the event says for whom);
2. those blobs are deleted (their directories fsync'ed), and the derived views with
   them (``derived/``: index, tables, caches, reports), which are made again from
   what remains;
3. ``disposition.completed``: what was deleted, how many bytes, and the seq of step 1.

Just before step 2 the case's records state is read again: a legal hold placed (or the
case reopened) since the intent was recorded stops the deletion, and the completion
records the disposal as ``cancelled``, naming what (if anything) was gone already.

A crash between 1 and 3 leaves a started disposal without its completion:
``verify`` reports it as crash residue (``interrupted-disposition``) and ``repair``
finishes it. The custody log stays; ``verify`` reads the disposals from it
(``DisposalLedger``) and expects exactly those blobs to be gone.
"""

from __future__ import annotations

import html
import os
import shutil
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from osint_kit.base.dates import utc_now
from osint_kit.base.display import facts, table
from osint_kit.base.files import atomic_write, fsync_dir
from osint_kit.base.labels import label_runs
from osint_kit.errors import OutputExists, RecordsRefused, StorageError, UnknownExhibit
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.write import CaseWriter
from osint_kit.lifecycle.records import RecordsState, require_disposable
from osint_kit.record.chain import is_hex64
from osint_kit.record.events import Event, EventDraft, Subject
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Exhibit, exhibits_from_events
from osint_kit.version import __version__

STARTED = "disposition.started"
COMPLETED = "disposition.completed"
#: The role of a disposed exhibit among the started event's subjects.
SUBJECT_ROLE = "disposed"
#: What ``verify`` calls a disposal a crash stopped, and a blob still there after one.
INTERRUPTED = "interrupted-disposition"
INCOMPLETE = "disposal-incomplete"


@dataclass(frozen=True)
class DisposedExhibit:
    """One exhibit a disposal covers, as its ``disposition.started`` event lists it."""

    label: str
    sha256: str
    size: int
    role: str
    media_type: str | None
    reason: str
    #: The disposed exhibits it was derived from (empty for one chosen).
    derived_from: tuple[str, ...] = ()
    #: What still holds the same bytes and is not disposed: the blob is kept for them.
    kept_for: tuple[str, ...] = ()

    @property
    def blob_deleted(self) -> bool:
        return not self.kept_for

    def to_json(self) -> dict[str, Any]:
        return {
            "exhibit": self.label,
            "sha256": self.sha256,
            "size": self.size,
            "role": self.role,
            "media_type": self.media_type,
            "reason": self.reason,
            "derived_from": list(self.derived_from),
            "kept_for": list(self.kept_for),
        }

    @classmethod
    def from_json(cls, data: object) -> DisposedExhibit | None:
        """Read defensively (the log may hold anything): None for an unusable entry."""
        if not isinstance(data, Mapping):
            return None
        label, sha, size = data.get("exhibit"), data.get("sha256"), data.get("size")
        if not isinstance(label, str) or not is_hex64(sha) or type(size) is not int:
            return None
        media = data.get("media_type")
        return cls(
            label=label,
            sha256=str(sha),
            size=size,
            role=_text(data.get("role")),
            media_type=media if isinstance(media, str) else None,
            reason=_text(data.get("reason")),
            derived_from=_texts(data.get("derived_from")),
            kept_for=_texts(data.get("kept_for")),
        )


@dataclass(frozen=True)
class Disposal:
    """One disposal as the log records it: its ``disposition.started`` event, and what
    its ``disposition.completed`` said, once there is one."""

    seq: int
    time: str
    actor: Mapping[str, Any]
    authorization: str
    approved_by: str
    reason: str
    scope: str
    exhibits: tuple[DisposedExhibit, ...]
    #: The blobs to delete (SHA-256).
    blobs: tuple[str, ...]
    bytes: int
    completed_seq: int | None = None
    completed_time: str | None = None
    completed: Mapping[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.completed_seq is not None

    @property
    def cancelled(self) -> str:
        """Why the deletion was stopped (a hold placed meanwhile), or ""."""
        return _text(self.completed.get("cancelled"))

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(d.label for d in self.exhibits)

    @classmethod
    def read(cls, obj: Mapping[str, Any]) -> Disposal | None:
        """From a ``disposition.started`` event as parsed from the log, else None."""
        seq, d = obj.get("seq"), obj.get("details")
        if type(seq) is not int or not isinstance(d, Mapping):
            return None
        listed = d.get("exhibits")
        exhibits = (
            [DisposedExhibit.from_json(x) for x in listed] if isinstance(listed, list) else []
        )
        blobs = d.get("blobs")
        shas = (
            [b.get("sha256") for b in blobs if isinstance(b, Mapping)]
            if isinstance(blobs, list)
            else []
        )
        actor = obj.get("actor")
        size = d.get("bytes")
        return cls(
            seq=seq,
            time=_text(obj.get("time")),
            actor=actor if isinstance(actor, Mapping) else {},
            authorization=_text(d.get("authorization")),
            approved_by=_text(d.get("approved_by")),
            reason=_text(d.get("reason")),
            scope=_text(d.get("scope")),
            exhibits=tuple(x for x in exhibits if x is not None),
            blobs=tuple(dict.fromkeys(str(s) for s in shas if is_hex64(s))),
            bytes=size if type(size) is int else 0,
        )


class DisposalLedger:
    """What the log says was disposed, folded in event by event (``verify`` feeds it the
    lines it parses; ``of`` reads ``Event`` objects). A blob is expected gone from the
    disposal that lists it on, unless a new exhibit names the same bytes after it (the
    same file handed over again): then it must be there again."""

    def __init__(self) -> None:
        self.disposals: dict[int, Disposal] = {}
        #: sha256 -> the last seq at which a new exhibit named it.
        self._introduced: dict[str, int] = {}
        self._labels: set[str] = set()

    @classmethod
    def of(cls, events: Iterable[Event]) -> DisposalLedger:
        ledger = cls()
        for event in events:
            ledger.see_event(event)
        return ledger

    def see_event(self, event: Event) -> None:
        for s in event.subjects:
            if s.exhibit and s.exhibit not in self._labels:
                self._labels.add(s.exhibit)
                self.introduce(s.sha256, event.seq)
        if event.action in (STARTED, COMPLETED):
            self.see(
                {
                    "seq": event.seq,
                    "time": event.time,
                    "actor": event.actor,
                    "action": event.action,
                    "details": event.details,
                }
            )

    def introduce(self, sha256: str, seq: int) -> None:
        """A new exhibit names ``sha256`` at ``seq``."""
        self._introduced[sha256] = max(seq, self._introduced.get(sha256, 0))

    def see(self, obj: Mapping[str, Any]) -> None:
        """A ``disposition.*`` event as parsed from the log (others are ignored)."""
        action, seq = obj.get("action"), obj.get("seq")
        if action == STARTED and type(seq) is int:
            found = Disposal.read(obj)
            if found is not None:
                self.disposals.setdefault(seq, found)
        elif action == COMPLETED and type(seq) is int:
            d = obj.get("details")
            d = d if isinstance(d, Mapping) else {}
            at = d.get("started")
            started = self.disposals.get(at) if type(at) is int else None
            if started is not None and not started.done and seq > started.seq:
                done = replace(
                    started, completed_seq=seq, completed_time=_text(obj.get("time")), completed=d
                )
                if done.cancelled:  # only what was gone already counts as disposed
                    gone = set(_texts(d.get("already_gone"))) & set(started.blobs)
                    done = replace(
                        done,
                        blobs=tuple(b for b in started.blobs if b in gone),
                        exhibits=tuple(x for x in started.exhibits if x.sha256 in gone),
                    )
                self.disposals[started.seq] = done

    def expected_gone(self, sha256: str) -> Disposal | None:
        """The disposal that took ``sha256`` away, if no new exhibit named it since."""
        if not self.disposals:
            return None
        since = self._introduced.get(sha256, 0)
        for seq in sorted(self.disposals, reverse=True):
            if seq <= since:
                return None
            if sha256 in self.disposals[seq].blobs:
                return self.disposals[seq]
        return None

    def should_be_gone(self, sha256: str) -> Disposal | None:
        """As ``expected_gone``, for a disposal that says it is complete."""
        found = self.expected_gone(sha256)
        return found if found is not None and found.done else None

    def named_after(self, sha256: str, seq: int) -> bool:
        return self._introduced.get(sha256, 0) > seq

    def interrupted(self) -> list[Disposal]:
        return [d for _, d in sorted(self.disposals.items()) if not d.done]

    def disposed_labels(self) -> dict[str, Disposal]:
        """Every exhibit a disposal covers (an interrupted one too), with that disposal."""
        return {x.label: d for _, d in sorted(self.disposals.items()) for x in d.exhibits}


def disposed_exhibits(events: Iterable[Event]) -> dict[str, Disposal]:
    """Exhibit label -> the disposal that covers it: for every reader of blobs (an export
    of a disposed exhibit is refused: its bytes are gone by decision, not by accident)."""
    return DisposalLedger.of(events).disposed_labels()


# -- planning ------------------------------------------------------------------


@dataclass(frozen=True)
class DispositionPlan:
    """What a disposal would take: the exhibits and the blobs (``plan_disposal``)."""

    case_id: str
    scope: str
    exhibits: tuple[DisposedExhibit, ...]
    #: (sha256, size, present in the store now) of each blob to delete.
    blobs: tuple[tuple[str, int, bool], ...]

    @property
    def bytes(self) -> int:
        return sum(size for _, size, _ in self.blobs)

    def text(self) -> str:
        lines = [
            f"disposal of {len(self.exhibits)} exhibit(s) of case {self.case_id}: "
            f"{len(self.blobs)} blob(s), {self.bytes:,} bytes to delete"
        ]
        lines += [f"  {_exhibit_line(x)}" for x in self.exhibits]
        lines += [
            f"  blob {sha[:16]}… is already missing from the store" for sha, _, here in self.blobs
            if not here
        ]  # fmt: skip
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text())}</pre>"


def plan_disposal(
    case: CaseFolder, exhibits: Sequence[str] | None, *, reason: str = ""
) -> DispositionPlan:
    """What ``dispose`` with these exhibits (all when None) would delete, without doing
    it (a dry run: neither the case's state nor the authorization is checked). Raises
    ``UnknownExhibit`` for an exhibit the case does not have, and ``RecordsRefused`` for
    one already disposed (or nothing left to dispose)."""
    return _plan(case, list(case.log.events()), exhibits, reason)


def _plan(
    case: CaseFolder, events: list[Event], chosen: Sequence[str] | None, reason: str
) -> DispositionPlan:
    if isinstance(chosen, str | bytes):
        raise RecordsRefused(f"give a list of exhibits, not one string ({chosen!r})")
    every = {ex.label: ex for ex in exhibits_from_events(events, case.store.path_for)}
    ledger = DisposalLedger.of(events)
    gone = ledger.disposed_labels()
    doomed: dict[str, tuple[str, ...]]  # label -> the disposed inputs it was derived from
    if chosen is None:
        doomed = {label: () for label in every if label not in gone}
        if not doomed:
            raise RecordsRefused(f"case {case.id} has no exhibit left that is not disposed")
    else:
        if not chosen:
            raise RecordsRefused("no exhibit was named (name them, or dispose of the case)")
        doomed = {}
        for label in dict.fromkeys(chosen):
            if label not in every:
                raise UnknownExhibit(label, case.id)
            if label in gone:
                raise RecordsRefused(
                    f"exhibit {label} was disposed already (at seq {gone[label].seq}, under "
                    f"{gone[label].authorization})"
                )
            doomed[label] = ()
    for event in events:  # in log order: a derived exhibit comes after its inputs
        if event.action != "analysis.derived":
            continue
        spec = event.details.get("derived")
        inputs = spec.get("inputs") if isinstance(spec, Mapping) else None
        found = (
            tuple(str(i) for i in inputs if str(i) in doomed) if isinstance(inputs, list) else ()
        )
        for label in event.exhibits if found else ():
            if label not in doomed and label not in gone:
                doomed[label] = found
    holders: dict[str, list[str]] = {}
    for label, ex in every.items():
        if label not in doomed and label not in gone:
            holders.setdefault(ex.sha256, []).append(label)
    for event in events:  # bytes the log keeps for itself (a torn line's tail)
        for s in event.subjects:
            if s.exhibit is None:
                holders.setdefault(s.sha256, []).append(f"seq {event.seq} ({event.action})")
    listed = []
    blobs: dict[str, tuple[str, int, bool]] = {}
    for label, inputs in doomed.items():
        ex = every[label]
        kept = tuple(holders.get(ex.sha256, ()))
        listed.append(_disposed(ex, reason, inputs, kept))
        if not kept:
            blobs.setdefault(ex.sha256, (ex.sha256, ex.size, case.store.exists(ex.sha256)))
    return DispositionPlan(
        case.id,
        "case" if chosen is None else "exhibits",
        tuple(sorted(listed, key=lambda x: x.label)),
        tuple(blobs.values()),
    )


def _disposed(
    ex: Exhibit, reason: str, inputs: tuple[str, ...], kept: tuple[str, ...]
) -> DisposedExhibit:
    return DisposedExhibit(
        ex.label, ex.sha256, ex.size, ex.role, ex.media_type, reason, inputs, kept
    )


# -- disposing -----------------------------------------------------------------


def dispose(
    case: CaseWriter,
    *,
    exhibits: Sequence[str] | None,
    authorization: str,
    approved_by: str,
    reason: str,
    examiner: Examiner,
) -> DispositionReport:
    """Dispose of ``exhibits`` (the whole case when None), every exhibit derived from them,
    and the derived views, in the three recorded steps of this module's docstring.

    Refused before anything is written (``RecordsRefused``): without an authorization,
    an approver or a reason; for an open case (and ``UnderLegalHold`` for a held one);
    for an exhibit disposed already; while a crash's residue that may hold the bytes
    waits for ``repair`` (an interrupted disposal, export or import). ``UnknownExhibit``
    for an exhibit the case does not have.
    """
    authorization = _required(authorization, "the authorization for the disposal (its reference)")
    approved_by = _required(approved_by, "who approved the disposal")
    reason = _required(reason, "a reason for the disposal")
    events = list(case.log.events())
    state = RecordsState.of(events)
    require_disposable(state)
    _require_no_residue(case, DisposalLedger.of(events))
    plan = _plan(case, events, exhibits, reason)
    details: dict[str, Any] = {
        "authorization": authorization,
        "approved_by": approved_by,
        "reason": reason,
        "scope": plan.scope,
        "requested": list(dict.fromkeys(exhibits)) if exhibits is not None else None,
        "exhibits": [x.to_json() for x in plan.exhibits],
        "blobs": [{"sha256": s, "size": n, "present": here} for s, n, here in plan.blobs],
        "bytes": plan.bytes,
        "derived_views": "derived/ (index, tables, caches, reports): removed, made again "
        "from what remains",
        "records": {"status": state.status, "closed_seq": state.closed_seq},
    }
    subjects = [
        Subject(x.sha256, x.size, SUBJECT_ROLE, x.label, x.media_type) for x in plan.exhibits
    ]
    started = case.append(EventDraft(STARTED, details=details, subjects=subjects), examiner.actor())
    disposal = Disposal.read(started.to_json())
    assert disposal is not None
    carry_out(case, disposal, examiner, by_repair=False)
    return disposition_report(case, started.seq)


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
    views = _remove_derived_views(case)
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
    return case.append(EventDraft(COMPLETED, details=details), examiner.actor())


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
        "derived_views_removed": _remove_derived_views(case) if missing else [],
        "completed_by_repair": by_repair,
    }
    return case.append(EventDraft(COMPLETED, details=details), examiner.actor())


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


def _remove_derived_views(case: CaseFolder) -> list[str]:
    """Everything in ``derived/`` (index, tables, caches, a report with thumbnails): it may
    hold the disposed content, and all of it is made again from what remains. A
    ``derived`` that is a link is not followed."""
    folder = case.derived
    if folder.is_symlink() or not folder.is_dir():
        return []
    removed = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink(missing_ok=True)
        removed.append(f"derived/{entry.name}")
    fsync_dir(folder)
    return removed


def _require_no_residue(case: CaseFolder, ledger: DisposalLedger) -> None:
    """A crash's residue may hold the bytes (an export's hard links to the blobs, a part
    file), or must be finished first (a disposal): repair first, then dispose."""
    from osint_kit.folder.export_residue import WORK

    for left in ledger.interrupted():
        raise RecordsRefused(
            f"the disposal started at seq {left.seq} was interrupted: osint-kit repair "
            "finishes it; dispose again afterwards"
        )
    exporting = case.path / WORK
    if exporting.is_dir() and any(exporting.iterdir()):
        raise RecordsRefused(
            f"an export is running, or a crash interrupted one ({WORK}/ links to the "
            "evidence): wait for it, or run osint-kit repair, then dispose"
        )
    if case.store.leftover_parts() or case.store.stale_downloads():
        raise RecordsRefused(
            "an import or download is running, or a crash left its files (blobs/.incoming, "
            "blobs/.downloads): wait for it, or run osint-kit repair, then dispose"
        )


# -- the report and the certificate ---------------------------------------------


@dataclass(frozen=True)
class ExportRecord:
    """A bundle exported from the case (``export.created``): a copy outside the case."""

    seq: int
    time: str
    recipient: str
    authorization: str
    purpose: str
    bundle: str
    sha256: str
    path: str
    exhibits: tuple[str, ...]
    #: The exhibits of the bundle that the disposal covers: copies of them are out there.
    disposed: tuple[str, ...]
    #: The bundle file is still at its recorded path on this machine.
    present: bool


@dataclass(frozen=True)
class DispositionReport:
    """One disposal read back from the log, with what remains of the case and the bundles
    exported before it (``disposition_report``); ``certificate_html`` for the records
    officer."""

    identity: Mapping[str, Any]
    disposal: Disposal
    remaining_exhibits: int
    remaining_blobs: int
    remaining_bytes: int
    events: int
    head_seq: int
    head_hash: str
    exports: tuple[ExportRecord, ...]
    records: RecordsState

    @property
    def case_id(self) -> str:
        return str(self.identity.get("id", ""))

    @property
    def disposed(self) -> tuple[DisposedExhibit, ...]:
        return self.disposal.exhibits

    @property
    def kept(self) -> tuple[DisposedExhibit, ...]:
        """Disposed exhibits whose blob stays, for what still holds the same bytes."""
        return tuple(x for x in self.disposal.exhibits if x.kept_for)

    @property
    def started_seq(self) -> int:
        return self.disposal.seq

    @property
    def completed_seq(self) -> int | None:
        return self.disposal.completed_seq

    @property
    def bytes_deleted(self) -> int:
        value = self.disposal.completed.get("bytes_deleted")
        return value if type(value) is int else 0

    def text(self) -> str:
        d = self.disposal
        by_repair = " (finished by repair)" if _by_repair(d) else ""
        state = (
            f"completed at seq {d.completed_seq}{by_repair}"
            if d.done
            else "NOT COMPLETE (interrupted: osint-kit repair finishes it)"
        )
        if d.cancelled:
            state = f"CANCELLED at seq {d.completed_seq}{by_repair}: {d.cancelled}"
        lines = [
            f"disposal of case {self.case_id} started at seq {d.seq}, {state}",
            f"  authorization {d.authorization}, approved by {d.approved_by}, by {_who(d.actor)}",
            f"  reason: {d.reason}",
            f"  {len(d.exhibits)} exhibit(s) disposed; {len(d.blobs)} blob(s) "
            f"({self.bytes_deleted:,} bytes) deleted",
        ]
        lines += [f"    {_exhibit_line(x)}" for x in d.exhibits]
        lines.append(
            f"  remains: {self.remaining_exhibits} exhibit(s), {self.remaining_blobs} blob(s), "
            f"{self.remaining_bytes:,} bytes; the custody log ({self.events} events) stays"
        )
        for e in self.exports:
            lines.append(
                f"  copies outside the case, not disposed by this: {e.bundle} to {e.recipient} "
                f"under {e.authorization} ({e.time[:10]}), holds "
                f"{label_runs(list(e.disposed)) or 'none'} of the disposed exhibits"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<div class='osint-kit-disposition'>{self._body_html()}</div>"

    def certificate_html(self) -> str:
        """A self-contained HTML certificate of this disposal (everything escaped)."""
        from osint_kit.disclosure.bundle.layout import MARKING

        title = f"Certificate of disposition: case {self.case_id}"
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<p class='marking'>{html.escape(MARKING)}</p>"
            f"<h1>{html.escape(title)}</h1>"
            + self._body_html()
            + "<h2>Signed</h2><p>Records officer: ____________________ &nbsp; Date: "
            "____________</p>"
            f"<p class='small'>Made by osint-kit {html.escape(__version__)} at "
            f"{html.escape(utc_now())} from the custody log of the case (head seq "
            f"{self.head_seq}, hash <code>{html.escape(self.head_hash)}</code>); "
            f"<code>osint-kit verify {html.escape(self.case_id)}</code> checks that log and "
            "what remains.</p></body></html>"
        )

    def write_certificate(
        self, path: Path | str, *, pdf: bool = False, force: bool = False, progress: bool = False
    ) -> Path:
        """Write ``certificate_html`` to ``path`` atomically (and, with ``pdf``, printed
        by Chromium beside it, same name ``.pdf``). An existing file is replaced only
        with ``force`` (else ``OutputExists``)."""
        path = Path(path)
        printed = path.with_suffix(".pdf")
        for target in (path, printed) if pdf else (path,):
            if target.exists() and not force:
                raise OutputExists(target, "use force=True / --force to replace it")
        page = self.certificate_html()
        try:
            atomic_write(path, page.encode("utf-8"), mode=0o644)
        except OSError as exc:
            raise StorageError(path, exc.strerror or str(exc)) from exc
        if pdf:
            from osint_kit.disclosure.bundle.layout import MARKING
            from osint_kit.formats.pdf import print_pdf

            print_pdf(page, printed, case_id=self.case_id, marking=MARKING, progress=progress)
        return path

    def _body_html(self) -> str:
        d = self.disposal
        remains = facts(
            [
                ("exhibits", f"{self.remaining_exhibits:,}"),
                ("blobs", f"{self.remaining_blobs:,}"),
                ("bytes", f"{self.remaining_bytes:,}"),
                ("custody log", f"kept: {self.events:,} events, head seq {self.head_seq} "
                 f"({self.head_hash[:16]}…); it still names each disposed exhibit, its "
                 "SHA-256 and where it came from"),
            ]
        )  # fmt: skip
        gone = _texts(d.completed.get("already_gone"))
        missing = (
            f"<p>Already missing from the store before the disposal: "
            f"{html.escape(', '.join(gone))}</p>"
            if gone
            else ""
        )
        return (
            self._facts_html()
            + f"<h2>Disposed: {len(d.exhibits):,} exhibit(s); {len(d.blobs):,} blob(s), "
            f"{self.bytes_deleted:,} bytes deleted</h2>"
            + table(_EXHIBIT_HEAD, [_exhibit_row(x) for x in d.exhibits])
            + missing
            + f"<h2>What remains in the case</h2>{remains}"
            + "<h2>Copies outside the case, not disposed by this</h2>"
            + self._exports_html()
            + "<h2>What deleting means</h2><p>The case's copy of each blob was deleted (its "
            "file unlinked). That does not wipe every copy: backups, snapshots, copy-on-write "
            "and journalled file systems, SSD wear levelling and the bundles above may keep "
            "the bytes. See docs/disposition.md.</p>"
        )

    def _facts_html(self) -> str:
        d, ident, rec = self.disposal, self.identity, self.records
        auth = ident.get("authority")
        auth = auth if isinstance(auth, Mapping) else {}
        by_repair = " (finished by osint-kit repair)" if _by_repair(d) else ""
        done = f"seq {d.completed_seq}, {d.completed_time}{by_repair}"
        if d.cancelled:
            done = f"CANCELLED at {done}: {d.cancelled}"
        closed = (
            f" (closed at seq {rec.closed_seq}: {rec.close_reason}; approved by "
            f"{rec.closed_approved_by})"
            if rec.is_closed
            else ""
        )
        return facts(
            [
                ("case", f"{self.case_id}: {_text(ident.get('title'))}"),
                ("category", _text(ident.get("category"))),
                ("case authority", f"{_text(auth.get('reference'))}, approved by "
                 f"{_text(auth.get('approved_by'))} on {_text(auth.get('approved_at'))}"),
                ("case status", rec.status + closed),
                ("disposal authorization", d.authorization),
                ("approved by", d.approved_by),
                ("reason", d.reason),
                ("carried out by", _who(d.actor)),
                ("scope", "the whole case" if d.scope == "case" else "chosen exhibits"),
                ("started", f"seq {d.seq}, {d.time}"),
                ("completed", done if d.done else "NOT COMPLETE: osint-kit repair finishes it"),
            ]
        )  # fmt: skip

    def _exports_html(self) -> str:
        if not self.exports:
            return "<p>No bundle was exported from this case before the disposal.</p>"
        rows = [
            (
                html.escape(e.time),
                str(e.seq),
                html.escape(e.recipient),
                html.escape(e.authorization),
                f"{html.escape(e.bundle)}<br><code>{html.escape(e.sha256)}</code>",
                html.escape(label_runs(list(e.disposed)) or "none"),
                html.escape(f"yes, at {e.path}" if e.present else "not at its recorded path"),
            )
            for e in self.exports
        ]
        return (
            "<p>Bundles exported before the disposal: copies outside the case, which this "
            "disposal did not touch. Their recipients hold them.</p>" + table(_EXPORT_HEAD, rows)
        )


_EXHIBIT_HEAD = ("exhibit", "role", "media type", "bytes", "sha256", "reason", "blob")
_EXPORT_HEAD = (
    "exported",
    "seq",
    "recipient",
    "authorization",
    "bundle and sha256",
    "disposed exhibits in it",
    "on this machine",
)


def _exhibit_row(x: DisposedExhibit) -> tuple[str, ...]:
    derived = f" (derived from {', '.join(x.derived_from)})" if x.derived_from else ""
    kept = f"kept: the same bytes are still held by {', '.join(x.kept_for)}"
    return (
        html.escape(x.label),
        html.escape(x.role),
        html.escape(x.media_type or ""),
        f"{x.size:,}",
        f"<code>{html.escape(x.sha256)}</code>",
        html.escape(x.reason + derived),
        "deleted" if x.blob_deleted else html.escape(kept),
    )


def _by_repair(d: Disposal) -> bool:
    return d.completed.get("completed_by_repair") is True


def disposition_report(case: CaseFolder, seq: int | None = None) -> DispositionReport:
    """The disposal started at ``seq`` (the latest when None), read from the log, with
    what remains of the case now and the bundles exported before it. ``RecordsRefused``
    when there is no such disposal."""
    events = list(case.log.events())
    ledger = DisposalLedger.of(events)
    if not ledger.disposals:
        raise RecordsRefused(f"case {case.id} has no disposal on its record")
    if seq is None:
        seq = max(ledger.disposals)
    if seq not in ledger.disposals:
        raise RecordsRefused(f"no disposal of case {case.id} started at seq {seq}")
    disposal = ledger.disposals[seq]
    gone = ledger.disposed_labels()
    remaining = [
        ex for ex in exhibits_from_events(events, case.store.path_for) if ex.label not in gone
    ]
    sizes = {ex.sha256: ex.size for ex in remaining}
    covered = set(disposal.labels)
    exports = []
    for e in events:
        if e.action != "export.created" or e.seq >= seq:
            continue
        bundle = e.details.get("bundle")
        bundle = bundle if isinstance(bundle, Mapping) else {}
        where = _text(bundle.get("path"))
        exports.append(
            ExportRecord(
                seq=e.seq,
                time=e.time,
                recipient=_text(e.details.get("recipient")),
                authorization=_text(e.details.get("authorization")),
                purpose=_text(e.details.get("purpose")),
                bundle=_text(bundle.get("name")),
                sha256=_text(bundle.get("sha256")),
                path=where,
                exhibits=e.exhibits,
                disposed=tuple(x for x in e.exhibits if x in covered),
                present=bool(where) and os.path.lexists(where),
            )
        )
    return DispositionReport(
        identity=dict(case.identity),
        disposal=disposal,
        remaining_exhibits=len(remaining),
        remaining_blobs=len(sizes),
        remaining_bytes=sum(sizes.values()),
        events=len(events),
        head_seq=events[-1].seq,
        head_hash=events[-1].hash,
        exports=tuple(exports),
        records=RecordsState.of(events),
    )


_STYLE = (
    "body{font-family:sans-serif;font-size:11pt;margin:2em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #999;padding:.2em .4em;vertical-align:top}"
    "code{font-size:9pt;word-break:break-all}.marking{font-weight:bold;color:#a00}"
    ".small{font-size:9pt;color:#555}"
)


def _exhibit_line(x: DisposedExhibit) -> str:
    why = f" (derived from {', '.join(x.derived_from)})" if x.derived_from else ""
    blob = "blob deleted" if x.blob_deleted else f"blob kept: still held by {', '.join(x.kept_for)}"
    return f"{x.label} {x.role} {x.size:,} bytes sha256 {x.sha256}{why}: {blob}"


def _who(actor: Mapping[str, Any]) -> str:
    name, ident, agency = (_text(actor.get(k)) for k in ("name", "id", "agency"))
    return f"{name} ({ident}, {agency})" if ident else name


def _required(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordsRefused(f"{what} is required; nothing was disposed of")
    return value.strip()


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _texts(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value if isinstance(v, str)) if isinstance(value, list) else ()
