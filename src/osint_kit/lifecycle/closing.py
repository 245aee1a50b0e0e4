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

import logging
import re
from datetime import UTC, date, datetime
from typing import Any

from osint_kit.base.text import one_line
from osint_kit.errors import (
    RecordsRefused,
)
from osint_kit.folder.write import CaseWriter
from osint_kit.lifecycle.retention import RetentionSchedule
from osint_kit.record.builtin_actions import CLOSED, HOLD_LIFTED, HOLD_PLACED, REOPENED
from osint_kit.record.case_state import RecordsState
from osint_kit.record.events import Event, EventDraft
from osint_kit.record.examiner import Examiner

log = logging.getLogger("osint_kit")


# -- writing -------------------------------------------------------------------


def close_case(
    case: CaseWriter,
    *,
    reason: str,
    approved_by: str,
    examiner: Examiner,
    schedule: RetentionSchedule | None,
    category: str | None = None,
) -> Event:
    """Close the case (``case.closed``) with a reason and who approved it, recording the
    retention ``schedule`` gives its category: the rule, the review or disposal date, and
    the schedule's name and SHA-256. Without a schedule the record says so and carries
    no date. Refused (``RecordsRefused``, nothing recorded) when the case is closed
    already, without a reason or an approver, or for a category not the case's own.
    """
    reason = _required(reason, "a reason for closing")
    approved_by = _required(approved_by, "who approved the closing")
    own = case.identity.get("category")
    if category is None:
        category = str(own)
    elif category != own:
        raise RecordsRefused(
            f"case {case.id} is of category {own!r}, not {category!r}: it closes under "
            "the retention rule of its own category"
        )
    state = RecordsState.of(case.log.events())
    if state.is_closed:
        raise RecordsRefused(
            f"case {case.id} is already closed (seq {state.closed_seq}, {state.closed_at}: "
            f"{state.close_reason}); reopen it first to close it again"
        )
    closed_on = datetime.now(UTC).date()
    details: dict[str, Any] = {
        "reason": reason,
        "approved_by": approved_by,
        "category": category,
        "closed_on": closed_on.isoformat(),
    }
    if schedule is None:
        details["retention"] = None
        details["retention_note"] = (
            "closed without a retention schedule: no review or disposal date recorded"
        )
    else:
        details["retention"] = retention_record(schedule, category, closed_on)
    return case.append(EventDraft(CLOSED, details=details), examiner.actor())


def retention_record(schedule: RetentionSchedule, category: str, closed_on: date) -> dict[str, Any]:
    """What a close records of the schedule: enough to know the date without the file."""
    rule = schedule.rule(category)
    due, action = schedule.due_date(category, closed_on)
    record: dict[str, Any] = {
        "category": category,
        "period": rule.period,
        "action": action,
        "closed_on": closed_on.isoformat(),
        f"{action}_on": due.isoformat(),
        "due_on": due.isoformat(),
        "rule_note": rule.note,
        "schedule": {"name": schedule.name, "sha256": schedule.sha256},
    }
    if schedule.example:
        record["schedule"]["example"] = True
    return record


def reopen_case(case: CaseWriter, *, reason: str, approved_by: str, examiner: Examiner) -> Event:
    """Reopen a closed case (``case.reopened``); its retention date no longer applies
    (a later close records a new one). Refused when the case is open."""
    reason = _required(reason, "a reason for reopening")
    approved_by = _required(approved_by, "who approved the reopening")
    if not RecordsState.of(case.log.events()).is_closed:
        raise RecordsRefused(f"case {case.id} is open: only a closed case can be reopened")
    details = {"reason": reason, "approved_by": approved_by}
    return case.append(EventDraft(REOPENED, details=details), examiner.actor())


def place_hold(case: CaseWriter, *, authority: str, reason: str, examiner: Examiner) -> Event:
    """Place a legal hold (``hold.placed``, id ``H001``, ``H002``…) under ``authority``
    (the order's or request's reference). While it stands, nothing in the case may be
    disposed of, open or closed."""
    authority = _required(authority, "the authority for the hold (its reference)")
    reason = _required(reason, "a reason for the hold")
    numbers = [0]
    for event in case.log.events():
        if event.action == HOLD_PLACED:
            found = _HOLD_ID.fullmatch(one_line(event.details.get("hold")))
            if found:
                numbers.append(int(found.group(1)))
    details = {"hold": f"H{max(numbers) + 1:03d}", "authority": authority, "reason": reason}
    return case.append(EventDraft(HOLD_PLACED, details=details), examiner.actor())


def lift_hold(
    case: CaseWriter, hold_id: str, *, authority: str, reason: str, examiner: Examiner
) -> Event:
    """Lift a standing hold (``hold.lifted``) under ``authority``. Refused for a hold
    never placed or already lifted."""
    authority = _required(authority, "the authority for lifting the hold (its reference)")
    reason = _required(reason, "a reason for lifting the hold")
    events = list(case.log.events())
    state = RecordsState.of(events)
    if not isinstance(hold_id, str) or state.hold(hold_id) is None:
        standing = ", ".join(h.id for h in state.holds) or "none"
        placed = any(
            e.action == HOLD_PLACED and one_line(e.details.get("hold")) == hold_id for e in events
        )
        why = "was lifted already" if placed else "was never placed"
        raise RecordsRefused(
            f"legal hold {hold_id!r} on case {case.id} {why} (standing: {standing})"
        )
    details = {"hold": hold_id, "authority": authority, "reason": reason}
    return case.append(EventDraft(HOLD_LIFTED, details=details), examiner.actor())


_HOLD_ID = re.compile(r"H([0-9]{1,9})")


def _required(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordsRefused(f"{what} is required")
    return value.strip()


# -- what is due ---------------------------------------------------------------
