"""Verification of a whole case: every blob, event, link and number; every problem at once."""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from osint_kit.errors import CorruptCaseFile, UnsupportedFormatVersion
from osint_kit.folder.checkpoint import (
    check_against_bundle,
    check_checkpoints,
    checkpoint_of,
    final_name,
    pending_files,
    pending_name,
)
from osint_kit.folder.export_residue import interrupted_exports, recorded_bundles
from osint_kit.folder.read import CaseFolder, read_identity
from osint_kit.record.authorship import SignatureCheck
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
from osint_kit.record.disposals import INCOMPLETE, INTERRUPTED, DisposalLedger
from osint_kit.record.file_hash import hash_file
from osint_kit.record.findings import StampStatus, VerificationReport
from osint_kit.record.ledger import Head, recorded_heads
from osint_kit.record.signing import REGISTERED
from osint_kit.record.staging import is_batch_lock

if TYPE_CHECKING:
    from osint_kit.record.trust import TrustStore


def verify_case(
    case: CaseFolder,
    against: Sequence[Path] = (),
    *,
    trust: TrustStore | None = None,
    expect: Sequence[Head] = (),
    ledger: bool = True,
    tsa_ca: Path | None = None,
    progress: bool = False,
) -> VerificationReport:
    """Everything about a case at once. ``trust``: the examiners' keys the department
    vouches for; ``expect``: heads a reviewer holds from elsewhere (a bundle, a report);
    ``ledger``: compare with the heads this machine's own writes recorded; ``tsa_ca``:
    the CA checkpoints' time stamps must chain to (else ``$OSINT_KIT_TSA_CA``);
    ``progress``: a bar on stderr of the blobs and bytes hashed.

    What was found of each checkpoint's time stamp is in ``report.stamps`` (for the
    provenance report's "Trusted time")."""

    if trust is not None:
        trust.keys()  # an unreadable store is an error before anything is checked
    report = VerificationReport(target=f"case {case.id} ({case.path})")
    identity = None
    try:
        identity = read_identity(case.path / "case.json")
    except (CorruptCaseFile, UnsupportedFormatVersion) as exc:
        report.add("case-file", str(exc), path="case.json")
    with _BlobHashes(case, report) as hashes:  # hashed on workers while the log is checked
        if _log_not_regular(case, report):
            _check_blobs(case, {}, report, hashes, log_missing=True, progress=progress)
            return report
        if not case.log.path.is_file():
            report.add(
                "log-missing",
                "custody.jsonl is missing: no blob can be matched to its record",
                path="custody.jsonl",
            )
            _check_blobs(case, {}, report, hashes, log_missing=True, progress=progress)
            return report
        heads, recorded, referenced, disposals = _check_log(case, report, identity, trust, progress)
        _check_blobs(case, referenced, report, hashes, progress=progress, disposals=disposals)
    stamps = check_checkpoints(case, heads, report, tsa_ca)
    _keep_stamps(report, stamps, recorded)
    check_recorded_heads(recorded, heads, report)
    _check_checkpoint_files(case, recorded, report)
    for bundle in against:
        check_against_bundle(Path(bundle), heads, report)
    _check_exports(case, report)
    if ledger:
        _check_ledger(case, heads, report)
    for head in expect:
        check_outside_head(head, heads, report)
    return report


def _check_log(
    case: CaseFolder,
    report: VerificationReport,
    identity: dict[str, Any] | None,
    trust: TrustStore | None,
    progress: bool,
) -> tuple[dict[int, str], list[RecordedHead], dict[str, _Ref], DisposalLedger]:
    """The log's lines: the heads it reached, the heads it records, the blobs it names,
    what it disposed of."""
    heads: dict[int, str] = {}
    recorded: list[RecordedHead] = []
    disposals = DisposalLedger()
    required = (identity or case.identity).get("signatures") == "required"
    referenced = check_log_lines(
        case.log.raw_lines(),
        case.id,
        report,
        "custody.jsonl",
        identity,
        heads,
        recorded,
        required=required,
        trust=trust,
        progress=progress,
        disposals=disposals,
    )
    return heads, recorded, referenced, disposals


def _keep_stamps(
    report: VerificationReport, stamps: list[StampStatus], recorded: Iterable[RecordedHead]
) -> None:
    """Each checkpoint's stamp, with the event that recorded it, on the report."""
    events = {r.file: r.event_seq for r in recorded if r.action == "log.checkpoint" and r.file}
    found = [replace(s, event_seq=events.get(s.file)) for s in stamps]
    # VerificationReport.stamps, set through vars() so that this works before and after
    # verification.py declares the field (then this is ``report.stamps = found``).
    report.stamps = found


