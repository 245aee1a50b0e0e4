"""Facts about the machine and the code a benchmark ran on, for the results file."""

from __future__ import annotations

import os
import platform
import shutil
import ssl
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import osint_kit


def _command(*args: str, cwd: Path | None = None) -> str:
    """First line of a command's output, or why there is none."""
    if shutil.which(args[0]) is None:
        return f"{args[0]} not found"
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=cwd)
    if done.returncode != 0:
        return f"{args[0]} failed: {done.stderr.strip()}"
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""


def _cpuinfo(key: str) -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / (1 << 20), 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def machine_load() -> str:
    """Load averages (1, 5, 15 min) and I/O pressure: other work on the machine skews figures."""
    try:
        load = " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        load = "unknown"
    try:  # "some avg10=... avg60=...": share of time some task waited for I/O
        io = Path("/proc/pressure/io").read_text(encoding="ascii").splitlines()[0]
        io = " ".join(io.split()[1:3])
    except (OSError, IndexError):
        io = "unknown"
    return f"load {load}, io pressure {io}"


def _filesystem(path: Path) -> dict[str, str]:
    line = _command("findmnt", "-n", "-o", "FSTYPE,SOURCE,TARGET,OPTIONS", "-T", str(path))
    parts = line.split(None, 3)
    if len(parts) < 3:
        return {"findmnt": line}
    keys = ("type", "source", "mount_point", "options")
    return dict(zip(keys, parts, strict=False))


def _code_revision(repo: Path) -> dict[str, Any]:
    commit = _command("git", "rev-parse", "--short", "HEAD", cwd=repo)
    changed = _command("git", "status", "--porcelain", "--", "src", cwd=repo)
    return {"commit": commit, "src_has_uncommitted_changes": bool(changed)}


def machine_facts(bench_dir: Path, repo: Path) -> dict[str, Any]:
    """nproc, CPU, memory, kernel, Python, file system of ``bench_dir``, tool versions."""
    flags = _cpuinfo("flags").split()
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": int(_command("nproc") or os.cpu_count() or 0),
        "cpu_model": _cpuinfo("model name"),
        "cpu_sha_extensions": "sha_ni" in flags,
        "memory_gib": _memory_gib(),
        "kernel": platform.release(),
        "load_at_start": machine_load(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "python_openssl": ssl.OPENSSL_VERSION,
        "filesystem": _filesystem(bench_dir),
        "openssl": _command("openssl", "version"),
        "cp": _command("cp", "--version"),
        "osint_kit": osint_kit.__version__,
        "code": _code_revision(repo),
    }
