"""The provenance report: one self-contained HTML page a reviewer can read or print.

Case header and authority, the examiners, the verification status, the trusted
time of every checkpoint, a timeline of custody events, and per exhibit its
whole provenance: acquired how, from where, by whom and when, what was derived
from it, where it was exported, what superseded it, and every later event that
touched it (notes, exports), with a thumbnail for pictures and screenshots. No
scripts, no outside resources: images are embedded, so the file opens the same
anywhere, offline, and prints to PDF cleanly.

A case can hold 10,000 exhibits: what concerns each exhibit is looked up in
indexes built once (``_Index``), never by scanning every event per exhibit.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from osint_kit.base.dates import utc_now
from osint_kit.base.files import atomic_write
from osint_kit.errors import InvalidOption, StorageError
from osint_kit.folder.checkpoint import FAILED, NO_STAMP, NOT_CHECKED, VERIFIED
from osint_kit.formats.media_facts import MediaFacts
from osint_kit.formats.media_summary import describe_difference, facts_line
from osint_kit.record.capture_facts import CaptureFacts, describe_rerouting, rerouted_hosts, text
from osint_kit.record.events import Event
from osint_kit.record.exhibits import Exhibit
from osint_kit.record.findings import StampStatus

#: Pictures larger than this are not embedded (the report stays small); their hash is.
MAX_THUMBNAIL_BYTES = 3 * 2**20
#: Blocked writes listed per capture; the rest are counted (all are in the record).
MAX_BLOCKED_ROWS = 200
#: An event's summary in an exhibit's history is shortened past this many characters.
MAX_HISTORY_LINE = 600

_CSS = """
body{font-family:system-ui,sans-serif;max-width:960px;margin:1.5em auto;color:#111;
  font-size:14px;line-height:1.4}
