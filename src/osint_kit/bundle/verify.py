"""``osint-kit bundle verify``: check a bundle on its own, without the case it came from.

Everything is read from a private temporary folder (the zip is unpacked there,
with names and sizes checked first) and nothing is written anywhere else. Every
problem is reported, not only the first:

- the zip: unsafe names, links, too large (``unsafe-bundle``);
- the bag: BagIt 1.0, every payload file against ``manifest-sha256.txt``,
  missing and extra files, the tag manifest (``bag-invalid``);
- the chain: each event in full recomputes to its digest, each link from the
  first event to the head recomputes, the head matches ``head.json`` and
  ``bag-info.txt`` (``chain-*``);
- the exhibits: each file's SHA-256 is the one its custody events recorded
  (``exhibit-*``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..authenticity import check_authenticity
from ..chain import GENESIS, event_digest, link_hash
from ..errors import CannotOpen, UnsafeBundle
from ..timestamp import trusted_tsa_ca
from ..verification import VerificationReport
from . import layout, sealed
from .bag import safe_extract

#: Bundles unpack to at most this many bytes unless told otherwise (a zip bomb stops here).
MAX_BYTES = 64 * 2**30


def verify_bundle(
    bundle: Path | str,
    *,
    identities: Sequence[Path] = (),
    max_bytes: int = MAX_BYTES,
    tsa_ca: Path | None = None,
) -> VerificationReport:
    """Check ``bundle``; an age-encrypted one is opened with the key files in ``identities``."""
    path = Path(bundle)
    report = VerificationReport(target=f"bundle {path}")
    if not path.is_file():
        report.add("bundle-missing", f"{path} is not a file")
        return report
    scratch = Path(tempfile.mkdtemp(prefix="osint-kit-bundle-"))
    try:
        if sealed.is_sealed(path):
            opened = scratch / "bundle.zip"
            try:
                sealed.decrypt(path, opened, identities)
            except CannotOpen as exc:
                report.add("bundle-encrypted", exc.reason)
                return report
            report.notes.append("decrypted (age) with the given key")
            path = opened
            (scratch / "bag").mkdir()
            scratch_bag = scratch / "bag"
        else:
            scratch_bag = scratch
        try:
            top = safe_extract(path, scratch_bag, max_bytes=max_bytes)
        except UnsafeBundle as exc:
            report.add("unsafe-bundle", exc.reason)
            return report
        _check_bag(top, report)
        info = _bag_info(top)
        head = _read_json(top / "data" / layout.HEAD, report)
        named = _check_chain(top, head, info, report)
        _check_stamp(top, report, tsa_ca)
        _check_exhibits(top, named, report)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def _check_stamp(top: Path, report: VerificationReport, tsa_ca: Path | None) -> None:
    """The checkpoint stamped at export: for a seq and hash of this chain, by a trusted TSA."""
    from ..checkpoint import check_stamp, check_vouched

    point_file = top / "data" / layout.CHECKPOINT
    token_file = top / "data" / layout.CHECKPOINT_TOKEN
    if not point_file.exists():
        report.notes.append("no trusted time: the bundle carries no time-stamped checkpoint")
        return
    data = point_file.read_bytes()
    try:
        point = json.loads(data)
        seq, hsh = int(point["seq"]), str(point["hash"])
    except (ValueError, KeyError, TypeError):
        report.add("checkpoint-unreadable", "not a readable checkpoint", path=layout.CHECKPOINT)
        return
    claim = f"the bundle's checkpoint vouches for seq {seq}"
    check_vouched(claim, seq, hsh, report.chain_hashes, report, path=layout.CHECKPOINT)
    ca = trusted_tsa_ca(tsa_ca)
    if ca is None or not token_file.exists():
        report.notes.append(
            "time-stamped checkpoint present, but no TSA CA given to check it (--tsa-ca)"
        )
        return
    check_stamp(token_file.read_bytes(), data, ca, seq, report, path=layout.CHECKPOINT)


def _check_bag(top: Path, report: VerificationReport) -> None:
    import bagit  # type: ignore[import-untyped]

    try:
        bag = bagit.Bag(str(top))
    except bagit.BagError as exc:
        report.add("bag-invalid", f"not a BagIt bag: {exc}")
        return
    if bag.version_info != (1, 0):
        report.add("bag-invalid", f"BagIt version {bag.version}, not 1.0 (RFC 8493)")
    try:
        bag.validate()
    except bagit.BagValidationError as exc:
        details = getattr(exc, "details", None) or []
        for d in details:
            report.add("bag-invalid", str(d), path=getattr(d, "path", None))
        if not details:
            report.add("bag-invalid", str(exc))
    except bagit.BagError as exc:
        report.add("bag-invalid", str(exc))


def _bag_info(top: Path) -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        text = (top / "bag-info.txt").read_text(encoding="utf-8")
    except OSError:
        return info
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.startswith((" ", "\t")):
            info[key.strip()] = value.strip()
    return info


def _read_json(path: Path, report: VerificationReport) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        report.add("bundle-incomplete", f"{path.name} is missing", path=path.name)
    except (OSError, ValueError) as exc:
        report.add("bundle-incomplete", f"{path.name} is not readable JSON ({exc})", path=path.name)
    return None


def _check_chain(
    top: Path, head: Any, info: dict[str, str], report: VerificationReport
) -> dict[str, set[str]]:
    """Recompute the chain; return which exhibit numbers the full events give each SHA-256."""
    named: dict[str, set[str]] = {}
    events_path = top / "data" / layout.EVENTS
    try:
        lines = events_path.read_bytes().splitlines()
    except OSError:
        report.add("bundle-incomplete", f"{layout.EVENTS} is missing", path=layout.EVENTS)
        return named
    full: list[tuple[int, dict[str, Any]]] = []
    prev, seq = GENESIS, 0
    case = head.get("case") if isinstance(head, dict) else None
    for n, raw in enumerate(lines, start=1):
        try:
            event = json.loads(raw)
            stated_seq, digest = event["seq"], event["digest"]
        except (ValueError, KeyError, TypeError):
            report.add("chain-unreadable", "not an event or a seq + digest stub", line=n)
            continue
        seq += 1
        if stated_seq != seq:
            report.add("chain-seq", f"seq {stated_seq} where {seq} was expected", line=n)
        if set(event) != {"seq", "digest"}:  # in full: it must seal itself
            if event_digest(event) != digest:
                report.add("chain-digest", "the event's content does not match its digest", seq=seq)
            if event.get("prev") != prev:
                report.add("chain-link", "prev is not the previous event's hash", seq=seq)
            if case is not None and event.get("case") != case:
                report.add(
                    "chain-case", f"the event belongs to case {event.get('case')!r}", seq=seq
                )
            if isinstance(event.get("action"), str):
                full.append((n, event))
            for s in event.get("subjects", []):
                if s.get("exhibit"):
                    named.setdefault(s["sha256"], set()).add(s["exhibit"])
        prev = link_hash(prev, digest) if isinstance(digest, str) and len(digest) == 64 else prev
        report.chain_hashes[seq] = prev
        if set(event) != {"seq", "digest"} and event.get("hash") != prev:
            report.add("chain-link", "hash is not SHA-256(prev || digest)", seq=seq)
    report.events, report.head_seq, report.head_hash = seq, seq, prev
    check_authenticity(full, report)  # against the keys the bundle's registrations carry
    if isinstance(head, dict):
        if head.get("seq") != seq or head.get("hash") != prev:
            report.add(
                "chain-head",
                f"the chain ends at seq {seq} hash {prev[:16]}…, but head.json says "
                f"seq {head.get('seq')} hash {str(head.get('hash'))[:16]}…",
            )
        if info and (
            info.get("Custody-Head-Hash") != head.get("hash")
            or info.get("Custody-Head-Seq") != str(head.get("seq"))
        ):
            report.add("chain-head", "bag-info.txt and head.json name different heads")
    return named


def _check_exhibits(top: Path, named: dict[str, set[str]], report: VerificationReport) -> None:
    """Each exhibit against exhibits.json and its custody events.

    When bagit-python validated the whole bag without a problem, it has just
    hashed every payload file against the manifest: those digests are used
    rather than hashing gigabytes a second time.
    """
    trusted: dict[str, str] = {}
    if "bag-invalid" not in report.kinds():
        manifest = top / "manifest-sha256.txt"
        for line in manifest.read_text(encoding="utf-8").splitlines():
            value, _, name = line.partition(" ")
            trusted[name.strip()] = value
    records = _read_json(top / "data" / layout.EXHIBITS, report)
    if not isinstance(records, list):
        return
    for rec in records:
        label, rel, sha = rec.get("exhibit"), str(rec.get("path", "")), rec.get("sha256")
        target = (top / rel).resolve()
        if not rel.startswith("data/") or not target.is_relative_to(top.resolve()):
            report.add("exhibit-path", f"path {rel!r} is outside the bag", exhibit=label)
            continue
        if not target.is_file():
            report.add("exhibit-missing", "its file is not in the bundle", exhibit=label, path=rel)
            continue
        digest: str | None = trusted.get(rel)
        if digest is None:  # bagit did not vouch for it: hash it here
            h = hashlib.sha256()
            with open(target, "rb") as f:
                while chunk := f.read(4 << 20):
                    h.update(chunk)
            digest = h.hexdigest()
        report.bytes_checked += target.stat().st_size
        report.blobs_checked += 1
        if digest != sha:
            report.add(
                "exhibit-hash", "its bytes do not match exhibits.json", exhibit=label, path=rel
            )
        if label not in named.get(digest, set()):
            report.add(
                "exhibit-unrecorded",
                "no custody event in the bundle records these bytes as this exhibit",
                exhibit=label,
                path=rel,
            )
