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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from osint_kit.errors import RecordsRefused, UnknownExhibit
from osint_kit.folder.disposal import carry_out
from osint_kit.folder.export_residue import WORK
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.write import CaseWriter
from osint_kit.lifecycle.certificate import DispositionReport, _exhibit_line, disposition_report
from osint_kit.record.builtin_actions import DERIVED, DISPOSAL_STARTED
from osint_kit.record.case_state import RecordsState, require_disposable
from osint_kit.record.disposals import SUBJECT_ROLE, Disposal, DisposalLedger, DisposedExhibit
from osint_kit.record.events import Event, EventDraft, Subject
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Exhibit, exhibits_from_events

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
        if event.action != DERIVED:
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
    draft = EventDraft(DISPOSAL_STARTED, details=details, subjects=subjects)
    started = case.append(draft, examiner.actor())
    disposal = Disposal.read(started.to_json())
    assert disposal is not None
    carry_out(case, disposal, examiner, by_repair=False)
    return disposition_report(case, started.seq)


def _require_no_residue(case: CaseFolder, ledger: DisposalLedger) -> None:
    """A crash's residue may hold the bytes (an export's hard links to the blobs, a part
    file), or must be finished first (a disposal): repair first, then dispose."""

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


def _required(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordsRefused(f"{what} is required; nothing was disposed of")
    return value.strip()