def _log_not_regular(case: CaseFolder, report: VerificationReport) -> bool:
    """Is ``custody.jsonl`` there but no regular file of its own (a link, a FIFO, a
    directory)? Then it is reported and not read: a link may lead anywhere, and reading
    a FIFO would wait forever. The writer refuses such a log too."""
    try:
        mode = os.lstat(case.log.path).st_mode
    except FileNotFoundError:
        return False  # log-missing, said by the caller
    except OSError as exc:
        report.add("log-not-regular", f"custody.jsonl cannot be examined: {exc.strerror}")
        return True
    if stat.S_ISREG(mode):
        return False
    what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
    report.add(
        "log-not-regular",
        f"custody.jsonl is {what}: the case's own log must be a file in the case folder; "
        "it was not read, so no blob could be matched to its record",
        path="custody.jsonl",
    )
    return True


def _check_exports(case: CaseFolder, report: VerificationReport) -> None:
    """What a crash left of an export (crash residue), and a bundle in the case's
    ``exports/`` that no export.created records (an orphan: it left without a record)."""

    for left in interrupted_exports(case):
        report.add(
            "interrupted-export",
            f"an export to {left.dest} was stopped by a crash after its export.created "
            "event; osint-kit repair moves the bundle into place"
            if left.recorded
            else f"an export to {left.dest} was stopped by a crash before it was recorded; "
            "osint-kit repair removes what it left (a private folder, a hidden partial file)",
            path=str(left.folder.relative_to(case.path)),
        )
    folder = case.path / "exports"
    if not folder.is_dir():
        return
    recorded = {path for path, _ in recorded_bundles(case)}
    for bundle in sorted(folder.iterdir()):
        name = bundle.name
        if name.startswith(".") or not (name.endswith(".zip") or name.endswith(".zip.age")):
            continue
        if str(bundle.resolve()) not in recorded:
            report.add(
                "export-unrecorded",
                f"{name} is a bundle in the case's exports/ that no export.created event "
                "records: it did not leave through an export on the record",
                path=str(bundle.relative_to(case.path)),
            )


def _check_ledger(case: CaseFolder, heads: dict[int, str], report: VerificationReport) -> None:
    uuid = _case_uuid(case)
    path, known = recorded_heads(uuid) if uuid else (None, [])
    if not known:
        report.notes.append(
            "this machine's head ledger has no write to this case: events cut off the end "
            "since its last checkpoint would not show (verify --expect-head SEQ:HASH checks "
            "a head you hold)"
        )
        return
    last = max(known, key=lambda h: h.seq)
    failed = check_outside_head(last, heads, report)
    for head in known:
        if head is not last and head.seq in heads and not head.matches(heads[head.seq]):
            failed = check_outside_head(head, heads, report) or failed
            break  # one rewritten seq is enough to say it; the first found
    if not failed:
        report.notes.append(
            f"the log reaches the last head this machine wrote (seq {last.seq}, {path})"
        )


def _case_uuid(case: CaseFolder) -> str | None:
    """The ``id`` of the first event, read without trusting the rest of the log."""
    for _, raw in case.log.raw_lines():
        try:
            first = read_event_line(raw)
        except ValueError:
            return None
        uid = first.get("id") if isinstance(first, dict) else None
        return uid if isinstance(uid, str) else None
    return None


