"""The provenance report: one self-contained HTML page a reviewer can read or print.

Case header and authority, the examiners, the verification status, the trusted
time of every checkpoint, a timeline of custody events, and per exhibit its
whole provenance: acquired how, from where, by whom and when, what was derived
from it, where it was exported, what superseded it, and every later event that
touched it (notes, exports), with a thumbnail for pictures and screenshots. No
scripts, no outside resources: images are embedded, so the file opens the same
anywhere, offline, and prints to PDF cleanly.

This module puts the page together, in order; its parts live beside it: the case-wide
sections (sections.py), each exhibit's story (exhibit.py), and the file the page becomes
(document.py). A case can hold 10,000 exhibits: what concerns each exhibit is looked up
in indexes built once (``ExhibitIndex``, index.py), never by scanning every event per
exhibit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tqdm.auto import tqdm

from osint_kit.base.dates import utc_now
from osint_kit.disclosure.report.document import GENERATOR, ProvenanceReport
from osint_kit.disclosure.report.exhibit import exhibit_section
from osint_kit.disclosure.report.index import ExhibitIndex
from osint_kit.disclosure.report.markup import esc, table_rows
from osint_kit.disclosure.report.sections import examiners, timeline, trusted_time, web_capture
from osint_kit.formats.media_facts import MediaFacts
from osint_kit.record.capture_facts import describe_rerouting
from osint_kit.record.events import Event
from osint_kit.record.exhibits import Exhibit
from osint_kit.record.findings import StampStatus

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
        f"<meta name='osint-kit-case' content='{esc(identity.get('id'))}'>",
        f"<title>Provenance report: {esc(identity.get('id'))}</title><style>{_CSS}</style>",
        "</head><body>",
    ]
    if marking:
        parts.append(f"<div class='marking'>{esc(marking)}</div>")
    parts += [
        f"<h1>Provenance report: case {esc(identity.get('id'))}</h1>",
        f"<p>{esc(identity.get('title'))}</p>",
        "<table>",
        table_rows(
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
        parts.append(f"<h2>Verification</h2><p class='{cls}'>{word}</p><pre>{esc(text)}</pre>")
    rerouted = [e for e in events if e.rerouted]
    if rerouted:
        items = "".join(
            f"<li>{esc((e.capture or {}).get('id'))} (event {e.seq}, "
            f"{esc((e.capture or {}).get('target'))}): {esc(describe_rerouting(e.rerouted))}</li>"
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
            f"<li>{esc(f.id)} (event {e.seq}, {esc(f.target)}): "
            f"{esc(f.tls.warning if f.tls else '')}</li>"
            for e, f in ignored
        )
        parts.append(
            "<h2 class='bad'>Captures with TLS errors ignored</h2><p class='bad'>These pages were "
            "captured with certificate errors let through (--ignore-tls-errors): nothing shows "
            f"that they came from the site their address names.</p><ul>{items}</ul>"
        )
    parts.append(trusted_time(events, stamps, withheld))
    parts.append(examiners(events))
    parts.append(timeline(events, withheld, signers or {}, set(bad_signatures)))
    web = [(e, f) for e in events if (f := e.capture_facts) and f.is_web]
    if web:
        parts.append("<h2>Web captures</h2>")
        parts.extend(web_capture(e, f) for e, f in web)
    parts.append("<h2>Exhibits</h2>")
    index = ExhibitIndex.of(events, exhibits)
    for ex in tqdm(exhibits, desc="report", unit="exhibit", disable=not progress):
        status = None
        if verification is not None:
            found = (problems or {}).get(ex.label, [])
            status = "; ".join(found) if found else "verified: its bytes match its hash"
        parts.append(exhibit_section(ex, index, status, (media or {}).get(ex.sha256)))
    parts.append("</body></html>")
    return ProvenanceReport("".join(parts))
