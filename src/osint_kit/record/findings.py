"""What verification found: typed problems and a report that reads well everywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from osint_kit.base.display import badge, table, verdict
from osint_kit.base.text import shown, shown_in_html
from osint_kit.errors import VerificationFailed
from osint_kit.record.chain import GENESIS

#: Problems a crash (not a person) can leave; ``osint-kit repair`` deals with them.
CRASH_RESIDUE = frozenset(
    {
        "torn-line",
        "interrupted-import",
        "interrupted-checkpoint",
        "interrupted-export",
        "interrupted-download",
        "interrupted-disposition",
    }
)


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    seq: int | None = None
    line: int | None = None
    exhibit: str | None = None
    path: str | None = None

    @property
    def crash_residue(self) -> bool:
        return self.kind in CRASH_RESIDUE

    def where(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.seq is not None:
            parts.append(f"seq {self.seq}")
        if self.exhibit:
            parts.append(self.exhibit)
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"[{self.kind}] {self.message}" + (f" ({where})" if where else "")


@dataclass(frozen=True)
class StampStatus:
    """One checkpoint's trusted time as verification found it, for the report.

    ``state`` is ``verified`` (the token stamps this checkpoint and chains to the
    configured TSA CA), ``failed``, ``not checked`` (no CA to check against) or ``no
    stamp``; ``detail`` says against what CA, or why not. ``event_seq`` is the
    ``log.checkpoint`` event that recorded the checkpoint, when one does."""

    file: str
    seq: int
    hash: str
    state: str
    detail: str = ""
    gen_time: str | None = None
    tsa_name: str | None = None
    serial: str | None = None
    event_seq: int | None = None
    #: Where the stamp was asked for, when known here (a case's events record it).
    tsa_url: str | None = None


@dataclass(frozen=True)
class KeyUse:
    """One examiner's key in a log: how many events it signed, and whether it is trusted."""

    examiner: str
    name: str
    key_id: str
    events: int
    registered_seq: int
    #: True/False against the trust store; None when no trust store was used.
    trusted: bool | None = None
    #: The earlier key of the same examiner that endorsed this one (a rotation).
    endorsed_by: str | None = None

    def text(self) -> str:
        who = f"{self.examiner} ({self.name})" if self.name else self.examiner
        trust = {None: "no trust store", True: "TRUSTED", False: "NOT TRUSTED"}[self.trusted]
        rotated = f", endorsed by {self.endorsed_by}" if self.endorsed_by else ""
        return (
            f"{who}: {self.events} event(s) signed with {self.key_id} "
            f"(registered at seq {self.registered_seq}{rotated}): {trust}"
        )


