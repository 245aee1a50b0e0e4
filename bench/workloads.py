"""The four measurements: import vs cp, blob verification vs openssl, appends, log verification.

Each returns a JSON-ready dict. Set-up (creating cases, building logs) and clean-up
(deleting copies and cases) happen outside the timed region; ``settle`` runs just
before every timed region so no run pays for writing back an earlier run's pages.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

from timing import Samples, race, remove_tree, run_command, settle

from osint_kit import Authority, Case, Examiner
from osint_kit.record import EventDraft

AUTHORITY = Authority.of("BENCH-1", "bench", "2026-11-25")
MIB = 1 << 20

#: Called with a contender's name and seconds after every timed run (progress output).
OnRun = Callable[[str, float], None]


@dataclass
class Scratch:
    """Where a benchmark run may write, who it writes as, and whether to drop caches."""

    root: Path
    examiner: Examiner
    cold: bool
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def new_case(self) -> Case:
        return Case.create(
            f"BENCH-{next(self._ids):04d}",
            title="osint-kit benchmark",
            category="other",
            authority=AUTHORITY,
            root=self.root / "cases",
            examiner=self.examiner,
        )


def _ratio(numerator: Samples, denominator: Samples) -> float:
    return numerator.median / denominator.median


def _goal(ratio: float, limit: float) -> dict[str, Any]:
    return {"ratio": ratio, "limit": limit, "met": ratio <= limit}


# -- 1. import vs cp ----------------------------------------------------------


def _time_import(scratch: Scratch, source: Path, sha256: str) -> float:
    case = scratch.new_case()
    settle(scratch.cold)
    start = perf_counter()
    case.import_files(
        [source], handed_over_by="benchmark", examiner=scratch.examiner, progress=False
    )
    seconds = perf_counter() - start
    if not case.store.exists(sha256):
        raise RuntimeError(f"import did not store blob {sha256}")
    remove_tree(case.path)
    return seconds


def _time_cp(scratch: Scratch, source: Path, then_sync: bool) -> float:
    copy = scratch.root / "copy.bin"
    settle(scratch.cold)
    start = perf_counter()
    run_command("cp", source, copy)
    if then_sync:
        run_command("sync", copy)  # coreutils: fsync of that one file
    seconds = perf_counter() - start
    if copy.stat().st_size != source.stat().st_size:
        raise RuntimeError("cp made a copy of the wrong size")
    copy.unlink()
    return seconds


def measure_import(
    scratch: Scratch, source: Path, sha256: str, repeat: int, on_run: OnRun
) -> dict[str, Any]:
    """``Case.import_files`` (fresh case each run) vs ``cp`` and ``cp`` + ``sync FILE``."""
    size = source.stat().st_size
    samples = race(
        {
            "osint-kit import": lambda: _time_import(scratch, source, sha256),
            "cp": lambda: _time_cp(scratch, source, then_sync=False),
            "cp + sync FILE": lambda: _time_cp(scratch, source, then_sync=True),
        },
        repeat,
        on_run,
    )
    ours, cp, cp_sync = samples["osint-kit import"], samples["cp"], samples["cp + sync FILE"]
    return {
        "bytes": size,
        "contenders": {
            name: {**s.to_json(), "mib_per_s": size / MIB / s.median} for name, s in samples.items()
        },
        "ratios": {"import/cp": _ratio(ours, cp), "import/cp+sync": _ratio(ours, cp_sync)},
        "goal": _goal(_ratio(ours, cp), 1.15),
    }


# -- 2. verification of one large blob vs openssl dgst ------------------------


def _time_verify_blob(scratch: Scratch, case: Case, size: int) -> float:
    settle(scratch.cold)
    start = perf_counter()
    report = case.verify()
    seconds = perf_counter() - start
    if not report.ok or report.bytes_checked != size:
        raise RuntimeError(f"verification of the benchmark case failed:\n{report.text()}")
    return seconds


def _time_openssl(scratch: Scratch, blob: Path, sha256: str) -> float:
    settle(scratch.cold)
    start = perf_counter()
    out = run_command("openssl", "dgst", "-sha256", blob)
    seconds = perf_counter() - start
    if sha256 not in out:
        raise RuntimeError(f"openssl gave another digest: {out.strip()}")
    return seconds


def measure_blob_verify(
    scratch: Scratch, source: Path, sha256: str, repeat: int, on_run: OnRun
) -> dict[str, Any]:
    """``case.verify()`` on a case holding only this blob vs ``openssl dgst -sha256 BLOB``."""
    case = scratch.new_case()
    case.import_files(
        [source], handed_over_by="benchmark", examiner=scratch.examiner, progress=False
    )
    blob = case.store.path_for(sha256)
    size = blob.stat().st_size
    try:
        samples = race(
            {
                "osint-kit verify": lambda: _time_verify_blob(scratch, case, size),
                "openssl dgst -sha256": lambda: _time_openssl(scratch, blob, sha256),
            },
            repeat,
            on_run,
        )
    finally:
        remove_tree(case.path)
    ratio = _ratio(samples["osint-kit verify"], samples["openssl dgst -sha256"])
    return {
        "bytes": size,
        "contenders": {
            name: {**s.to_json(), "mib_per_s": size / MIB / s.median} for name, s in samples.items()
        },
        "ratios": {"verify/openssl": ratio},
        "goal": _goal(ratio, 1.10),
    }


# -- 3. custody appends ---------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure_appends(
    scratch: Scratch, singles: int, batches: int, batch_size: int
) -> dict[str, Any]:
    """``log.append`` in a loop (one fsync each) and ``log.append_batch`` (one fsync a batch)."""
    case = scratch.new_case()
    actor = scratch.examiner.actor()
    try:
        settle(scratch.cold)
        latencies = []
        start = perf_counter()
        for i in range(singles):
            draft = EventDraft("note.added", details={"text": f"benchmark note {i}"})
            began = perf_counter()
            case.log.append(draft, actor)
            latencies.append(perf_counter() - began)
        single_s = perf_counter() - start
        drafts = [EventDraft("note.added", details={"text": "benchmark batched note"})]
        batch_times = []
        start = perf_counter()
        for _ in range(batches):
            began = perf_counter()
            case.log.append_batch(drafts * batch_size, actor)
            batch_times.append(perf_counter() - began)
        batched_s = perf_counter() - start
    finally:
        remove_tree(case.path)
    return {
        "single": {
            "events": singles,
            "fsyncs": singles,
            "seconds": single_s,
            "events_per_s": singles / single_s,
            "latency_median_ms": statistics.median(latencies) * 1e3,
            "latency_p99_ms": _percentile(latencies, 0.99) * 1e3,
        },
        "batched": {
            "events": batches * batch_size,
            "batch_size": batch_size,
            "fsyncs": batches,
            "seconds": batched_s,
            "events_per_s": batches * batch_size / batched_s,
            "batch_median_ms": statistics.median(batch_times) * 1e3,
        },
    }


# -- 4. verification of a long custody log --------------------------------------


def _build_log(case: Case, actor: dict[str, Any], events: int, batch_size: int) -> float:
    start = perf_counter()
    for first in range(0, events, batch_size):
        count = min(batch_size, events - first)
        drafts = [
            EventDraft("note.added", details={"text": f"benchmark note {first + i}"})
            for i in range(count)
        ]
        case.log.append_batch(drafts, actor)
    return perf_counter() - start


def _time_verify_log(scratch: Scratch, case: Case, expected: int) -> float:
    settle(scratch.cold)
    start = perf_counter()
    report = case.verify()
    seconds = perf_counter() - start
    if not report.ok or report.events != expected:
        raise RuntimeError(f"verification of the benchmark log failed:\n{report.text()}")
    return seconds


def measure_log_verify(
    scratch: Scratch, events: int, batch_size: int, repeat: int, on_run: OnRun
) -> dict[str, Any]:
    """Build a log of ``events`` notes (plus case.created) in batches, then ``case.verify()``."""
    case = scratch.new_case()
    try:
        build_s = _build_log(case, scratch.examiner.actor(), events, batch_size)
        log_bytes = case.log.path.stat().st_size
        total = events + 1  # the case.created event
        samples = race(
            {"osint-kit verify": lambda: _time_verify_log(scratch, case, total)},
            repeat,
            on_run,
            warmup=0,  # the log is in the page cache already; no baseline to be fair to
        )["osint-kit verify"]
    finally:
        remove_tree(case.path)
    return {
        "events": total,
        "log_bytes": log_bytes,
        "build": {"seconds": build_s, "batch_size": batch_size, "events_per_s": events / build_s},
        "verify": {**samples.to_json(), "events_per_s": total / samples.median},
    }
