"""The blob store against the log: every blob hashed on worker threads and judged (altered,
resized, writable, unrecorded), every blob the log names looked for (missing, or an
import still to finish).

Separate because it reads the store's bytes, the bulk of verification's time, on threads
started before the log is read; the log's checks hand it only the blobs they found named."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm.auto import tqdm

from osint_kit.folder.read import CaseFolder
from osint_kit.integrity.crash_residue import report_disposals, report_store_residue, staged_parts
from osint_kit.integrity.log_check import BlobRef
from osint_kit.record.chain import is_hex64
from osint_kit.record.disposals import INCOMPLETE, DisposalLedger
from osint_kit.record.file_checks import linked_on_the_way
from osint_kit.record.file_hash import hash_file
from osint_kit.record.findings import VerificationReport

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


class BlobHashes:
    """Every blob in the store, listed and then hashed on worker threads from the start
    of verification, while the log is read and checked; ``check_blobs`` takes the
    results in order. What in the store is no blob is reported as it is listed."""

    def __init__(self, case: CaseFolder, report: VerificationReport) -> None:
        self.present: dict[str, Path] = {}
        self.sizes: dict[str, int] = {}  # as listed: the bar's total
        # A linked blobs/ or blobs/sha256 is reported as a link (links_under); its
        # outside content is not read, so the blobs the log names are missing.
        linked = linked_on_the_way(case.path, case.store.root / "sha256")
        for path in () if linked else case.store.iter_files():
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

    def __enter__(self) -> BlobHashes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_blobs(
    case: CaseFolder,
    referenced: dict[str, BlobRef],
    report: VerificationReport,
    hashes: BlobHashes,
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
        if os.path.isfile(path) and not linked_on_the_way(case.path, path):
            present[sha] = path
            judge(_hash_blob((sha, path)))

    staged = staged_parts(case)
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
    report_disposals(disposals, present, report)
    report_store_residue(case, finishing, report)
