"""Forgeries by an insider (issue 17): someone who can write to the case folder but holds
no other examiner's private key. Each says what ``verify`` must report on the machine
that wrote the case (its head ledger at hand) and elsewhere (a reviewer with only the
trust store), or that elsewhere it cannot be seen (docs/format.md says so).

The case they start from (``signed_case`` in test_authenticity.py): Alice, whose key
the trust store vouches for, created it (signatures required), imported two files,
stamped it with a TSA, exported E0001 and added a note.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from osint_kit import Case
from osint_kit.record.builtin_actions import KEY_REGISTERED
from osint_kit.record.chain import canonical_json, event_digest, link_hash
from osint_kit.record.signing import Signer, generate_key


@dataclass(frozen=True)
class Forgery:
    name: str
    apply: Callable[[Case], None]
    #: kinds verify must report on the machine that wrote the case (ledger at hand)
    here: frozenset[str]
    #: kinds a reviewer elsewhere must see with only the trust store; None: undetectable
    #: there (the documented limit; --expect-head or the ledger are the remedies)
    elsewhere: frozenset[str] | None


def events_of(case: Case) -> list[dict[str, Any]]:
    return [orjson.loads(x) for x in case.log.path.read_bytes().splitlines()]


def write_events(case: Case, events: list[dict[str, Any]]) -> None:
    case.log.path.chmod(0o644)
    case.log.path.write_bytes(b"".join(canonical_json(e) + b"\n" for e in events))


def reseal(
    events: list[dict[str, Any]],
    *,
    sign: Signer | None = None,
    renumber: bool = True,
    fix_heads: bool = False,
) -> list[dict[str, Any]]:
    """What a forger does after a change: number, digest and link every event again, and
    drop the signatures (or sign with a key of their own). ``fix_heads``: a diligent
    forger also rewrites the heads that exports and verifications recorded."""
    prev = "0" * 64
    moved: dict[int, tuple[int, str]] = {}  # old seq -> new (seq, hash)
    for n, e in enumerate(events, start=1):
        old_seq = e["seq"]
        if renumber:
            e["seq"] = n
        head = e["details"].get("head") if isinstance(e.get("details"), dict) else None
        if fix_heads and isinstance(head, dict) and moved:
            kept = max((s for s in moved if s <= head.get("seq", 0)), default=min(moved))
            head["seq"], head["hash"] = moved[kept]
        e.pop("signature", None)
        body = {k: v for k, v in e.items() if k not in ("digest", "prev", "hash")}
        e["digest"] = event_digest(body)
        e["prev"] = prev
        e["hash"] = prev = link_hash(prev, e["digest"])
        if sign is not None:
            e["signature"] = sign.sign(e["hash"])
        if isinstance(old_seq, int):
            moved[old_seq] = (e["seq"], e["hash"])
    return events


def _checkpoint_files(case: Case, event: dict[str, Any]) -> list[Path]:
    json_file = case.path / event["details"]["file"]
    stem = json_file.name.removesuffix(".json")
    return [json_file.with_name(stem + s) for s in (".json", ".sig.json", ".tsr")]


def _remove(paths: list[Path]) -> None:
    for p in paths:
        if p.exists():
            p.parent.chmod(0o755)
            p.unlink()


def strip_one_signature(case: Case) -> None:
    events = events_of(case)
    del next(e for e in events if e["action"] == "note.added")["signature"]
    write_events(case, events)


def append_forged(
    case: Case, action: str, details: dict[str, Any], sign: Signer | None = None
) -> None:
    """One event chained onto the head, in the last event's examiner's name, as a tool
    that does not refuse would write it (ours refuses without their key)."""
    events = events_of(case)
    last = events[-1]
    forged = {k: v for k, v in last.items() if k not in ("digest", "prev", "hash", "signature")}
    forged.update(
        seq=last["seq"] + 1,
        id=f"00000000-0000-4000-8000-{last['seq'] + 1:012d}",
        action=action,
        subjects=[],
        details=details,
    )
    forged["digest"] = event_digest(forged)
    forged["prev"] = last["hash"]
    forged["hash"] = link_hash(last["hash"], forged["digest"])
    if sign is not None:
        forged["signature"] = sign.sign(forged["hash"])
    write_events(case, [*events, forged])


def unsigned_note_in_their_name(case: Case) -> None:
    """The issue's ``osint-kit note ... --examiner-id A-1`` by someone without A-1's key."""
    append_forged(case, "note.added", {"text": "E0002 was recovered from the suspect's phone."})


def _replace_blob(case: Case, events: list[dict[str, Any]]) -> None:
    """E0001's bytes swapped for others, its record changed to match."""
    old = case.exhibit("E0001")
    data = b"a different tip, planted\n"
    sha = hashlib.sha256(data).hexdigest()
    target = case.path / "blobs" / "sha256" / sha[:2] / sha
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    os.chmod(target, 0o444)  # as osint-kit stores blobs: a careful forger does too
    os.chmod(old.path, 0o644)
    old.path.unlink()
    for e in events:
        for s in e["subjects"]:
            if s.get("sha256") == old.sha256:
                s.update(sha256=sha, size=len(data))


