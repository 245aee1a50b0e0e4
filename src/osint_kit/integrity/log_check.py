"""Reading custody.jsonl line by line: each event's seal, link into the chain and number,
its signature, the blobs and heads it names.

Separate because it reads only the log's bytes (also a log given as lines, as the chain
property tests do) and hands the rest of verification what the log says: the heads it
reached, the heads it records, the blobs it names."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from osint_kit.record.actions import registry as action_types
from osint_kit.record.authorship import SignatureCheck
from osint_kit.record.builtin_actions import CHECKPOINT, CREATED, KEY_REGISTERED
from osint_kit.record.capture_facts import describe_rerouting, rerouted_hosts
from osint_kit.record.chain import (
    GENESIS,
    event_shape_problem,
    events_with_action,
    is_hex64,
    line_digest,
    link_hash,
    read_event_line,
)
from osint_kit.record.disposals import DisposalLedger
from osint_kit.record.findings import VerificationReport

if TYPE_CHECKING:
    from osint_kit.record.trust import TrustStore


@dataclass(frozen=True)
class RecordedHead:
    """A head an event put on the record: "the log was at ``seq`` with ``hash``"."""

    event_seq: int
    action: str
    seq: int
    hash: str
    #: For a checkpoint: its file (relative to the case) and the file's SHA-256.
    file: str | None = None
    file_sha256: str | None = None
    #: For a stamped checkpoint: the SHA-256 of its RFC 3161 token (the ``.tsr``).
    token_sha256: str | None = None


def heads_recorded_by(obj: dict[str, Any]) -> list[RecordedHead]:
    """The heads an event records: a checkpoint's, an export's, a recorded verification's,
    a derived exhibit's (``details.derived.head``), and any later kind's ``details.head``."""
    given = obj.get("details")
    details: dict[str, Any] = given if isinstance(given, dict) else {}
    found = []
    candidates: list[Any]
    if obj.get("action") == CHECKPOINT:
        candidates = [details]
    else:
        derived = details.get("derived")
        nested = derived.get("head") if isinstance(derived, dict) else None
        candidates = [details.get("head"), nested]
    for head in candidates:
        if not isinstance(head, dict):
            continue
        seq, hsh = head.get("seq"), head.get("hash")
        if isinstance(seq, int) and not isinstance(seq, bool) and isinstance(hsh, str):
            point = obj.get("action") == CHECKPOINT
            file = details.get("file") if point else None
            token = details.get("token_sha256") if point and details.get("trusted_time") else None
            found.append(
                RecordedHead(
                    obj["seq"],
                    str(obj.get("action")),
                    seq,
                    hsh,
                    str(file) if isinstance(file, str) else None,
                    str(details.get("checkpoint_sha256") or "") or None,
                    str(token) if token else None,
                )
            )
    return found


@dataclass
class BlobRef:
    """What the log says about one blob: its size, and where it was named."""

    size: int
    exhibits: set[str]
    seq: int


def check_log_lines(
    lines: Iterable[tuple[int, bytes]],
    case_id: str,
    report: VerificationReport,
    path: str = "custody.jsonl",
    identity: dict[str, Any] | None = None,
    heads: dict[int, str] | None = None,
    recorded: list[RecordedHead] | None = None,
    *,
    required: bool = False,
    trust: TrustStore | None = None,
    progress: bool = False,
    disposals: DisposalLedger | None = None,
) -> dict[str, BlobRef]:
    """Check every line's seal, link and number; return the blobs the events reference.
    ``progress``: a bar on stderr of the lines checked; ``disposals``: fed each disposal
    and each exhibit's first naming, for the blob check.

    The cyclic garbage collector is paused meanwhile: the parsed events are kept (and
    hold no cycles), and its passes over a growing heap cost a third of the time."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _check_log_lines(
            lines,
            case_id,
            report,
            path,
            identity,
            heads,
            recorded,
            required,
            trust,
            progress,
            disposals,
        )
    finally:
        if paused:
            gc.enable()


