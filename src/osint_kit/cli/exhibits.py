"""How a capture and its exhibits are printed: one head line (with what the examiner
must not miss) and a line per exhibit.

Shared by ``case show``, ``capture``, ``media`` and ``review``, so in a module of its
own rather than in one of their groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from osint_kit import Event, Exhibit
from osint_kit.cli.common import echo
from osint_kit.record import label_runs, shown


def print_capture_head(facts: Any, indent: str, *, event: Event | None = None) -> None:
    """A capture's first line (id, method, target, status, page time) and, for a web
    capture, what the examiner must not miss: final URL, blocked writes, ignored TLS errors."""
    status = shown(facts.status or "?")
    if facts.status not in (None, "complete"):
        status += f": {shown(facts.reason or '')}"
    line = " ".join(shown(x) for x in (facts.id, facts.method, facts.target) if x)
    said = shown(facts.headline()) if facts.is_web else ""
    echo(f"{indent}{line}  [{status}]" + (f"  {said}" if said else ""))
    if when := facts.page_time():
        echo(f"{indent}  {'page' if facts.is_web else 'time'} {shown(when)}")
    if facts.tls is not None and facts.tls.warning:
        echo(f"{indent}  {shown(facts.tls.warning)}")
    if event is not None and event.rerouted:
        rerouted = sorted(event.rerouted.items())
        hosts = ", ".join(f"{shown(h)} -> {shown(t)}" for h, t in rerouted)
        echo(f"{indent}  REROUTED: {hosts}")


def print_exhibits(exhibits: Sequence[Exhibit], indent: str, target: str | None) -> None:
    """One line per exhibit, except a role with many (a page's images): one line with
    their count, label runs and total size."""
    roles: dict[str, list[Exhibit]] = {}
    for ex in exhibits:
        roles.setdefault(ex.role, []).append(ex)
    for role, group in roles.items():
        if len(group) > 3:
            size = sum(ex.size for ex in group)
            runs = label_runs([ex.label for ex in group], most=4)
            echo(
                f"{indent}{shown(role):<12} {len(group):>5} exhibits  {runs}  {size:,} bytes in all"
            )
            continue
        for ex in group:
            what = shown(ex.source or (ex.name if ex.name != target else None) or "")
            echo(
                f"{indent}{ex.label}  {shown(role):<12} {ex.size:>12,}  "
                f"{shown(ex.media_type or ''):<24} {what}  sha256:{ex.sha256}"
            )