@dataclass
class VerificationReport:
    #: What was verified, as the record keeps it (``case ID``: no machine path).
    target: str
    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    blobs_checked: int = 0
    bytes_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: seq -> hash of the chain as verified (for checking checkpoints against it).
    chain_hashes: dict[int, str] = field(default_factory=dict, repr=False)
    #: The ``case.verified`` event that put this report on the record, if one did.
    recorded_seq: int | None = None
    #: Who signed: one entry per key registered in the log.
    keys: list[KeyUse] = field(default_factory=list)
    #: Unsigned events by examiner id.
    unsigned: dict[str, int] = field(default_factory=dict)
    signatures_required: bool = False
    #: The trust store verification used, as the user gave its path: shown, never
    #: recorded (a machine's path); the record names it by what it holds.
    trust_store: str | None = None
    #: What the trust store held: ``{"keys": N, "sha256": ...}`` over its keys' ids and
    #: examiners, sorted; None without a store.
    trust_store_held: dict[str, Any] | None = None
    #: Each checkpoint's time stamp as checked (one per checkpoint file).
    stamps: list[StampStatus] = field(default_factory=list, repr=False)
    #: Where it was, as the user gave it: shown, never recorded (a case moves).
    folder: str | None = None

    @property
    def shown(self) -> str:
        return f"{self.target} ({self.folder})" if self.folder else self.target

    @property
    def ok(self) -> bool:
        return not self.problems

    def __bool__(self) -> bool:
        return self.ok

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    def add(self, kind: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(kind, message, **where))

    def raise_for_problems(self) -> None:
        if self.problems:
            raise VerificationFailed(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "ok": self.ok,
            "events": self.events,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "blobs_checked": self.blobs_checked,
            "bytes_checked": self.bytes_checked,
            "problems": [
                {k: v for k, v in p.__dict__.items() if v is not None} for p in self.problems
            ],
            "notes": self.notes,
            "signatures": {
                "required": self.signatures_required,
                "trust_store": self.trust_store_held,
                "keys": [k.__dict__ for k in self.keys],
                "unsigned": self.unsigned,
            },
        }

    def text(self) -> str:
        lines = [
            f"{shown(self.shown)}: {self.events} events (head seq {self.head_seq}, "
            f"hash {self.head_hash[:16]}…), {self.blobs_checked} blobs, "
            f"{self.bytes_checked:,} bytes checked"
        ]
        if self.ok:
            lines.append("OK: no problems found")
        else:
            lines.append(f"FAILED: {len(self.problems)} problem(s)")
            lines += [f"  - {shown(p)}" for p in self.problems]  # one line each, whatever
        lines += self.signature_lines()  # names or paths they hold
        lines += [f"  note: {shown(n)}" for n in self.notes]
        return "\n".join(lines)

    def signature_lines(self) -> list[str]:
        """Who signed what, with which key, and whether the trust store vouches for it."""
        if not self.keys and not self.unsigned:
            return []
        policy = "required" if self.signatures_required else "not required by the case"
        store = f"trust store {shown(self.trust_store)}" if self.trust_store else "no trust store"
        lines = [f"  signatures ({policy}; {store}):"]
        lines += [f"    {shown(k.text())}" for k in self.keys]
        unsigned = sorted(self.unsigned.items())
        lines += [f"    {shown(who)}: {n} unsigned event(s)" for who, n in unsigned]
        return lines

    def _repr_html_(self) -> str:
        """The badge first, then problems grouped by kind (what a reviewer acts on), who
        signed with which key and whether it is trusted, then the notes (trusted time)."""
        head = (
            f"<p>{verdict(self.ok)} <b>{shown_in_html(self.shown)}</b>: {self.events:,} events "
            f"(head seq {self.head_seq}, <code>{shown_in_html(self.head_hash[:16])}…</code>), "
            f"{self.blobs_checked:,} blobs, {self.bytes_checked:,} bytes checked</p>"
        )
        groups: dict[str, list[Problem]] = {}
        for p in self.problems:
            groups.setdefault(p.kind, []).append(p)
        problems = "".join(
            f"<details{' open' if len(found) <= 5 else ''}><summary>"
            f"{badge(kind, 'bad')} {len(found)} problem(s)</summary><ul>"
            + "".join(
                f"<li>{shown_in_html(p.message)}"
                + (f" <small>({shown_in_html(p.where())})</small>" if p.where() else "")
                + "</li>"
                for p in found[:PROBLEMS_SHOWN]
            )
            + (
                f"<li>… {len(found) - PROBLEMS_SHOWN:,} more (report.problems)</li>"
                if len(found) > PROBLEMS_SHOWN
                else ""
            )
            + "</ul></details>"
            for kind, found in sorted(groups.items())
        )
        notes = "".join(f"<li>{shown_in_html(n)}</li>" for n in self.notes)
        return (
            f"<div class='osint-kit-verification'>{head}{problems}{self._signatures_html()}"
            f"{self._stamps_html()}"
            + (f"<p>Notes:</p><ul>{notes}</ul>" if notes else "")
            + "</div>"
        )

    def _signatures_html(self) -> str:
        if not self.keys and not self.unsigned:
            return "<p>Signatures: none in this log.</p>"
        policy = "required by the case" if self.signatures_required else "not required"
        store = f"trust store {shown(self.trust_store)}" if self.trust_store else "no trust store"
        trust = {
            None: badge("no trust store", "muted"),
            True: badge("TRUSTED", "ok"),
            False: badge("NOT TRUSTED", "bad"),
        }
        rows = [
            (
                shown_in_html(f"{k.name} ({k.examiner})" if k.name else k.examiner),
                f"<code>{shown_in_html(k.key_id)}</code>",
                f"{k.events:,}",
                str(k.registered_seq),
                shown_in_html(k.endorsed_by or ""),
                trust[k.trusted],
            )
            for k in self.keys
        ]
        rows += [
            (shown_in_html(who), badge("unsigned", "warn"), f"{n:,}", "", "", "")
            for who, n in sorted(self.unsigned.items())
        ]
        return f"<p>Signatures ({policy}; {shown_in_html(store)}):</p>" + table(
            ("examiner", "key", "events signed", "registered at seq", "endorsed by", "trust"),
            rows,
        )

    def _stamps_html(self) -> str:
        """Trusted time per checkpoint: the head it covers and what its stamp proved."""
        if not self.stamps:
            return ""
        kinds = {"verified": "ok", "failed": "bad", "not checked": "warn"}
        rows = [
            (
                str(s.event_seq or ""),
                str(s.seq),
                f"<code>{shown_in_html(s.hash[:16])}…</code>",
                shown_in_html(s.gen_time or ""),
                shown_in_html(s.tsa_name or s.tsa_url or ""),
                badge(s.state, kinds.get(s.state, "muted")) + " " + shown_in_html(s.detail),
            )
            for s in self.stamps
        ]
        return "<p>Trusted time per checkpoint:</p>" + table(
            ("event", "covers seq", "head", "token time", "TSA", "stamp"), rows
        )


#: Problems of one kind a notebook lists before counting the rest.
PROBLEMS_SHOWN = 50
