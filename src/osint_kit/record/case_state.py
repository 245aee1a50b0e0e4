"""A case's records state as its log says it: open or closed, the retention recorded at
closing, the legal holds standing, and the history of each.

Nothing keeps state of its own: ``RecordsState.of`` reads it back from the custody log
every time, so the log stays the one record. The log may hold anything a plugin or a
forger wrote, so the reading is defensive, and where a record cannot be read it leans
to the safe side: a hold whose shape is wrong still stands (under the name ``seq-N``,
by which it can be lifted), because disposing of a held case is the harm the law
cares about."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from osint_kit.base.text import one_line, shown_in_html
from osint_kit.errors import (
    RecordsRefused,
    UnderLegalHold,
)
from osint_kit.record.builtin_actions import (
    CLOSED,
    HOLD_LIFTED,
    HOLD_PLACED,
    RECORDS_ACTIONS,
    REOPENED,
    REVIEWED,
)
from osint_kit.record.disposals import DisposalLedger
from osint_kit.record.events import Event


@dataclass(frozen=True)
class Hold:
    """A legal hold standing on a case: nothing in it may be disposed of."""

    id: str
    authority: str
    reason: str
    placed_at: str
    placed_by: str
    placed_seq: int


@dataclass(frozen=True)
class RecordsState:
    """Where a case stands in its life, read from its custody log.

    ``retention`` is what the close recorded (``category``, ``period``, ``action``,
    ``closed_on``, ``review_on`` or ``dispose_on``, ``due_on``, ``rule_note``,
    ``schedule`` {``name``, ``sha256``}), or None: open, or closed without a schedule.
    ``review`` is the last review decision since that close (``case.reviewed``: decision,
    ``due_on``, ``action``…), which replaces its date; ``disposed`` is true once every
    exhibit of the case is covered by a completed disposal.
    """

    status: str
    closed_at: str | None
    closed_seq: int | None
    close_reason: str | None
    closed_approved_by: str | None
    retention: Mapping[str, Any] | None
    holds: tuple[Hold, ...]
    history: tuple[tuple[int, str, str], ...]
    review: Mapping[str, Any] | None = None
    reviewed_seq: int | None = None
    disposed: bool = False

    @property
    def due(self) -> tuple[str, str] | None:
        """(the date as recorded, its action) of a closed case: the last review's, else the
        close's retention; None when neither records one. Not checked: ``cases_due`` and
        ``dispose`` read it (``lifecycle.due.retention_due``)."""
        for found in (self.review, self.retention):
            if found is not None and found.get("due_on"):
                return one_line(found.get("due_on")), one_line(found.get("action"))
        return None

    @property
    def held(self) -> bool:
        return bool(self.holds)

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"

    def hold(self, hold_id: str) -> Hold | None:
        """The standing hold called ``hold_id``, if there is one."""
        return next((h for h in self.holds if h.id == hold_id), None)

    @classmethod
    def of(cls, events: Iterable[Event]) -> RecordsState:
        """Fold the case's events into its records state (every other action is ignored)."""
        status = "open"
        closed: Event | None = None
        holds: dict[str, Hold] = {}
        history: list[tuple[int, str, str]] = []
        review: Event | None = None
        ledger = DisposalLedger()
        for event in events:
            ledger.see_event(event)
            action = event.action
            if action not in RECORDS_ACTIONS:
                continue
            d = event.details if isinstance(event.details, Mapping) else {}
            line = event.summary()
            if action == CLOSED:
                if status == "closed":
                    line += " (not counted: the case was already closed)"
                else:
                    status, closed, review = "closed", event, None
            elif action == REOPENED:
                if status != "closed":
                    line += " (not counted: the case was not closed)"
                else:
                    status, closed, review = "open", None, None
            elif action == REVIEWED:
                if status != "closed":
                    line += " (not counted: the case was not closed)"
                else:
                    review = event
            elif action == HOLD_PLACED:
                hold_id = one_line(d.get("hold"))
                if not hold_id or hold_id in holds:
                    # Unreadable or already standing: the hold still stands, under a name of
                    # its own, so that no reading of the log lets a placed hold vanish.
                    line += f" (recorded as hold seq-{event.seq}: its id is unusable)"
                    hold_id = f"seq-{event.seq}"
                holds[hold_id] = Hold(
                    id=hold_id,
                    authority=one_line(d.get("authority")),
                    reason=one_line(d.get("reason")),
                    placed_at=event.time,
                    placed_by=_who(event.actor),
                    placed_seq=event.seq,
                )
            elif action == HOLD_LIFTED:
                hold_id = one_line(d.get("hold"))
                if hold_id in holds:
                    del holds[hold_id]
                else:
                    line += " (not counted: no such hold was standing)"
            history.append((event.seq, action, line))
        details = closed.details if closed is not None else {}
        retention = details.get("retention")
        return cls(
            status=status,
            closed_at=closed.time if closed is not None else None,
            closed_seq=closed.seq if closed is not None else None,
            close_reason=one_line(details.get("reason")) if closed is not None else None,
            closed_approved_by=one_line(details.get("approved_by")) if closed is not None else None,
            retention=retention if isinstance(retention, Mapping) else None,
            holds=tuple(holds.values()),
            history=tuple(history),
            review=_mapping(review.details) if review is not None else None,
            reviewed_seq=review.seq if review is not None else None,
            disposed=ledger.wholly_disposed(),
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{seq}</td><td>{shown_in_html(action)}</td>"
            f"<td style='text-align:left'>{shown_in_html(line)}</td></tr>"
            for seq, action, line in self.history
        )
        held = ", ".join(f"{h.id} ({h.authority})" for h in self.holds) or "none"
        status = self.status + ("; wholly disposed of" if self.disposed else "")
        if self.due is not None and not self.disposed:
            status += f"; {self.due[1]} due on {self.due[0]}"
        return (
            f"<p>status <b>{shown_in_html(status)}</b>; legal holds: "
            f"{shown_in_html(held)}</p><table><tr><th>seq</th><th>action</th><th>what</th></tr>"
            f"{rows}</table>"
        )


def require_disposable(state: RecordsState) -> None:
    """Refuse disposal of a held case (``UnderLegalHold``) or an open one
    (``RecordsRefused``); return quietly for a closed case with no hold standing."""
    if state.held:
        standing = "; ".join(
            f"{h.id} under {h.authority or '?'} (placed at seq {h.placed_seq} by "
            f"{h.placed_by or '?'})"
            for h in state.holds
        )
        raise UnderLegalHold(
            f"a legal hold stands on the case ({standing}): nothing may be disposed of "
            "until it is lifted"
        )
    if state.status != "closed":
        raise RecordsRefused(
            "the case is open: it must be closed (with a reason and an approver) "
            "before anything in it is disposed of"
        )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _who(actor: object) -> str:
    if not isinstance(actor, Mapping):
        return ""
    name, ident = one_line(actor.get("name")), one_line(actor.get("id"))
    return f"{name} ({ident})" if ident else name