def check_outside_head(head: Head, heads: dict[int, str], report: VerificationReport) -> bool:
    """Does the log still hold ``head``? Adds a problem and returns True when it does not."""
    end = max(heads, default=0)
    where = (
        "this machine's head ledger"
        if head.source.endswith(".jsonl")
        else f"the head given ({head.source})"
    )
    if head.seq > end:
        report.add(
            "log-truncated",
            f"{where} says the log reached seq {head.seq} (hash {head.hash[:16]}…), but it "
            f"ends at seq {end}: events were cut off the end",
            seq=head.seq,
        )
        return True
    if not head.matches(heads.get(head.seq)):
        report.add(
            "head-mismatch",
            f"{where} has hash {head.hash[:16]}… at seq {head.seq}; the log has "
            f"{str(heads.get(head.seq))[:16]}…: the log was rewritten from there",
            seq=head.seq,
        )
        return True
    if not head.source.endswith(".jsonl"):
        report.notes.append(f"the log holds the expected head seq {head.seq} ({head.source})")
    return False


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
            point = obj.get("action") == "log.checkpoint"
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
            if pending_name(path).is_file():
                continue  # the crash case, reported with the pending files below
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
        if r.token_sha256:
            _check_token_file(path.with_suffix(".tsr"), r, case, report)
    for pending in pending_files(case):
        rel = str(pending.relative_to(case.path))
        owner = named.get(str(checkpoint_of(final_name(pending)).relative_to(case.path)))
        report.add(
            "interrupted-checkpoint",
            f"a checkpoint stopped by a crash after event {owner.event_seq} recorded it; "
            "osint-kit repair moves its file into place"
            if owner
            else "a checkpoint stopped by a crash before it was recorded; osint-kit repair "
            "removes it (on the record)",
            path=rel,
            seq=owner.event_seq if owner else None,
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


def _check_token_file(
    token: Path, r: RecordedHead, case: CaseFolder, report: VerificationReport
) -> None:
    """A checkpoint recorded as stamped must keep its token, byte for byte: removing the
    ``.tsr`` must not quietly turn trusted time into "no trusted time"."""
    rel = str(token.relative_to(case.path))
    if not token.is_file() and token.with_name(f".{token.name}.pending").is_file():
        return  # a crash before the move: reported as interrupted-checkpoint
    if not token.is_file():
        report.add(
            "timestamp-missing",
            f"event {r.event_seq} recorded a trusted time stamp for {r.file}; its token "
            f"{rel} is gone",
            seq=r.event_seq,
            path=rel,
        )
    elif hash_file(token)[0] != r.token_sha256:
        report.add(
            "timestamp-altered",
            f"{rel} is not the token event {r.event_seq} recorded",
            seq=r.event_seq,
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
    *,
    required: bool = False,
    trust: TrustStore | None = None,
    progress: bool = False,
    disposals: DisposalLedger | None = None,
) -> dict[str, _Ref]:
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
) -> dict[str, _Ref]:
    referenced: dict[str, _Ref] = {}
    labels: dict[str, str] = {}  # exhibit -> sha256
    ids: dict[str, int] = {}
    seqs: dict[int, int] = {}  # seq -> first line it appeared on
    prev_hash, prev_seq, prev_line = GENESIS, 0, 0
    parsed: list[tuple[int, dict[str, Any]]] = []
    lines = list(lines)  # read once (the log's lock is released), registrations first:
    signatures = SignatureCheck(
        list(events_with_action(lines, REGISTERED)), report, required=required, trust=trust
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
            obj["action"] == "log.checkpoint" or not _NO_HEAD.isdisjoint(obj["details"])
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
        if n == 1 and obj["action"] != "case.created":
            report.add("log-start", "the first event is not case.created", line=n, seq=seq)
        if disposals is not None and obj["action"].startswith("disposition."):
            disposals.see(obj)
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
            if label is not None and not isinstance(label, str):
                report.add(
                    "event-malformed", "a subject's exhibit is not a string", line=n, seq=seq
                )
                label = None
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


#: Threads hashing blobs: a disk serves several reads in flight, and SHA-256 on the
#: CPU's own instructions is fast enough that reading is what waits.
READERS = 4

_Hashed = tuple[str, Path, str, int, str | None, bool]


def _hash_blob(item: tuple[str, Path]) -> _Hashed:
    """(name, path, SHA-256 found, size, why it could not be read, writable)."""
    sha, path = item
    try:
        writable = bool(os.lstat(path).st_mode & 0o222)
        found, size = hash_file(path, follow=False)
        return sha, path, found, size, None, writable
    except OSError as exc:
        return sha, path, "", 0, exc.strerror or str(exc), False


class _BlobHashes:
    """Every blob in the store, listed and then hashed on worker threads from the start
    of verification, while the log is read and checked; ``_check_blobs`` takes the
    results in order. What in the store is no blob is reported as it is listed."""

    def __init__(self, case: CaseFolder, report: VerificationReport) -> None:
        self.present: dict[str, Path] = {}
        self.sizes: dict[str, int] = {}  # as listed: the bar's total
        for path in case.store.iter_files():
            rel = str(path.relative_to(case.path))
            name = path.name
            if path.is_symlink():
                report.add(
                    "blob-misplaced", "a link sits in the store where a blob should", path=rel
                )
                continue
            try:
                listed = os.lstat(path)
            except FileNotFoundError:
                continue  # gone since it was listed
            if not stat.S_ISREG(listed.st_mode):  # a FIFO would hang the hashing
                report.add(
                    "blob-misplaced",
                    "something that is not a regular file sits in the store",
                    path=rel,
                )
                continue
            if (
                not is_hex64(name)
                or path.parent.name != name[:2]
                or path.parent.parent.name != "sha256"
            ):
                report.add(
                    "blob-misplaced", "a file that is not a blob sits in the store", path=rel
                )
                continue
            self.present[name] = path
            self.sizes[name] = listed.st_size
        self._pool = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="osint-kit-verify")
        self.results = self._pool.map(_hash_blob, sorted(self.present.items()))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> _BlobHashes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_blobs(
    case: CaseFolder,
    referenced: dict[str, _Ref],
    report: VerificationReport,
    hashes: _BlobHashes,
    log_missing: bool = False,
    *,
    progress: bool = False,
    disposals: DisposalLedger | None = None,
) -> None:
    """Every blob in the store against the log, every blob the log names against the store;
    ``disposals``: what the log says was disposed (expected gone, not ``blob-missing``)."""
    disposals = disposals or DisposalLedger()
    store = case.store
    present = hashes.present

    def judge(result: _Hashed) -> None:
        sha, path, found, size, error, writable = result
        rel = str(path.relative_to(case.path))
        ref = referenced.get(sha)
        label = ", ".join(sorted(ref.exhibits)) if ref else None
        if error:
            report.add("blob-unreadable", f"cannot read blob: {error}", path=rel, exhibit=label)
            return
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
        elif (
            writable
            and (ref is not None or log_missing)
            and disposals.expected_gone(sha) is None  # a disposal's own doing
        ):
            # Intact but open to the next write. A changed blob is blob-altered and an
            # unrecorded one blob-unrecorded: that says enough about those.
            report.add(
                "blob-writable",
                "blob is writable (blobs are stored read-only, mode 0444): its permissions "
                "were changed",
                path=rel,
                exhibit=label,
            )
        if ref is None and not log_missing:
            report.add(
                "blob-unrecorded",
                "a blob is in the store but no custody event records it",
                path=rel,
            )
        if (gone := disposals.should_be_gone(sha)) is not None:
            report.add(
                INCOMPLETE,
                f"the disposal at seq {gone.seq} (under {gone.authorization}), completed at "
                f"seq {gone.completed_seq}, listed this blob for deletion, but it is still "
                "in the store",
                seq=gone.seq,
                path=rel,
                exhibit=label,
            )

    bar = tqdm(
        desc="verify blobs",
        total=sum(hashes.sizes.values()),
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=not progress,
    )
    with bar:
        for done, result in enumerate(hashes.results, start=1):
            bar.set_postfix_str(f"{done}/{len(present)} blobs", refresh=False)
            bar.update(hashes.sizes[result[0]])
            judge(result)
    # A blob published after the store was listed, by a writer whose event the log
    # check then read: in place now, so judged now (not "missing").
    for sha in sorted(referenced.keys() - present.keys()):
        path = store.path_for(sha)
        if os.path.isfile(path) and not os.path.islink(path):
            present[sha] = path
            judge(_hash_blob((sha, path)))

    staged = _staged_parts(case)
    finishing: set[Path] = set()
    for sha, ref in sorted(referenced.items(), key=lambda kv: kv[1].seq):
        if sha in present or disposals.expected_gone(sha) is not None:
            continue  # a disposed blob is gone by decision: the disposal says it below
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
    _report_disposals(disposals, present, report)
    for entry, kind in store.not_regular_incoming():
        report.notes.append(
            f"{entry.relative_to(case.path)} is {kind}, not a regular file: no import writes "
            "one, so it was not read (osint-kit repair leaves it alone)"
        )
    for folder in store.stale_downloads():
        report.add(
            "interrupted-download",
            "a media download a crash stopped before it was recorded; osint-kit repair "
            "removes it (on the record)",
            path=str(folder.relative_to(case.path)),
        )
    for part, locked in store.leftover_parts():
        if part in finishing:
            continue
        rel = str(part.relative_to(case.path))
        if locked:
            report.notes.append(f"an import is in progress ({rel})")
        else:
            what = "the lock file of a staging batch" if is_batch_lock(part) else "a partial copy"
            report.add(
                "interrupted-import",
                f"{what} left by an import that stopped before it was recorded; "
                "osint-kit repair removes it (on the record)",
                path=rel,
            )


