"""A case's life after collection, as custody events: closed, reopened, legal holds.

Nothing here keeps state of its own: ``RecordsState.of`` reads it back from the
custody log every time, so the log stays the one record. The log may hold
anything a plugin or a forger wrote, so the reading is defensive, and where a
record cannot be read it leans to the safe side: a hold whose shape is wrong
still stands (under the name ``seq-N``, by which it can be lifted), because
disposing of a held case is the harm the law cares about.

Events written here:

- ``case.closed``: reason, approved_by, category, closed_on, and the retention
  the schedule gave (rule, period, review or disposal date, the schedule's name
  and SHA-256), or ``retention: null`` with a note when no schedule was used;
- ``case.reopened``: reason, approved_by;
- ``hold.placed``: hold (``H001``…), authority, reason;
- ``hold.lifted``: hold, authority, reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import RecordsRefused, UnderLegalHold
from .events import Event

CLOSED = "case.closed"
REOPENED = "case.reopened"
HOLD_PLACED = "hold.placed"
HOLD_LIFTED = "hold.lifted"
CREATED = "case.created"
#: The actions whose events make up a case's records history.
RECORDS_ACTIONS = (CREATED, CLOSED, REOPENED, HOLD_PLACED, HOLD_LIFTED)


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
    """

    status: str
    closed_at: str | None
    closed_seq: int | None
    close_reason: str | None
    closed_approved_by: str | None
    retention: Mapping[str, Any] | None
    holds: tuple[Hold, ...]
    history: tuple[tuple[int, str, str], ...]

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
        for event in events:
            action = event.action
            if action not in RECORDS_ACTIONS:
                continue
            d = event.details if isinstance(event.details, Mapping) else {}
            line = describe(action, d)
            if action == CLOSED:
                if status == "closed":
                    line += " (not counted: the case was already closed)"
                else:
                    status, closed = "closed", event
            elif action == REOPENED:
                if status != "closed":
                    line += " (not counted: the case was not closed)"
                else:
                    status, closed = "open", None
            elif action == HOLD_PLACED:
                hold_id = _text(d.get("hold"))
                if not hold_id or hold_id in holds:
                    # Unreadable or already standing: the hold still stands, under a name of
                    # its own, so that no reading of the log lets a placed hold vanish.
                    line += f" (recorded as hold seq-{event.seq}: its id is unusable)"
                    hold_id = f"seq-{event.seq}"
                holds[hold_id] = Hold(
                    id=hold_id,
                    authority=_text(d.get("authority")),
                    reason=_text(d.get("reason")),
                    placed_at=event.time,
                    placed_by=_who(event.actor),
                    placed_seq=event.seq,
                )
            elif action == HOLD_LIFTED:
                hold_id = _text(d.get("hold"))
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
            close_reason=_text(details.get("reason")) if closed is not None else None,
            closed_approved_by=_text(details.get("approved_by")) if closed is not None else None,
            retention=retention if isinstance(retention, Mapping) else None,
            holds=tuple(holds.values()),
            history=tuple(history),
        )

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td>{seq}</td><td>{html.escape(action)}</td>"
            f"<td style='text-align:left'>{html.escape(line)}</td></tr>"
            for seq, action, line in self.history
        )
        held = ", ".join(f"{h.id} ({h.authority})" for h in self.holds) or "none"
        return (
            f"<p>status <b>{html.escape(self.status)}</b>; legal holds: "
            f"{html.escape(held)}</p><table><tr><th>seq</th><th>action</th><th>what</th></tr>"
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


def describe(action: str, details: Mapping[str, Any]) -> str:
    """One line for a records event (what ``Event.summary`` should say, too)."""
    d = details
    if action == CREATED:
        return f"case opened: {_text(d.get('title'))} [{_text(d.get('category'))}]"
    if action == CLOSED:
        text = f"case closed: {_text(d.get('reason'))} (approved by {_text(d.get('approved_by'))})"
        retention = d.get("retention")
        if isinstance(retention, Mapping):
            due = _text(retention.get("due_on"))
            schedule = retention.get("schedule")
            name = _text(schedule.get("name")) if isinstance(schedule, Mapping) else ""
            text += (
                f"; {_text(retention.get('action'))} on {due} "
                f"({_text(retention.get('category'))}, {_text(retention.get('period'))}"
                f"{', ' + name if name else ''})"
            )
        else:
            text += "; no retention schedule"
        return text
    if action == REOPENED:
        return (
            f"case reopened: {_text(d.get('reason'))} (approved by {_text(d.get('approved_by'))})"
        )
    if action == HOLD_PLACED:
        return (
            f"legal hold {_text(d.get('hold'))} placed under {_text(d.get('authority'))}: "
            f"{_text(d.get('reason'))}"
        )
    if action == HOLD_LIFTED:
        return (
            f"legal hold {_text(d.get('hold'))} lifted under {_text(d.get('authority'))}: "
            f"{_text(d.get('reason'))}"
        )
    return action


def _text(value: object) -> str:
    """A value read back from the log as one line of text ("" for none, or a non-string)."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())


def _who(actor: object) -> str:
    if not isinstance(actor, Mapping):
        return ""
    name, ident = _text(actor.get("name")), _text(actor.get("id"))
    return f"{name} ({ident})" if ident else name
