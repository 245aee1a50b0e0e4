"""Who wrote each event: signatures, key registrations, rotations, the trust store.

Integrity (the chain) says nothing was changed by accident; authenticity says who
wrote what. Read against an insider who can write to the case folder but holds no
other examiner's private key:

- every signature must verify with a key registered in the case *for the examiner
  the event names*; the registration must be signed by the key it registers;
- a second key for one examiner needs the old key's endorsement (a rotation) or the
  trust store's word;
- an unsigned event is a problem when the case requires signatures, when a trust
  store is in use, and whenever the examiner it names already signs in this case
  (someone wrote in their name without their key);
- with a trust store, every key that signed must be in it, for that examiner.

Signatures are checked on a thread pool: Ed25519 verification in ``cryptography``
releases the GIL, so both cores work while the log is read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .signing import REGISTERED, key_of, public_key, rotation_digest, verify_raw
from .verification import KeyUse, VerificationReport

if TYPE_CHECKING:
    from .trust import TrustStore

#: Below this many signatures a pool costs more than it saves.
_POOL_FROM = 2_000
_CHUNK = 2_000


@dataclass
class _Registration:
    key_id: str
    examiner: str
    pem: str
    seq: int
    line: int
    endorsed_by: str | None = None


def check_authenticity(
    parsed: Sequence[tuple[int, dict[str, Any]]],
    report: VerificationReport,
    *,
    required: bool = False,
    trust: TrustStore | None = None,
    workers: int = 2,
) -> None:
    """Check every event's signature and every key, and say who signed what."""
    regs = _registrations(parsed, report, trust)
    names: dict[str, str] = {}
    jobs: list[tuple[int, str, str, Any]] = []  # (index in parsed, key id, hash, signature)
    unsigned: Counter[str] = Counter()
    first_key: dict[str, int] = {}  # examiner -> seq of their first registration
    for r in regs.values():
        first_key[r.examiner] = min(first_key.get(r.examiner, r.seq), r.seq)
    strict = required or trust is not None
    for i, (n, obj) in enumerate(parsed):
        actor = obj.get("actor") or {}
        who = str(actor.get("id"))
        names.setdefault(who, str(actor.get("name", "")))
        sig = obj.get("signature")
        if sig is None:
            unsigned[who] += 1
            keyed_before = first_key.get(who, obj["seq"]) < obj["seq"]
            if strict or keyed_before:
                why = (
                    f"examiner {who!r} signs in this case since event {first_key[who]}: "
                    "this event was written in their name without their key"
                    if keyed_before
                    else "the case requires signed events"
                    if required
                    else "a trust store is in use and this event names no key"
                )
                report.add(
                    "signature-missing",
                    f"the event carries no signature: {why}",
                    line=n,
                    seq=obj["seq"],
                )
            continue
        kid = str(sig.get("key_id")) if isinstance(sig, dict) else "?"
        reg = regs.get(kid)
        if reg is None:
            report.add(
                "signature-unknown-key",
                f"signed with key {kid}, which no examiner registered in this case",
                line=n,
                seq=obj["seq"],
            )
        elif reg.examiner != who:
            report.add(
                "signature-wrong-examiner",
                f"signed with the key of examiner {reg.examiner!r}, but the event names {who!r}",
                line=n,
                seq=obj["seq"],
            )
        else:
            jobs.append((i, kid, str(obj["hash"]), sig))
    good: Counter[str] = Counter()
    for i, kid, ok in _verify_all(jobs, regs, workers):
        if ok:
            good[kid] += 1
        else:
            n, obj = parsed[i]
            report.add(
                "signature-bad",
                f"the signature does not verify with key {kid}",
                line=n,
                seq=obj["seq"],
            )
    _summarise(report, regs, good, unsigned, names, trust, required)


