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

import hashlib
import multiprocessing
import os
import threading
from collections import Counter, deque
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from osint_kit.record.builtin_actions import KEY_REGISTERED
from osint_kit.record.findings import KeyUse, VerificationReport
from osint_kit.record.signing import key_of, public_key, rotation_digest, verify_raw

if TYPE_CHECKING:
    from osint_kit.record.trust import TrustStore

#: Signatures per pool task (a smaller case checks them on the main thread at the end).
_CHUNK = 250


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
) -> None:
    """Check every event's signature and every key, and say who signed what."""
    check = SignatureCheck(
        [(n, obj) for n, obj in parsed if obj["action"] == KEY_REGISTERED],
        report,
        required=required,
        trust=trust,
    )
    for n, obj in parsed:
        check.see(n, obj)
    check.finish()


class SignatureCheck:
    """Signatures checked while the log is read: ``see`` each event in order (after the
    registrations, read first: a registration follows the events its first write
    signed), then ``finish``. Verifications go to a thread pool in chunks as they come,
    so both cores work while the main thread reads on."""

    def __init__(
        self,
        registrations: Sequence[tuple[int, dict[str, Any]]],
        report: VerificationReport,
        *,
        required: bool,
        trust: TrustStore | None,
        workers: int = 0,
    ) -> None:
        self.report, self.required, self.trust = report, required, trust
        self.regs = _registrations(registrations, report, trust)
        self.keys = {kid: public_key(r.pem) for kid, r in self.regs.items()}
        self.first_key: dict[str, int] = {}  # examiner -> seq of their first registration
        for r in self.regs.values():
            self.first_key[r.examiner] = min(self.first_key.get(r.examiner, r.seq), r.seq)
        self.strict = required or trust is not None
        self.names: dict[str, str] = {}
        self.unsigned: Counter[str] = Counter()
        #: Processes checking signatures, this one included (default: one per core, <= 8).
        self.workers = workers or min(8, os.cpu_count() or 1)
        self._pending: list[tuple[int, int, str, str, Any]] = []  # (line, seq, key, hash, sig)
        self._futures: list[tuple[list[tuple[int, int, str]], Future[list[bool]]]] = []
        self._queue: deque[list[tuple[int, int, str, str, Any]]] = deque()
        self._pool: Executor | None = None

    def see(self, n: int, obj: dict[str, Any]) -> None:
        actor = obj.get("actor") or {}
        who = str(actor.get("id"))
        if who not in self.names:
            self.names[who] = str(actor.get("name", ""))
        sig = obj.get("signature")
        seq = obj["seq"]
        if sig is None:
            self.unsigned[who] += 1
            keyed_before = self.first_key.get(who, seq) < seq
            if self.strict or keyed_before:
                why = (
                    f"examiner {who!r} signs in this case since event {self.first_key[who]}: "
                    "this event was written in their name without their key"
                    if keyed_before
                    else "the case requires signed events"
                    if self.required
                    else "a trust store is in use and this event names no key"
                )
                self.report.add(
                    "signature-missing", f"the event carries no signature: {why}", line=n, seq=seq
                )
            return
        kid = str(sig.get("key_id")) if isinstance(sig, dict) else "?"
        reg = self.regs.get(kid)
        if reg is None:
            self.report.add(
                "signature-unknown-key",
                f"signed with key {kid}, which no examiner registered in this case",
                line=n,
                seq=seq,
            )
        elif reg.examiner != who:
            self.report.add(
                "signature-wrong-examiner",
                f"signed with the key of examiner {reg.examiner!r}, but the event names {who!r}",
                line=n,
                seq=seq,
            )
        else:
            self._pending.append((n, seq, kid, str(obj["hash"]), sig))
            if len(self._pending) >= _CHUNK and self.workers > 1:
                self._submit(self._pending)
                self._pending = []

    def _submit(self, chunk: list[tuple[int, int, str, str, Any]]) -> None:
        """Queue a chunk; keep each helper process fed with at most two."""
        self._queue.append(chunk)
        if self._pool is None:
            self._pool = _signature_pool(
                self.workers - 1, {kid: r.pem for kid, r in self.regs.items()}
            )
        self._feed()

    def _feed(self) -> None:
        assert self._pool is not None
        busy = sum(1 for _, f in self._futures if not f.done())
        while self._queue and busy < 4 * (self.workers - 1):
            chunk = self._queue.popleft()
            where = [(n, seq, kid) for n, seq, kid, _, _ in chunk]
            work = [(kid, hsh, _value(sig)) for _, _, kid, hsh, sig in chunk]
            self._futures.append((where, self._pool.submit(_verify_chunk, work)))
            busy += 1

    def finish(self) -> None:
        """The log is read: this process takes queued chunks itself while the helpers
        finish theirs (both cores busy to the end, never three processes on two)."""
        _WORKER_KEYS.update({kid: r.pem for kid, r in self.regs.items()})
        results: list[tuple[int, int, str, bool]] = []
        self._queue.append(self._pending)
        self._pending = []
        try:
            while self._queue:
                if self._pool is not None:
                    self._feed()
                if not self._queue:
                    break
                chunk = self._queue.pop()  # from the end: the helpers take the front
                ok = _verify_chunk([(kid, hsh, _value(sig)) for _, _, kid, hsh, sig in chunk])
                results.extend(
                    (n, seq, kid, good) for (n, seq, kid, _, _), good in zip(chunk, ok, strict=True)
                )
            for where, future in self._futures:
                results.extend(
                    (n, seq, kid, ok)
                    for (n, seq, kid), ok in zip(where, future.result(), strict=True)
                )
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
        results.sort()  # line order, whoever checked them
        good: Counter[str] = Counter()
        for n, seq, kid, valid in results:
            if valid:
                good[kid] += 1
            else:
                self.report.add(
                    "signature-bad",
                    f"the signature does not verify with key {kid}",
                    line=n,
                    seq=seq,
                )
        _summarise(
            self.report, self.regs, good, self.unsigned, self.names, self.trust, self.required
        )