def _check_log_lines(
    lines: Iterable[tuple[int, bytes]],
    case_id: str,
    report: VerificationReport,
    path: str,
    identity: dict[str, Any] | None,
    heads: dict[int, str] | None,
    recorded: list[RecordedHead] | None,
    required: bool,
    trust: TrustStore | None,
    progress: bool = False,
    disposals: DisposalLedger | None = None,
) -> dict[str, BlobRef]:
    referenced: dict[str, BlobRef] = {}
    labels: dict[str, str] = {}  # exhibit -> sha256
    ids: dict[str, int] = {}
    types = action_types().types  # read once: a plugin's types, where one is installed
    undeclared: dict[str, list[int]] = {}
    seqs: dict[int, int] = {}  # seq -> first line it appeared on
    prev_hash, prev_seq, prev_line = GENESIS, 0, 0
    parsed: list[tuple[int, dict[str, Any]]] = []
    lines = list(lines)  # read once (the log's lock is released), registrations first:
    signatures = SignatureCheck(
        list(events_with_action(lines, KEY_REGISTERED)), report, required=required, trust=trust
    )
    for n, raw in tqdm(lines, desc="verify log", unit="event", disable=not progress):
        if not raw.endswith(b"\n"):
            report.add(
                "torn-line",
                f"the log ends in an incomplete line of {len(raw)} bytes (an interrupted write); "
                "osint-kit repair keeps it as a blob and logs the repair",
                line=n,
                path=path,
            )
            break
        try:
            obj = read_event_line(raw)
        except ValueError as exc:
            report.add("event-unreadable", f"line is not JSON ({exc})", line=n, path=path)
            continue
        bad = event_shape_problem(obj)
        if bad is None:
            try:
                digest = line_digest(obj)
            except (ValueError, TypeError, RecursionError) as exc:
                bad = f"the event has no canonical form ({str(exc)[:200]})"
        if bad:
            report.add("event-malformed", bad, line=n, path=path)
            continue
        seq = obj["seq"]
        parsed.append((n, obj))
        signatures.see(n, obj)
        if recorded is not None and (
            obj["action"] == CHECKPOINT or not _NO_HEAD.isdisjoint(obj["details"])
        ):
            recorded.extend(heads_recorded_by(obj))
        if heads is not None:
            heads.setdefault(seq, str(obj["hash"]))
        report.events += 1
        if digest != obj["digest"]:
            report.add(
                "event-altered",
                "the event's content does not match its digest: it was changed after it was "
                "written",
                line=n,
                seq=seq,
            )
        if link_hash(obj["prev"], obj["digest"]) != obj["hash"]:
            report.add(
                "event-seal-broken",
                "hash is not SHA-256(prev || digest): the seal was edited",
                line=n,
                seq=seq,
            )
        if obj["prev"] != prev_hash:
            before = f"line {prev_line} (seq {prev_seq})" if prev_line else "the start of the log"
            report.add(
                "chain-broken",
                f"prev does not match the hash of {before}: an event was removed, inserted, "
                "moved or altered here",
                line=n,
                seq=seq,
            )
        if seq in seqs:
            report.add(
                "seq-duplicate", f"seq {seq} already appeared on line {seqs[seq]}", line=n, seq=seq
            )
        elif seq < prev_seq:
            report.add("seq-out-of-order", f"seq {seq} comes after seq {prev_seq}", line=n, seq=seq)
        seqs.setdefault(seq, n)
        if obj["id"] in ids:
            report.add(
                "event-duplicated",
                f"event id {obj['id']} already appeared on line {ids[obj['id']]}",
                line=n,
                seq=seq,
            )
        ids.setdefault(obj["id"], n)
        if obj["case"] != case_id:
            report.add(
                "event-wrong-case", f"event belongs to case {obj['case']!r}", line=n, seq=seq
            )
        if n == 1 and obj["action"] != CREATED:
            report.add("log-start", "the first event is not case.created", line=n, seq=seq)
        declared = types.get(obj["action"])
        if declared is None:
            undeclared.setdefault(obj["action"], []).append(seq)
        elif declared.first_only and n != 1:
            report.add(
                "event-out-of-place",
                f"{obj['action']} is only ever the log's first event",
                line=n,
                seq=seq,
            )
        if disposals is not None and obj["action"].startswith("disposition."):
            disposals.see(obj)
        if n == 1 and obj["action"] == CREATED and identity not in (None, obj["details"]):
            report.add(
                "case-file",
                "case.json differs from the identity recorded when the case was created",
                path="case.json",
            )
        for s in obj["subjects"]:
            if not isinstance(s, dict) or not is_hex64(s.get("sha256")):
                report.add("event-malformed", "a subject has no valid sha256", line=n, seq=seq)
                continue
            sha, label = s["sha256"], s.get("exhibit")
            if label is not None and not isinstance(label, str):
                report.add(
                    "event-malformed", "a subject's exhibit is not a string", line=n, seq=seq
                )
                label = None
            ref = referenced.setdefault(sha, BlobRef(s.get("size", -1), set(), seq))
            if s.get("size") != ref.size:
                report.add(
                    "size-conflict",
                    f"the log gives two sizes for blob {sha[:16]}…: {ref.size} and {s.get('size')}",
                    line=n,
                    seq=seq,
                    exhibit=label,
                )
            if label:
                ref.exhibits.add(label)
                if disposals is not None and label not in labels:
                    disposals.introduce(sha, seq)
                if labels.setdefault(label, sha) != sha:
                    report.add(
                        "exhibit-conflict",
                        f"{label} names two different blobs",
                        line=n,
                        seq=seq,
                        exhibit=label,
                    )
        prev_hash, prev_seq, prev_line = obj["hash"], seq, n
    _report_missing_seqs(seqs, report)
    signatures.finish()
    note_rerouted(parsed, report)
    note_undeclared(undeclared, report)
    report.head_seq, report.head_hash = prev_seq, prev_hash
    return referenced


