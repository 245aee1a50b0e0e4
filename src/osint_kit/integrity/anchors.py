"""The log held against heads kept outside it: checkpoint files and their time stamp
tokens, heads events recorded, this machine's head ledger, heads a reviewer brings.

Separate because these are what show a log rewritten or cut short from its end, which
the chain alone cannot: a consistent log can still be a shorter or a different one."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from osint_kit.folder.checkpoint import checkpoint_of, final_name, pending_files, pending_name
from osint_kit.folder.read import CaseFolder
from osint_kit.integrity.log_check import RecordedHead
from osint_kit.record.builtin_actions import CHECKPOINT
from osint_kit.record.chain import read_event_line
from osint_kit.record.file_checks import linked_on_the_way
from osint_kit.record.file_hash import hash_file
from osint_kit.record.findings import VerificationReport
from osint_kit.record.ledger import LEDGER, FolderId, Head, recorded_heads


def check_ledger(case: CaseFolder, heads: dict[int, str], report: VerificationReport) -> None:
    """The log against the heads this machine's writes to the case left in its ledger.

    A case is held to the heads its own folder wrote (``FolderId.same``: moved with
    ``mv``, or put back at its path) and to lines that name no folder (written before
    folders were named); a log that no longer reaches them was cut, as ever. Heads a
    copy of the case wrote (a training copy, a reviewer's) are said in a note: the two
    logs went apart after the copy, and neither is the other's tail. When no head is
    this folder's, a copy that is no longer there counts as this folder's: a case moved
    to another file system is copied and then deleted, and a cut is still a cut."""
    uuid = _case_uuid(case)
    _, known = recorded_heads(uuid) if uuid else (None, [])
    if not known:
        report.notes.append(
            "this machine's head ledger has no write to this case: events cut off the end "
            "since its last checkpoint would not show (verify --expect-head SEQ:HASH checks "
            "a head you hold)"
        )
        return
    here = FolderId.of(case.path)

    def own(head: Head) -> bool:
        return head.folder is None or here is None or head.folder.same(here)

    held = [h for h in known if own(h)]
    copies = [h for h in known if not own(h)]
    if not any(h.folder is not None for h in held):  # nothing written from this folder
        gone = [h for h in copies if h.folder is not None and not h.folder.still_there()]
        held += gone
        copies = [h for h in copies if h not in gone]
    if held:
        _check_held(held, heads, report)
    _note_copies(case, copies, heads, report)


def _check_held(held: list[Head], heads: dict[int, str], report: VerificationReport) -> None:
    """The cut-tail check: the log must reach the last head and hold every one."""
    last = max(held, key=lambda h: h.seq)
    failed = check_outside_head(last, heads, report)
    for head in held:
        if head is not last and head.seq in heads and not head.matches(heads[head.seq]):
            failed = check_outside_head(head, heads, report) or failed
            break  # one rewritten seq is enough to say it; the first found
    if not failed:
        report.notes.append(
            f"the log reaches the last head this machine wrote (seq {last.seq}, in its head ledger)"
        )


def _note_copies(
    case: CaseFolder, copies: list[Head], heads: dict[int, str], report: VerificationReport
) -> None:
    """A note for each other copy of the case this machine wrote to, named by its path
    relative to this case (no machine path goes into a report that may be recorded)."""
    by_folder: dict[str, list[Head]] = {}
    for head in copies:
        if head.folder is not None:
            by_folder.setdefault(head.folder.path, []).append(head)
    end = max(heads, default=0)
    for path, found in sorted(by_folder.items()):
        last = max(found, key=lambda h: h.seq)
        where = os.path.relpath(path, case.path.resolve())
        gone = "" if found[0].folder and found[0].folder.still_there() else " (no longer there)"
        if last.matches(heads.get(last.seq)):
            said = "this log holds it too"
        else:
            differs = (
                f"ends at seq {end}, before it"
                if last.seq > end
                else f"has another event at seq {last.seq}"
            )
            said = (
                f"this log {differs}: the two went apart after the copy was made (each is "
                "held to the heads written in its own folder; compare them to know which "
                "is whole)"
            )
        report.notes.append(
            f"another copy of this case, at {where}{gone}, was written on this machine too: "
            f"the ledger's last head from it is seq {last.seq} (hash {last.hash[:16]}…); "
            f"{said}"
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
    where = head.source if head.source == LEDGER else f"the head given ({head.source})"
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
    if head.source != LEDGER:
        report.notes.append(f"the log holds the expected head seq {head.seq} ({head.source})")
    return False


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


def check_checkpoint_files(
    case: CaseFolder, recorded: Iterable[RecordedHead], report: VerificationReport
) -> None:
    """Each checkpoint event's file is there, unchanged; each checkpoint file has its event."""

    named = {}
    for r in recorded:
        if r.action != CHECKPOINT or not r.file:
            continue
        named[r.file] = r
        path = case.path / r.file
        if ".." not in Path(r.file).parts and linked_on_the_way(case.path, path):
            continue  # a link, reported as link-in-case; what it leads to is not read
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
    if folder.is_dir() and not folder.is_symlink():
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