#: Key id -> public key PEM, in a worker process (or this one, for the last chunk).
_WORKER_KEYS: dict[str, str] = {}


def _init_worker(pems: dict[str, str]) -> None:
    _WORKER_KEYS.update(pems)


def _value(signature: Any) -> str:
    """The base64 signature alone: all a worker needs, and cheap to send."""
    return str(signature.get("value", "")) if isinstance(signature, dict) else ""


def _verify_chunk(chunk: list[tuple[str, str, str]]) -> list[bool]:
    """Each (key id, hash, base64 signature): does it verify? Runs in a worker process."""
    keys = {kid: public_key(pem) for kid, pem in _WORKER_KEYS.items()}
    out = []
    for kid, hsh, value in chunk:
        key = keys.get(kid)
        out.append(key is not None and verify_raw(key, hsh, {"value": value}))
    return out


def _signature_pool(workers: int, pems: dict[str, str]) -> Executor:
    """Worker processes, each with its own interpreter lock: signatures are checked
    there while this process reads the log on (threads would fight over the lock).
    ``fork`` where no other thread runs (the CLI), ``forkserver`` where threads do (a
    notebook's kernel: forking them is unsafe); threads where neither exists."""
    methods = multiprocessing.get_all_start_methods()
    method = "fork" if threading.active_count() == 1 else "forkserver"
    if method not in methods:
        return ThreadPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(pems,))
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload([__name__])
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(pems,)
    )


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
        if obj["action"] != KEY_REGISTERED:
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


def _trusted(trust: TrustStore, kid: str) -> list[Any]:
    entry = trust.for_key(kid)
    return [entry] if entry is not None else []


def _held(trust: TrustStore) -> dict[str, Any]:
    """The trust store by what it holds, for the record (its path is the machine's)."""
    trusted = trust.keys()  # a TrustStore, not a dict
    keys = sorted(f"{k.examiner}\t{k.key_id}" for k in trusted)
    digest = hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()
    return {"keys": len(keys), "sha256": digest}


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
    report.trust_store_held = _held(trust) if trust is not None else None
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
