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

Before step 1 the case's date is read (``retention_due``): a disposal before it is
refused unless it is given an authority for early disposal (its reference and reason),
and is then recorded as early (``early``), with the date it came before.

Just before step 2 the case's records state is read again: a legal hold placed (or the
case reopened) since the intent was recorded stops the deletion, and the completion
records the disposal as ``cancelled``, naming what (if anything) was gone already.

A crash between 1 and 3 leaves a started disposal without its completion:
``verify`` reports it as crash residue (``interrupted-disposition``) and ``repair``
finishes it. The custody log stays; ``verify`` reads the disposals from it
(``DisposalLedger``) and expects exactly those blobs to be gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from osint_kit.base.text import shown_in_html
from osint_kit.errors import RecordsRefused, UnknownExhibit
from osint_kit.folder.disposal import carry_out
from osint_kit.folder.export_residue import WORK
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.write import CaseWriter
from osint_kit.lifecycle.certificate import DispositionReport, _exhibit_line, disposition_report
from osint_kit.lifecycle.due import RetentionDue, retention_due
from osint_kit.lifecycle.retention import RetentionSchedule
from osint_kit.record.builtin_actions import DERIVED, DISPOSAL_STARTED
from osint_kit.record.case_state import RecordsState, require_disposable
from osint_kit.record.disposals import SUBJECT_ROLE, Disposal, DisposalLedger, DisposedExhibit
from osint_kit.record.events import Event, EventDraft, Subject
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Exhibit, exhibits_from_events

# -- planning ------------------------------------------------------------------


@dataclass(frozen=True)
class DispositionPlan:
    """What a disposal would do (``plan_disposal``): the exhibits and blobs it would delete,
    or, when a real run would be refused, why (``refused``; then nothing is listed)."""

    case_id: str
    scope: str
    exhibits: tuple[DisposedExhibit, ...]
    #: (sha256, size, present in the store now) of each blob to delete.
    blobs: tuple[tuple[str, int, bool], ...]
    #: The date the case is due on, when it could be read.
    retention: RetentionDue | None = None
    #: For a disposal before that date: what its started event would record as ``early``.
    early: dict[str, Any] | None = None
    #: The refusal a real run would raise (``RecordsRefused`` or ``UnderLegalHold``).
    refusal: RecordsRefused | None = field(default=None, compare=False)

    @property
    def refused(self) -> str:
        """Why a real run would be refused, or ""."""
        return self.refusal.reason if self.refusal is not None else ""

    @property
    def bytes(self) -> int:
        return sum(size for _, size, _ in self.blobs)

    def text(self) -> str:
        if self.refusal is not None:
            return (
                f"a disposal of case {self.case_id} would be refused: {self.refused}\n"
                "  nothing would be deleted"
            )
        lines = [
            f"a disposal of {len(self.exhibits)} exhibit(s) of case {self.case_id} would "
            f"delete {len(self.blobs)} blob(s), {self.bytes:,} bytes"
        ]
        if self.early is not None:
            lines.append(
                f"  EARLY: before its {self.early.get('action') or 'retention'} date "
                f"{self.early.get('before') or '(unreadable)'}, under {self.early['authority']}: "
                f"{self.early['reason']}"
            )
        elif self.retention is not None:
            lines.append(
                f"  due for {self.retention.action} since {self.retention.due_on} "
                f"({self.retention.basis})"
            )
        lines += [f"  {_exhibit_line(x, would=True)}" for x in self.exhibits]
        lines += [
            f"  blob {sha[:16]}… is already missing from the store" for sha, _, here in self.blobs
            if not here
        ]  # fmt: skip
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{shown_in_html(self.text())}</pre>"


def plan_disposal(
    case: CaseFolder,
    exhibits: Sequence[str] | None,
    *,
    authorization: str | None = None,
    approved_by: str | None = None,
    reason: str | None = None,
    early_authority: str | None = None,
    early_reason: str | None = None,
    schedule: RetentionSchedule | None = None,
) -> DispositionPlan:
    """What ``dispose`` with the same arguments would do, without doing it (a dry run):
    the same checks in the same order (``authorization`` and ``approved_by`` only when
    given), and a refusal returned in ``refused``, not raised. Raises ``UnknownExhibit``
    for an exhibit the case does not have, as ``dispose`` does."""
    events = list(case.log.events())
    try:
        return _checked(
            case,
            events,
            exhibits,
            authorization=authorization,
            approved_by=approved_by,
            reason=reason,
            early_authority=early_authority,
            early_reason=early_reason,
            schedule=schedule,
        )
    except RecordsRefused as exc:
        return DispositionPlan(case.id, "case" if exhibits is None else "exhibits", (), (),
                               refusal=exc)  # fmt: skip


