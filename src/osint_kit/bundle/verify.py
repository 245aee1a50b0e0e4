"""``osint-kit bundle verify``: check a bundle on its own, without the case it came from.

Everything is read from a private temporary folder (the zip is unpacked there,
with names and sizes checked first) and nothing is written anywhere else. Every
problem is reported, not only the first, and whatever the bundle holds ends in a
report, never in a traceback (a bundle comes from outside: anyone can shape it):

- the zip: unsafe names, links, too large for what the bag declares, a bomb
  (``unsafe-bundle``); a damaged entry, a bad CRC (``bundle-damaged``);
- the bag: BagIt 1.0, every payload file against ``manifest-sha256.txt``,
  missing and extra files, the tag manifest (``bag-invalid``);
- the chain: each event in full recomputes to its digest, each link from the
  first event to the head recomputes, the head matches ``head.json`` and
  ``bag-info.txt`` (``chain-*``); the signatures, against the keys the bundle
  registers and, given one, a trust store (``signature-*``, ``key-*``);
- the exhibits: each file's SHA-256 is the one its custody events recorded
  (``exhibit-*``);
- the time stamp, against a TSA CA when one is given (``timestamp-*``).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..authenticity import check_authenticity
from ..chain import GENESIS, is_hex64, line_digest, link_hash, read_event_line
from ..errors import CannotOpen, UnsafeBundle
from ..timestamp import trusted_tsa_ca
from ..verification import VerificationReport
from ..verify import _shape_problem
from . import layout, sealed
from .bag import safe_extract

if TYPE_CHECKING:
    from ..trust import TrustStore

#: Bundles unpack to at most this many bytes unless told otherwise (besides the bound
#: of what the bag itself declares).
MAX_BYTES = 64 * 2**30

#: What a hostile value can make the digest of an event raise (nesting deeper than the
#: interpreter recurses; numbers JCS cannot write).
_NO_CANONICAL_FORM = (ValueError, TypeError, RecursionError)


def verify_bundle(
    bundle: Path | str,
    *,
    identities: Sequence[Path] = (),
    max_bytes: int = MAX_BYTES,
    tsa_ca: Path | None = None,
    trust: TrustStore | None = None,
) -> VerificationReport:
    """Check ``bundle``; an age-encrypted one is opened with the key files in ``identities``.

    With ``trust``, every key that signed must be in that trust store for the examiner
    it signs for, and every event in full must be signed; with ``tsa_ca``, the bundle
    must carry a time stamp that chains to that CA (``timestamp-missing`` if it carries
    none). Events must be signed too when the case's creation says it requires
    signatures.
    """
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
        except zipfile.BadZipFile as exc:
            report.add("bundle-damaged", f"the zip is damaged: {exc}")
            return report
        _check_bag(top, report)
        info = _bag_info(top)
        head = _read_json(top / "data" / layout.HEAD, report)
        if head is not None and not isinstance(head, dict):
            report.add("bundle-malformed", "head.json is not a JSON object", path=layout.HEAD)
            head = None
        named = _check_chain(top, head, info, report, trust)
        _check_stamp(top, report, tsa_ca)
        _check_exhibits(top, named, report)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def _check_stamp(top: Path, report: VerificationReport, tsa_ca: Path | None) -> None:
    """The checkpoint stamped at export: for a seq and hash of this chain, by a trusted TSA.

    Asked for trusted time (``tsa_ca``), a bundle without a stamp fails: removing the
    checkpoint must not be a way to pass."""
    from ..checkpoint import check_stamp, check_vouched

    point_file = top / "data" / layout.CHECKPOINT
    token_file = top / "data" / layout.CHECKPOINT_TOKEN
    expected = "expected trusted time, found none"
    if not _exists(point_file):
        if tsa_ca is not None:
            report.add(
                "timestamp-missing",
                f"{expected}: the bundle carries no time-stamped checkpoint",
                path=layout.CHECKPOINT,
            )
        else:
            report.notes.append("no trusted time: the bundle carries no time-stamped checkpoint")
        return
    try:
        data = point_file.read_bytes()
        point = read_event_line(data)
        seq, hsh = int(point["seq"]), str(point["hash"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        report.add("checkpoint-unreadable", "not a readable checkpoint", path=layout.CHECKPOINT)
        return
    claim = f"the bundle's checkpoint vouches for seq {seq}"
    check_vouched(claim, seq, hsh, report.chain_hashes, report, path=layout.CHECKPOINT)
    ca = trusted_tsa_ca(tsa_ca)
    token = _read_bytes(token_file) if ca is not None else None
    if ca is None or token is None:
        if tsa_ca is not None:
            report.add(
                "timestamp-missing",
                f"{expected}: the checkpoint carries no time stamp",
                path=layout.CHECKPOINT_TOKEN,
            )
        else:
            report.notes.append(
                "time-stamped checkpoint present, but no TSA CA given to check it (--tsa-ca)"
            )
        return
    check_stamp(token, data, ca, seq, report, path=layout.CHECKPOINT)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (OSError, ValueError):
        return None


def _check_bag(top: Path, report: VerificationReport) -> None:
    import bagit  # type: ignore[import-untyped]

    try:
        bag = bagit.Bag(str(top))
    except bagit.BagError as exc:
        report.add("bag-invalid", f"not a BagIt bag: {exc}")
        return
    except Exception as exc:  # bagit-python on hostile tag files: any error at all
        report.add("bag-invalid", f"not a readable BagIt bag ({type(exc).__name__}: {exc})")
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
    except Exception as exc:  # as above: what it raises on malformed manifests is not typed
        report.add("bag-invalid", f"BagIt could not check it ({type(exc).__name__}: {exc})")


def _bag_info(top: Path) -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        text = (top / "bag-info.txt").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return info
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.startswith((" ", "\t")):
            info[key.strip()] = value.strip()
    return info


def _read_json(path: Path, report: VerificationReport) -> Any:
    """A JSON file of the bundle, parsed the way the log is (orjson: nesting is bounded)."""
    try:
        return read_event_line(path.read_bytes())
    except FileNotFoundError:
        report.add("bundle-incomplete", f"{path.name} is missing", path=path.name)
    except (OSError, ValueError) as exc:
        why = f"{path.name} is not readable JSON ({str(exc)[:200]})"
        report.add("bundle-incomplete", why, path=path.name)
    return None


def _check_chain(
    top: Path,
    head: dict[str, Any] | None,
    info: dict[str, str],
    report: VerificationReport,
    trust: TrustStore | None,
) -> dict[str, set[str]]:
    """Recompute the chain; return which exhibit numbers the full events give each SHA-256."""
    named: dict[str, set[str]] = {}
    events_path = top / "data" / layout.EVENTS
    try:
        lines = events_path.read_bytes().splitlines()
    except (OSError, ValueError):
        report.add("bundle-incomplete", f"{layout.EVENTS} is missing", path=layout.EVENTS)
        return named
    full: list[tuple[int, dict[str, Any]]] = []
    prev, seq = GENESIS, 0
    case = head.get("case") if head is not None else None
    for n, raw in enumerate(lines, start=1):
        event = _read_event(raw, n, report)
        if event is None:
            continue
        stated_seq, digest = event["seq"], event["digest"]
        seq += 1
        if stated_seq != seq:
            report.add("chain-seq", f"seq {stated_seq} where {seq} was expected", line=n)
        in_full = set(event) != {"seq", "digest"}
        if in_full:  # it must seal itself
            try:
                recomputed: str | None = line_digest(event)
            except _NO_CANONICAL_FORM as exc:
                recomputed = None
                why = f"the event has no canonical form ({str(exc)[:200]})"
                report.add("chain-unreadable", why, line=n, seq=seq)
            if recomputed is not None and recomputed != digest:
                report.add("chain-digest", "the event's content does not match its digest", seq=seq)
            if event["prev"] != prev:
                report.add("chain-link", "prev is not the previous event's hash", seq=seq)
            if case is not None and event["case"] != case:
                report.add("chain-case", f"the event belongs to case {event['case']!r}", seq=seq)
            full.append((n, event))
            _name_exhibits(event, n, named, report)
        if seq == 1 and (not in_full or event["action"] != "case.created"):
            report.add(
                "chain-start",
                "the first event is not the case's creation in full (every bundle carries "
                "it: it says whether the case requires signatures)",
                line=n,
                seq=seq,
            )
        prev = link_hash(prev, digest)
        report.chain_hashes[seq] = prev
        if in_full and event["hash"] != prev:
            report.add("chain-link", "hash is not SHA-256(prev || digest)", seq=seq)
    report.events, report.head_seq, report.head_hash = seq, seq, prev
    first = full[0][1] if full else None
    required = (
        first is not None
        and first["seq"] == 1
        and first["action"] == "case.created"
        and first["details"].get("signatures") == "required"
    )
    # against the keys the bundle's registrations carry, and the trust store if given
    check_authenticity(full, report, required=required, trust=trust)
    if head is not None:
        if head.get("seq") != seq or head.get("hash") != prev:
            report.add(
                "chain-head",
                f"the chain ends at seq {seq} hash {prev[:16]}…, but head.json says "
                f"seq {head.get('seq')!r} hash {str(head.get('hash'))[:16]}…",
            )
        if info and (
            info.get("Custody-Head-Hash") != head.get("hash")
            or info.get("Custody-Head-Seq") != str(head.get("seq"))
        ):
            report.add("chain-head", "bag-info.txt and head.json name different heads")
    return named


def _read_event(raw: bytes, n: int, report: VerificationReport) -> dict[str, Any] | None:
    """Line ``n`` as an event in full or a ``{"seq", "digest"}`` stub, or None (reported)."""
    try:
        event = read_event_line(raw)
    except ValueError as exc:
        report.add("chain-unreadable", f"not JSON ({str(exc)[:200]})", line=n)
        return None
    if isinstance(event, dict) and set(event) == {"seq", "digest"}:
        if type(event["seq"]) is not int or not is_hex64(event["digest"]):
            report.add(
                "chain-unreadable",
                "a stub's seq is not an integer or its digest is not 64 lowercase hex digits",
                line=n,
            )
            return None
        return event
    bad = _shape_problem(event)
    if bad is not None:
        report.add("chain-unreadable", f"not an event or a seq + digest stub: {bad}", line=n)
        return None
    return dict(event)


def _name_exhibits(
    event: dict[str, Any], n: int, named: dict[str, set[str]], report: VerificationReport
) -> None:
    for s in event["subjects"]:
        if not isinstance(s, dict) or not is_hex64(s.get("sha256")):
            report.add(
                "chain-unreadable", "a subject has no valid sha256", line=n, seq=event["seq"]
            )
            continue
        label = s.get("exhibit")
        if isinstance(label, str) and label:
            named.setdefault(s["sha256"], set()).add(label)


def _check_exhibits(top: Path, named: dict[str, set[str]], report: VerificationReport) -> None:
    """Each exhibit against exhibits.json and its custody events.

    When bagit-python validated the whole bag without a problem, it has just
    hashed every payload file against the manifest: those digests are used
    rather than hashing gigabytes a second time.
    """
    trusted: dict[str, str] = {}
    if "bag-invalid" not in report.kinds():
        try:
            manifest = (top / "manifest-sha256.txt").read_text(encoding="utf-8")
        except (OSError, ValueError):
            manifest = ""
        for line in manifest.splitlines():
            value, _, name = line.partition(" ")
            trusted[name.strip()] = value
    records = _read_json(top / "data" / layout.EXHIBITS, report)
    if records is None:
        return
    if not isinstance(records, list):
        report.add("bundle-malformed", "exhibits.json is not a list", path=layout.EXHIBITS)
        return
    root = top.resolve()
    for i, rec in enumerate(records, start=1):
        fields = (
            (rec.get("exhibit"), rec.get("path"), rec.get("sha256"))
            if isinstance(rec, dict)
            else (None, None, None)
        )
        label, rel, sha = fields
        if not (isinstance(label, str) and isinstance(rel, str) and isinstance(sha, str)):
            report.add(
                "bundle-malformed",
                f"record {i} of exhibits.json is not an exhibit (number, path and sha256 "
                "as strings)",
                path=layout.EXHIBITS,
            )
            continue
        _check_exhibit(top, root, label, rel, sha, trusted, named, report)


def _check_exhibit(
    top: Path,
    root: Path,
    label: str,
    rel: str,
    sha: str,
    trusted: dict[str, str],
    named: dict[str, set[str]],
    report: VerificationReport,
) -> None:
    try:
        target = (top / rel).resolve()
        inside = rel.startswith("data/") and target.is_relative_to(root)
    except (OSError, ValueError):
        inside = False
    if not inside:
        report.add("exhibit-path", f"path {rel!r} is outside the bag", exhibit=label)
        return
    digest: str | None = trusted.get(rel)
    try:
        if not target.is_file():
            raise FileNotFoundError(rel)
        size = target.stat().st_size
        if digest is None:  # bagit did not vouch for it: hash it here
            h = hashlib.sha256()
            with open(target, "rb") as f:
                while chunk := f.read(4 << 20):
                    h.update(chunk)
            digest = h.hexdigest()
    except (OSError, ValueError):
        report.add("exhibit-missing", "its file is not in the bundle", exhibit=label, path=rel)
        return
    report.bytes_checked += size
    report.blobs_checked += 1
    if digest != sha:
        report.add("exhibit-hash", "its bytes do not match exhibits.json", exhibit=label, path=rel)
    if label not in named.get(digest, set()):
        report.add(
            "exhibit-unrecorded",
            "no custody event in the bundle records these bytes as this exhibit",
            exhibit=label,
            path=rel,
        )
