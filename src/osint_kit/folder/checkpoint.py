"""Checkpoints of the log head, signed by the examiner and stamped by a trusted TSA.

A checkpoint says "this case's log had event ``seq`` with hash ``hash``": kept in
``timestamps/`` as ``<seq>-<hash prefix>.json`` (canonical JSON), with the
examiner's signature (``.sig.json``) and, when a time-stamping authority is
configured, its RFC 3161 token (``.tsr``) over the checkpoint's bytes. A
``log.checkpoint`` event records it. Verification then catches a log cut short
after a checkpoint, which a hash chain alone cannot show.

The TSA is configured by ``OSINT_KIT_TSA_URL`` and ``OSINT_KIT_TSA_CA`` (the CA
certificate its tokens must chain to), or passed in. Without one, a checkpoint
is still made and signed, and reports say "no trusted time": never a fake stamp.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from osint_kit.base.dates import utc_now
from osint_kit.base.files import atomic_write, fsync_dir, kind_of, open_regular, read_regular
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.write import CaseWriter
from osint_kit.record.builtin_actions import CHECKPOINT, KEY_REGISTERED
from osint_kit.record.chain import canonical_json, events_with_action
from osint_kit.record.events import EventDraft
from osint_kit.record.examiner import Examiner
from osint_kit.record.findings import StampStatus, VerificationReport
from osint_kit.record.signing import check_signature
from osint_kit.record.timestamp import (
    ENV_TSA_CA,
    StampCheck,
    TsaConfig,
    request_token,
    trusted_tsa_ca,
    verify_token,
)

FORMAT = "osint-kit.checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    path: Path
    stamped: bool
    gen_time: str | None


#: What verification found of a checkpoint's time stamp (``StampStatus.state``).
VERIFIED, FAILED, NOT_CHECKED, NO_STAMP = "verified", "failed", "not checked", "no stamp"
#: Why a stamp was not checked when no CA was given.
NO_TSA_CA = f"no TSA CA configured (set {ENV_TSA_CA} or pass --tsa-ca)"


def make_checkpoint(case: CaseWriter, examiner: Examiner, tsa: TsaConfig | None) -> Checkpoint:
    """Checkpoint the current head; stamp it when a TSA is configured; record it."""
    seq, head = case.log.head()
    actor = examiner.actor()
    body = {
        "format": FORMAT,
        "case": case.id,
        "seq": seq,
        "hash": head,
        "made_at": utc_now(),
        "made_by": {k: actor[k] for k in ("id", "name", "agency")},
    }
    data = canonical_json(body)
    folder = case.path / "timestamps"
    folder.mkdir(exist_ok=True)
    # Unique: two writers that checkpoint the same head never share a file.
    base = folder / f"{seq:08d}-{head[:16]}-{uuid.uuid4().hex[:8]}"
    token = request_token(data, tsa) if tsa is not None else None  # before writing anything
    gen_time = None
    if token is not None:
        check = verify_token(token, data, tsa.ca_file) if tsa else None
        gen_time = check.gen_time.isoformat() if check and check.gen_time else None
    files = {base.with_suffix(".json"): data}
    signer = getattr(actor, "signer", None)
    if signer is not None:
        digest = hashlib.sha256(data).hexdigest()
        files[base.with_suffix(".sig.json")] = json.dumps(signer.sign(digest)).encode()
    if token is not None:
        files[base.with_suffix(".tsr")] = token
    # Pending names first, the event, then the final names: a crash leaves either
    # pending files no event names (repair removes them) or an event whose files are
    # still pending (repair finishes the move), never a checkpoint file without its
    # event, which is what removing an event looks like.
    for final, content in files.items():
        atomic_write(pending_name(final), content)
    details: dict[str, Any] = {
        "seq": seq,
        "hash": head,
        "file": str(base.with_suffix(".json").relative_to(case.path)),
        "checkpoint_sha256": hashlib.sha256(data).hexdigest(),
        "trusted_time": token is not None,
    }
    if token is not None and tsa is not None:
        details.update(
            {
                "tsa": tsa.url,
                "token_sha256": hashlib.sha256(token).hexdigest(),
                "gen_time": gen_time,
            }
        )
    try:
        case.append(EventDraft(CHECKPOINT, details=details), actor)
    except BaseException:
        for final in files:
            pending_name(final).unlink(missing_ok=True)
        raise
    for final in files:
        os.replace(pending_name(final), final)
    fsync_dir(folder)
    return Checkpoint(seq, head, base.with_suffix(".json"), token is not None, gen_time)


PENDING = ".pending"


def pending_name(final: Path) -> Path:
    """Where a checkpoint file waits until its event is written: ``.<name>.pending``."""
    return final.with_name(f".{final.name}{PENDING}")


def final_name(pending: Path) -> Path:
    return pending.with_name(pending.name[1:].removesuffix(PENDING))


def pending_files(case: CaseFolder) -> list[Path]:
    folder = case.path / "timestamps"
    return sorted(folder.glob(f".*{PENDING}")) if folder.is_dir() else []


def checkpoint_of(file: Path) -> Path:
    """The checkpoint (``.json``) a signature or token file belongs to."""
    name = file.name
    for suffix in (".sig.json", ".tsr"):
        if name.endswith(suffix):
            return file.with_name(name.removesuffix(suffix) + ".json")
    return file


def check_vouched(
    claim: str, seq: int, hsh: str, heads: dict[int, str], report: VerificationReport, **where: Any
) -> bool:
    """Does the log (``heads``: seq -> hash) still hold event ``seq`` with hash ``hsh``?

    ``claim`` says who vouches for it ("a checkpoint vouches for seq 3"), for the message.
    """
    last = max(heads, default=0)
    if seq > last:
        report.add(
            "log-truncated",
            f"{claim}, but the log ends at seq {last}: events were cut off the end",
            seq=seq,
            **where,
        )
        return False
    if heads.get(seq) != hsh:
        report.add(
            "checkpoint-mismatch", f"{claim}, with a hash that is not the log's", seq=seq, **where
        )
        return False
    return True


def check_stamp(
    token: bytes, data: bytes, ca: Path, seq: int, report: VerificationReport, **where: Any
) -> bool:
    """An RFC 3161 token over ``data``, checked against the configured CA only."""
    return checked_stamp(token, data, ca, seq, report, **where).ok


def checked_stamp(
    token: bytes, data: bytes, ca: Path, seq: int, report: VerificationReport, **where: Any
) -> StampCheck:
    """``check_stamp``, with what the token says (time, TSA, serial) for the report."""
    check = verify_token(token, data, ca)
    if not check.ok:
        report.add("timestamp-invalid", f"the time stamp {check.reason}", seq=seq, **where)
    else:
        report.notes.append(f"trusted time: seq {seq} existed at {check.gen_time} (UTC)")
    return check


def _registered_keys(case: CaseFolder) -> dict[str, str]:
    """Key id -> public key of every registration (the other lines are not parsed)."""

    return {
        str(e["details"].get("key_id")): str(e["details"].get("public_key"))
        for _, e in events_with_action(case.log.raw_lines(), KEY_REGISTERED)
    }


def _check_checkpoint_signature(
    keys: dict[str, str], f: Path, data: bytes, rel: str, seq: int, report: VerificationReport
) -> None:
    sig_file = f.with_name(f.name.removesuffix(".json") + ".sig.json")
    if not sig_file.exists():
        return

    try:
        signature = json.loads(read_regular(sig_file))
    except OSError as exc:
        why = f"the signature file cannot be read ({exc.strerror or exc})"
        report.add("checkpoint-signature", why, path=rel, seq=seq)
        return
    except ValueError:
        report.add("checkpoint-signature", "the signature file is not JSON", path=rel, seq=seq)
        return
    pem = keys.get(str(signature.get("key_id")))
    if pem is None:
        report.add(
            "checkpoint-signature",
            f"signed with key {signature.get('key_id')}, which no examiner registered here",
            path=rel,
            seq=seq,
        )
    elif not check_signature(pem, hashlib.sha256(data).hexdigest(), signature):
        report.add("checkpoint-signature", "the signature does not verify", path=rel, seq=seq)


def check_against_bundle(bundle: Path, heads: dict[int, str], report: VerificationReport) -> None:
    """The log must still hold the head a bundle was cut from (read from the zip, unpacked)."""
    import zipfile

    try:
        with open_regular(bundle) as raw, zipfile.ZipFile(raw) as zf:
            name = next(n for n in zf.namelist() if n.endswith("/data/custody/head.json"))
            head = json.loads(zf.read(name))
        seq, hsh = int(head["seq"]), str(head["hash"])
    except (OSError, zipfile.BadZipFile, StopIteration, ValueError, KeyError, TypeError):
        report.add("bundle-unreadable", f"{bundle} has no readable head", path=str(bundle))
        return
    if check_vouched(f"bundle {bundle.name} was cut at seq {seq}", seq, hsh, heads, report):
        report.notes.append(f"the log still holds the head of bundle {bundle.name} (seq {seq})")


def check_checkpoints(
    case: CaseFolder,
    heads: dict[int, str],
    report: VerificationReport,
    tsa_ca: Path | None = None,
) -> list[StampStatus]:
    """Every checkpoint against the log (``heads``: seq -> hash as verified), and its stamp,
    checked against ``tsa_ca`` (else ``$OSINT_KIT_TSA_CA``). Returns what was found of
    each readable checkpoint's stamp (``event_seq`` left for the caller, who knows the
    events)."""
    folder = case.path / "timestamps"
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    files = [f for f in files if not f.name.endswith(".sig.json") and f.is_file()]
    _odd_entries(case, folder, report)
    ca = trusted_tsa_ca(tsa_ca)
    stamped = 0
    keys = _registered_keys(case) if files else {}
    found: list[StampStatus] = []
    for f in files:
        rel = str(f.relative_to(case.path))
        try:
            data = read_regular(f)
            point = json.loads(data)
            seq, head = int(point["seq"]), str(point["hash"])
        except OSError as exc:
            why = f"not a readable checkpoint ({exc.strerror or exc})"
            report.add("checkpoint-unreadable", why, path=rel)
            continue
        except (ValueError, KeyError, TypeError):
            report.add("checkpoint-unreadable", "not a readable checkpoint", path=rel)
            continue
        check_vouched(f"a checkpoint vouches for seq {seq}", seq, head, heads, report, path=rel)
        _check_checkpoint_signature(keys, f, data, rel, seq, report)
        token_file = f.with_suffix(".tsr")
        if not token_file.exists():
            found.append(StampStatus(rel, seq, head, NO_STAMP))
            continue
        if ca is None:
            report.notes.append(
                f"{rel}: time-stamped, but no TSA CA is configured to check it ({ENV_TSA_CA})"
            )
            found.append(StampStatus(rel, seq, head, NOT_CHECKED, NO_TSA_CA))
            continue
        try:
            token = read_regular(token_file)
        except OSError as exc:
            why = f"the time stamp file cannot be read ({exc.strerror or exc})"
            report.add("timestamp-invalid", why, seq=seq, path=rel)
            found.append(StampStatus(rel, seq, head, FAILED, why))
            continue
        check = checked_stamp(token, data, ca, seq, report, path=rel)
        stamped += check.ok
        found.append(
            StampStatus(
                rel,
                seq,
                head,
                VERIFIED if check.ok else FAILED,
                f"against {ca}" if check.ok else check.reason,
                check.gen_time.isoformat() if check.gen_time else None,
                check.tsa_name,
                check.serial,
            )
        )
    if not stamped:
        report.notes.append("no trusted time: no checkpoint carries a verified RFC 3161 stamp")
    return found


def _odd_entries(case: CaseFolder, folder: Path, report: VerificationReport) -> None:
    """A FIFO, device or socket in ``timestamps/`` is reported, never read: osint-kit
    writes only regular files there, and reading a FIFO would hang verification."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return  # no timestamps/ folder: nothing checkpointed yet
    for entry in entries:
        try:
            mode = entry.stat(follow_symlinks=True).st_mode
        except OSError:
            continue  # a dangling link: whatever names it finds it missing
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            rel = str(Path(entry.path).relative_to(case.path))
            report.add("not-a-regular-file", f"{kind_of(mode)} in the case, not read", path=rel)
