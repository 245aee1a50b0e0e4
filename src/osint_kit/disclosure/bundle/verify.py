"""``osint-kit bundle verify``: check a bundle on its own, without the case it came from.

The zip is read in place, never unpacked: its names and declared sizes are
checked first, then each entry is streamed from the zip once and hashed as it is
read (``zipread``); the bag is validated by BagIt 1.0's rules from those digests,
the exhibits are checked by the same digests, and the small JSON files are read
from memory. Nothing is written anywhere, except that an age-encrypted bundle is
decrypted first to a private temporary file (0600 in a 0700 folder, removed
afterwards), whose zip is then read in place the same way. Every
problem is reported, not only the first, and whatever the bundle holds ends in a
report, never in a traceback (a bundle comes from outside: anyone can shape it):

- the zip: unsafe names, links, too large for what the bag declares, a bomb
  (``unsafe-bundle``); a damaged entry, a bad CRC (``bundle-damaged``);
- the bag: BagIt 1.0 as bagit-python validates it (``bagit.txt``, Payload-Oxum,
  every payload file against ``manifest-sha256.txt``, missing and extra files, the
  tag manifest), from the digests of the single read (``bag-invalid``);
- the chain: each event in full recomputes to its digest, each link from the
  first event to the head recomputes, the head matches ``head.json`` and
  ``bag-info.txt`` (``chain-*``); the signatures, against the keys the bundle
  registers and, given one, a trust store (``signature-*``, ``key-*``);
- the exhibits: each file's SHA-256 is the one its custody events recorded
  (``exhibit-*``);
- the time stamp, against a TSA CA when one is given (``timestamp-*``).
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osint_kit.disclosure.bundle import layout, sealed
from osint_kit.disclosure.bundle.zipread import KEEP_BYTES, BagContents, bagit_problems, read_bag
from osint_kit.errors import CannotOpen, UnsafeBundle
from osint_kit.folder.checkpoint import check_stamp, check_vouched
from osint_kit.record.authorship import check_authenticity
from osint_kit.record.builtin_actions import CREATED
from osint_kit.record.chain import (
    GENESIS,
    event_shape_problem,
    is_hex64,
    line_digest,
    link_hash,
    read_event_line,
)
from osint_kit.record.findings import VerificationReport
from osint_kit.record.timestamp import trusted_tsa_ca

if TYPE_CHECKING:
    from osint_kit.record.trust import TrustStore

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
    progress: bool = False,
) -> VerificationReport:
    """Check ``bundle``; an age-encrypted one is opened with the key files in ``identities``.

    With ``trust``, every key that signed must be in that trust store for the examiner
    it signs for, and every event in full must be signed; with ``tsa_ca``, the bundle
    must carry a time stamp that chains to that CA (``timestamp-missing`` if it carries
    none). Events must be signed too when the case's creation says it requires
    signatures. ``progress``: a bar on stderr of the bytes read and hashed (decrypting
    an age bundle first is not counted).
    """
    path = Path(bundle)
    report = VerificationReport(target=f"bundle {path}")
    if not path.is_file():
        report.add("bundle-missing", f"{path} is not a file")
        return report
    scratch: Path | None = None
    try:
        if sealed.is_sealed(path):
            scratch = Path(tempfile.mkdtemp(prefix="osint-kit-bundle-"))  # 0700
            opened = scratch / "bundle.zip"
            opened.touch(0o600)
            try:
                sealed.decrypt(path, opened, identities)
            except CannotOpen as exc:
                report.add("bundle-encrypted", exc.reason)
                return report
            opened.chmod(0o600)
            report.notes.append("decrypted (age) with the given key")
            path = opened
        try:
            bag = read_bag(path, max_bytes=max_bytes, keep=_keep, progress=progress)
        except UnsafeBundle as exc:
            report.add("unsafe-bundle", exc.reason)
            return report
        except zipfile.BadZipFile as exc:
            report.add("bundle-damaged", f"the zip is damaged: {exc}")
            return report
        _check_bag(bag, report)
        info = _bag_info(bag)
        head = _read_json(bag, "data/" + layout.HEAD, report)
        if head is not None and not isinstance(head, dict):
            report.add("bundle-malformed", "head.json is not a JSON object", path=layout.HEAD)
            head = None
        named = _check_chain(bag, head, info, report, trust)
        _check_stamp(bag, report, tsa_ca)
        _check_exhibits(bag, named, report)
    except OSError as exc:
        report.add("bundle-damaged", f"the bundle cannot be read ({exc.strerror or exc})")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return report


#: Payload files kept in memory for the chain, exhibit and stamp checks.
_KEPT = {
    f"data/{name}"
    for name in (
        layout.HEAD,
        layout.EVENTS,
        layout.EXHIBITS,
        layout.CHECKPOINT,
        layout.CHECKPOINT_TOKEN,
    )
}


def _keep(name: str, size: int) -> bool:
    """The files the checks read (besides the digests every file gets): the small JSON
    files of the payload and the bag's own tag files."""
    return name in _KEPT or _is_bag_tag_file(name)