def _checked(
    case: CaseFolder,
    events: list[Event],
    exhibits: Sequence[str] | None,
    *,
    authorization: str | None,
    approved_by: str | None,
    reason: str | None,
    early_authority: str | None,
    early_reason: str | None,
    schedule: RetentionSchedule | None,
) -> DispositionPlan:
    """Every check ``dispose`` makes before it writes, in its order; the plan if all pass.
    ``None`` for authorization, approver or reason: not checked (a dry run's preview)."""
    for value, what in (
        (authorization, "the authorization for the disposal (its reference)"),
        (approved_by, "who approved the disposal"),
        (reason, "a reason for the disposal"),
    ):
        if value is not None:
            _required(value, what)
    state = RecordsState.of(events)
    require_disposable(state)
    due, early = _early(case, state, early_authority, early_reason, schedule)
    _require_no_residue(case, DisposalLedger.of(events))
    plan = _plan(case, events, exhibits, (reason or "").strip())
    return DispositionPlan(plan.case_id, plan.scope, plan.exhibits, plan.blobs, due, early)


def _early(
    case: CaseFolder,
    state: RecordsState,
    authority: str | None,
    reason: str | None,
    schedule: RetentionSchedule | None,
) -> tuple[RetentionDue | None, dict[str, Any] | None]:
    """The case's date, and the early-disposal record when it has not come: refused before
    it without an authority for early disposal, and with one once it has come."""
    given = authority is not None or reason is not None
    if given:
        authority = _required(authority, "the authority for an early disposal (its reference)")
        reason = _required(reason, "a reason for the early disposal (why before its date)")
    try:
        due: RetentionDue | None = retention_due(
            state, case.identity.get("category"), [schedule] if schedule else []
        )
        unreadable = ""
    except RecordsRefused as exc:
        due, unreadable = None, exc.reason
    today = datetime.now(UTC).date()
    if due is not None and due.due_on <= today:
        if given:
            raise RecordsRefused(
                f"case {case.id} has been due for {due.action} since {due.due_on} "
                f"({due.basis}): this is not an early disposal; give no early authority"
            )
        return due, None
    if not given:
        if due is None:
            why = f"its retention date cannot be read ({unreadable})"
        else:
            why = f"it is not due for disposal before {due.due_on} ({due.action}; {due.basis})"
        raise RecordsRefused(
            f"case {case.id}: {why}. Disposing of it earlier needs an authority for early "
            "disposal: its reference and a reason (--early REF --early-reason TEXT; "
            "early_authority=, early_reason=)"
        )
    early: dict[str, Any] = {
        "authority": authority,
        "reason": reason,
        "before": due.due_on.isoformat() if due is not None else None,
        "action": due.action if due is not None else None,
        "basis": due.basis if due is not None else unreadable,
    }
    return due, early


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
    early_authority: str | None = None,
    early_reason: str | None = None,
    schedule: RetentionSchedule | None = None,
) -> DispositionReport:
    """Dispose of ``exhibits`` (the whole case when None), every exhibit derived from them,
    and the derived views, in the three recorded steps of this module's docstring.

    Refused before anything is written (``RecordsRefused``): without an authorization,
    an approver or a reason; for an open case (and ``UnderLegalHold`` for a held one);
    before the case's date (``retention_due``; ``schedule`` dates a case closed without
    one) unless given ``early_authority`` and ``early_reason``, and with them once the
    date has come; for an exhibit disposed already; while a crash's residue that may
    hold the bytes waits for ``repair`` (an interrupted disposal, export or import).
    ``UnknownExhibit`` for an exhibit the case does not have.
    """
    events = list(case.log.events())
    plan = _checked(
        case,
        events,
        exhibits,
        authorization=authorization,
        approved_by=approved_by,
        reason=reason,
        early_authority=early_authority,
        early_reason=early_reason,
        schedule=schedule,
    )
    state = RecordsState.of(events)
    details: dict[str, Any] = {
        "authorization": authorization.strip(),
        "approved_by": approved_by.strip(),
        "reason": reason.strip(),
        "scope": plan.scope,
        "requested": list(dict.fromkeys(exhibits)) if exhibits is not None else None,
        "exhibits": [x.to_json() for x in plan.exhibits],
        "blobs": [{"sha256": s, "size": n, "present": here} for s, n, here in plan.blobs],
        "bytes": plan.bytes,
        "derived_views": "derived/ (index, tables, caches, reports): removed, made again "
        "from what remains",
        "records": {"status": state.status, "closed_seq": state.closed_seq},
        "retention": plan.retention.to_json() if plan.retention is not None else None,
        "early": plan.early,
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
