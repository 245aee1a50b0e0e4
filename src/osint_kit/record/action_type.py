"""What a custody event type is: declared once, read by everything that shows or judges events.

An ``ActionType`` names a dotted verb (``evidence.acquired``), says what it means and
what its details hold (the format doc, docs/format.md, is checked against these), gives
the one-line summary ``osint-kit log`` and the reports print, says who writes it, and
when an evidence bundle carries an event of it in full (``Disclosure``). The built-in
types are in ``builtin_actions.py``; a plugin declares its own the same way
(``actions.py`` finds both).

Summaries read an event through ``Described``, the few members of ``Event`` they use,
so this module does not depend on the event class (which asks the registry for its
summary).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

#: A dotted verb: lowercase words joined by dots, at least two (``hold.placed``).
ACTION_NAME = re.compile(r"[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+")


class Disclosure(Enum):
    """When an evidence bundle carries an event of this type in full (the others go as
    ``seq`` and ``digest`` only, enough to recompute the chain)."""

    #: Every bundle: the recipient needs it to read the rest (the case's creation, the
    #: examiners' keys that sign the events carried).
    ALWAYS = "always"
    #: When one of the event's subjects is an exhibit the bundle discloses.
    WITH_EXHIBITS = "with-exhibits"

    def describe(self) -> str:
        return {
            Disclosure.ALWAYS: "always, in every bundle",
            Disclosure.WITH_EXHIBITS: "when one of its subjects is a disclosed exhibit",
        }[self]


class Described(Protocol):
    """What a summary may read of an event (``Event`` has all of it)."""

    @property
    def action(self) -> str: ...

    @property
    def details(self) -> Mapping[str, Any]: ...

    @property
    def exhibits(self) -> tuple[str, ...]: ...

    @property
    def capture(self) -> Mapping[str, Any] | None: ...

    def exhibit_roles(self) -> str: ...


Summary = Callable[[Described], str]


@dataclass(frozen=True)
class ActionType:
    """One custody event type, declared once."""

    name: str
    #: One sentence: what an event of this type records.
    meaning: str
    #: Who writes it (the command or library call, or the log itself).
    written_by: str
    #: The one line ``osint-kit log`` and the reports show; reads the event defensively
    #: (a log may hold anything a plugin or a forger wrote).
    summary: Summary
    #: When a bundle carries it in full.
    disclosure: Disclosure = Disclosure.WITH_EXHIBITS
    #: Its ``details`` members and what each holds.
    details: Mapping[str, str] = field(default_factory=dict)
    #: What its subjects are, when it has any.
    subjects: str = ""
    #: Written only by the record layer itself (the first event, a key's registration):
    #: ``CaseWriter.append`` refuses it from any caller.
    internal: bool = False
    #: Only ever the log's first event.
    first_only: bool = False

    def __post_init__(self) -> None:
        if not ACTION_NAME.fullmatch(self.name):
            raise ValueError(f"action name {self.name!r} is not a dotted verb (word.word)")
        if not self.meaning.strip() or not self.written_by.strip():
            raise ValueError(f"action {self.name}: say what it means and who writes it")


def listing(values: Sequence[str], most: int = 5) -> str:
    """``E0001, E0002, … (12)``: a list cut for one line."""
    shown = ", ".join(values[:most])
    return shown + (f" … ({len(values)})" if len(values) > most else "")
