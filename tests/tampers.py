"""The tamper matrix as data: each entry breaks a case one way and says what verify must say.

Each tamper takes a case made by ``fill`` (E0001..E0003 and three notes): seq 1
case.created, seq 2-4 evidence.acquired (three hand-overs of one file, lines[1:4]),
seq 5 their log.checkpoint (lines[4]), seq 6-8 note.added (lines[5:8]).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from osint_kit import Case, Examiner
from osint_kit.acquire.handover.intake import import_files
from osint_kit.case.runs import checkpointed
from osint_kit.record.chain import event_digest, link_hash


def fill(
    case: Case, files: dict[str, Path], who: Examiner, handed_over_by: str = "W1", note: str = ""
) -> Case:
    """The case every tamper expects: three hand-overs of one file each, checkpointed
    once (as one run), then three notes."""
    with checkpointed(case.writer, who):
        for name in ("tip.txt", "photo.jpg", "clip.mp4"):
            import_files(
                case.writer, [files[name]], handed_over_by=handed_over_by, note=note,
                examiner=who, progress=False,
            )  # fmt: skip
    case.add_note("Mother called at 22:10 to add details.", exhibits=["E0001"], examiner=who)
    case.add_note("Asked the school for the CCTV.", examiner=who)
    case.add_note("Photo E0002 shows the bus stop.", exhibits=["E0002"], examiner=who)
    return case


@dataclass(frozen=True)
class Tamper:
    name: str
    apply: Callable[[Case], None]
    kinds: frozenset[str]
    message: str  # a fragment the report must contain


def _blob(case: Case, label: str) -> Path:
    path = case.exhibit(label).path
    os.chmod(path, 0o644)
    return path


def _lines(case: Case) -> list[bytes]:
    return (case.path / "custody.jsonl").read_bytes().splitlines(keepends=True)


def _write_lines(case: Case, lines: list[bytes]) -> None:
    (case.path / "custody.jsonl").write_bytes(b"".join(lines))


def flip_byte(case: Case) -> None:
    path = _blob(case, "E0002")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def delete_blob(case: Case) -> None:
    os.unlink(_blob(case, "E0001"))


def add_blob(case: Case) -> None:
    data = b"planted after the fact"
    sha = hashlib.sha256(data).hexdigest()
    path = case.path / "blobs" / "sha256" / sha[:2] / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def add_stray_file(case: Case) -> None:
    (case.store.path_for(case.exhibit("E0001").sha256).parent / "notes.txt").write_text("x")


def blob_to_symlink(case: Case) -> None:
    path = _blob(case, "E0003")
    outside = case.path.parent / "outside.bin"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)


def edit_event(case: Case) -> None:
    lines = _lines(case)
    lines[5] = lines[5].replace(b"called at 22:10", b"called at 23:10")
    _write_lines(case, lines)


def _reseal(obj: dict) -> dict:
    obj["digest"] = event_digest(obj)
    obj["hash"] = link_hash(obj["prev"], obj["digest"])
    return obj


def edit_and_reseal_event(case: Case) -> None:
    lines = _lines(case)
    obj = json.loads(lines[2])
    obj["details"]["capture"]["handed_over_by"] = "someone else"
    lines[2] = json.dumps(_reseal(obj)).encode() + b"\n"
    _write_lines(case, lines)


def delete_event(case: Case) -> None:
    lines = _lines(case)
    del lines[6]
    _write_lines(case, lines)


def duplicate_event(case: Case) -> None:
    lines = _lines(case)
    lines.insert(7, lines[6])
    _write_lines(case, lines)


def reorder_events(case: Case) -> None:
    lines = _lines(case)
    lines[5], lines[6] = lines[6], lines[5]
    _write_lines(case, lines)


def truncate_mid_line(case: Case) -> None:
    path = case.path / "custody.jsonl"
    os.truncate(path, path.stat().st_size - 40)


def garble_line(case: Case) -> None:
    lines = _lines(case)
    lines[6] = b"{this is not json\n"
    _write_lines(case, lines)


def drop_last_import(case: Case) -> None:
    """Remove the notes, the checkpoint and the last import: the import's blob is left
    unrecorded, the checkpoint's file has no event, the head ledger reaches further."""
    _write_lines(case, _lines(case)[:3])


def delete_log(case: Case) -> None:
    (case.path / "custody.jsonl").unlink()


TAMPERS = [
    Tamper("flip a byte in a blob", flip_byte, frozenset({"blob-altered"}), "bytes were changed"),
    Tamper("delete a blob", delete_blob, frozenset({"blob-missing"}), "not in the store"),
    Tamper(
        "add a blob never recorded",
        add_blob,
        frozenset({"blob-unrecorded"}),
        "no custody event records it",
    ),
    Tamper(
        "add a stray file to the store", add_stray_file, frozenset({"blob-misplaced"}), "not a blob"
    ),
    Tamper(
        "replace a blob by a symlink",
        blob_to_symlink,
        frozenset({"blob-misplaced", "blob-missing"}),
        "a link sits in the store",
    ),
    Tamper(
        "edit an event", edit_event, frozenset({"event-altered"}), "changed after it was written"
    ),
    Tamper(
        "edit an event and recompute its seal",
        edit_and_reseal_event,
        frozenset({"chain-broken", "head-mismatch"}),  # the ledger kept seq 3's head
        "prev does not match the hash of line 3",
    ),
    Tamper(
        "delete an event", delete_event, frozenset({"seq-gap", "chain-broken"}), "seq 7 missing"
    ),
    Tamper(
        "duplicate an event",
        duplicate_event,
        frozenset({"seq-duplicate", "event-duplicated", "chain-broken"}),
        "seq 7 already appeared on line 7",
    ),
    Tamper(
        "reorder two events",
        reorder_events,
        frozenset({"seq-out-of-order", "chain-broken"}),
        "seq 6 comes after seq 7",
    ),
    Tamper(
        "truncate the log mid-line",
        truncate_mid_line,
        frozenset({"torn-line", "log-truncated"}),  # an acknowledged event: the ledger has it
        "incomplete line",
    ),
    Tamper(
        "garble an event",
        garble_line,
        frozenset({"event-unreadable", "chain-broken", "seq-gap"}),
        "line is not JSON",
    ),
    Tamper(
        "drop the last events (one imported a blob)",
        drop_last_import,
        frozenset({"blob-unrecorded", "checkpoint-unrecorded", "log-truncated"}),
        "no custody event records it",
    ),
    Tamper(
        "delete the custody log", delete_log, frozenset({"log-missing"}), "custody.jsonl is missing"
    ),
]
