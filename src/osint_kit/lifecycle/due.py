"""Cases due for review or disposal: every closed case whose retention date has come
(or comes within a horizon), with the holds that stop it; and a case's date itself
(``retention_due``: the last review decision's, else the close's, else a schedule's),
which ``dispose`` and ``review`` read too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from osint_kit.base.dates import parse_time
from osint_kit.base.display import badge, table
from osint_kit.base.text import one_line, shown_in_html
from osint_kit.errors import (
    InvalidOption,
    InvalidSchedule,
    OsintKitError,
    RecordsRefused,
)
from osint_kit.folder.read import CaseFolder, resolve_root
from osint_kit.lifecycle.retention import RetentionSchedule, default_schedule
from osint_kit.record.case_state import Hold, RecordsState


@dataclass(frozen=True)
class RetentionDue:
    """When a closed case is due, for what (``review`` or ``dispose``), where the date
    comes from (``basis``), and the period of its rule (what a ``keep`` adds)."""

    due_on: date
    action: str
    basis: str
    period: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"due_on": self.due_on.isoformat(), "action": self.action, "basis": self.basis}


def retention_due(
    state: RecordsState, category: object, fallback: list[RetentionSchedule] | None = None
) -> RetentionDue:
    """The date a closed case is due on: the last review decision's since it was closed,
    else the one its close recorded, else one computed now from a schedule (``fallback``'s
    first, loaded from ``default_schedule()`` into it when empty) for a case closed without
    one. ``RecordsRefused`` for an open case and for a date the log does not let one read
    (a hostile or broken record), naming the event."""
    if not state.is_closed or state.closed_at is None:
        raise RecordsRefused("the case is open: it has no retention date")
    fallback = [] if fallback is None else fallback
    if state.review is not None:
        where = f"the review at seq {state.reviewed_seq}"
        recorded: Mapping[str, Any] | None = state.review
        decision = one_line(state.review.get("decision"))
        basis = f"review decision at seq {state.reviewed_seq} ({decision})"
    else:
        where = f"the close at seq {state.closed_seq}"
        recorded = state.retention
        basis = ""
    if recorded is not None:
        action = one_line(recorded.get("action"))
        try:
            due_on = parse_time(one_line(recorded.get("due_on")), what="due_on").date()
        except ValueError:
            raise RecordsRefused(f"{where} records no readable due date") from None
        if not basis:
            schedule = recorded.get("schedule")
            name = one_line(schedule.get("name")) if isinstance(schedule, Mapping) else ""
            basis = f"recorded at closing: {one_line(recorded.get('period'))} under {name or '?'}"
        period = one_line((state.retention or {}).get("period")) or None
    else:
        try:
            if not fallback:
                fallback.append(default_schedule())
            current = fallback[0]
            closed_on = parse_time(state.closed_at, what="closed_at").date()
            due_on, action = current.due_date(str(category), closed_on)
            period = current.rule(str(category)).period
        except InvalidSchedule as exc:
            raise RecordsRefused(f"closed without a retention schedule, and {exc}") from None
        basis = f"closed without a schedule; computed now from {current.name}"
    if action not in ("review", "dispose"):
        raise RecordsRefused(f"{where} records an unknown action {action!r}")
    return RetentionDue(due_on, action, basis, period)


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
                f"<b>{shown_in_html(d.case_id)}</b>",
                badge(d.state, _STATE_KIND.get(d.state, "info")),
                shown_in_html(f"{d.action or ''} {d.due_on or ''}".strip()),
                shown_in_html(d.title or ""),
                shown_in_html(", ".join(f"{h.id} ({h.authority})" for h in d.holds)),
                shown_in_html(d.problem or d.basis),
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

    The date is the last review decision's (``case.reviewed``), else the one recorded
    when the case was closed; ``schedule`` (by default ``default_schedule()``) only gives
    one to a case closed without a schedule, and says so in ``basis``. A held case is
    listed as ``held``, never as due for disposal. A case wholly disposed of is not
    listed: nothing of it is left to review or dispose of. A case that cannot be read is
    listed with its problem, never skipped.
    """
    if not isinstance(within_days, int) or within_days < 0:
        raise InvalidOption("within_days", f"{within_days!r} is not a number of days (0 or more)")
    base = resolve_root(root)
    today = today or datetime.now(UTC).date()
    try:
        horizon = today + timedelta(days=within_days)
    except OverflowError:  # past 9999-12-31: every date there is is within it
        horizon = date.max
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
    if not state.is_closed or state.closed_at is None or state.disposed:
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
    try:
        due = retention_due(state, category, fallback)
    except RecordsRefused as exc:
        return replace(known, state="problem", problem=exc.reason)
    if due.due_on > horizon:
        return None
    return replace(known, due_on=due.due_on, action=due.action, basis=due.basis)