def _is_bag_tag_file(name: str) -> bool:
    return name in ("bagit.txt", "bag-info.txt", "fetch.txt") or (
        "/" not in name and name.startswith(("manifest-", "tagmanifest-")) and name.endswith(".txt")
    )


def _check_stamp(bag: BagContents, report: VerificationReport, tsa_ca: Path | None) -> None:
    """The checkpoint stamped at export: for a seq and hash of this chain, by a trusted TSA.

    Asked for trusted time (``tsa_ca``), a bundle without a stamp fails: removing the
    checkpoint must not be a way to pass."""

    data = bag.read(f"data/{layout.CHECKPOINT}")
    expected = "expected trusted time, found none"
    if f"data/{layout.CHECKPOINT}" not in bag.files:
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
        if data is None:
            raise ValueError("too large")
        point = read_event_line(data)
        seq, hsh = int(point["seq"]), str(point["hash"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        report.add("checkpoint-unreadable", "not a readable checkpoint", path=layout.CHECKPOINT)
        return
    claim = f"the bundle's checkpoint vouches for seq {seq}"
    check_vouched(claim, seq, hsh, report.chain_hashes, report, path=layout.CHECKPOINT)
    ca = trusted_tsa_ca(tsa_ca)
    token = bag.read(f"data/{layout.CHECKPOINT_TOKEN}") if ca is not None else None
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


def _check_bag(bag: BagContents, report: VerificationReport) -> None:
    """BagIt 1.0 (RFC 8493), as bagit-python validates a bag, from the digests computed
    as the zip was read: nothing is unpacked or read twice."""
    problems = bagit_problems(bag)
    for message, where in problems:
        report.add("bag-invalid", message, path=where)


def _bag_info(bag: BagContents) -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        text = (bag.read("bag-info.txt") or b"").decode("utf-8")
    except ValueError:
        return info
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.startswith((" ", "\t")):
            info[key.strip()] = value.strip()
    return info


def _read_json(bag: BagContents, name: str, report: VerificationReport) -> Any:
    """A JSON file of the bundle, parsed the way the log is (orjson: nesting is bounded)."""
    short = name.rsplit("/", 1)[-1]
    if name not in bag.files:
        report.add("bundle-incomplete", f"{short} is missing", path=short)
        return None
    data = bag.read(name)
    try:
        if data is None:
            raise ValueError(f"larger than the {KEEP_BYTES} bytes read into memory")
        return read_event_line(data)
    except ValueError as exc:
        why = f"{short} is not readable JSON ({str(exc)[:200]})"
        report.add("bundle-incomplete", why, path=short)
    return None


def _check_chain(
    bag: BagContents,
    head: dict[str, Any] | None,
    info: dict[str, str],
    report: VerificationReport,
    trust: TrustStore | None,
) -> dict[str, set[str]]:
    """Recompute the chain; return which exhibit numbers the full events give each SHA-256."""
    named: dict[str, set[str]] = {}
    events = bag.read(f"data/{layout.EVENTS}")
    if events is None:
        why = "is missing" if f"data/{layout.EVENTS}" not in bag.files else "is too large"
        report.add("bundle-incomplete", f"{layout.EVENTS} {why}", path=layout.EVENTS)
        return named
    lines = events.splitlines()
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
        if seq == 1 and (not in_full or event["action"] != CREATED):
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
        and first["action"] == CREATED
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
    bad = event_shape_problem(event)
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


def _check_exhibits(
    bag: BagContents, named: dict[str, set[str]], report: VerificationReport
) -> None:
    """Each exhibit against exhibits.json and its custody events, by the SHA-256 computed
    as the zip was read (the one the manifest was checked with): no exhibit is read twice."""
    records = _read_json(bag, f"data/{layout.EXHIBITS}", report)
    if records is None:
        return
    if not isinstance(records, list):
        report.add("bundle-malformed", "exhibits.json is not a list", path=layout.EXHIBITS)
        return
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
        _check_exhibit(bag, label, rel, sha, named, report)


def _check_exhibit(
    bag: BagContents,
    label: str,
    rel: str,
    sha: str,
    named: dict[str, set[str]],
    report: VerificationReport,
) -> None:
    where = posixpath.normpath(rel) if rel and "\x00" not in rel else ""
    inside = (
        rel.startswith("data/")
        and not where.startswith(("/", "../"))
        and where not in ("", ".", "..")
    )
    if not inside:
        report.add("exhibit-path", f"path {rel!r} is outside the bag", exhibit=label)
        return
    entry = bag.files.get(where)
    if entry is None:
        report.add("exhibit-missing", "its file is not in the bundle", exhibit=label, path=rel)
        return
    digest = entry.digests["sha256"]
    report.bytes_checked += entry.size
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
