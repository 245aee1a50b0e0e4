"""A case closed long ago, for the tests of what may happen once its date has come.

The log can only be written now, so the close is appended through the writer as
``close_case`` writes it, with the retention the example schedule gives a case closed
on ``closed_on`` (``retention_record``): what a case closed years ago records.
"""

from __future__ import annotations

from datetime import date

from conftest import EXAMINER
from osint_kit import Case, Event
from osint_kit.lifecycle.closing import retention_record
from osint_kit.lifecycle.retention import example_schedule
from osint_kit.record.builtin_actions import CLOSED
from osint_kit.record.events import EventDraft


def close_long_ago(case: Case, closed_on: date = date(2001, 2, 3)) -> Event:
    """Close ``case`` as if on ``closed_on``: its retention date has long come."""
    details = {
        "reason": "investigation concluded",
        "approved_by": "Sgt. L. Park",
        "category": case.category,
        "closed_on": closed_on.isoformat(),
        "retention": retention_record(example_schedule(), case.category, closed_on),
    }
    return case.writer.append(EventDraft(CLOSED, details=details), EXAMINER.actor())
