"""``case.export_bundle``: the authorised, recorded way evidence leaves a case.

A bundle is a BagIt 1.0 bag (in bagit-python's format; the exhibits' manifest lines
are their recorded SHA-256, so nothing is hashed twice), zipped deterministically;
each exhibit is read once, while it is zipped, and the export is refused if its
bytes no longer hash to that record.
Its payload (``data/``):

- ``exhibits/E0001/<name>``: each selected exhibit's bytes;
- ``exhibits.json``: per exhibit its number, SHA-256, size, role, media type,
  capture, path in the bag, and the capture's acquisition record;
- ``custody/events.jsonl``: every event of the case up to the head, in order —
  in full (the exact line of the log) when one of its subjects *is* a selected
  exhibit (by number, not by bytes: another exhibit with the same bytes, from
  another witness, stays out), or it is the case's creation or a key
  registration; otherwise only ``seq`` and ``digest``. The recipient can
  recompute every link of the chain up to the head without seeing what other
  events say (other suspects, other victims). That choice is made in plan.py:
  ``plan_export`` (``--dry-run``) shows the list before anything is written, this
  module writes exactly it, and ``export.created`` records it;
- ``custody/head.json``: the case, the head ``seq`` and ``hash``, when, by whom;
- ``README.txt``: how to verify it.

Markings (law-enforcement sensitive, not for public dissemination, case,
authorisation) are in ``bag-info.txt`` and the README. The export itself is an
``export.created`` event in the case: who, when, what, to whom, why, and the
bundle's SHA-256.
"""

from __future__ import annotations

import json
import mimetypes
import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from osint_kit.base.dates import utc_now
from osint_kit.base.display import facts
from osint_kit.base.files import atomic_write, fsync_dir
from osint_kit.base.labels import label_runs
from osint_kit.base.marking import MARKING
from osint_kit.disclosure.bundle import layout, sealed
from osint_kit.disclosure.bundle.bag import ContentMismatch, make_bag, zip_folder
from osint_kit.disclosure.bundle.caseuco import case_graph
from osint_kit.disclosure.bundle.plan import in_full, read_log, select_exhibits
from osint_kit.disclosure.report.page import render
from osint_kit.errors import ExportRefused, InvalidOption, OutputExists, StorageError
from osint_kit.folder.checkpoint import VERIFIED, Checkpoint, make_checkpoint
from osint_kit.folder.export_residue import WORK, clean_interrupted_exports, path_to_record
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.write import CaseWriter
from osint_kit.record.builtin_actions import CHECKPOINT, EXPORTED
from osint_kit.record.events import Event, EventDraft, Subject
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Exhibit
from osint_kit.record.file_hash import hash_file
from osint_kit.record.findings import StampStatus
from osint_kit.record.timestamp import TsaConfig

#: Media types the standard table does not know.
_EXTENSIONS = {"application/warc": ".warc.gz", "multipart/related": ".mhtml", "text/plain": ".txt"}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str
    size: int
    exhibits: tuple[str, ...]
    head_seq: int
    head_hash: str
    event: Event

    def _repr_html_(self) -> str:
        d = self.event.details
        return (
            "<div class='osint-kit-export'>"
            + facts(
                [
                    ("bundle", str(self.path)),
                    ("sha256", self.sha256),
                    ("size", f"{self.size:,} bytes"),
                    ("exhibits", label_runs(list(self.exhibits))),
                    ("recipient", str(d.get("recipient", ""))),
                    ("authorization", str(d.get("authorization", ""))),
                    ("purpose", str(d.get("purpose", "")) or None),
                    ("custody head", f"seq {self.head_seq} {self.head_hash}"),
                    ("recorded as", f"event {self.event.seq} (export.created)"),
                    ("verify with", f"osint-kit bundle verify {self.path}"),
                ]
            )
            + "</div>"
        )


