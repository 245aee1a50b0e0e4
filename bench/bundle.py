"""Evidence bundles: export and standalone verification of a large bundle, against cp and
openssl dgst of the same bytes, in one run.

One case holds one random file of the chosen size (imported once, not timed).

- **export**: ``case.export_bundle`` of that exhibit (the bag's manifest from the
  recorded SHA-256, the exhibit read once while the zip is written, its SHA-256 and the
  zip's computed on the way, the zip fsync'ed, the event appended) vs ``cp`` of the
  blob, ``cp`` + ``sync FILE`` (the export fsyncs its zip) and ``openssl dgst -sha256``
  of the blob; its goal (issue 18) is ``GOAL`` times the larger of the last two;
- **verify**: ``verify_bundle`` of that zip (read in place, never unpacked: names and
  sizes checked, each entry streamed once and hashed, BagIt 1.0 validated from those
  digests, the chain, the exhibits) vs ``openssl dgst -sha256`` of the zip; its own
  goal (issue 18, "Verify in place") is ``VERIFY_GOAL``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from time import perf_counter
from typing import Any

from timing import race, remove_tree, run_command, settle, write_random_file
from workloads import MIB, OnRun, Scratch

from osint_kit.disclosure.bundle.verify import verify_bundle

#: export at most this many times the larger of ``cp`` + ``sync FILE`` and ``openssl dgst
#: -sha256`` of the same bytes.
GOAL = 1.2
#: verify at most this many times ``openssl dgst -sha256`` of the same zip.
VERIFY_GOAL = 1.1


def measure_bundle(scratch: Scratch, size_mib: int, repeat: int, on_run: OnRun) -> dict[str, Any]:
    source = scratch.root / f"evidence-{size_mib}MiB.bin"
    sha256 = write_random_file(source, size_mib * MIB)
    case = scratch.new_case()
    case.import_files(
        [source], handed_over_by="benchmark", examiner=scratch.examiner, progress=False
    )
    source.unlink()
    blob = case.store.path_for(sha256)
    counter = itertools.count()
    made: list[Path] = []

    def export() -> float:
        dest = scratch.root / f"bundle-{next(counter)}.zip"
        settle(scratch.cold)
        t0 = perf_counter()
        case.disclosure.export(
            dest,
            authorization="BENCH",
            recipient="bench",
            exhibits=["E0001"],
            examiner=scratch.examiner,
        )
        seconds = perf_counter() - t0
        made.append(dest)
        while len(made) > 1:
            made.pop(0).unlink()
        return seconds

    def cp(then_sync: bool) -> float:
        copy = scratch.root / "copy.bin"
        settle(scratch.cold)
        t0 = perf_counter()
        run_command("cp", blob, copy)
        if then_sync:
            run_command("sync", copy)
        seconds = perf_counter() - t0
        copy.unlink()
        return seconds

    def dgst() -> float:
        settle(scratch.cold)
        t0 = perf_counter()
        run_command("openssl", "dgst", "-sha256", blob)
        return perf_counter() - t0

    try:
        exported = race(
            {
                "osint-kit export": export,
                "cp": lambda: cp(False),
                "cp + sync FILE": lambda: cp(True),
                "openssl dgst (exhibit)": dgst,
            },
            repeat,
            on_run,
        )
        bundle = made[-1]

        def verify() -> float:
            settle(scratch.cold)
            t0 = perf_counter()
            report = verify_bundle(bundle)
            seconds = perf_counter() - t0
            if not report.ok:
                raise RuntimeError(report.text())
            return seconds

        def openssl() -> float:
            settle(scratch.cold)
            t0 = perf_counter()
            run_command("openssl", "dgst", "-sha256", bundle)
            return perf_counter() - t0

        verified = race(
            {"osint-kit bundle verify": verify, "openssl dgst -sha256": openssl}, repeat, on_run
        )
        zip_bytes = bundle.stat().st_size
    finally:
        for path in made:
            path.unlink(missing_ok=True)
        remove_tree(case.path)
    ours, plain, synced, digest = (
        exported[k].median
        for k in ("osint-kit export", "cp", "cp + sync FILE", "openssl dgst (exhibit)")
    )
    peer = max(synced, digest)
    ver, ssl = verified["osint-kit bundle verify"].median, verified["openssl dgst -sha256"].median
    return {
        "bytes": size_mib * MIB,
        "zip_bytes": zip_bytes,
        "contenders": {
            name: {**s.to_json(), "mib_per_s": size_mib / s.median}
            for name, s in {**exported, **verified}.items()
        },
        "ratios": {
            "export/cp": ours / plain,
            "export/cp+sync": ours / synced,
            "export/openssl (exhibit)": ours / digest,
            "export/max(cp+sync, openssl)": ours / peer,
            "verify/openssl": ver / ssl,
        },
        "goal": {"limit": GOAL, "met": ours / peer <= GOAL},
        "verify_goal": {"limit": VERIFY_GOAL, "met": ver / ssl <= VERIFY_GOAL},
    }


def bundle_table(section: dict[str, Any], verdict: Any) -> list[str]:
    lines = [
        f"7. evidence bundle of one {section['bytes'] / MIB:,.0f} MiB exhibit "
        f"(zip {section['zip_bytes'] / MIB:,.1f} MiB)",
        f"  {'contender':<28} {'median':>9} {'MiB/s':>9}   runs",
    ]
    for name, c in section["contenders"].items():
        runs = " ".join(f"{s:.2f}" for s in c["runs_s"])
        lines.append(f"  {name:<28} {c['median_s']:7.2f} s {c['mib_per_s']:9.0f}   {runs}")
    for name, ratio in section["ratios"].items():
        lines.append(f"  {name:<36} {ratio:6.2f} x")
    lines.append(f"  export/max(cp+sync, openssl)        {verdict(section['goal'])}")
    if "verify_goal" in section:
        lines.append(f"  verify/openssl                      {verdict(section['verify_goal'])}")
    return lines
