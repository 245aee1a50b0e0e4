"""Bulk hand-over and verification (issue 23): ``case.import_folder`` of many files
against ``cp -r`` + ``sync`` and ``sha256sum`` on both cores, and ``case.verify`` of
the case against ``sha256sum`` on both cores; the same in one run.

    .venv/bin/python bench/bulk.py                 # 5,000 files of 100 KB, 3 runs each
    .venv/bin/python bench/bulk.py --files 50 --kb 20480   # 50 files of 20 MB
    .venv/bin/python bench/bulk.py --quick         # 500 files, 1 run

Contenders, one warm-up run each, then ``--repeat`` runs in rotated order
(``bench/timing.py``'s ``race``), every file under ``bench/out/tmp`` (the cases' file
system), the page cache dropped when it can be (else ``os.sync()``) before each run:

- ``cp -r SRC DEST`` then ``sync -f DEST`` (osint-kit makes what it keeps durable);
- ``find SRC -type f -print0 | xargs -0 -P2 -n N sha256sum`` (every file hashed,
  both cores; N is an eighth of the files, at most 256);
- ``case.import_folder(SRC)`` into a fresh case: one event for the hand-over, every
  file copied, hashed and made durable, then published;
- ``case.verify()`` of that case (every blob hashed, every event checked) against the
  same ``xargs -P2 sha256sum`` over its blobs.

The goals (issue 23): import at most 1.3x the larger of the first two; verification
at most 1.15x ``sha256sum`` on both cores. Writes
``bench/out/results-bulk-<files>x<kb>k.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from machine import machine_facts
from timing import can_drop_caches, race, remove_tree, settle

import osint_kit as ok

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
WHO = ok.Examiner(name="Bench", id="BENCH-1", agency="Bench PD")


def make_folder(root: Path, files: int, size: int) -> Path:
    folder = root / "handed-over"
    block = os.urandom(size)
    for n in range(files):
        sub = folder / f"DCIM/{100 + n // 1000}APPLE"
        sub.mkdir(parents=True, exist_ok=True)
        # every file different: a counter in the first bytes
        (sub / f"IMG_{n:05d}.bin").write_bytes(n.to_bytes(8, "big") + block[8:])
    os.sync()
    return folder


def over_every_file(folder: Path, files: int, command: str) -> float:
    """Seconds for ``command`` run over every file under ``folder`` on both cores:
    ``xargs -P2`` hands each process at most an eighth of the files (else 50 files
    would all go to one process, on one core)."""
    per_call = max(1, min(256, files // 8))
    started = time.perf_counter()
    subprocess.run(
        f"find {folder} -type f -print0 | xargs -0 -P2 -n {per_call} {command} > /dev/null",
        shell=True,
        check=True,
    )
    return time.perf_counter() - started


def hash_both_cores(folder: Path, files: int) -> float:
    return over_every_file(folder, files, "sha256sum")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--files", type=int, default=5000)
    p.add_argument("--kb", type=int, default=100, help="size of each file in KB (1000 bytes)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    if args.quick:
        args.files, args.repeat = 500, 1
    cold = can_drop_caches()
    scratch = OUT / "tmp" / f"bulk-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        source = make_folder(scratch, args.files, args.kb * 1000)
        total = args.files * args.kb * 1000
        runs = {"n": 0}
        cases: list[ok.Case] = []

        def copy() -> float:
            dest = scratch / "copy"
            remove_tree(dest)
            settle(cold)
            started = time.perf_counter()
            subprocess.run(["cp", "-r", str(source), str(dest)], check=True)
            subprocess.run(["sync", "-f", str(dest)], check=True)
            return time.perf_counter() - started

        def hashed() -> float:
            settle(cold)
            return hash_both_cores(source, args.files)

        def imported() -> float:
            root = scratch / "cases"
            remove_tree(root)
            runs["n"] += 1
            case = ok.Case.create(
                f"BULK-{runs['n']}",
                title="bulk hand-over",
                category="crime-footage",
                authority=ok.Authority.of("BENCH", "Bench", "2026-12-01"),
                root=root,
                examiner=WHO,
            )
            settle(cold)
            started = time.perf_counter()
            cap = case.import_folder(source, handed_over_by="bench", examiner=WHO, progress=False)
            took = time.perf_counter() - started
            assert len(cap.exhibits) == args.files
            cases[:] = [case]
            return took

        def log(name: str, seconds: float) -> None:
            print(f"  {name:<36} {seconds:7.3f} s", file=sys.stderr)

        print(f"import of {args.files} files of {args.kb} KB ({total:,} bytes)", file=sys.stderr)
        got = race(
            {"cp -r + sync": copy, "xargs -P2 sha256sum": hashed, "import_folder": imported},
            args.repeat,
            log,
        )
        case = cases[0]
        blobs = case.path / "blobs" / "sha256"

        def verified() -> float:
            settle(cold)
            started = time.perf_counter()
            report = case.verify(progress=False)
            took = time.perf_counter() - started
            assert report.ok, report.text()
            return took

        def blob_hash() -> float:
            settle(cold)
            return hash_both_cores(blobs, args.files)

        def blob_read() -> float:  # the disk's part alone: every blob read, nothing hashed
            settle(cold)
            return over_every_file(blobs, args.files, "cat")

        print("verification of that case", file=sys.stderr)
        checked = race(
            {
                "xargs -P2 sha256sum (blobs)": blob_hash,
                "xargs -P2 cat (blobs, read only)": blob_read,
                "verify": verified,
            },
            args.repeat,
            log,
        )
        bound = max(got["cp -r + sync"].median, got["xargs -P2 sha256sum"].median)
        ratio_import = got["import_folder"].median / bound
        ratio_verify = checked["verify"].median / checked["xargs -P2 sha256sum (blobs)"].median
        read_only = checked["xargs -P2 cat (blobs, read only)"].median
        results = {
            "files": args.files,
            "kb": args.kb,
            "cold_cache": cold,
            "machine": machine_facts(HERE, HERE.parent),
            "import": {k: v.to_json() for k, v in got.items()},
            "verify": {k: v.to_json() for k, v in checked.items()},
            "ratio_import": ratio_import,
            "ratio_verify": ratio_verify,
        }
        print(
            f"import {got['import_folder'].median:.3f} s = {ratio_import:.2f}x "
            f"max(cp+sync, sha256sum -P2) (goal 1.3x)\n"
            f"verify {checked['verify'].median:.3f} s = {ratio_verify:.2f}x sha256sum -P2 "
            f"(goal 1.15x), {checked['verify'].median / read_only:.2f}x reading alone"
        )
        OUT.mkdir(exist_ok=True)
        (OUT / f"results-bulk-{args.files}x{args.kb}k.json").write_text(
            json.dumps(results, indent=2, default=str)
        )
    finally:
        remove_tree(scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
