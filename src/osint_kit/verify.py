"""Verification of a whole case: every blob, event, link and number; every problem at once."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .chain import GENESIS, event_digest, is_hex64, link_hash
from .errors import CorruptCaseFile, UnsupportedFormatVersion
from .events import describe_rerouting, rerouted_hosts
from .folder import CaseFolder, read_identity
from .signing import REGISTERED, check_signature, key_of
from .store import hash_file
from .verification import VerificationReport

REQUIRED = {
    "seq": int,
    "id": str,
    "time": str,
    "case": str,
    "actor": dict,
    "action": str,
    "subjects": list,
    "details": dict,
    "tool": dict,
    "digest": str,
    "prev": str,
    "hash": str,
}


def verify_case(case: CaseFolder, against: Sequence[Path] = ()) -> VerificationReport:
    from .checkpoint import check_against_bundle, check_checkpoints

    report = VerificationReport(target=f"case {case.id} ({case.path})")
    identity = None
    try:
        identity = read_identity(case.path / "case.json")
    except (CorruptCaseFile, UnsupportedFormatVersion) as exc:
        report.add("case-file", str(exc), path="case.json")
    if not case.log.path.is_file():
        report.add(
            "log-missing",
            "custody.jsonl is missing: no blob can be matched to its record",
            path="custody.jsonl",
        )
        _check_blobs(case, {}, report, log_missing=True)
        return report
    heads: dict[int, str] = {}
    recorded: list[RecordedHead] = []
    referenced = check_log_lines(
        case.log.raw_lines(), case.id, report, "custody.jsonl", identity, heads, recorded
    )
    _check_blobs(case, referenced, report)
    check_checkpoints(case, heads, report)
    check_recorded_heads(recorded, heads, report)
    _check_checkpoint_files(case, recorded, report)
    for bundle in against:
        check_against_bundle(Path(bundle), heads, report)
    return report


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


def heads_recorded_by(obj: dict[str, Any]) -> list[RecordedHead]:
    """The heads an event records: a checkpoint's, an export's, a recorded verification's,
    a derived exhibit's (``details.derived.head``), and any later kind's ``details.head``."""
    given = obj.get("details")
    details: dict[str, Any] = given if isinstance(given, dict) else {}
    found = []
    candidates: list[Any]
    if obj.get("action") == "log.checkpoint":
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
            file = details.get("file") if obj.get("action") == "log.checkpoint" else None
            found.append(
                RecordedHead(
                    obj["seq"],
                    str(obj.get("action")),
                    seq,
                    hsh,
                    str(file) if isinstance(file, str) else None,
                    str(details.get("checkpoint_sha256") or "") or None,
                )
            )
    return found


def check_recorded_heads(
    recorded: Iterable[RecordedHead], heads: dict[int, str], report: VerificationReport
) -> None:
    """Every head an event recorded must be the chain's at that seq, and before the event:
    a log rewritten after a checkpoint or an export no longer matches what they recorded."""
    for r in recorded:
        where = f"event {r.event_seq} ({r.action}) records seq {r.seq}"
        if r.seq >= r.event_seq:
            report.add(
                "recorded-head-impossible",
                f"{where}, which is not before it",
                seq=r.event_seq,
            )
        elif heads.get(r.seq) != r.hash:
            report.add(
                "recorded-head-mismatch",
                f"{where} with a hash that is not the log's: the log was rewritten after "
                "that event was written",
                seq=r.event_seq,
            )


def _check_checkpoint_files(
    case: CaseFolder, recorded: Iterable[RecordedHead], report: VerificationReport
) -> None:
    """Each checkpoint event's file is there, unchanged; each checkpoint file has its event."""
    named = {}
    for r in recorded:
        if r.action != "log.checkpoint" or not r.file:
            continue
        named[r.file] = r
        path = case.path / r.file
        if ".." in Path(r.file).parts or not path.is_file():
            report.add(
                "checkpoint-missing",
                f"event {r.event_seq} recorded the checkpoint {r.file}, which is gone",
                seq=r.event_seq,
                path=r.file,
            )
            continue
        if r.file_sha256 and hash_file(path)[0] != r.file_sha256:
            report.add(
                "checkpoint-altered",
                f"{r.file} is not the checkpoint event {r.event_seq} recorded",
                seq=r.event_seq,
                path=r.file,
            )
    folder = case.path / "timestamps"
    if folder.is_dir():
        for f in sorted(folder.glob("*.json")):
            rel = str(f.relative_to(case.path))
            if not f.name.endswith(".sig.json") and rel not in named:
                report.add(
                    "checkpoint-unrecorded",
                    f"{rel} has no log.checkpoint event: its event was removed, or the file "
                    "was put there",
                    path=rel,
                )


