"""The case-wide sections of the provenance report: the trusted time of every checkpoint,
the examiners, the custody timeline with its signers, and each web capture's facts. Apart
from the exhibits' stories: these read the events as a whole, once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from osint_kit.disclosure.report.markup import esc, table_rows
from osint_kit.folder.checkpoint import FAILED, NO_STAMP, NOT_CHECKED, VERIFIED
from osint_kit.record.builtin_actions import CHECKPOINT
from osint_kit.record.capture_facts import CaptureFacts, describe_rerouting, text
from osint_kit.record.events import Event
from osint_kit.record.findings import StampStatus

#: Blocked writes listed per capture; the rest are counted (all are in the record).
MAX_BLOCKED_ROWS = 200


def trusted_time(
    events: Sequence[Event], stamps: Sequence[StampStatus] | None, withheld: int
) -> str:
    """One row per checkpoint: its event, the log seq and hash it covers, the TSA, the
    token's time, and whether the token verified against the configured TSA CA."""
    by_event = {s.event_seq: s for s in stamps or () if s.event_seq is not None}
    points = [e for e in events if e.action == CHECKPOINT]
    shown = {e.seq for e in points}
    rows = []
    for e in points:
        d = e.details
        stamp = by_event.get(e.seq)
        cls, said = _stamp_state(bool(d.get("trusted_time")), stamp, stamps is not None)
        rows.append(
            _stamp_row(
                f"{e.seq}",
                d.get("seq"),
                d.get("hash"),
                _tsa(text(d.get("tsa")), stamp),
                (stamp.gen_time if stamp else None) or text(d.get("gen_time")),
                cls,
                said,
            )
        )
    for stamp in stamps or ():  # stamps whose event is not among these (a bundle's own)
        if stamp.event_seq in shown:
            continue
        event = f"{stamp.event_seq} (withheld)" if stamp.event_seq is not None else "none recorded"
        cls, said = _stamp_state(stamp.state != NO_STAMP, stamp, True)
        rows.append(
            _stamp_row(
                event,
                stamp.seq,
                stamp.hash,
                _tsa(stamp.tsa_url, stamp),
                stamp.gen_time,
                cls,
                f"{said} ({stamp.file})",
            )
        )
    if not rows:
        where = "the events in this report include none" if withheld else "the case has none"
        return f"<h2>Trusted time</h2><p>No checkpoints: {where}, so no trusted time.</p>"
    return (
        "<h2>Trusted time</h2><table class='stamps'><tr><th>Checkpoint event</th>"
        "<th>Covers log seq</th><th>Log hash</th><th>TSA</th><th>Token time (UTC)</th>"
        f"<th>Token against the TSA CA</th></tr>{''.join(rows)}</table>"
    )


def _stamp_state(recorded: bool, stamp: StampStatus | None, checked: bool) -> tuple[str, str]:
    """(css class, words) for a checkpoint's stamp: recorded as stamped or not, what
    verification found (``stamp``), and whether verification ran at all."""
    if stamp is not None and stamp.state == VERIFIED:
        return "ok", f"verified {stamp.detail}".strip()
    if stamp is not None and stamp.state == FAILED:
        return "bad", f"FAILED: {stamp.detail}"
    if not recorded and (stamp is None or stamp.state == NO_STAMP):
        return "", "no time stamp (a signed checkpoint only)"
    if stamp is not None and stamp.state == NO_STAMP:
        return "bad", "MISSING: the event records a time stamp; its token is gone"
    if stamp is not None and stamp.state == NOT_CHECKED:
        return "", f"not checked: {stamp.detail}" if stamp.detail else "not checked"
    if checked:
        return "bad", "not checked: its checkpoint file was not found (see Verification)"
    return "", "not checked"


def _tsa(url: str | None, stamp: StampStatus | None) -> str | None:
    """The TSA's URL, and the name and serial number its verified token gives."""
    said = []
    if stamp is not None and stamp.tsa_name:
        said.append(stamp.tsa_name)
    if stamp is not None and stamp.serial:
        said.append(f"serial {stamp.serial}")
    named = f"({', '.join(said)})" if said else None
    return " ".join(x for x in (url, named) if x) or None


def _stamp_row(
    event: str, seq: object, hsh: object, tsa: str | None, when: str | None, cls: str, said: str
) -> str:
    status = f"<td class='{cls}'>{esc(said)}</td>" if cls else f"<td>{esc(said)}</td>"
    return (
        f"<tr><td>{esc(event)}</td><td>{esc(seq)}</td><td class='hash'>{esc(hsh)}</td>"
        f"<td>{esc(tsa or '')}</td><td>{esc(when or '')}</td>{status}</tr>"
    )


def examiners(events: Sequence[Event]) -> str:
    seen: dict[str, Mapping[str, Any]] = {}
    for e in events:
        seen.setdefault(str(e.actor.get("id")), e.actor)
    rows = "".join(
        f"<tr><td>{esc(a.get('name'))}</td><td>{esc(a.get('id'))}</td><td>{esc(a.get('agency'))}"
        f"</td><td>{esc(a.get('os_user'))}@{esc(a.get('host'))}</td></tr>"
        for a in seen.values()
    )
    return (
        "<h2>Examiners</h2><table><tr><th>Name</th><th>Id</th><th>Agency</th>"
        f"<th>Account</th></tr>{rows}</table>"
    )


