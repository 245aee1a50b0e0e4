"""How records-management events read: one line each (``Event.summary`` and the records
history use it). Plain functions of an event's details, so the events layer can use
them without the records layer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from osint_kit.base.text import one_line

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
        return f"case opened: {one_line(d.get('title'))} [{one_line(d.get('category'))}]"
    if action == CLOSED:
        approver = one_line(d.get("approved_by"))
        text = f"case closed: {one_line(d.get('reason'))} (approved by {approver})"
        retention = d.get("retention")
        if isinstance(retention, Mapping):
            due = one_line(retention.get("due_on"))
            schedule = retention.get("schedule")
            name = one_line(schedule.get("name")) if isinstance(schedule, Mapping) else ""
            text += (
                f"; {one_line(retention.get('action'))} on {due} "
                f"({one_line(retention.get('category'))}, {one_line(retention.get('period'))}"
                f"{', ' + name if name else ''})"
            )
        else:
            text += "; no retention schedule"
        return text
    if action == REOPENED:
        approver = one_line(d.get("approved_by"))
        return f"case reopened: {one_line(d.get('reason'))} (approved by {approver})"
    if action == HOLD_PLACED:
        return (
            f"legal hold {one_line(d.get('hold'))} placed under {one_line(d.get('authority'))}: "
            f"{one_line(d.get('reason'))}"
        )
    if action == HOLD_LIFTED:
        return (
            f"legal hold {one_line(d.get('hold'))} lifted under {one_line(d.get('authority'))}: "
            f"{one_line(d.get('reason'))}"
        )
    return action
