"""What a crash or a stray writer left in a case, as verification sees it: interrupted
imports, downloads, exports and disposals, and bundles that left without a record.

Separate from the blob and log checks because it reads other places (the store's staging
areas, exports/) and says what ``osint-kit repair``, not the examiner, is to do about it."""

from __future__ import annotations

from pathlib import Path

from osint_kit.folder.export_residue import (
    bundle_in_case,
    interrupted_exports,
    recorded_bundles,
    shown,
)
from osint_kit.folder.read import CaseFolder
from osint_kit.record.disposals import INTERRUPTED, DisposalLedger
from osint_kit.record.file_checks import linked_on_the_way
from osint_kit.record.file_hash import hash_file
from osint_kit.record.findings import VerificationReport
from osint_kit.record.staging import is_batch_lock


def check_exports(case: CaseFolder, report: VerificationReport) -> None:
    """What a crash left of an export (crash residue), and a bundle in the case's
    ``exports/`` that no export.created records (an orphan: it left without a record)."""

    for left in interrupted_exports(case):
        report.add(
            "interrupted-export",
            f"an export to {shown(case, left.dest)} was stopped by a crash after its "
            "export.created event; osint-kit repair moves the bundle into place"
            if left.recorded
            else f"an export to {shown(case, left.dest)} was stopped by a crash before it was "
            "recorded; osint-kit repair removes what it left (a private folder, a hidden "
            "partial file)",
            path=str(left.folder.relative_to(case.path)),
        )
    folder = case.path / "exports"
    if not folder.is_dir() or folder.is_symlink():
        return  # a linked exports/ is link-in-case: what it leads to is no part of the case
    # Matched by the path in the case the event records (an old absolute one read as
    # exports/NAME: bundle_in_case) and by size, so that a moved case matches its own
    # bundles and a file put there under a recorded name does not pass for one.
    sizes: dict[str, set[object]] = {}
    for recorded in recorded_bundles(case):
        if (rel := bundle_in_case(recorded)) is not None:
            sizes.setdefault(rel, set()).add(recorded.get("size"))
    for bundle in sorted(folder.iterdir()):
        name = bundle.name
        if name.startswith(".") or not (name.endswith(".zip") or name.endswith(".zip.age")):
            continue
        rel = bundle.relative_to(case.path).as_posix()
        try:
            size = bundle.lstat().st_size
        except OSError:
            continue  # gone since it was listed
        if rel in sizes and size in sizes[rel]:
            continue
        report.add(
            "export-unrecorded",
            f"{name} is a bundle in the case's exports/ that no export.created event "
            + (
                f"records: the bundle recorded under this name had {_sizes(sizes[rel])} "
                f"bytes, this one has {size}: it was replaced"
                if rel in sizes
                else "records: it did not leave through an export on the record"
            ),
            path=rel,
        )


def _sizes(found: set[object]) -> str:
    return " or ".join(sorted(f"{s:,}" if isinstance(s, int) else "?" for s in found))


def report_store_residue(
    case: CaseFolder, finishing: set[Path], report: VerificationReport
) -> None:
    """What imports and downloads left in the store's staging areas: a note for what a
    live writer holds or no import writes, a problem for what a crash left (repair
    removes it). ``finishing``: part files already reported as an import to finish."""
    store = case.store
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


def report_disposals(
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


def staged_parts(case: CaseFolder) -> dict[str, tuple[Path, bool]]:
    """Part files by the SHA-256 of what they hold, each with whether a writer holds it."""
    found = {}
    if linked_on_the_way(case.path, case.store.incoming_dir):
        return {}  # reported as a link; what it leads to is not read
    for part, locked in case.store.leftover_parts():
        if not part.is_file() or linked_on_the_way(case.path, part):
            continue
        try:
            sha, _ = hash_file(part)
        except OSError:
            continue
        found[sha] = (part, locked)
    return found