def _signed(event: Event, signers: Mapping[str, str], bad: set[int]) -> str:
    """Who signed the event, with which key, and what the trust store says of it."""
    if event.signature is None:
        return "<td>unsigned</td>"
    key = str(event.signature.get("key_id", "?"))
    if not signers:  # made without a verification (a bundle's copy): no judgement here
        return f"<td>{esc(key)}</td>"
    if event.seq in bad:
        return f"<td class='bad'>BAD SIGNATURE ({esc(key)})</td>"
    said = signers.get(key, "key not registered in this log")
    cls = " class='bad'" if "NOT TRUSTED" in said or "not registered" in said else ""
    return f"<td{cls}>{esc(key)}: {esc(said)}</td>"


def timeline(
    events: Sequence[Event], withheld: int, signers: Mapping[str, str], bad: set[int]
) -> str:
    rows = "".join(
        f"<tr><td>{e.seq}</td><td>{esc(e.time)}</td><td>{esc(e.actor.get('name'))}</td>"
        f"<td>{esc(e.action)}</td><td>{esc(e.summary())}</td>{_signed(e, signers, bad)}</tr>"
        for e in events
    )
    note = (
        f"<p>{withheld} other event(s) of the case are in the bundle only as their seq and "
        "digest: they link the chain but do not concern these exhibits.</p>"
        if withheld
        else ""
    )
    return (
        "<h2>Custody timeline</h2><table class='timeline'><tr><th>Seq</th><th>Time (UTC)</th>"
        "<th>Examiner</th><th>Action</th><th>What</th><th>Signed with</th></tr>"
        f"{rows}</table>{note}"
    )


def web_capture(event: Event, facts: CaptureFacts) -> str:
    """One web capture's facts: where it went, how the site answered, when the page itself
    was captured, what the read-only guard blocked, TLS (a warning when errors were let
    through), bodies cut at the byte limit, rerouting."""
    cap = event.capture or {}
    chain = [f"{h.status} {h.url}" for h in facts.redirects]
    tls = facts.tls
    rows = table_rows(
        [
            ("Target", facts.target),
            ("Final URL", facts.final_url),
            ("Redirects", " → ".join([*chain, facts.final_url or "?"]) if chain else None),
            ("HTTP status", facts.http_status),
            ("Title", text(cap.get("title"))),
            ("Status", ": ".join(x for x in (facts.status, facts.reason) if x) or "?"),
            ("Stopped by limit", facts.limit),
            ("Page capture started", facts.started or "?"),
            ("Page capture ended", facts.ended or "?"),
            ("Recorded", f"{event.time} (event {event.seq})"),
            ("Exhibits", event.exhibit_roles()),
            ("TLS", "; ".join(tls.lines()) if tls is not None else None),
            ("Blocked writes", str(len(facts.blocked))),
            (
                "Page's own navigations (refused)",
                "; ".join(f"{h.status} {h.url}" for h in facts.refused)
                + (f" (and {facts.refused_not_listed} more)" if facts.refused_not_listed else "")
                if facts.refused_count
                else None,
            ),
            ("Document the page wrote itself", facts.written),
            (
                "REROUTED",
                f"{describe_rerouting(event.rerouted)}: not from the real site"
                if event.rerouted
                else None,
            ),
        ]
    )
    out = [
        f"<div class='capture' id='{esc(facts.id)}'><h3>Web capture {esc(facts.id)}: "
        f"{esc(facts.target)}</h3>"
    ]
    if tls is not None and tls.warning:
        which = (
            "<ul>" + "".join(f"<li>{esc(err)}</li>" for err in tls.errors) + "</ul>"
            if tls.errors
            else "<p>Which errors were met is not recorded (an older capture).</p>"
        )
        out.append(
            "<div class='warning'><p>TLS ERRORS IGNORED: this page was captured with "
            "certificate errors let through (--ignore-tls-errors); nothing shows it came from "
            f"the site its address names.</p>{which}</div>"
        )
    out.append(f"<table>{rows}</table>")
    if facts.blocked:
        shown = facts.blocked[:MAX_BLOCKED_ROWS]
        body = "".join(
            "<tr>"
            + "".join(f"<td>{esc(c)}</td>" for c in (b.method, b.url, b.kind, b.frame, b.time))
            + "</tr>"
            for b in shown
        )
        more = (
            f"<p>… and {len(facts.blocked) - len(shown)} more, in the capture record.</p>"
            if len(facts.blocked) > len(shown)
            else ""
        )
        out.append(
            f"<p>Writes the read-only guard blocked ({len(facts.blocked)}):</p><table><tr>"
            "<th>Method</th><th>URL</th><th>Kind</th><th>Frame</th><th>Time</th></tr>"
            f"{body}</table>{more}"
        )
    if facts.truncated:
        items = "".join(f"<li>{esc(u)}</li>" for u in facts.truncated[:MAX_BLOCKED_ROWS])
        out.append(f"<p>Response bodies cut at the byte limit:</p><ul>{items}</ul>")
    out.append("</div>")
    return "".join(out)