@dataclass
class _Ref:
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
) -> dict[str, _Ref]:
    """Check every line's seal, link and number; return the blobs the events reference."""
    referenced: dict[str, _Ref] = {}
    labels: dict[str, str] = {}  # exhibit -> sha256
    ids: dict[str, int] = {}
    seqs: dict[int, int] = {}  # seq -> first line it appeared on
    prev_hash, prev_seq, prev_line = GENESIS, 0, 0
    parsed: list[tuple[int, dict[str, Any]]] = []
    for n, raw in lines:
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
            obj = json.loads(raw)
        except ValueError as exc:
            report.add("event-unreadable", f"line is not JSON ({exc})", line=n, path=path)
            continue
        bad = _shape_problem(obj)
        if bad:
            report.add("event-malformed", bad, line=n, path=path)
            continue
        seq = obj["seq"]
        parsed.append((n, obj))
        if recorded is not None:
            recorded.extend(heads_recorded_by(obj))
        if heads is not None:
            heads.setdefault(seq, str(obj["hash"]))
        report.events += 1
        if event_digest(obj) != obj["digest"]:
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
        if n == 1 and obj["action"] != "case.created":
            report.add("log-start", "the first event is not case.created", line=n, seq=seq)
        if n == 1 and obj["action"] == "case.created" and identity not in (None, obj["details"]):
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
            ref = referenced.setdefault(sha, _Ref(s.get("size", -1), set(), seq))
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
    check_signatures(parsed, report)
    note_rerouted(parsed, report)
    report.head_seq, report.head_hash = prev_seq, prev_hash
    return referenced


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