def _report_disposals(
    disposals: DisposalLedger, present: dict[str, Path], report: VerificationReport
) -> None:
    """A note for each disposal (its blobs are expected gone); a problem for one that a
    crash stopped before its ``disposition.completed`` (crash residue: repair finishes it)."""
    for seq, d in sorted(disposals.disposals.items()):
        if d.cancelled:
            report.notes.append(
                f"a disposal at seq {seq} under {d.authorization} was cancelled at seq "
                f"{d.completed_seq} ({d.cancelled}); the blobs it had deleted before "
                f"({len(d.blobs)}) are expected to be gone"
            )
            continue
        if d.done:
            report.notes.append(
                f"{len(d.exhibits)} exhibit(s) disposed at seq {seq} under {d.authorization} "
                f"(approved by {d.approved_by}; completed at seq {d.completed_seq}): their "
                f"blobs ({len(d.blobs)}) are expected to be gone"
            )
            continue
        left = sum(1 for sha in d.blobs if sha in present)
        report.add(
            INTERRUPTED,
            f"a disposal of {len(d.exhibits)} exhibit(s) under {d.authorization} was stopped "
            f"before its disposition.completed event; {left} of its {len(d.blobs)} blob(s) "
            "are still in the store; osint-kit repair finishes it",
            seq=seq,
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
