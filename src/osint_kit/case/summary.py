"""A case at a glance, as a notebook shows it: identity, authority, what it holds, and
whether it verified (the badge of the last ``case.verify()`` in this session)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from osint_kit.base.display import badge, facts, verdict
from osint_kit.base.text import shown_in_html
from osint_kit.record.builtin_actions import CHECKPOINT, DERIVED, EXPORTED
from osint_kit.record.case_state import RecordsState
from osint_kit.record.events import Event
from osint_kit.record.findings import VerificationReport


def case_summary_html(
    identity: Mapping[str, Any],
    path: Path,
    events: Sequence[Event],
    verification: VerificationReport | None,
) -> str:
    authority = identity.get("authority") or {}
    created_by = identity.get("created_by") or {}
    roles: dict[str, set[str]] = {}
    statuses: dict[str, int] = {}
    exports = checkpoints = stamped = 0
    signers: set[str] = set()
    derived_labels: set[str] = set()
    for e in events:
        if e.action == DERIVED:
            derived_labels.update(e.exhibits)
        for s in e.subjects:
            if s.exhibit:
                roles.setdefault(s.role, set()).add(s.exhibit)
        if e.capture is not None:
            status = str(e.capture.get("status", "unknown"))
            statuses[status] = statuses.get(status, 0) + 1
        exports += e.action == EXPORTED
        if e.action == CHECKPOINT:
            checkpoints += 1
            stamped += bool(e.details.get("trusted_time"))
        if e.signature:
            signers.add(str(e.actor.get("name") or e.actor.get("id")))
    exhibits = set().union(*roles.values()) if roles else set()
    derived = len(derived_labels)
    posts = len(roles.get("post", ()))
    if verification is None:
        state = badge("not verified in this session", "muted", "osint-kit-unverified")
        hint = " <small>run <code>case.verify()</code></small>"
    else:
        state = verdict(verification.ok)
        found = len(verification.problems)
        hint = f" <small>{found} problem(s)</small>" if found else ""
    records = RecordsState.of(events)
    status = records.status
    if records.closed_at:
        status += f" since {records.closed_at}: {records.close_reason or ''}"
        if records.due is not None and not records.disposed:  # a review decision's date wins
            status += f"; {records.due[1]} due on {records.due[0]}"
    holds = "; ".join(f"{h.id} under {h.authority}: {h.reason}" for h in records.holds)
    if records.holds:
        state += " " + badge(f"LEGAL HOLD ({len(records.holds)})", "bad", "osint-kit-hold")
    rows = [
        ("status", status),
        ("legal holds", holds or None),
        ("category", str(identity.get("category", ""))),
        (
            "authority",
            f"{authority.get('reference', '')}, approved by {authority.get('approved_by', '')} "
            f"on {authority.get('approved_at', '')}",
        ),
        ("created", f"{identity.get('created_at', '')} by {created_by.get('name', '')}"),
        ("signatures", str(identity.get("signatures", "optional"))),
        (
            "exhibits",
            f"{len(exhibits):,} ({len(exhibits) - derived:,} collected or imported, "
            f"{derived:,} derived)",
        ),
        ("post records", f"{posts:,}" if posts else None),
        (
            "captures",
            ", ".join(f"{n:,} {status}" for status, n in sorted(statuses.items())) or None,
        ),
        ("exports", f"{exports:,}" if exports else None),
        (
            "checkpoints",
            f"{checkpoints:,} ({stamped:,} with trusted time)" if checkpoints else None,
        ),
        ("signed by", ", ".join(sorted(signers)) or None),
        ("custody events", f"{len(events):,}"),
        ("folder", str(path)),
    ]
    return (
        "<div class='osint-kit-case'>"
        f"<p><b>Case {shown_in_html(str(identity.get('id', '')))}</b>: "
        f"{shown_in_html(str(identity.get('title', '')))} {state}{hint}</p>"
        f"{facts(rows)}</div>"
    )
