"""How records-management events read: one line each (``Event.summary`` and the records
history use it). Plain functions of an event's details, so the events layer can use
them without the records layer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CLOSED = "case.closed"
REOPENED = "case.reopened"
HOLD_PLACED = "hold.placed"
HOLD_LIFTED = "hold.lifted"
CREATED = "case.created"
#: The actions whose events make up a case's records history.
RECORDS_ACTIONS = (CREATED, CLOSED, REOPENED, HOLD_PLACED, HOLD_LIFTED)


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
