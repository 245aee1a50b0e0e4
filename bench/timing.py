"""Timing helpers: clean file-system state between runs, fair rounds, scratch files."""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DROP_CACHES = Path("/proc/sys/vm/drop_caches")
WRITE_CHUNK = 4 << 20


@dataclass(frozen=True)
class Samples:
    """Wall-clock seconds of repeated runs of one contender (warm-up runs kept apart)."""

    seconds: tuple[float, ...]
    warmup: tuple[float, ...] = ()

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def to_json(self) -> dict[str, Any]:
        return {
            "median_s": self.median,
            "runs_s": list(self.seconds),
            "warmup_s": list(self.warmup),
        }


def run_command(*args: str | Path) -> str:
    """Run a baseline tool; raise with its stderr if it fails."""
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed: {done.stderr.strip()}")
    return done.stdout


def settle(cold: bool) -> None:
    """Write back every dirty page (so no run pays for the previous one), optionally drop caches."""
    os.sync()
    if cold:
        DROP_CACHES.write_text("3\n", encoding="ascii")


def can_drop_caches() -> bool:
    return os.access(DROP_CACHES, os.W_OK)


def race(
    contenders: Mapping[str, Callable[[], float]],
    repeat: int,
    on_run: Callable[[str, float], None],
    warmup: int = 1,
) -> dict[str, Samples]:
    """Run each contender ``warmup`` times uncounted, then ``repeat`` times, rotating the order.

    Each callable times its own core work and returns seconds, so set-up and clean-up
    (creating a case, deleting a copy) stay out of the figures. The warm-up runs take
    the one-off costs (first touch of fresh memory and disk blocks in a VM, lazy imports)
    off whichever contender happens to go first.
    """
    names = list(contenders)
    runs: dict[str, list[float]] = {name: [] for name in names}
    warm: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(-warmup, repeat):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            seconds = contenders[name]()
            (warm if round_no < 0 else runs)[name].append(seconds)
            on_run(f"{name} (warm-up)" if round_no < 0 else name, seconds)
    return {name: Samples(tuple(runs[name]), tuple(warm[name])) for name in names}


def write_random_file(path: Path, size: int) -> str:
    """``size`` random bytes, fsync'ed; returns their SHA-256 (to check every contender)."""
    digest = hashlib.sha256()
    with open(path, "wb", buffering=0) as f:
        left = size
        while left:
            chunk = os.urandom(min(WRITE_CHUNK, left))
            digest.update(chunk)
            f.write(chunk)
            left -= len(chunk)
        os.fsync(f.fileno())
    return digest.hexdigest()


def remove_tree(path: Path) -> None:
    """Delete a scratch tree even if it holds read-only blobs and directories."""
    if not path.exists():
        return
    os.chmod(path, 0o700)
    for dirpath, dirs, _files in os.walk(path):
        for name in dirs:  # before os.walk lists them; never follow a link out of the tree
            sub = os.path.join(dirpath, name)
            if not os.path.islink(sub):
                os.chmod(sub, 0o700)
    shutil.rmtree(path)
