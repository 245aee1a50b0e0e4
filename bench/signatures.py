"""Verification of a signed and an unsigned 100,000-event log, against Ed25519's bound.

    .venv/bin/python bench/signatures.py                 # 100,000 events, 3 runs each
    .venv/bin/python bench/signatures.py --events 20000

Signature checking is on every event now (issue 17), so the bound of a signed log's
verification is Ed25519 verification itself: ``openssl speed -multi 2 ed25519``
(both cores) and ``openssl speed ed25519`` (one), measured in the same run. The goal:
``case.verify()`` of the signed log at least 0.8x the two-core openssl rate; the
unsigned log at least 100,000 events/s. The logs are notes appended in batches of
1,000 by an examiner with a key (signed) and one without (unsigned); the head
ledger, the trust store (holding the key) and the checkpoints are all in play.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from osint_kit import Authority, Case, Examiner
from osint_kit.record import TrustStore, create_signing_key
from osint_kit.record.events import EventDraft

OUT = Path(__file__).resolve().parent / "out"
SIGNED_GOAL = 0.8
UNSIGNED_GOAL = 100_000


def openssl_verify_rate(cores: int, seconds: int = 3) -> float:
    """Ed25519 verifications a second, by openssl on ``cores`` cores."""
    args = ["openssl", "speed", "-seconds", str(seconds)]
    if cores > 1:
        args += ["-multi", str(cores)]
    out = subprocess.run([*args, "ed25519"], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if "Ed25519" in x and "bits" in x)
    return float(re.findall(r"[\d.]+", line)[-1])


def build(root: Path, events: int, examiner: Examiner) -> Case:
    case = Case.create(
        "BENCH",
        title="signatures benchmark",
        category="other",
        authority=Authority.of("BENCH", "Bench", "2026-01-01"),
        root=root,
        examiner=examiner,
    )
    actor = examiner.actor()
    for start in range(0, events, 1000):
        drafts = [
            EventDraft("note.added", details={"text": f"note {i}: seen near the bus stop"})
            for i in range(start, min(events, start + 1000))
        ]
        case.writer.append_batch(drafts, actor)
    return case


def time_verify(case: Case, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        report = case.verify()
        times.append(time.perf_counter() - t)
        assert report.ok, report.text()
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    results: dict[str, Any] = {"events": args.events}
    with tempfile.TemporaryDirectory(prefix="osint-kit-bench-sig-") as tmp:
        base = Path(tmp)
        os.environ["OSINT_KIT_CONFIG_DIR"] = str(base / "config")
        os.environ["OSINT_KIT_DATA_DIR"] = str(base / "data")
        signer = Examiner("Bench Signer", "BENCH-S", "osint-kit benchmark")
        plain = Examiner("Bench Plain", "BENCH-P", "osint-kit benchmark")
        key = create_signing_key(signer)
        TrustStore(base / "trust").add(key.public_key, signer.id)
        os.environ["OSINT_KIT_TRUST"] = str(base / "trust")
        signed = build(base / "signed", args.events, signer)
        del os.environ["OSINT_KIT_TRUST"]
        unsigned = build(base / "unsigned", args.events, plain)
        os.environ["OSINT_KIT_TRUST"] = str(base / "trust")
        n_signed = len(signed.events())
        one_core = openssl_verify_rate(1)
        two_cores = openssl_verify_rate(2)
        s_times = time_verify(signed, args.repeat)
        del os.environ["OSINT_KIT_TRUST"]
        u_times = time_verify(unsigned, args.repeat)
        n_unsigned = len(unsigned.events())
        after = openssl_verify_rate(2)
    s_rate = n_signed / statistics.median(s_times)
    u_rate = n_unsigned / statistics.median(u_times)
    bound = statistics.mean([two_cores, after])
    results.update(
        openssl_one_core=one_core,
        openssl_two_cores=[two_cores, after],
        signed={"events": n_signed, "seconds": s_times, "events_per_s": s_rate},
        unsigned={"events": n_unsigned, "seconds": u_times, "events_per_s": u_rate},
        signed_ratio=s_rate / bound,
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "signatures.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"openssl speed ed25519 verify: {one_core:,.0f}/s on one core, "
          f"{two_cores:,.0f} and {after:,.0f}/s on two (before, after)")  # fmt: skip
    print(f"signed log:   {n_signed:,} events in {statistics.median(s_times):.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in s_times)}) = {s_rate:,.0f} events/s = "
          f"{s_rate / bound:.2f}x openssl on two cores (goal >= {SIGNED_GOAL}x: "
          f"{'met' if s_rate / bound >= SIGNED_GOAL else 'MISSED'})")  # fmt: skip
    verdict = "met" if u_rate >= UNSIGNED_GOAL else "MISSED"
    print(f"unsigned log: {n_unsigned:,} events in {statistics.median(u_times):.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in u_times)}) = {u_rate:,.0f} events/s "
          f"(goal >= {UNSIGNED_GOAL:,}: {verdict})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
