"""A disposal as a records officer reads it: what was deleted, what was kept and why,
the bundles exported before (copies outside the case), as text, HTML and a printed
certificate."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from osint_kit.base.dates import utc_now
from osint_kit.base.display import facts, table
from osint_kit.base.files import atomic_write
from osint_kit.base.labels import label_runs
from osint_kit.base.marking import MARKING
from osint_kit.base.text import shown_in_html, text_of, texts_of
from osint_kit.errors import OutputExists, RecordsRefused, StorageError
from osint_kit.folder.export_residue import bundle_in_case
from osint_kit.folder.read import CaseFolder
from osint_kit.formats.pdf import print_pdf
from osint_kit.record.builtin_actions import EXPORTED
from osint_kit.record.case_state import RecordsState
from osint_kit.record.disposals import (
    Disposal,
    DisposalLedger,
    DisposedExhibit,
)
from osint_kit.record.exhibits import exhibits_from_events
from osint_kit.version import __version__


@dataclass(frozen=True)
class ExportRecord:
    """A bundle exported from the case (``export.created``): a copy outside the case."""

    seq: int
    time: str
    recipient: str
    authorization: str
    purpose: str
    bundle: str
    sha256: str
    #: Its path in the case (``exports/NAME``), or "" when it was written outside it.
    path: str
    exhibits: tuple[str, ...]
    #: The exhibits of the bundle that the disposal covers: copies of them are out there.
    disposed: tuple[str, ...]
    #: The bundle file is still at its recorded path in the case.
    present: bool


@dataclass(frozen=True)
class DispositionReport:
    """One disposal read back from the log, with what remains of the case and the bundles
    exported before it (``disposition_report``); ``certificate_html`` for the records
    officer."""

    identity: Mapping[str, Any]
    disposal: Disposal
    remaining_exhibits: int
    remaining_blobs: int
    remaining_bytes: int
    events: int
    head_seq: int
    head_hash: str
    exports: tuple[ExportRecord, ...]
    records: RecordsState

    @property
    def case_id(self) -> str:
        return str(self.identity.get("id", ""))

    @property
    def disposed(self) -> tuple[DisposedExhibit, ...]:
        return self.disposal.exhibits

    @property
    def kept(self) -> tuple[DisposedExhibit, ...]:
        """Disposed exhibits whose blob stays, for what still holds the same bytes."""
        return tuple(x for x in self.disposal.exhibits if x.kept_for)

    @property
    def started_seq(self) -> int:
        return self.disposal.seq

    @property
    def completed_seq(self) -> int | None:
        return self.disposal.completed_seq

    @property
    def bytes_deleted(self) -> int:
        value = self.disposal.completed.get("bytes_deleted")
        return value if type(value) is int else 0

    def text(self) -> str:
        d = self.disposal
        by_repair = " (finished by repair)" if _by_repair(d) else ""
        state = (
            f"completed at seq {d.completed_seq}{by_repair}"
            if d.done
            else "NOT COMPLETE (interrupted: osint-kit repair finishes it)"
        )
        if d.cancelled:
            state = f"CANCELLED at seq {d.completed_seq}{by_repair}: {d.cancelled}"
        lines = [
            f"disposal of case {self.case_id} started at seq {d.seq}, {state}",
            f"  authorization {d.authorization}, approved by {d.approved_by}, by {_who(d.actor)}",
            f"  reason: {d.reason}",
            *([f"  {_early_text(d)}"] if d.early else []),
            f"  {len(d.exhibits)} exhibit(s) disposed; {len(d.blobs)} blob(s) "
            f"({self.bytes_deleted:,} bytes) deleted",
        ]
        lines += [f"    {_exhibit_line(x)}" for x in d.exhibits]
        lines.append(
            f"  remains: {self.remaining_exhibits} exhibit(s), {self.remaining_blobs} blob(s), "
            f"{self.remaining_bytes:,} bytes; the custody log ({self.events} events) stays"
        )
        for e in self.exports:
            lines.append(
                f"  copies outside the case, not disposed by this: {e.bundle} to {e.recipient} "
                f"under {e.authorization} ({e.time[:10]}), holds "
                f"{label_runs(list(e.disposed)) or 'none'} of the disposed exhibits"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<div class='osint-kit-disposition'>{self._body_html()}</div>"

    def certificate_html(self) -> str:
        """A self-contained HTML certificate of this disposal (everything escaped)."""

        title = f"Certificate of disposition: case {self.case_id}"
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{shown_in_html(title)}</title><style>{_STYLE}</style></head><body>"
            f"<p class='marking'>{shown_in_html(MARKING)}</p>"
            f"<h1>{shown_in_html(title)}</h1>"
            + self._body_html()
            + "<h2>Signed</h2><p>Records officer: ____________________ &nbsp; Date: "
            "____________</p>"
            f"<p class='small'>Made by osint-kit {shown_in_html(__version__)} at "
            f"{shown_in_html(utc_now())} from the custody log of the case (head seq "
            f"{self.head_seq}, hash <code>{shown_in_html(self.head_hash)}</code>); "
            f"<code>osint-kit verify {shown_in_html(self.case_id)}</code> checks that log and "
            "what remains.</p></body></html>"
        )

    def write_certificate(
        self, path: Path | str, *, pdf: bool = False, force: bool = False, progress: bool = False
    ) -> Path:
        """Write ``certificate_html`` to ``path`` atomically (and, with ``pdf``, printed
        by Chromium beside it, same name ``.pdf``). An existing file is replaced only
        with ``force`` (else ``OutputExists``)."""
        path = Path(path)
        printed = path.with_suffix(".pdf")
        for target in (path, printed) if pdf else (path,):
            if target.exists() and not force:
                raise OutputExists(target, "use force=True / --force to replace it")
        page = self.certificate_html()
        try:
            atomic_write(path, page.encode("utf-8"), mode=0o644)
        except OSError as exc:
            raise StorageError(path, exc.strerror or str(exc)) from exc
        if pdf:
            print_pdf(page, printed, case_id=self.case_id, marking=MARKING, progress=progress)
        return path

    def _body_html(self) -> str:
        d = self.disposal
        remains = facts(
            [
                ("exhibits", f"{self.remaining_exhibits:,}"),
                ("blobs", f"{self.remaining_blobs:,}"),
                ("bytes", f"{self.remaining_bytes:,}"),
                ("custody log", f"kept: {self.events:,} events, head seq {self.head_seq} "
                 f"({self.head_hash[:16]}…); it still names each disposed exhibit, its "
                 "SHA-256 and where it came from"),
            ]
        )  # fmt: skip
        gone = texts_of(d.completed.get("already_gone"))
        missing = (
            f"<p>Already missing from the store before the disposal: "
            f"{shown_in_html(', '.join(gone))}</p>"
            if gone
            else ""
        )
        return (
            self._facts_html()
            + f"<h2>Disposed: {len(d.exhibits):,} exhibit(s); {len(d.blobs):,} blob(s), "
            f"{self.bytes_deleted:,} bytes deleted</h2>"
            + table(_EXHIBIT_HEAD, [_exhibit_row(x) for x in d.exhibits])
            + missing
            + f"<h2>What remains in the case</h2>{remains}"
            + "<h2>Copies outside the case, not disposed by this</h2>"
            + self._exports_html()
            + "<h2>What deleting means</h2><p>The case's copy of each blob was deleted (its "
            "file unlinked). That does not wipe every copy: backups, snapshots, copy-on-write "
            "and journalled file systems, SSD wear levelling and the bundles above may keep "
            "the bytes. See docs/disposition.md.</p>"
        )

    def _facts_html(self) -> str:
        d, ident, rec = self.disposal, self.identity, self.records
        auth = ident.get("authority")
        auth = auth if isinstance(auth, Mapping) else {}
        by_repair = " (finished by osint-kit repair)" if _by_repair(d) else ""
        done = f"seq {d.completed_seq}, {d.completed_time}{by_repair}"
        if d.cancelled:
            done = f"CANCELLED at {done}: {d.cancelled}"
        closed = (
            f" (closed at seq {rec.closed_seq}: {rec.close_reason}; approved by "
            f"{rec.closed_approved_by})"
            if rec.is_closed
            else ""
        )
        return facts(
            [
                ("case", f"{self.case_id}: {text_of(ident.get('title'))}"),
                ("category", text_of(ident.get("category"))),
                ("case authority", f"{text_of(auth.get('reference'))}, approved by "
                 f"{text_of(auth.get('approved_by'))} on {text_of(auth.get('approved_at'))}"),
                ("case status", rec.status + closed),
                ("disposal authorization", d.authorization),
                ("approved by", d.approved_by),
                ("reason", d.reason),
                ("retention date", _retention_text(d)),
                ("early disposal", _early_text(d) if d.early else "no"),
                ("carried out by", _who(d.actor)),
                ("scope", "the whole case" if d.scope == "case" else "chosen exhibits"),
                ("started", f"seq {d.seq}, {d.time}"),
                ("completed", done if d.done else "NOT COMPLETE: osint-kit repair finishes it"),
            ]
        )  # fmt: skip

    def _exports_html(self) -> str:
        if not self.exports:
            return "<p>No bundle was exported from this case before the disposal.</p>"
        rows = [
            (
                shown_in_html(e.time),
                str(e.seq),
                shown_in_html(e.recipient),
                shown_in_html(e.authorization),
                f"{shown_in_html(e.bundle)}<br><code>{shown_in_html(e.sha256)}</code>",
                shown_in_html(label_runs(list(e.disposed)) or "none"),
                shown_in_html(
                    f"yes, at {e.path}"
                    if e.present
                    else f"no longer at {e.path}"
                    if e.path
                    else "written outside the case"
                ),
            )
            for e in self.exports
        ]
        return (
            "<p>Bundles exported before the disposal: copies outside the case, which this "
            "disposal did not touch. Their recipients hold them.</p>" + table(_EXPORT_HEAD, rows)
        )


_EXHIBIT_HEAD = ("exhibit", "role", "media type", "bytes", "sha256", "reason", "blob")


_EXPORT_HEAD = (
    "exported",
    "seq",
    "recipient",
    "authorization",
    "bundle and sha256",
    "disposed exhibits in it",
    "on this machine",
)


def _exhibit_row(x: DisposedExhibit) -> tuple[str, ...]:
    derived = f" (derived from {', '.join(x.derived_from)})" if x.derived_from else ""
    kept = f"kept: the same bytes are still held by {', '.join(x.kept_for)}"
    return (
        shown_in_html(x.label),
        shown_in_html(x.role),
        shown_in_html(x.media_type or ""),
        f"{x.size:,}",
        f"<code>{shown_in_html(x.sha256)}</code>",
        shown_in_html(x.reason + derived),
        "deleted" if x.blob_deleted else shown_in_html(kept),
    )


def _by_repair(d: Disposal) -> bool:
    return d.completed.get("completed_by_repair") is True


def disposition_report(case: CaseFolder, seq: int | None = None) -> DispositionReport:
    """The disposal started at ``seq`` (the latest when None), read from the log, with
    what remains of the case now and the bundles exported before it. ``RecordsRefused``
    when there is no such disposal."""
    events = list(case.log.events())
    ledger = DisposalLedger.of(events)
    if not ledger.disposals:
        raise RecordsRefused(f"case {case.id} has no disposal on its record")
    if seq is None:
        seq = max(ledger.disposals)
    if seq not in ledger.disposals:
        raise RecordsRefused(f"no disposal of case {case.id} started at seq {seq}")
    disposal = ledger.disposals[seq]
    gone = ledger.disposed_labels()
    remaining = [
        ex for ex in exhibits_from_events(events, case.store.path_for) if ex.label not in gone
    ]
    sizes = {ex.sha256: ex.size for ex in remaining}
    covered = set(disposal.labels)
    exports = []
    for e in events:
        if e.action != EXPORTED or e.seq >= seq:
            continue
        bundle = e.details.get("bundle")
        bundle = bundle if isinstance(bundle, Mapping) else {}
        inside = bundle_in_case(dict(bundle))
        exports.append(
            ExportRecord(
                seq=e.seq,
                time=e.time,
                recipient=text_of(e.details.get("recipient")),
                authorization=text_of(e.details.get("authorization")),
                purpose=text_of(e.details.get("purpose")),
                bundle=text_of(bundle.get("name")),
                sha256=text_of(bundle.get("sha256")),
                path=inside or "",
                exhibits=e.exhibits,
                disposed=tuple(x for x in e.exhibits if x in covered),
                present=inside is not None and os.path.lexists(case.path / inside),
            )
        )
    return DispositionReport(
        identity=dict(case.identity),
        disposal=disposal,
        remaining_exhibits=len(remaining),
        remaining_blobs=len(sizes),
        remaining_bytes=sum(sizes.values()),
        events=len(events),
        head_seq=events[-1].seq,
        head_hash=events[-1].hash,
        exports=tuple(exports),
        records=RecordsState.of(events),
    )


_STYLE = (
    "body{font-family:sans-serif;font-size:11pt;margin:2em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #999;padding:.2em .4em;vertical-align:top}"
    "code{font-size:9pt;word-break:break-all}.marking{font-weight:bold;color:#a00}"
    ".small{font-size:9pt;color:#555}"
)


def _exhibit_line(x: DisposedExhibit, *, would: bool = False) -> str:
    """One disposed exhibit; ``would``: as a dry run says it (nothing deleted yet)."""
    why = f" (derived from {', '.join(x.derived_from)})" if x.derived_from else ""
    kept = ", ".join(x.kept_for)
    if would:
        blob = "blob would be deleted" if x.blob_deleted else f"blob would be kept: held by {kept}"
    else:
        blob = "blob deleted" if x.blob_deleted else f"blob kept: still held by {kept}"
    return f"{x.label} {x.role} {x.size:,} bytes sha256 {x.sha256}{why}: {blob}"


def _early_text(d: Disposal) -> str:
    """The early-disposal record of a disposal made before the case's date."""
    e = d.early
    before = text_of(e.get("before")) or "a date that could not be read"
    action = text_of(e.get("action")) or "retention"
    return (
        f"EARLY DISPOSAL, before its {action} date {before}, under {text_of(e.get('authority'))}:"
        f" {text_of(e.get('reason'))}"
    )


def _retention_text(d: Disposal) -> str:
    r = d.retention
    if not r:
        return "none on the record of this disposal"
    return f"{text_of(r.get('action'))} on {text_of(r.get('due_on'))} ({text_of(r.get('basis'))})"


def _who(actor: Mapping[str, Any]) -> str:
    name, ident, agency = (text_of(actor.get(k)) for k in ("name", "id", "agency"))
    return f"{name} ({ident}, {agency})" if ident else name
