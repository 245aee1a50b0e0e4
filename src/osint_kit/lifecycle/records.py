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

import html
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from osint_kit.base.dates import parse_time
from osint_kit.base.display import badge, table
from osint_kit.errors import (
    InvalidOption,
    InvalidSchedule,
    OsintKitError,
    RecordsRefused,
    UnderLegalHold,
)
from osint_kit.folder.read import CaseFolder, resolve_root
from osint_kit.folder.write import CaseWriter
from osint_kit.lifecycle.retention import RetentionSchedule, default_schedule
from osint_kit.record.events import Event, EventDraft
from osint_kit.record.examiner import Examiner
from osint_kit.record.summaries import (
    CLOSED,
    HOLD_LIFTED,
    HOLD_PLACED,
    RECORDS_ACTIONS,
    REOPENED,
    describe,
    one_line,
)

log = logging.getLogger("osint_kit")


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
        )

    def _repr_html_(self) -> str:
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


@dataclass(frozen=True)
class Due:
    """A closed case whose review or disposal date has come, or a case that could not be
    read (``problem``). ``state``: ``due``, ``held`` (the date has come but a legal hold
    stands: not to be disposed of) or ``problem``."""

    case_id: str
    path: Path
    state: str
    title: str | None = None
    category: str | None = None
    closed_at: str | None = None
    closed_seq: int | None = None
    due_on: date | None = None
    action: str | None = None
    holds: tuple[Hold, ...] = ()
    #: Where the date comes from: the close's record, or a schedule applied now.
    basis: str = ""
    problem: str | None = None

    @property
    def held(self) -> bool:
        return bool(self.holds)


_STATE_KIND = {"due": "warn", "held": "bad", "problem": "bad"}


class DueList(list[Due]):
    """What ``cases_due`` returns: one row per case, oldest date first, problems last."""

    def to_frame(self) -> Any:
        import pandas as pd

        rows = [
            {
                "case": d.case_id,
                "state": d.state,
                "action": d.action,
                "due_on": d.due_on,
                "title": d.title,
                "category": d.category,
                "closed_at": d.closed_at,
                "holds": ", ".join(f"{h.id} ({h.authority})" for h in d.holds),
                "basis": d.basis,
                "problem": d.problem,
            }
            for d in self
        ]
        return pd.DataFrame(rows).set_index("case") if rows else pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        rows = [
            (
                f"<b>{html.escape(d.case_id)}</b>",
                badge(d.state, _STATE_KIND.get(d.state, "info")),
                html.escape(f"{d.action or ''} {d.due_on or ''}".strip()),
                html.escape(d.title or ""),
                html.escape(", ".join(f"{h.id} ({h.authority})" for h in d.holds)),
                html.escape(d.problem or d.basis),
            )
            for d in self
        ]
        return (
            f"<div class='osint-kit-due'><p>{len(self):,} case(s) due or to look at</p>"
            + table(("case", "state", "what, when", "title", "legal holds", "basis"), rows)
            + "</div>"
        )


def cases_due(
    root: Path | str | None = None,
    schedule: RetentionSchedule | None = None,
    *,
    today: date | None = None,
    within_days: int = 0,
) -> DueList:
    """Every closed case under ``root`` whose review or disposal date has come (or comes
    within ``within_days`` of ``today``, by default the UTC date now).

    The date is the one recorded when the case was closed; ``schedule`` (by default
    ``default_schedule()``) only gives one to a case closed without a schedule, and
    says so in ``basis``. A held case is listed as ``held``, never as due for disposal.
    A case that cannot be read is listed with its problem, never skipped.
    """
    if not isinstance(within_days, int) or within_days < 0:
        raise InvalidOption("within_days", f"{within_days!r} is not a number of days (0 or more)")
    base = resolve_root(root)
    today = today or datetime.now(UTC).date()
    horizon = today + timedelta(days=within_days)
    fallback: list[RetentionSchedule] = [schedule] if schedule is not None else []
    found: list[Due] = []
    if not base.is_dir():
        return DueList()
    for entry in sorted(base.iterdir()):
        if entry.name.startswith(".") or not (entry / "case.json").is_file():
            continue
        try:
            due = _due(entry, base, fallback, horizon)
        except (OsintKitError, OSError, ValueError) as exc:
            due = Due(entry.name, entry, "problem", problem=str(exc) or type(exc).__name__)
        if due is not None:
            found.append(due)
    found.sort(key=lambda d: (d.state == "problem", d.due_on or date.max, d.case_id))
    return DueList(found)


def _due(path: Path, base: Path, fallback: list[RetentionSchedule], horizon: date) -> Due | None:
    folder = CaseFolder.locate(path.name, base)
    state = RecordsState.of(folder.log.events())
    if not state.is_closed or state.closed_at is None:
        return None
    identity = folder.identity
    category = identity.get("category")
    category = category if isinstance(category, str) else None
    known = Due(
        folder.id,
        path,
        "held" if state.held else "due",
        title=one_line(identity.get("title")),
        category=category,
        closed_at=state.closed_at,
        closed_seq=state.closed_seq,
        holds=state.holds,
    )
    recorded = state.retention
    if recorded is not None:
        action = one_line(recorded.get("action"))
        try:
            due_on = parse_time(one_line(recorded.get("due_on")), what="due_on").date()
        except ValueError:
            return replace(
                known,
                state="problem",
                problem=f"the close at seq {state.closed_seq} records no readable due date",
            )
        schedule = recorded.get("schedule")
        name = one_line(schedule.get("name")) if isinstance(schedule, Mapping) else ""
        basis = f"recorded at closing: {one_line(recorded.get('period'))} under {name or '?'}"
    else:
        try:
            if not fallback:
                fallback.append(default_schedule())
            current = fallback[0]
            closed_on = parse_time(state.closed_at, what="closed_at").date()
            due_on, action = current.due_date(str(category), closed_on)
        except InvalidSchedule as exc:
            return replace(
                known,
                state="problem",
                problem=f"closed without a retention schedule, and {exc}",
            )
        basis = f"closed without a schedule; computed now from {current.name}"
    if action not in ("review", "dispose"):
        return replace(
            known,
            state="problem",
            problem=f"the close at seq {state.closed_seq} records an unknown action {action!r}",
        )
    if due_on > horizon:
        return None
    return replace(known, due_on=due_on, action=action, basis=basis)


def _who(actor: object) -> str:
    if not isinstance(actor, Mapping):
        return ""
    name, ident = one_line(actor.get("name")), one_line(actor.get("id"))
    return f"{name} ({ident})" if ident else name