def note_undeclared(undeclared: dict[str, list[int]], report: VerificationReport) -> None:
    """Events of a type no installed package declares: they verify like any other, but
    nothing here says what they mean (a plugin not installed on this machine, or a
    forgery): the reader should know."""
    for action, seqs in sorted(undeclared.items()):
        shown = ", ".join(map(str, seqs[:5])) + (f" … ({len(seqs)})" if len(seqs) > 5 else "")
        report.notes.append(
            f"events of type {action!r} (seq {shown}) are of a type no installed package "
            "declares: their seals are checked, their meaning is not known here"
        )


def note_rerouted(parsed: list[tuple[int, dict[str, Any]]], report: VerificationReport) -> None:
    """Name every capture whose hosts were rerouted: it did not come from the real site."""
    for _, obj in parsed:
        capture = (obj.get("details") or {}).get("capture")
        rerouted = rerouted_hosts(capture)
        if rerouted and isinstance(capture, dict):
            report.notes.append(
                f"capture {capture.get('id', '?')} (event {obj['seq']}) was rerouted: "
                f"{describe_rerouting(rerouted)}; it shows what those addresses served, "
                "not necessarily the real site (a sandbox, mirror or gateway)"
            )


def _report_missing_seqs(seqs: dict[int, int], report: VerificationReport) -> None:
    """Numbers absent from 1..max: events removed (wherever the others now stand)."""
    known = sorted(s for s in seqs if s > 0)
    for before, after in zip([0, *known], known, strict=False):
        if after > before + 1:
            missing = (
                f"seq {before + 1}" if after == before + 2 else f"seq {before + 1} to {after - 1}"
            )
            report.add(
                "seq-gap",
                f"{missing} missing: the log has seq {before} then seq {after}",
                line=seqs[after],
                seq=after,
            )


#: Details that may hold a recorded head (``heads_recorded_by``); others are skipped.
_NO_HEAD = frozenset({"head", "derived"})
