"""A review decision on a closed case (``case.reviewed``): keep it for another period of
its rule, or extend its retention to a date or by a period; either way the record names
the next review date, which ``cases due``, ``dispose`` and the records state then read.

A decision only ever moves the date later: disposing of a case before its date is an
early disposal, with its own authority (``dispose``), never a review. A review of an
open case (it has no date) or of a case wholly disposed of (nothing is left to keep)
is refused, with nothing recorded.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from osint_kit.errors import InvalidOption, RecordsRefused
from osint_kit.folder.write import CaseWriter
from osint_kit.lifecycle.due import retention_due
from osint_kit.lifecycle.retention import Period, RetentionSchedule
from osint_kit.record.builtin_actions import REVIEWED
from osint_kit.record.case_state import RecordsState
from osint_kit.record.events import Event, EventDraft
from osint_kit.record.examiner import Examiner

#: Furthest a decision may set the next date (a typo such as 3026 is refused).
_MAX_YEARS = 200
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def review_case(
    case: CaseWriter,
    *,
    reason: str,
    approved_by: str,
    examiner: Examiner,
    keep: bool = False,
    extend_until: date | str | None = None,
    extend_by: str | None = None,
    schedule: RetentionSchedule | None = None,
) -> Event:
    """Record a review decision (``case.reviewed``): exactly one of ``keep`` (another
    period of the case's rule, from today), ``extend_until`` (a date, ``YYYY-MM-DD``) or
    ``extend_by`` (an ISO 8601 period such as ``P2Y``). The next date is a review date.
    ``schedule`` dates a case closed without one (default ``default_schedule()``).

    Refused (``RecordsRefused``, nothing recorded): an open case, one wholly disposed of,
    no reason or approver, a decision that does not move the date later; ``InvalidOption``
    for a date or period that cannot be read, or none or more than one decision.
    """
    reason = _required(reason, "a reason for the decision")
    approved_by = _required(approved_by, "who approved the decision")
    chosen = [n for n, v in (("keep", keep), ("extend_until", extend_until),
                             ("extend_by", extend_by)) if v not in (None, False)]  # fmt: skip
    if len(chosen) != 1:
        raise InvalidOption(
            "decision",
            "give exactly one of keep, extend_until (a date) or extend_by (a period such as "
            f"P2Y); given: {', '.join(chosen) or 'none'}",
        )
    state = RecordsState.of(case.log.events())
    if not state.is_closed:
        raise RecordsRefused(
            f"case {case.id} is open: only a closed case has a retention date to review"
        )
    if state.disposed:
        raise RecordsRefused(
            f"case {case.id} was wholly disposed of: nothing of it is left to keep or extend"
        )
    current = retention_due(state, case.identity.get("category"), [schedule] if schedule else [])
    today = datetime.now(UTC).date()
    period: str | None
    if keep is not False:
        if keep is not True:
            raise InvalidOption("keep", f"{keep!r} is not true or false")
        if current.period is None:
            raise RecordsRefused(
                "the case's rule records no period to keep it for: extend it to a date or "
                "by a period instead"
            )
        period, decision = current.period, "keep"
        due_on = _after(period, today, "keep")
    elif extend_by is not None:
        period, decision = extend_by, "extend"
        due_on = _after(extend_by, today, "extend_by")
    else:
        period, decision = None, "extend"
        due_on = _date(extend_until)
    if due_on.year > today.year + _MAX_YEARS:
        raise InvalidOption(decision, f"{due_on} is more than {_MAX_YEARS} years ahead")
    if due_on <= current.due_on or due_on <= today:
        raise RecordsRefused(
            f"case {case.id} is due for {current.action} on {current.due_on} ({current.basis}): "
            f"a decision for {due_on} does not move that later. A review keeps or extends; "
            "disposing before the date is an early disposal (dispose with an early authority)"
        )
    details: dict[str, Any] = {
        "decision": decision,
        "reason": reason,
        "approved_by": approved_by,
        "reviewed_on": today.isoformat(),
        "period": period,
        "due_on": due_on.isoformat(),
        "action": "review",
        "was_due_on": current.due_on.isoformat(),
        "was_action": current.action,
        "was_basis": current.basis,
        "closed_seq": state.closed_seq,
    }
    return case.append(EventDraft(REVIEWED, details=details), examiner.actor())


def _after(period: object, start: date, option: str) -> date:
    try:
        return Period.parse(period).after(start)
    except ValueError as exc:
        raise InvalidOption(option, str(exc)) from None


def _date(value: object) -> date:
    if isinstance(value, datetime):
        raise InvalidOption("extend_until", f"{value!r} is a time: give a date")
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidOption("extend_until", f"{value!r} is not a date (YYYY-MM-DD)")


def _required(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordsRefused(f"{what} is required")
    return value.strip()