def check_signatures(parsed: list[tuple[int, dict[str, Any]]], report: VerificationReport) -> None:
    """Every signature against the keys registered in the log (read in full first)."""
    keys: dict[str, tuple[str, str]] = {}  # key id -> (examiner id, public key PEM)
    for n, obj in parsed:
        if obj["action"] != REGISTERED:
            continue
        d = obj.get("details") or {}
        kid, pem = str(d.get("key_id")), str(d.get("public_key"))
        if key_of(pem) != kid:
            report.add(
                "key-registration",
                f"the registered key does not have the id {kid}",
                line=n,
                seq=obj["seq"],
            )
            continue
        keys[kid] = (str(d.get("examiner")), pem)
    unsigned = 0
    for n, obj in parsed:
        sig = obj.get("signature")
        if not isinstance(sig, dict):
            unsigned += 1
            continue
        kid = str(sig.get("key_id"))
        actor = str((obj.get("actor") or {}).get("id"))
        if kid not in keys:
            report.add(
                "signature-unknown-key",
                f"signed with key {kid}, which no examiner registered in this case",
                line=n,
                seq=obj["seq"],
            )
        elif keys[kid][0] != actor:
            report.add(
                "signature-wrong-examiner",
                f"signed with the key of examiner {keys[kid][0]!r}, but the event names {actor!r}",
                line=n,
                seq=obj["seq"],
            )
        elif not check_signature(keys[kid][1], str(obj["hash"]), sig):
            report.add(
                "signature-bad",
                f"the signature does not verify with key {kid}",
                line=n,
                seq=obj["seq"],
            )
    if unsigned:
        report.notes.append(
            f"{unsigned} event(s) carry no signature (written by an examiner without a key: "
            "osint-kit examiner init makes one)"
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


def _shape_problem(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return "line is not a JSON object"
    for key, kind in REQUIRED.items():
        if key not in obj:
            return f"event has no {key!r}"
        value = obj[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return f"event's {key!r} is not a {kind.__name__}"
    for key in ("digest", "prev", "hash"):
        if not is_hex64(obj[key]):
            return f"event's {key!r} is not 64 lowercase hex digits"
    return None


def _check_blobs(
    case: CaseFolder,
    referenced: dict[str, _Ref],
    report: VerificationReport,
    log_missing: bool = False,
) -> None:
    store = case.store
    present: dict[str, Path] = {}
    for path in store.iter_files():
        rel = str(path.relative_to(case.path))
        name = path.name
        if path.is_symlink():
            report.add("blob-misplaced", "a link sits in the store where a blob should", path=rel)
            continue
        if (
            not is_hex64(name)
            or path.parent.name != name[:2]
            or path.parent.parent.name != "sha256"
        ):
            report.add("blob-misplaced", "a file that is not a blob sits in the store", path=rel)
            continue
        present[name] = path

    def check(item: tuple[str, Path]) -> tuple[str, Path, str, int, str | None]:
        sha, path = item
        try:
            found, size = hash_file(path)
            return sha, path, found, size, None
        except OSError as exc:
            return sha, path, "", 0, exc.strerror or str(exc)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(check, sorted(present.items())))
    for sha, path, found, size, error in results:
        rel = str(path.relative_to(case.path))
        ref = referenced.get(sha)
        label = ", ".join(sorted(ref.exhibits)) if ref else None
        if error:
            report.add("blob-unreadable", f"cannot read blob: {error}", path=rel, exhibit=label)
            continue
        report.blobs_checked += 1
        report.bytes_checked += size
        if found != sha:
            report.add(
                "blob-altered",
                f"content hashes to {found[:16]}…, not to its name: its bytes were changed",
                path=rel,
                exhibit=label,
            )
        elif ref is not None and ref.size != size:
            report.add(
                "blob-size",
                f"blob has {size} bytes, the log says {ref.size}",
                path=rel,
                exhibit=label,
            )
        if ref is None and not log_missing:
            report.add(
                "blob-unrecorded",
                "a blob is in the store but no custody event records it",
                path=rel,
            )

    staged = _staged_parts(case)
    finishing: set[Path] = set()
    for sha, ref in sorted(referenced.items(), key=lambda kv: kv[1].seq):
        if sha in present:
            continue
        label = ", ".join(sorted(ref.exhibits)) or None
        rel = str(store.path_for(sha).relative_to(case.path))
        if sha in staged:
            part, live = staged[sha]
            finishing.add(part)
            where = part.relative_to(case.path)
            if live:
                report.notes.append(f"{label or sha[:16]}: import finishing ({where})")
                continue
            report.add(
                "interrupted-import",
                "the event was written but the blob was not yet moved into place "
                f"(it is intact in {where}); osint-kit repair finishes the move",
                seq=ref.seq,
                exhibit=label,
                path=rel,
            )
        else:
            report.add(
                "blob-missing",
                "the log records this blob but it is not in the store",
                seq=ref.seq,
                exhibit=label,
                path=rel,
            )
    for part, locked in store.leftover_parts():
        if part in finishing:
            continue
        rel = str(part.relative_to(case.path))
        if locked:
            report.notes.append(f"an import is in progress ({rel})")
        else:
            report.add(
                "interrupted-import",
                "a partial copy left by an import that stopped before it was recorded; "
                "osint-kit repair removes it (on the record)",
                path=rel,
            )


def _staged_parts(case: CaseFolder) -> dict[str, tuple[Path, bool]]:
    """Part files by the SHA-256 of what they hold, each with whether a writer holds it."""
    found = {}
    for part, locked in case.store.leftover_parts():
        if not part.is_file():
            continue
        try:
            sha, _ = hash_file(part)
        except OSError:
            continue
        found[sha] = (part, locked)
    return found
