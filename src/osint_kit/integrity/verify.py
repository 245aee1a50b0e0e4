"""Verification of a whole case: every blob, event, link and number; every problem at once.

This is the order of the checks and what one hands the next (the blob hashing starts
first and runs on threads while the log is read); the checks themselves live in
``log_check``, ``store_check``, ``anchors`` and ``crash_residue``."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osint_kit.errors import CorruptCaseFile, UnsupportedFormatVersion
from osint_kit.folder.checkpoint import check_against_bundle, check_checkpoints
from osint_kit.folder.read import CaseFolder, read_identity
from osint_kit.integrity.anchors import (
    check_checkpoint_files,
    check_ledger,
    check_outside_head,
    check_recorded_heads,
)
from osint_kit.integrity.crash_residue import check_exports
from osint_kit.integrity.log_check import BlobRef, RecordedHead, check_log_lines
from osint_kit.integrity.store_check import BlobHashes, check_blobs
from osint_kit.record.builtin_actions import CHECKPOINT
from osint_kit.record.disposals import DisposalLedger
from osint_kit.record.file_checks import links_under
from osint_kit.record.findings import StampStatus, VerificationReport
from osint_kit.record.ledger import Head

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
    report = VerificationReport(target=f"case {case.id}", folder=str(case.path))
    identity = None
    try:
        identity = read_identity(case.path / "case.json")
    except (CorruptCaseFile, UnsupportedFormatVersion) as exc:
        report.add("case-file", str(exc), path="case.json")
    with BlobHashes(case, report) as hashes:  # hashed on workers while the log is checked
        if _log_not_regular(case, report):
            check_blobs(case, {}, report, hashes, log_missing=True, progress=progress)
            return report
        if not case.log.path.is_file():
            report.add(
                "log-missing",
                "custody.jsonl is missing: no blob can be matched to its record",
                path="custody.jsonl",
            )
            check_blobs(case, {}, report, hashes, log_missing=True, progress=progress)
            return report
        heads, recorded, referenced, disposals = _check_log(case, report, identity, trust, progress)
        check_blobs(case, referenced, report, hashes, progress=progress, disposals=disposals)
    stamps = check_checkpoints(case, heads, report, tsa_ca)
    _keep_stamps(report, stamps, recorded)
    check_recorded_heads(recorded, heads, report)
    check_checkpoint_files(case, recorded, report)
    for bundle in against:
        check_against_bundle(Path(bundle), heads, report)
    check_exports(case, report)
    check_links(case, report)
    if ledger:
        check_ledger(case, heads, report)
    for head in expect:
        check_outside_head(head, heads, report)
    return report


def _check_log(
    case: CaseFolder,
    report: VerificationReport,
    identity: dict[str, Any] | None,
    trust: TrustStore | None,
    progress: bool,
) -> tuple[dict[int, str], list[RecordedHead], dict[str, BlobRef], DisposalLedger]:
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
    events = {r.file: r.event_seq for r in recorded if r.action == CHECKPOINT and r.file}
    found = [replace(s, event_seq=events.get(s.file)) for s in stamps]
    # VerificationReport.stamps, set through vars() so that this works before and after
    # verification.py declares the field (then this is ``report.stamps = found``).
    report.stamps = found


def check_links(case: CaseFolder, report: VerificationReport) -> None:
    """Every symbolic link under the case is a problem: osint-kit makes none, and a
    link (a blob folder pointing at a copy elsewhere, say) would let the case's content
    live outside it, where its checks do not reach. What a link leads to is never read
    as part of the case. A link another check already named (the log, a blob) is not
    said twice."""
    named = {p.path for p in report.problems}
    base = os.path.realpath(case.path)
    for link in links_under(case.path):
        rel = str(link.relative_to(case.path))
        if rel in named:
            continue
        target = os.path.realpath(link)
        where = "inside" if os.path.commonpath([base, target]) == base else "outside"
        what = (
            "a folder" if os.path.isdir(link) else "a file" if os.path.exists(link) else "nothing"
        )
        report.add(
            "link-in-case",
            f"a symbolic link to {what} {where} the case: a case folder holds no links, "
            "and what one leads to is not part of the case (it was not read)",
            path=rel,
        )


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
