"""Retention schedules: how long a closed case is kept, by category, and what then.

A schedule is a TOML file an agency writes from its own records policy and
public-records law. osint-kit ships an example only (``data/retention-example.toml``,
named as an example); ``OSINT_KIT_RETENTION`` points to the agency's own file.

Periods are ISO 8601 durations of years, months and days (``P7Y``, ``P18M``,
``P90D``, ``P1Y6M``). Years and months are added on the calendar, and a day
that month does not have becomes its last (31 January + ``P1M`` = 28 or 29
February): a retention date is a date in the calendar, not a count of seconds.

This module knows schedules and dates only; a case's records (closing, holds,
what is due) are in ``lifecycle/closing.py`` and ``lifecycle/due.py``. Closing
records the schedule's name, SHA-256 and the rule applied, so a later change of
schedule never silently moves a closed case's date.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from osint_kit.base.files import read_regular
from osint_kit.base.text import shown_in_html
from osint_kit.errors import InvalidSchedule
from osint_kit.folder.read import CATEGORIES

ENV_RETENTION = "OSINT_KIT_RETENTION"

#: The case categories (``Case.create`` refuses any other); a schedule gives each a rule.
ACTIONS = ("review", "dispose")
EXAMPLE = "retention-example.toml"

_PERIOD = re.compile(
    r"P(?:(?P<years>[0-9]{1,4})Y)?(?:(?P<months>[0-9]{1,5})M)?(?:(?P<days>[0-9]{1,6})D)?"
)
#: Longest period a schedule may give (a typo such as P7000Y is refused, not kept for ages).
_MAX_DAYS = 200 * 366


@dataclass(frozen=True)
class Period:
    """An ISO 8601 duration of years, months and days."""

    years: int
    months: int
    days: int

    @classmethod
    def parse(cls, text: object) -> Period:
        """``P7Y``, ``P18M``, ``P90D``, ``P1Y6M``…; ValueError (with the reason) for anything
        else: weeks, times (``PT1H``), fractions, signs, nothing at all."""
        if not isinstance(text, str):
            raise ValueError(f"the period {text!r} is not text such as 'P7Y'")
        found = _PERIOD.fullmatch(text)
        if found is None or text == "P":
            raise ValueError(
                f"the period {text!r} is not an ISO 8601 duration of years, months and days "
                "(P7Y, P18M, P90D, P1Y6M)"
            )
        years, months, days = (int(found.group(k) or 0) for k in ("years", "months", "days"))
        period = cls(years, months, days)
        if years == months == days == 0:
            raise ValueError(f"the period {text!r} is no time at all")
        if years * 366 + months * 31 + days > _MAX_DAYS:
            raise ValueError(f"the period {text!r} is longer than 200 years")
        return period

    def after(self, start: date) -> date:
        """``start`` plus this period: years and months on the calendar (a missing day
        becomes the month's last), then days."""
        months = start.month - 1 + self.years * 12 + self.months
        year, month = start.year + months // 12, months % 12 + 1
        day = min(start.day, _days_in(year, month))
        return date(year, month, day) + timedelta(days=self.days)


def _days_in(year: int, month: int) -> int:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


@dataclass(frozen=True)
class RetentionRule:
    """What the schedule says for one category: keep for ``period``, then ``action``."""

    category: str
    period: str
    action: str
    note: str = ""


@dataclass(frozen=True)
class RetentionSchedule:
    """A loaded schedule: its name, where it came from, the SHA-256 of its bytes, a rule
    for every case category. ``example`` is true for a schedule that says it is one."""

    name: str
    path: Path | None
    sha256: str
    rules: Mapping[str, RetentionRule]
    example: bool = False

    @classmethod
    def load(cls, path: Path | str) -> RetentionSchedule:
        """Read a schedule file; ``InvalidSchedule`` (with the reason) for one that
        cannot be read or used."""
        path = Path(path)
        try:
            data = read_regular(path)
        except OSError as exc:
            raise InvalidSchedule(path, f"it cannot be read ({exc.strerror or exc})") from None
        return cls.from_bytes(data, path)

    @classmethod
    def from_bytes(cls, data: bytes, path: Path | None = None) -> RetentionSchedule:
        """A schedule from a file's bytes (``path`` names it in errors and the record)."""
        where: object = path if path is not None else "(given as bytes)"
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise InvalidSchedule(where, "it is not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise InvalidSchedule(where, f"it is not valid TOML ({exc})") from None
        _only(doc, {"schedule", "categories"}, "the file", where)
        head = doc.get("schedule")
        if not isinstance(head, dict):
            raise InvalidSchedule(where, "it has no [schedule] table (with a name)")
        _only(head, {"name", "example", "note"}, "[schedule]", where)
        name = head.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidSchedule(where, "[schedule] has no name")
        example = head.get("example", False)
        if not isinstance(example, bool):
            raise InvalidSchedule(where, "[schedule] example is not true or false")
        table = doc.get("categories")
        if not isinstance(table, dict):
            raise InvalidSchedule(where, "it has no [categories] table")
        rules: dict[str, RetentionRule] = {}
        for category, rule in table.items():
            if category not in CATEGORIES:
                raise InvalidSchedule(
                    where,
                    f"unknown category {category!r} (the case categories are "
                    f"{', '.join(CATEGORIES)})",
                )
            rules[category] = _rule(category, rule, where)
        missing = [c for c in CATEGORIES if c not in rules]
        if missing:
            raise InvalidSchedule(where, f"it gives no rule for {', '.join(missing)}")
        return cls(
            name=" ".join(name.split()),
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            rules=rules,
            example=example,
        )

    def rule(self, category: str) -> RetentionRule:
        try:
            return self.rules[category]
        except KeyError:
            raise InvalidSchedule(
                self.path or self.name, f"it gives no rule for category {category!r}"
            ) from None

    def due_date(self, category: str, closed: date) -> tuple[date, str]:
        """(the date, ``review`` or ``dispose``) for a case of ``category`` closed on
        ``closed``."""
        rule = self.rule(category)
        return Period.parse(rule.period).after(closed), rule.action

    def _repr_html_(self) -> str:

        rows = "".join(
            f"<tr><td>{shown_in_html(r.category)}</td><td>{shown_in_html(r.period)}</td>"
            f"<td>{shown_in_html(r.action)}</td><td>{shown_in_html(r.note)}</td></tr>"
            for r in self.rules.values()
        )
        return (
            f"<p>retention schedule <b>{shown_in_html(self.name)}</b>"
            f"{' (an EXAMPLE)' if self.example else ''}, sha256 {self.sha256[:16]}…</p>"
            "<table><tr><th>category</th><th>period</th><th>then</th><th>note</th></tr>"
            f"{rows}</table>"
        )


def default_schedule() -> RetentionSchedule:
    """The schedule at ``$OSINT_KIT_RETENTION``, else the example osint-kit ships (its
    name says it is an example; agencies replace it)."""
    configured = os.environ.get(ENV_RETENTION)
    if configured:
        return RetentionSchedule.load(Path(configured))
    return example_schedule()


def example_schedule() -> RetentionSchedule:
    """The shipped example schedule (``osint_kit/data/retention-example.toml``)."""
    shipped = resources.files("osint_kit").joinpath("data", EXAMPLE)
    try:
        data = shipped.read_bytes()
    except OSError as exc:
        raise InvalidSchedule(shipped, f"the shipped example is missing ({exc})") from None
    return RetentionSchedule.from_bytes(data, Path(str(shipped)))


def _rule(category: str, rule: object, where: object) -> RetentionRule:
    if not isinstance(rule, dict):
        raise InvalidSchedule(where, f"the rule for {category!r} is not a table")
    _only(rule, {"period", "action", "note"}, f"the rule for {category!r}", where)
    period, action, note = rule.get("period"), rule.get("action"), rule.get("note", "")
    try:
        Period.parse(period)
    except ValueError as exc:
        raise InvalidSchedule(where, f"{category}: {exc}") from None
    if action not in ACTIONS:
        raise InvalidSchedule(
            where, f"{category}: unknown action {action!r} (use 'review' or 'dispose')"
        )
    if not isinstance(note, str):
        raise InvalidSchedule(where, f"{category}: the note is not text")
    return RetentionRule(category, str(period), str(action), note.strip())


def _only(table: Mapping[str, Any], allowed: set[str], what: str, where: object) -> None:
    """Refuse keys a schedule does not have: a typo must not leave a rule unapplied."""
    extra = sorted(set(table) - allowed)
    if extra:
        raise InvalidSchedule(
            where,
            f"{what} has unknown key(s) {', '.join(map(repr, extra))} "
            f"(allowed: {', '.join(sorted(allowed))})",
        )