def export_bundle(
    case: CaseWriter,
    dest: Path,
    *,
    exhibits: list[str] | None,
    authorization: str,
    recipient: str,
    purpose: str,
    examiner: Examiner,
    encrypt_to: Sequence[str] = (),
    tsa: TsaConfig | None = None,
    progress: bool = False,
) -> ExportResult:
    """Export ``exhibits`` (all when None) from ``case`` to ``dest`` (see the module's
    docstring); ``progress``: a bar on stderr of the bytes written into the bundle."""
    if not (authorization or "").strip():
        raise ExportRefused(
            "no authorisation reference was given; evidence leaves a case only under a "
            "written authorisation (--authorization REF)"
        )
    if not (recipient or "").strip():
        raise ExportRefused("no recipient was given (--recipient NAME)")
    dest = Path(dest)
    suffix = ".zip.age" if encrypt_to else ".zip"
    if not dest.name.endswith(suffix):
        raise InvalidOption("destination", f"{dest} should end in {suffix}")
    if encrypt_to:
        sealed.recipients(encrypt_to)  # refuse a bad key before anything is written
    if dest.exists() or dest.is_symlink():
        raise OutputExists(dest)
    if not dest.parent.is_dir():
        raise ExportRefused(f"the folder {dest.parent} does not exist")
    chosen = select_exhibits(case, exhibits)
    point = make_checkpoint(case, examiner, tsa) if tsa is not None else None
    lines, events = read_log(case)
    head = events[-1]
    labels = {ex.label for ex in chosen}

    def concerns(event: dict[str, Any]) -> bool:
        return in_full(event, labels)

    clean_interrupted_exports(case)  # what a crash left: never on the record
    private = _private_folder(case)
    work = private / "bag"
    work.mkdir()
    partial = dest.with_name(f".{dest.name}.{private.name}.partial")
    _write_intent(case, private, dest, partial)
    try:
        payload: list[bytes] = []
        full = 0
        for raw, event in zip(lines, events, strict=True):
            if concerns(event):
                payload.append(raw.rstrip(b"\n") + b"\n")
                full += 1
            else:
                stub = {"seq": event["seq"], "digest": event["digest"]}
                payload.append(json.dumps(stub, separators=(",", ":")).encode() + b"\n")
        (work / "custody").mkdir()
        (work / layout.EVENTS).write_bytes(b"".join(payload))
        exported_at = utc_now()
        head_info = {
            "format": layout.FORMAT,
            "case": case.id,
            "seq": head["seq"],
            "hash": head["hash"],
            "exported_at": exported_at,
            "exported_by": examiner.actor(),
            "events_in_full": full,
        }
        (work / layout.HEAD).write_text(json.dumps(head_info, indent=2) + "\n", encoding="utf-8")
        if point is not None:  # the head's trusted time travels with the bundle
            shutil.copyfile(point.path, work / layout.CHECKPOINT)
            shutil.copyfile(point.path.with_suffix(".tsr"), work / layout.CHECKPOINT_TOKEN)
        records = _copy_exhibits(case, chosen, work)
        (work / layout.EXHIBITS).write_text(
            json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        graph = case_graph(
            case.identity,
            records,
            [e for e in events if concerns(e)],
            {
                "exported_at": exported_at,
                "exported_by": examiner.actor(),
                "recipient": recipient,
                "authorization": authorization,
                "purpose": purpose or "",
            },
        )
        _write_report(
            case,
            work,
            chosen,
            records,
            [e for e in events if concerns(e)],
            len(events),
            _bundle_stamp(case, point, events, tsa),
        )
        (work / layout.CASE_UCO).write_text(
            json.dumps(graph, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        info = {
            "Source-Organization": examiner.agency,
            "Contact-Name": f"{examiner.name} ({examiner.id})",
            "External-Identifier": case.id,
            "External-Description": f"osint-kit evidence bundle from case {case.id}",
            "Marking": MARKING,
            "Authorization": authorization,
            "Recipient": recipient,
            "Purpose": purpose or "",
            "Exported-At": exported_at,
            "Custody-Head-Seq": str(head["seq"]),
            "Custody-Head-Hash": head["hash"],
            "Bundle-Format": layout.FORMAT,
            "Bag-Software-Agent": "osint-kit",
        }
        (work / layout.README).write_text(_readme(case.id, info, records), encoding="utf-8")
        # The exhibits' digests are the recorded ones (the blob is named by its SHA-256);
        # zip_folder checks each against the bytes as it reads them for the zip.
        known = {str(rec["path"]): str(rec["sha256"]) for rec in records}
        make_bag(work, info, known)
        top = dest.name.removesuffix(suffix)
        plain = private / "bundle.zip"  # in the 0700 folder: nobody else can read it
        try:
            try:
                plain_sha, plain_size = zip_folder(
                    work, plain, top, expect=known, progress=progress
                )
            except ContentMismatch as exc:
                label = next(r["exhibit"] for r in records if r["path"] == exc.name)
                raise ExportRefused(
                    f"exhibit {label} does not match its recorded hash; run osint-kit "
                    f"verify {case.id} (nothing was exported)"
                ) from None
            shutil.rmtree(work)  # the hard links to the evidence go at once
            _place(plain, partial, encrypt_to)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise StorageError(dest, exc.strerror or str(exc)) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        shutil.rmtree(private, ignore_errors=True)
        raise
    sha, size = hash_file(partial) if encrypt_to else (plain_sha, plain_size)
    draft = EventDraft(
        EXPORTED,
        details={
            "bundle": {
                "name": dest.name,
                "path": path_to_record(case, dest),  # None outside the case: no machine path
                "sha256": sha,
                "size": size,
            },
            "format": layout.FORMAT,
            "authorization": authorization,
            "recipient": recipient,
            "purpose": purpose or "",
            "head": {"seq": head["seq"], "hash": head["hash"]},
            "events_in_full": [e["seq"] for e in events if concerns(e)],
            "encrypted_to": list(encrypt_to),
            "zip_sha256": plain_sha,
            "marking": MARKING,
        },
        subjects=[
            Subject(ex.sha256, ex.size, "exported", ex.label, ex.media_type) for ex in chosen
        ],
    )
    try:
        recorded = case.append(draft, examiner.actor())
    except BaseException:
        partial.unlink(missing_ok=True)  # an export that is not on the record does not exist
        shutil.rmtree(private, ignore_errors=True)
        raise
    # On the record: now it may exist under its name. A crash from here on leaves the
    # partial and the intent, and repair finishes the move.
    os.replace(partial, dest)
    fsync_dir(dest.parent)
    shutil.rmtree(private, ignore_errors=True)
    return ExportResult(
        dest, sha, size, tuple(ex.label for ex in chosen), head["seq"], head["hash"], recorded
    )


def _private_folder(case: CaseFolder) -> Path:
    """``<case>/.exports-in-progress/<uuid>/``, mode 0700: the bag (hard links to the
    evidence) and the plain zip are made here, where no other user can read them."""
    base = case.path / WORK
    base.mkdir(mode=0o700, exist_ok=True)
    os.chmod(base, 0o700)
    folder = base / uuid.uuid4().hex
    folder.mkdir(mode=0o700)
    return folder


def _from(base: Path, path: Path) -> str:
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)


def _write_intent(case: CaseFolder, private: Path, dest: Path, partial: Path) -> None:
    # Inside the case, relative to it (the case may move before repair reads this);
    # outside it, absolute (a joined absolute path is itself).
    base = case.path.resolve()
    intent = {
        "dest": _from(base, dest.resolve()),
        "partial": _from(base, partial.resolve()),
        "at": utc_now(),
    }
    atomic_write(private / "intent.json", json.dumps(intent).encode())


def _place(plain: Path, partial: Path, encrypt_to: Sequence[str]) -> None:
    """The bundle beside its destination, mode 0600, under a hidden partial name: the
    age encryption of the plain zip, or the plain zip itself (moved, or copied across
    file systems)."""
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    if encrypt_to:
        sealed.encrypt(plain, partial, encrypt_to)
    elif os.stat(plain).st_dev == os.stat(partial).st_dev:
        os.replace(plain, partial)
    else:
        shutil.copyfile(plain, partial)
    os.chmod(partial, 0o600)
    with open(partial, "rb") as f:
        os.fsync(f.fileno())
    plain.unlink(missing_ok=True)


def _write_report(
    case: CaseWriter,
    work: Path,
    chosen: list[Exhibit],
    records: list[dict[str, Any]],
    full: list[dict[str, Any]],
    total: int,
    stamp: StampStatus | None = None,
) -> None:
    """The provenance report of what the bundle holds, made from what the bundle holds
    (and the stamp of the checkpoint it carries, if one)."""
    in_bag = [
        replace(ex, path=work / str(rec["path"]).removeprefix("data/"))
        for ex, rec in zip(chosen, records, strict=True)
    ]
    report = render(
        case.identity,
        [Event.from_json(e) for e in full],
        in_bag,
        marking=MARKING,
        withheld=total - len(full),
        stamps=[stamp] if stamp is not None else None,
    )
    report.save(work / layout.REPORT)


def _bundle_stamp(
    case: CaseFolder, point: Checkpoint | None, events: list[dict[str, Any]], tsa: TsaConfig | None
) -> StampStatus | None:
    """The stamp the bundle carries (``custody/checkpoint.json``), as checked when it was
    asked for (``request_token`` verifies the token against the configured CA)."""
    if point is None or not point.stamped or tsa is None:
        return None
    rel = str(point.path.relative_to(case.path))
    recorded = next(
        (
            e["seq"]
            for e in reversed(events)
            if e["action"] == CHECKPOINT and (e.get("details") or {}).get("file") == rel
        ),
        None,
    )
    return StampStatus(
        file=layout.CHECKPOINT,
        seq=point.seq,
        hash=point.hash,
        state=VERIFIED,
        detail=(
            f"when the bundle was made, against {tsa.ca_file.name}; osint-kit bundle verify "
            "--tsa-ca CA checks it again"
        ),
        gen_time=point.gen_time,
        event_seq=recorded,
        tsa_url=tsa.url,
    )


def _copy_exhibits(case: CaseWriter, chosen: list[Exhibit], work: Path) -> list[dict[str, Any]]:
    captures = {c.id: c for c in case.captures()}
    records = []
    for ex in chosen:
        if (ex.method == "file.import" or ex.role == "derived") and ex.name:
            name = layout.safe_name(ex.name, ex.role)  # the file's own name, or the analysis's
        else:  # a capture's exhibit: named by its role ("screenshot.png", "warc.warc")
            ext = _EXTENSIONS.get(ex.media_type or "") or (
                mimetypes.guess_extension(ex.media_type or "") or ".bin"
            )
            name = layout.safe_name(f"{ex.role}{ext}", ex.role)
        rel = f"{layout.EXHIBIT_DIR}/{ex.label}/{name}"
        target = work / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:  # blobs are read-only and never change: a link costs nothing
            os.link(ex.path, target)
        except OSError:
            shutil.copyfile(ex.path, target)
        capture = captures.get(ex.capture or "")
        records.append(
            {
                "exhibit": ex.label,
                "sha256": ex.sha256,
                "size": ex.size,
                "role": ex.role,
                "media_type": ex.media_type,
                "source": ex.source,
                "path": f"data/{rel}",
                "capture": dict(capture.record) if capture else None,
                "acquired_at": ex.acquired_at,
                "acquired_by": ex.acquired_by,
                "seq": ex.seq,
            }
        )
    return records


def _readme(case_id: str, info: dict[str, str], records: list[dict[str, Any]]) -> str:
    return f"""{MARKING}

Evidence bundle from case {case_id}
Authorisation: {info["Authorization"]}
Recipient:     {info["Recipient"]}
Purpose:       {info["Purpose"]}
Exported:      {info["Exported-At"]} by {info["Contact-Name"]}, {info["Source-Organization"]}
Exhibits:      {", ".join(r["exhibit"] for r in records)}

This is a BagIt 1.0 bag (RFC 8493). To verify it, without the original case:

    osint-kit bundle verify THIS-BUNDLE.zip

It checks the bag (every file against manifest-sha256.txt), every exhibit
against the hash its custody events recorded, and recomputes the custody chain
from the first event to the head (custody/head.json): events that concern these
exhibits are included in full; every other event only as its seq and digest,
enough to recompute each link without revealing its content. Each event's digest
is the SHA-256 of its RFC 8785 canonical JSON without digest, prev, hash and
signature; each link is SHA-256(prev || digest). The case folder format and a
short stand-alone verifier are described in osint-kit's docs/format.md.

Any BagIt tool can check the files: e.g. `bagit.py --validate FOLDER`.
"""
