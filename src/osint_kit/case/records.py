"""``case.records``: a case's life after collection: closing and reopening, legal holds,
retention, and disposition (docs/records.md, docs/disposition.md).

Every step is a custody event followed by a checkpoint; ``state()`` reads them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from osint_kit.base.deprecation import moved
from osint_kit.case.runs import checkpointed, many
from osint_kit.errors import InvalidOption
from osint_kit.lifecycle.certificate import DispositionReport, disposition_report
from osint_kit.lifecycle.closing import close_case, lift_hold, place_hold, reopen_case
from osint_kit.lifecycle.dispose import DispositionPlan, plan_disposal
from osint_kit.lifecycle.dispose import dispose as dispose_of
from osint_kit.lifecycle.retention import RetentionSchedule, default_schedule
from osint_kit.lifecycle.review import review_case
from osint_kit.record.case_state import RecordsState
from osint_kit.record.events import Event
from osint_kit.record.examiner import Examiner, resolve_examiner

if TYPE_CHECKING:
    from osint_kit.folder.write import CaseWriter


class CaseRecords:
    """Records management of one case (``case.records``)."""

    def __init__(self, writer: CaseWriter) -> None:
        self._writer = writer

    def state(self) -> RecordsState:
        """Open or closed, the retention recorded at closing, the legal holds standing,
        and the history of each (docs/records.md)."""
        return RecordsState.of(self._writer.events())

    def close(
        self,
        *,
        reason: str,
        approved_by: str,
        schedule: RetentionSchedule | Path | str | None = None,
        no_schedule: bool = False,
        examiner: Examiner | None = None,
    ) -> Event:
        """Close the case (``case.closed``), with the review or disposal date its category
        gets from the retention schedule (``schedule``, else ``$OSINT_KIT_RETENTION``, else
        the shipped example); ``no_schedule`` records none. Closing a closed case is
        refused (``RecordsRefused``)."""
        if no_schedule and schedule is not None:
            raise InvalidOption("schedule", "give a schedule or no_schedule, not both")
        chosen: RetentionSchedule | None
        if no_schedule:
            chosen = None
        elif isinstance(schedule, RetentionSchedule):
            chosen = schedule
        elif schedule is not None:
            chosen = RetentionSchedule.load(Path(schedule))
        else:
            chosen = default_schedule()
        who = resolve_examiner(examiner)
        with checkpointed(self._writer, who):
            return close_case(
                self._writer,
                reason=reason,
                approved_by=approved_by,
                examiner=who,
                schedule=chosen,
            )

    def reopen(self, *, reason: str, approved_by: str, examiner: Examiner | None = None) -> Event:
        """Reopen a closed case (``case.reopened``); its retention date no longer runs."""
        who = resolve_examiner(examiner)
        with checkpointed(self._writer, who):
            return reopen_case(self._writer, reason=reason, approved_by=approved_by, examiner=who)

    def place_hold(self, *, authority: str, reason: str, examiner: Examiner | None = None) -> Event:
        """Place a legal hold (``hold.placed``, ids H001…): while one stands, nothing in
        the case can be disposed of."""
        who = resolve_examiner(examiner)
        with checkpointed(self._writer, who):
            return place_hold(self._writer, authority=authority, reason=reason, examiner=who)

    def lift_hold(
        self, hold_id: str, *, authority: str, reason: str, examiner: Examiner | None = None
    ) -> Event:
        """Lift a standing legal hold (``hold.lifted``)."""
        who = resolve_examiner(examiner)
        with checkpointed(self._writer, who):
            return lift_hold(
                self._writer, hold_id, authority=authority, reason=reason, examiner=who
            )

    def review(
        self,
        *,
        reason: str,
        approved_by: str,
        keep: bool = False,
        extend_until: date | str | None = None,
        extend_by: str | None = None,
        examiner: Examiner | None = None,
    ) -> Event:
        """Record a review decision on a closed case (``case.reviewed``): ``keep=True``
        (another period of its rule, from today), ``extend_until`` (a date) or
        ``extend_by`` (``"P2Y"``); it sets the next review date, which ``cases_due`` and
        ``dispose`` read. Refused for an open case, one wholly disposed of, or a decision
        that does not move the date later (docs/records.md)."""
        who = resolve_examiner(examiner)
        with checkpointed(self._writer, who):
            return review_case(
                self._writer,
                reason=reason,
                approved_by=approved_by,
                examiner=who,
                keep=keep,
                extend_until=extend_until,
                extend_by=extend_by,
            )

    def dispose(
        self,
        exhibits: Iterable[str] | None = None,
        *,
        authorization: str,
        approved_by: str,
        reason: str,
        early_authority: str | None = None,
        early_reason: str | None = None,
        examiner: Examiner | None = None,
    ) -> DispositionReport:
        """Delete the blobs of ``exhibits`` (the whole case when None), of every exhibit
        derived from them, and the derived views; the custody log stays, and records it
        in three steps (``disposition.started``, the deletion, ``disposition.completed``).
        Refused, with nothing deleted, for an open or held case, without an authorization,
        approver or reason, for an unknown or already disposed exhibit, and before the
        case's retention date unless given ``early_authority`` and ``early_reason`` (then
        recorded as an early disposal) (docs/disposition.md).
        ``report.write_certificate(path, pdf=True)`` for the records officer."""
        chosen = list(many("exhibits", exhibits)) if exhibits is not None else None
        who = resolve_examiner(examiner)
        with checkpointed(self._writer, who):
            return dispose_of(
                self._writer,
                exhibits=chosen,
                authorization=authorization,
                approved_by=approved_by,
                reason=reason,
                examiner=who,
                early_authority=early_authority,
                early_reason=early_reason,
            )

    def disposal_plan(
        self,
        exhibits: Iterable[str] | None = None,
        *,
        authorization: str | None = None,
        approved_by: str | None = None,
        reason: str | None = None,
        early_authority: str | None = None,
        early_reason: str | None = None,
    ) -> DispositionPlan:
        """What ``dispose`` with the same arguments would do, without doing it: the
        exhibits and blobs it would delete, or why it would be refused (``plan.refused``;
        a held or open case, a date not come without an early authority…)."""
        chosen = list(many("exhibits", exhibits)) if exhibits is not None else None
        return plan_disposal(
            self._writer,
            chosen,
            authorization=authorization,
            approved_by=approved_by,
            reason=reason,
            early_authority=early_authority,
            early_reason=early_reason,
        )

    def disposition(self, seq: int | None = None) -> DispositionReport:
        """The disposal started at ``seq`` (the latest by default), read from the log,
        with what remains and the bundles exported before it (``certificate_html``)."""
        return disposition_report(self._writer, seq)

    def __call__(self) -> RecordsState:
        """The records state: ``case.records.state()`` (``case.records()`` was its old name)."""
        moved("case.records()", "case.records.state()")
        return self.state()

    def _repr_html_(self) -> str:
        return self.state()._repr_html_()

    def __repr__(self) -> str:
        return f"<records of case {self._writer.id}: {self.state().status}>"
