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
from osint_kit.record import label_runs


def print_capture_head(facts: Any, indent: str, *, event: Event | None = None) -> None:
    """A capture's first line (id, method, target, status, page time) and, for a web
    capture, what the examiner must not miss: final URL, blocked writes, ignored TLS errors."""
    status = facts.status or "?"
    if facts.status not in (None, "complete"):
        status += f": {facts.reason or ''}"
    line = " ".join(x for x in (facts.id, facts.method, facts.target) if x)
    said = facts.headline() if facts.is_web else ""
    echo(f"{indent}{line}  [{status}]" + (f"  {said}" if said else ""))
    if when := facts.page_time():
        echo(f"{indent}  {'page' if facts.is_web else 'time'} {when}")
    if facts.tls is not None and facts.tls.warning:
        echo(f"{indent}  {facts.tls.warning}")
    if event is not None and event.rerouted:
        hosts = ", ".join(f"{h} -> {t}" for h, t in sorted(event.rerouted.items()))
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
            echo(f"{indent}{role:<12} {len(group):>5} exhibits  {runs}  {size:,} bytes in all")
            continue
        for ex in group:
            what = ex.source or (ex.name if ex.name != target else None) or ""
            echo(
                f"{indent}{ex.label}  {role:<12} {ex.size:>12,}  {ex.media_type or '':<24} "
                f"{what}  sha256:{ex.sha256}"
            )