h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:2px solid #333;margin-top:1.6em}
h3{margin:.2em 0}.marking{border:3px solid #a00;color:#a00;font-weight:bold;
  text-align:center;padding:.4em;letter-spacing:.05em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #bbb;padding:.25em .45em;text-align:left;vertical-align:top}
th{background:#eee}.hash{font-family:ui-monospace,monospace;font-size:.85em;
  word-break:break-all}pre{white-space:pre-wrap;word-break:break-all}.ok{color:#060;font-weight:bold}.bad{color:#a00;font-weight:bold}
.exhibit{border:1px solid #999;padding:.6em .8em;margin:1em 0;page-break-inside:avoid}
.capture{border:2px solid #555;padding:.6em .8em;margin:1em 0}
.warning{border:3px solid #a00;color:#a00;padding:.4em .6em;font-weight:bold}
.exhibit img{max-width:320px;max-height:240px;border:1px solid #ccc;float:right;
  margin:0 0 .5em 1em}.clear{clear:both}
.timeline td:last-child{overflow-wrap:anywhere;min-width:11em}
.timeline td:nth-child(5){overflow-wrap:anywhere}
.stamps td.hash{min-width:17em}.stamps td:nth-child(5){white-space:nowrap}
.stamps td:nth-child(4),.stamps td:nth-child(6){overflow-wrap:anywhere}
@media print{body{margin:0;max-width:none}.exhibit{break-inside:avoid}}
"""


@dataclass(frozen=True)
class ProvenanceReport:
    """The report as HTML; shows itself in a notebook, and saves to a file."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def save(self, path: Path | str) -> Path:
        """Write the report to ``path`` atomically (a reader never sees half of it)."""
        out = Path(path)
        if out.is_dir():
            raise InvalidOption("report path", f"{out} is a folder; name the file to write")
        try:
            atomic_write(out, self.html.encode("utf-8"), mode=0o644)
        except OSError as exc:
            raise StorageError(out, exc.strerror or str(exc)) from exc
        return out


#: Marks a file as a provenance report osint-kit wrote (so writing it again is safe).
GENERATOR = "osint-kit provenance report"


def is_report_of(path: Path, case_id: str) -> bool:
    """Whether ``path`` holds a provenance report of ``case_id`` that osint-kit wrote: a
    derived view, which may be written again from the case without asking."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096).decode("utf-8", "replace")
    except OSError:
        return False
    return (
        f"<meta name='generator' content='{GENERATOR}'>" in head
        and f"<meta name='osint-kit-case' content='{html.escape(case_id, quote=True)}'>" in head
    )


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _rows(pairs: Iterable[tuple[str, object]]) -> str:
    return "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in pairs if v not in (None, "")
    )


def render(
    identity: Mapping[str, Any],
    events: Sequence[Event],
    exhibits: Sequence[Exhibit],
    *,
    verification: tuple[bool, str] | None = None,
    marking: str | None = None,
    withheld: int = 0,
    problems: Mapping[str, list[str]] | None = None,
    signers: Mapping[str, str] | None = None,
    bad_signatures: Iterable[int] = (),
    stamps: Sequence[StampStatus] | None = None,
    media: Mapping[str, MediaFacts] | None = None,
    progress: bool = False,
) -> ProvenanceReport:
    """The report for ``exhibits``, from ``events`` (all of them, or a bundle's full events).

    ``verification`` is (ok, text) of the last check, and ``problems`` what it found
    per exhibit; ``withheld`` counts events a bundle includes only as seq + digest;
    ``signers`` says per key id whose key it is and whether it is trusted, and
    ``bad_signatures`` the seqs whose signature did not verify. ``stamps`` is what
    verification found of each checkpoint's time stamp (``VerificationReport.stamps``);
    None when none ran: every stamp then reads "not checked". ``progress``: a bar on
    stderr of the exhibits written.
    """
    authority = identity.get("authority") or {}
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<meta name='generator' content='{GENERATOR}'>",
        f"<meta name='osint-kit-case' content='{_e(identity.get('id'))}'>",
        f"<title>Provenance report: {_e(identity.get('id'))}</title><style>{_CSS}</style>",
        "</head><body>",
    ]
    if marking:
        parts.append(f"<div class='marking'>{_e(marking)}</div>")
    parts += [
        f"<h1>Provenance report: case {_e(identity.get('id'))}</h1>",
        f"<p>{_e(identity.get('title'))}</p>",
        "<table>",
        _rows(
            [
                ("Category", identity.get("category")),
                ("Authority", authority.get("reference")),
                ("Approved by", authority.get("approved_by")),
                ("Approved at", authority.get("approved_at")),
                ("Case created", identity.get("created_at")),
                ("Report made", utc_now()),
            ]
        ),
        "</table>",
    ]
    if verification is not None:
        ok, text = verification
        cls, word = ("ok", "VERIFIED") if ok else ("bad", "PROBLEMS FOUND")
        parts.append(f"<h2>Verification</h2><p class='{cls}'>{word}</p><pre>{_e(text)}</pre>")
    rerouted = [e for e in events if e.rerouted]
    if rerouted:
        items = "".join(
            f"<li>{_e((e.capture or {}).get('id'))} (event {e.seq}, "
            f"{_e((e.capture or {}).get('target'))}): {_e(describe_rerouting(e.rerouted))}</li>"
            for e in rerouted
        )
        parts.append(
            "<h2 class='bad'>Rerouted captures</h2><p class='bad'>These captures were made with "
            "host names sent to other addresses (a sandbox, mirror or gateway). They show what "
            f"those addresses served, not necessarily the real site.</p><ul>{items}</ul>"
        )
    ignored = [
        (e, f) for e in events if (f := e.capture_facts) and f.tls is not None and f.tls.warning
    ]
    if ignored:
        items = "".join(
            f"<li>{_e(f.id)} (event {e.seq}, {_e(f.target)}): {_e(f.tls.warning if f.tls else '')}"
            "</li>"
            for e, f in ignored
        )
        parts.append(
            "<h2 class='bad'>Captures with TLS errors ignored</h2><p class='bad'>These pages were "
            "captured with certificate errors let through (--ignore-tls-errors): nothing shows "
            f"that they came from the site their address names.</p><ul>{items}</ul>"
        )
    parts.append(_trusted_time(events, stamps, withheld))
    parts.append(_examiners(events))
    parts.append(_timeline(events, withheld, signers or {}, set(bad_signatures)))
    web = [(e, f) for e in events if (f := e.capture_facts) and f.is_web]
    if web:
        parts.append("<h2>Web captures</h2>")
        parts.extend(_web_capture(e, f) for e, f in web)
    parts.append("<h2>Exhibits</h2>")
    index = _Index.of(events, exhibits)
    for ex in tqdm(exhibits, desc="report", unit="exhibit", disable=not progress):
        status = None
        if verification is not None:
            found = (problems or {}).get(ex.label, [])
            status = "; ".join(found) if found else "verified: its bytes match its hash"
        parts.append(_exhibit(ex, index, status, (media or {}).get(ex.sha256)))
    parts.append("</body></html>")
    return ProvenanceReport("".join(parts))


def _trusted_time(
    events: Sequence[Event], stamps: Sequence[StampStatus] | None, withheld: int
) -> str:
    """One row per checkpoint: its event, the log seq and hash it covers, the TSA, the
    token's time, and whether the token verified against the configured TSA CA."""
    by_event = {s.event_seq: s for s in stamps or () if s.event_seq is not None}
    points = [e for e in events if e.action == "log.checkpoint"]
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
    status = f"<td class='{cls}'>{_e(said)}</td>" if cls else f"<td>{_e(said)}</td>"
    return (
        f"<tr><td>{_e(event)}</td><td>{_e(seq)}</td><td class='hash'>{_e(hsh)}</td>"
        f"<td>{_e(tsa or '')}</td><td>{_e(when or '')}</td>{status}</tr>"
    )


def _examiners(events: Sequence[Event]) -> str:
    seen: dict[str, Mapping[str, Any]] = {}
    for e in events:
        seen.setdefault(str(e.actor.get("id")), e.actor)
    rows = "".join(
        f"<tr><td>{_e(a.get('name'))}</td><td>{_e(a.get('id'))}</td><td>{_e(a.get('agency'))}"
        f"</td><td>{_e(a.get('os_user'))}@{_e(a.get('host'))}</td></tr>"
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
        return f"<td>{_e(key)}</td>"
    if event.seq in bad:
        return f"<td class='bad'>BAD SIGNATURE ({_e(key)})</td>"
    said = signers.get(key, "key not registered in this log")
    cls = " class='bad'" if "NOT TRUSTED" in said or "not registered" in said else ""
    return f"<td{cls}>{_e(key)}: {_e(said)}</td>"


def _timeline(
    events: Sequence[Event], withheld: int, signers: Mapping[str, str], bad: set[int]
) -> str:
    rows = "".join(
        f"<tr><td>{e.seq}</td><td>{_e(e.time)}</td><td>{_e(e.actor.get('name'))}</td>"
        f"<td>{_e(e.action)}</td><td>{_e(e.summary())}</td>{_signed(e, signers, bad)}</tr>"
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


def _web_capture(event: Event, facts: CaptureFacts) -> str:
    """One web capture's facts: where it went, how the site answered, when the page itself
    was captured, what the read-only guard blocked, TLS (a warning when errors were let
    through), bodies cut at the byte limit, rerouting."""
    cap = event.capture or {}
    chain = [f"{h.status} {h.url}" for h in facts.redirects]
    tls = facts.tls
    rows = _rows(
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
                "REROUTED",
                f"{describe_rerouting(event.rerouted)}: not from the real site"
                if event.rerouted
                else None,
            ),
        ]
    )
    out = [
        f"<div class='capture' id='{_e(facts.id)}'><h3>Web capture {_e(facts.id)}: "
        f"{_e(facts.target)}</h3>"
    ]
    if tls is not None and tls.warning:
        which = (
            "<ul>" + "".join(f"<li>{_e(err)}</li>" for err in tls.errors) + "</ul>"
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
            + "".join(f"<td>{_e(c)}</td>" for c in (b.method, b.url, b.kind, b.frame, b.time))
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
        items = "".join(f"<li>{_e(u)}</li>" for u in facts.truncated[:MAX_BLOCKED_ROWS])
        out.append(f"<p>Response bodies cut at the byte limit:</p><ul>{items}</ul>")
    out.append("</div>")
    return "".join(out)


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    """A record member that should be a list, read defensively (a log can hold anything)."""
    return list(value) if isinstance(value, list | tuple) else []


@dataclass
class _Run:
    """One collection run against a target, as the post histories read it."""

    event: Event
    #: post id -> the SHA-256 of each record the run listed for it
    records: dict[str, list[str]]
    #: sha256 -> exhibit of this run's subjects
    exhibits: dict[str, str]
    deleted: set[str]
    no_longer_listed: set[str]
    reappeared: set[str]


@dataclass
class _Index:
    """What concerns each exhibit, looked up once for all of them (a case may hold
    10,000 exhibits: scanning every event for each would take minutes)."""

    by_seq: dict[int, Event] = field(default_factory=dict)
    #: events naming an exhibit number, and events naming a SHA-256 (same bytes)
    by_label: dict[str, list[Event]] = field(default_factory=dict)
    by_sha: dict[str, list[Event]] = field(default_factory=dict)
    #: input exhibit -> the analysis.derived events whose inputs name it
    derived_from: dict[str, list[Event]] = field(default_factory=dict)
    #: exhibit -> the export.created events that carried it
    exports: dict[str, list[Event]] = field(default_factory=dict)
    #: capture target -> the runs against it, in log order
    runs: dict[str, list[_Run]] = field(default_factory=dict)
    #: the exhibits this report shows (links go to these only)
    shown: set[str] = field(default_factory=set)
    #: event seq -> its summary as an exhibit's history shows it (made once)
    summaries: dict[int, str] = field(default_factory=dict)
    #: (event seq, path in the hand-over) -> what the hand-over's event says of that file
    handed: dict[tuple[int, str], Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Sequence[Event], exhibits: Sequence[Exhibit]) -> _Index:
        index = cls(shown={ex.label for ex in exhibits})
        for e in events:
            index.by_seq.setdefault(e.seq, e)
            labels, shas = set(), set()
            for s in e.subjects:
                shas.add(s.sha256)
                if s.exhibit:
                    labels.add(s.exhibit)
            for label in labels:
                index.by_label.setdefault(label, []).append(e)
            for sha in shas:
                index.by_sha.setdefault(sha, []).append(e)
            if e.action == "export.created":
                for label in labels:
                    index.exports.setdefault(label, []).append(e)
            derived = _map(e.details.get("derived"))
            inputs = derived.get("inputs")
            if derived and isinstance(inputs, list):
                for label in dict.fromkeys(str(i) for i in inputs):
                    index.derived_from.setdefault(label, []).append(e)
            cap = _map(e.capture)
            if cap.get("method") == "file.import":
                for f in _list(cap.get("files")):
                    if isinstance(f, Mapping) and isinstance(f.get("relative_path"), str):
                        index.handed.setdefault((e.seq, f["relative_path"]), f)
            if isinstance(cap.get("target"), str) and (cap.get("posts") or cap.get("changes")):
                index.runs.setdefault(cap["target"], []).append(_run(e, cap))
        return index

    def later(self, ex: Exhibit) -> list[Event]:
        """Events after the exhibit's own that name it, or its bytes."""
        found = {e.seq: e for e in self.by_label.get(ex.label, ()) if e.seq > ex.seq}
        found.update((e.seq, e) for e in self.by_sha.get(ex.sha256, ()) if e.seq > ex.seq)
        return [found[seq] for seq in sorted(found)]

    def summary(self, e: Event) -> str:
        """The event's summary, shortened in the middle past ``MAX_HISTORY_LINE``: an export
        of 10,000 exhibits names them all, and each exhibit's history would repeat it (the
        report would grow with the square of the case). The timeline has it in full."""
        said = self.summaries.get(e.seq)
        if said is None:
            said = e.summary()
            if len(said) > MAX_HISTORY_LINE:
                keep = MAX_HISTORY_LINE // 2
                said = (
                    f"{said[:keep]} … {said[-keep:]} (shortened; in full in the custody timeline)"
                )
            self.summaries[e.seq] = said
        return said

    def link(self, label: str) -> str:
        """An exhibit number, linked to its section when this report shows it."""
        if label in self.shown:
            return f"<a href='#{_e(label)}'>{_e(label)}</a>"
        return f"{_e(label)} (not in this report)"


def _run(e: Event, cap: Mapping[str, Any]) -> _Run:
    records: dict[str, list[str]] = {}
    for entry in _list(cap.get("posts")):
        if isinstance(entry, Mapping):
            records.setdefault(str(entry.get("id")), []).append(str(entry.get("record")))
    changes = _map(cap.get("changes"))

    def ids(key: str) -> set[str]:
        listed = _list(changes.get(key))
        return {str(gone.get("id")) for gone in listed if isinstance(gone, Mapping)}

    return _Run(
        e,
        records,
        {s.sha256: s.exhibit for s in e.subjects if s.exhibit},
        ids("deleted"),
        ids("no_longer_listed"),
        {str(x) for x in _list(changes.get("reappeared"))},
    )


def _exhibit(
    ex: Exhibit, index: _Index, status: str | None = None, known: MediaFacts | None = None
) -> str:
    acquiring = index.by_seq.get(ex.seq)
    title = ex.name if ex.method == "file.import" else f"{ex.role} of {ex.name or ex.capture}"
    cap = _map(acquiring.capture if acquiring else None)
    facts = CaptureFacts.of(cap)
    tls = _map(cap.get("tls"))
    server = _map(cap.get("server"))
    source = _map(cap.get("source"))
    handed = index.handed.get((ex.seq, ex.source or ""), {})
    derived = _map(acquiring.details.get("derived") if acquiring else None)
    inputs = _list(derived.get("inputs"))
    facts_rows = [
        ("SHA-256", ex.sha256),
        (
            "DERIVED (not collected)",
            f"{derived.get('method')} of {len(inputs)} exhibit(s): "
            + ", ".join(map(str, inputs[:20]))
            + (" …" if len(inputs) > 20 else "")
            + f"; computed at log seq {_map(derived.get('head')).get('seq')}"
            if derived
            else None,
        ),
        ("Verification", status),
        ("Size", f"{ex.size:,} bytes"),
        ("Role", ex.role),
        ("Media type", ex.media_type),
        ("Acquired", f"{ex.acquired_at} by {ex.acquired_by} (event {ex.seq})"),
        ("Capture", " ".join(x for x in (facts.id, facts.method) if x)),
        ("Target", facts.target),
        ("Path in the hand-over" if "files" in cap else "Source URL", ex.source),
        ("Final URL", facts.final_url),
        ("HTTP status", facts.http_status),
        ("Server", f"{server.get('ip')}:{server.get('port')}" if server else None),
        ("TLS certificate (leaf SHA-256)", text(tls.get("leaf_sha256"))),
        (
            "WARNING",
            facts.tls.warning if facts.tls is not None and facts.tls.warning else None,
        ),
        ("Status", ": ".join(x for x in (facts.status, facts.reason) if x)),
        (
            "REROUTED",
            f"{describe_rerouting(rerouted_hosts(cap))}: not from the real site"
            if rerouted_hosts(cap)
            else None,
        ),
        *_media_rows(ex, cap, known, handed),
        ("Original name", text(handed.get("original_name") or source.get("original_name"))),
        ("Original path", text(handed.get("original_path") or source.get("original_path"))),
        ("Same content as", text(handed.get("same_content_as"))),
        ("Handed over by", text(cap.get("handed_over_by"))),
        ("Note", text(cap.get("note"), most=10_000)),
        *_post_rows(ex),
    ]
    later = index.later(ex)
    items = [
        (
            e.seq,
            f"{_e(e.time)}: {_e(e.action)} by {_e(e.actor.get('name'))} (event {e.seq}): "
            f"{_e(index.summary(e))}",
        )
        for e in later
    ]
    post_id = _post_id(cap, ex.sha256)
    newer: list[tuple[int, str]] = []
    if post_id is not None:
        post_items, newer = _post_history(post_id, ex, index, cap.get("target"))
        items += post_items
    history = "".join(f"<li>{line}</li>" for _, line in sorted(items))
    return (
        f"<div class='exhibit' id='{_e(ex.label)}'>{_thumbnail(ex)}<h3>{_e(ex.label)}: "
        f"{_e(title)}</h3>"
        f"<table>{_rows(facts_rows)}</table>"
        + _derived_from_it(ex, index)
        + _exported_in(ex, index)
        + _superseded_by(newer)
        + (f"<p>Later events:</p><ul>{history}</ul>" if history else "<p>No later events.</p>")
        + "<div class='clear'></div></div>"
    )


def _derived_from_it(ex: Exhibit, index: _Index) -> str:
    """The derived exhibits whose inputs name this one: label (linked) and method."""
    items = []
    for e in index.derived_from.get(ex.label, ()):
        derived = _map(e.details.get("derived"))
        method, name = text(derived.get("method")), text(derived.get("name"))
        what = f"{method or '?'} ({name})" if name else method or "?"
        for label in e.exhibits:
            items.append(
                f"<li>{index.link(label)}: {_e(what)}, by {_e(e.actor.get('name'))} at "
                f"{_e(e.time)} (event {e.seq})</li>"
            )
    return f"<p>Derived from it:</p><ul class='derived'>{''.join(items)}</ul>" if items else ""


def _exported_in(ex: Exhibit, index: _Index) -> str:
    """Each export that carried this exhibit: when, to whom, under what, which bundle."""
    rows = []
    for e in index.exports.get(ex.label, ()):
        d = e.details
        bundle = _map(d.get("bundle"))
        rows.append(
            f"<tr><td>{e.seq}</td><td>{_e(e.time)}</td><td>{_e(text(d.get('recipient')))}</td>"
            f"<td>{_e(text(d.get('authorization')))}</td><td>{_e(text(bundle.get('name')))}</td>"
            "</tr>"
        )
    if not rows:
        return ""
    return (
        "<p>Exported in:</p><table class='exports'><tr><th>Event</th><th>Time (UTC)</th>"
        f"<th>Recipient</th><th>Authorisation</th><th>Bundle</th></tr>{''.join(rows)}</table>"
    )


def _superseded_by(newer: Sequence[tuple[int, str]]) -> str:
    if not newer:
        return ""
    items = "".join(f"<li>{line}</li>" for _, line in newer)
    return f"<p>Superseded by:</p><ul class='superseded'>{items}</ul>"


#: The largest post record whose text the report shows (larger ones are only listed).
MAX_POST_BYTES = 4 * 2**20


def _media_rows(
    ex: Exhibit, cap: Mapping[str, Any], known: MediaFacts | None, handed: Mapping[str, Any]
) -> list[tuple[str, object]]:
    """A picture's or video's technical metadata (as recorded, else as read from the
    blob), how a hand-over's file time compares with its own, and how a collected
    video's format was chosen. ``handed``: the hand-over's entry for this file."""
    entry = handed or next(
        (
            f
            for f in _list(cap.get("files"))
            if isinstance(f, Mapping) and f.get("sha256") == ex.sha256
        ),
        {},
    )
    recorded = entry.get("facts") if isinstance(entry, Mapping) else None
    facts = MediaFacts.from_json(recorded) if isinstance(recorded, Mapping) else known
    rows: list[tuple[str, object]] = []
    if facts is not None:
        rows.append(("Technical metadata", facts_line(facts) or None))
        if facts.problems:
            rows.append(("MEDIA PROBLEM", "; ".join(facts.problems)))
    check = _map(entry.get("time_check") if isinstance(entry, Mapping) else None)
    if check:
        try:
            apart = describe_difference(float(str(check.get("difference_s"))))
        except (TypeError, ValueError):
            apart = text(check.get("difference_s")) or "?"
        flag = "DIFFERS: " if check.get("differs") else ""
        rows.append(
            (
                "File time against its own time",
                f"{flag}file time {text(check.get('file_time'))} is {apart} than its own time "
                f"{text(check.get('own_time'))} ({text(check.get('own_time_source'))})",
            )
        )
    if cap.get("method") == "media.ytdlp" and isinstance(entry, Mapping) and entry:
        item = next(
            (
                f
                for f in _list(cap.get("files"))
                if isinstance(f, Mapping)
                and "selection" in f
                and f.get("item") == entry.get("item")
            ),
            None,
        )
        choice = _map(_map(item).get("selection"))
        if choice:
            rows.append(
                (
                    "Format chosen",
                    f"{text(entry.get('format_id'))} ({text(entry.get('protocol'))}) by "
                    f"{text(choice.get('expression'))}: {text(choice.get('why'))}; "
                    f"{len(_list(choice.get('offered')))} format(s) offered",
                )
            )
        if entry.get("truncated"):
            rows.append(("TRUNCATED", text(entry.get("reason")) or "the download did not finish"))
        page = _map(cap.get("page_capture"))
        if page:
            rows.append(("Page captured", f"{text(page.get('id'))} ({text(page.get('status'))})"))
    return rows


def _post_rows(ex: Exhibit) -> list[tuple[str, object]]:
    """Author, time, edit and text of a post exhibit, read from its record."""
    if ex.role != "post" or ex.size > MAX_POST_BYTES:
        return []
    try:
        record = json.loads(ex.path.read_bytes())
    except (OSError, ValueError):
        return []
    if not isinstance(record, Mapping):
        return []
    author = _map(record.get("author"))
    who = " ".join(x for x in (text(author.get("display_name")), text(author.get("handle"))) if x)
    return [
        ("Post author", who or text(author.get("key"))),
        ("Posted at", text(record.get("created_at"))),
        ("EDITED at", text(record.get("edited_at"))),
        ("Post text", text(record.get("text"), most=20_000)),
    ]


def _post_id(cap: Mapping[str, Any], sha256: str) -> str | None:
    """The platform's id of the post whose record has ``sha256``, from its collection."""
    for entry in _list(cap.get("posts")):
        if isinstance(entry, Mapping) and entry.get("record") == sha256:
            return str(entry.get("id"))
    return None


def _post_history(
    post_id: str, ex: Exhibit, index: _Index, target: object
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """What later runs against the same target said of this post: a new version, deleted
    (the platform's word), no longer listed, listed again. Also, apart, each newer
    version (a link to its exhibit) for "Superseded by"."""
    out: list[tuple[int, str]] = []
    newer: list[tuple[int, str]] = []
    runs = index.runs.get(target, []) if isinstance(target, str) else []
    for run in runs:
        e = run.event
        if e.seq <= ex.seq:
            continue
        cap = _map(e.capture)
        when = f"{_e(e.time)} (event {e.seq}, capture {_e(cap.get('id'))})"
        for record in run.records.get(post_id, ()):
            if record != ex.sha256:
                label = run.exhibits.get(record)
                version = index.link(label) if label else f"its record sha256 {_e(record)}"
                out.append((e.seq, f"{when}: SUPERSEDED by a new version, {version}"))
                newer.append((e.seq, f"{version}, collected {when}"))
        for gone, said in (
            (run.deleted, "DELETED upstream (the platform said so)"),
            (run.no_longer_listed, "no longer listed by the platform (deletion not confirmed)"),
        ):
            if post_id in gone:
                words = _map(cap.get("deletion_evidence")).get(post_id)
                note = f": {_e(text(words))}" if words else ""
                out.append((e.seq, f"{when}: {said}{note}"))
        if post_id in run.reappeared:
            out.append((e.seq, f"{when}: listed again"))
    return out, newer


def _thumbnail(ex: Exhibit) -> str:
    uri = ex.picture_uri(MAX_THUMBNAIL_BYTES)
    return f"<img alt='{_e(ex.label)}' src='{uri}'>" if uri else ""