def _without_checkpoints(case: Case, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    folder = case.path / "timestamps"
    if folder.exists():
        folder.chmod(0o755)
        shutil.rmtree(folder)
    return [e for e in events if e["action"] != "log.checkpoint"]


def replace_blob_and_strip(case: Case) -> None:
    events = events_of(case)
    _replace_blob(case, events)
    write_events(case, reseal(_without_checkpoints(case, events)))


def replace_blob_and_resign(case: Case) -> None:
    """The same, re-signed with a new key registered in the case as Alice's."""
    forger = generate_key(case.path.parent / ".forger", "A-1", None, force=True)
    events = _without_checkpoints(case, events_of(case))
    _replace_blob(case, events)
    for e in events:
        if e["action"] == KEY_REGISTERED:
            e["details"].update(key_id=forger.key_id, public_key=forger.public_pem)
    write_events(case, reseal(events, sign=forger, fix_heads=True))


def cut_after_last_checkpoint(case: Case) -> None:
    """The note and the export's checkpoint cut off (the export's stays)."""
    events = events_of(case)
    last_point = max(i for i, e in enumerate(events) if e["action"] == "log.checkpoint")
    _remove(_checkpoint_files(case, events[last_point]))
    write_events(case, events[:last_point])


def cut_export_and_everything_after(case: Case) -> None:
    """export.created, the checkpoints around it and the note: no blob was recorded."""
    events = events_of(case)
    export = next(i for i, e in enumerate(events) if e["action"] == "export.created")
    cut = export - 1 if events[export - 1]["action"] == "log.checkpoint" else export
    for e in events[cut:]:
        if e["action"] == "log.checkpoint":
            _remove(_checkpoint_files(case, e))
    write_events(case, events[:cut])


def delete_checkpoint_events_keep_files(case: Case) -> None:
    events = [e for e in events_of(case) if e["action"] != "log.checkpoint"]
    write_events(case, events)


def delete_stamp_tokens(case: Case) -> None:
    for token in (case.path / "timestamps").glob("*.tsr"):
        _remove([token])


def rewrite_note_before_the_export(case: Case) -> None:
    """An early event edited, everything after re-sealed: the export and the checkpoints
    recorded heads the chain no longer has."""
    events = events_of(case)
    first_import = next(e for e in events if e["action"] == "evidence.acquired")
    first_import["details"]["capture"]["handed_over_by"] = "someone else"
    write_events(case, reseal(events))


SIGNATURES = frozenset({"signature-missing"})
FORGERIES = [
    Forgery("strip one event's signature", strip_one_signature, SIGNATURES, SIGNATURES),
    Forgery(
        "a note in a keyed examiner's name", unsigned_note_in_their_name, SIGNATURES, SIGNATURES
    ),
    Forgery(
        "blob replaced, chain recomputed, signatures stripped, timestamps/ deleted",
        replace_blob_and_strip,
        frozenset({"signature-missing", "key-registration", "head-mismatch"}),
        frozenset({"signature-missing", "key-registration"}),
    ),
    Forgery(
        "the same, re-signed with a new key registered as the examiner's",
        replace_blob_and_resign,
        frozenset({"key-untrusted", "head-mismatch"}),
        frozenset({"key-untrusted"}),
    ),
    Forgery(
        "events cut after the last checkpoint (its files too)",
        cut_after_last_checkpoint,
        frozenset({"log-truncated"}),
        None,
    ),
    Forgery(
        "export.created and everything after it cut, checkpoint files too",
        cut_export_and_everything_after,
        frozenset({"log-truncated"}),
        None,
    ),
    Forgery(
        "log.checkpoint events deleted, their files left",
        delete_checkpoint_events_keep_files,
        frozenset({"checkpoint-unrecorded"}),
        frozenset({"checkpoint-unrecorded"}),
    ),
    Forgery(
        ".tsr tokens deleted",
        delete_stamp_tokens,
        frozenset({"timestamp-missing"}),
        frozenset({"timestamp-missing"}),
    ),
    Forgery(
        "an early event rewritten, the log re-sealed after it",
        rewrite_note_before_the_export,
        frozenset({"recorded-head-mismatch", "signature-missing", "head-mismatch"}),
        frozenset({"recorded-head-mismatch", "signature-missing"}),
    ),
]
