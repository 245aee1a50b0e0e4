"""The registry of custody event types: the built-in ones and those plugins declare.

A plugin that writes events of its own declares each type once, the way collectors
are declared, in its package's ``pyproject.toml``::

    [project.entry-points."osint_kit.actions"]
    watch-run = "my_package.events:WATCH_RUN"

where ``WATCH_RUN`` is an ``osint_kit.plugin.ActionType`` (or a sequence of them).
``CaseWriter.append`` refuses an action that no installed package declares, so every
event on the record has a meaning, a summary and a disclosure rule. Reading a log never
needs the plugin: an event of an unknown type still verifies, shows its exhibits, and
goes in a bundle when it concerns a disclosed exhibit.

Built-in names are looked up in a constant table. Reading the entry points means
scanning every installed distribution (milliseconds), so what they declare is kept,
keyed on ``sys.path`` and the modification time of each of its folders: installing or
removing a plugin (while a notebook kernel runs, too) changes that key, and the
entry points are read again.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import MappingProxyType

from osint_kit.record.action_type import ActionType, Described, Disclosure
from osint_kit.record.builtin_actions import BUILTIN, capture_summary

log = logging.getLogger("osint_kit")

GROUP = "osint_kit.actions"
_BUILTIN: Mapping[str, ActionType] = MappingProxyType({t.name: t for t in BUILTIN})


@dataclass(frozen=True)
class ActionRegistry:
    """Every known event type by name, and the plugin entry points that could not be used."""

    types: Mapping[str, ActionType]
    broken: Mapping[str, str]

    def __iter__(self) -> Iterator[ActionType]:
        return iter(self.types.values())

    def get(self, name: str) -> ActionType | None:
        return self.types.get(name)


def registry() -> ActionRegistry:
    """The built-in types and every type installed plugins declare."""
    return _read_registry(_installed_state())


def _installed_state() -> tuple[tuple[str, int], ...]:
    """``sys.path`` with each folder's modification time (a package installed or removed
    there changes it)."""
    state = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            state.append((entry, -1))
    return tuple(state)


@functools.lru_cache(maxsize=4)
def _read_registry(state: tuple[tuple[str, int], ...]) -> ActionRegistry:
    """What the entry points declare; ``state`` is only the cache's key."""
    found = dict(_BUILTIN)
    broken: dict[str, str] = {}
    for ep in entry_points(group=GROUP):
        try:
            obj = ep.load()
        except Exception as exc:  # a plugin's own bug must not take the log's reading down
            broken[ep.name] = f"{ep.value} could not be loaded ({type(exc).__name__}: {exc})"
            continue
        declared = obj if isinstance(obj, list | tuple) else [obj]
        for item in declared:
            if not isinstance(item, ActionType):
                broken[ep.name] = f"{ep.value} is not an ActionType (see osint_kit.plugin)"
            elif item.name in _BUILTIN:
                broken[ep.name] = f"{ep.value} redeclares the built-in action {item.name}"
            else:
                found[item.name] = item
    return ActionRegistry(MappingProxyType(found), MappingProxyType(broken))


def action_type(name: str) -> ActionType | None:
    """The declared type of ``name``: built-in first, then the installed plugins'."""
    known = _BUILTIN.get(name)
    if known is not None:
        return known
    return registry().get(name)


def summarize(event: Described) -> str:
    """The event's one line, by its type's summary; for an undeclared type, its capture
    (as an acquisition's) or its exhibits."""
    declared = action_type(event.action)
    if declared is None:
        return capture_summary(event)
    try:
        return declared.summary(event)
    except Exception as exc:  # a plugin's summary must not break `log` for the whole case
        log.warning("the summary of %s failed: %s: %s", event.action, type(exc).__name__, exc)
        return ", ".join(event.exhibits)


def disclosure_of(action: str) -> Disclosure:
    """When a bundle carries an event of ``action`` in full; an undeclared type (a plugin
    not installed here) goes with the exhibits it concerns."""
    declared = action_type(action)
    return declared.disclosure if declared is not None else Disclosure.WITH_EXHIBITS


def is_builtin(name: str) -> bool:
    return name in _BUILTIN
