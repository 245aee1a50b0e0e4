"""The records-management API: retention schedules, cases due, holds, disposition
(``case.records`` does the steps; docs/records.md, docs/disposition.md).

Import from here; the modules of this package are its parts.
"""

from osint_kit.lifecycle.certificate import DispositionReport
from osint_kit.lifecycle.dispose import DispositionPlan
from osint_kit.lifecycle.due import Due, DueList, RetentionDue, cases_due
from osint_kit.lifecycle.retention import RetentionRule, RetentionSchedule, default_schedule
from osint_kit.record.case_state import Hold, RecordsState

__all__ = [
    "DispositionPlan",
    "DispositionReport",
    "Due",
    "DueList",
    "Hold",
    "RecordsState",
    "RetentionDue",
    "RetentionRule",
    "RetentionSchedule",
    "cases_due",
    "default_schedule",
]