def _registrations(
    parsed: Sequence[tuple[int, dict[str, Any]]],
    report: VerificationReport,
    trust: TrustStore | None,
) -> dict[str, _Registration]:
    """Every key registered in the log (read in full first: a registration follows the
    events its first write signed), each checked; rotations and trust too."""
    regs: dict[str, _Registration] = {}
    by_examiner: dict[str, list[_Registration]] = {}
    for n, obj in parsed:
        if obj["action"] != REGISTERED:
            continue
        d = obj["details"]
        kid, pem, who = str(d.get("key_id")), str(d.get("public_key")), str(d.get("examiner"))
        sig = obj.get("signature")
        actor = str((obj.get("actor") or {}).get("id"))

        def bad(why: str, n: int = n, obj: dict[str, Any] = obj) -> None:
            report.add("key-registration", why, line=n, seq=obj["seq"])

        if key_of(pem) != kid:
            bad(f"the registered key does not have the id {kid}")
            continue
        if who != actor:
            bad(f"examiner {actor!r} registered a key for examiner {who!r}")
            continue
        if not isinstance(sig, dict) or sig.get("key_id") != kid:
            bad(f"the registration of {kid} is not signed with that key (no proof of possession)")
            continue
        if kid in regs:
            if regs[kid].examiner != who:
                bad(f"key {kid} is already registered for examiner {regs[kid].examiner!r}")
            continue
        reg = _Registration(kid, who, pem, obj["seq"], n)
        earlier = by_examiner.setdefault(who, [])
        if earlier:
            reg.endorsed_by = _endorser(d.get("endorsement"), who, kid, earlier)
            vouched = trust is not None and any(t.examiner == who for t in _trusted(trust, kid))
            if reg.endorsed_by is None and not vouched:
                report.add(
                    "key-rotation-unsigned",
                    f"examiner {who!r} already signs with {earlier[0].key_id} (event "
                    f"{earlier[0].seq}); this second key {kid} carries no endorsement by that "
                    "key and no trust store vouches for it",
                    line=n,
                    seq=obj["seq"],
                )
        earlier.append(reg)
        regs[kid] = reg
    return regs


def _endorser(given: Any, who: str, kid: str, earlier: list[_Registration]) -> str | None:
    """The earlier key whose signature hands ``who`` over to ``kid``, if one does."""
    if not isinstance(given, dict):
        return None
    for old in earlier:
        public = public_key(old.pem)
        if (
            given.get("key_id") == old.key_id
            and public is not None
            and verify_raw(public, rotation_digest(who, kid), given)
        ):
            return old.key_id
    return None


def _verify_all(
    jobs: list[tuple[int, str, str, Any]], regs: dict[str, _Registration], workers: int
) -> list[tuple[int, str, bool]]:
    keys = {kid: public_key(r.pem) for kid, r in regs.items()}

    def run(chunk: list[tuple[int, str, str, Any]]) -> list[tuple[int, str, bool]]:
        out = []
        for i, kid, hsh, sig in chunk:
            key = keys.get(kid)
            out.append((i, kid, key is not None and verify_raw(key, hsh, sig)))
        return out

    if len(jobs) < _POOL_FROM or workers < 2:
        return run(jobs)
    chunks = [jobs[k : k + _CHUNK] for k in range(0, len(jobs), _CHUNK)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [r for part in pool.map(run, chunks) for r in part]


def _trusted(trust: TrustStore, kid: str) -> list[Any]:
    entry = trust.for_key(kid)
    return [entry] if entry is not None else []


def _summarise(
    report: VerificationReport,
    regs: dict[str, _Registration],
    good: Counter[str],
    unsigned: Counter[str],
    names: dict[str, str],
    trust: TrustStore | None,
    required: bool,
) -> None:
    report.signatures_required = required
    report.trust_store = str(trust.path) if trust is not None else None
    for kid, reg in sorted(regs.items(), key=lambda kv: (kv[1].examiner, kv[1].seq)):
        trusted: bool | None = None
        if trust is not None:
            entry = trust.for_key(kid)
            trusted = entry is not None and entry.examiner == reg.examiner
            if entry is None:
                report.add(
                    "key-untrusted",
                    f"key {kid}, registered for examiner {reg.examiner!r}, is not in the trust "
                    f"store {trust.path}",
                    line=reg.line,
                    seq=reg.seq,
                )
            elif not trusted:
                report.add(
                    "key-untrusted",
                    f"key {kid} is registered here for examiner {reg.examiner!r}, but the "
                    f"trust store vouches for it as examiner {entry.examiner!r}",
                    line=reg.line,
                    seq=reg.seq,
                )
        report.keys.append(
            KeyUse(
                examiner=reg.examiner,
                name=names.get(reg.examiner, ""),
                key_id=kid,
                events=good[kid],
                registered_seq=reg.seq,
                trusted=trusted,
                endorsed_by=reg.endorsed_by,
            )
        )
    report.unsigned = dict(unsigned)
    total = sum(unsigned.values())
    if total and not required and trust is None:
        report.notes.append(
            f"{total} event(s) carry no signature (written by an examiner without a key: "
            "osint-kit examiner init makes one)"
        )
