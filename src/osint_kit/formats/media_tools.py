"""Running ffprobe, ffmpeg and exiftool on hostile files: found on PATH, with a time-out, quoted.

Every reader of media (``probe``, the decode check, exiftool, the footage tools)
starts the same tools the same way, so how a tool is found, run and quoted lives
here once: no stdin, a time-out after which the process is killed (a hung tool is
a problem, not a hang), paths given to ffmpeg and ffprobe as ``file:/absolute/path``
(never read as an option or a protocol), and error output cleaned to one short line
fit to be a recorded problem.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from osint_kit.errors import ToolMissing

#: The Debian package that brings each tool, for ``ToolMissing``.
PACKAGES = {"ffprobe": "ffmpeg", "ffmpeg": "ffmpeg", "exiftool": "libimage-exiftool-perl"}
#: A problem's text is trimmed to this many characters (a hostile file can make tools
#: print a lot).
MAX_PROBLEM = 300


def find_tool(name: str) -> str:
    """The executable of ``name`` on PATH, or ``ToolMissing`` naming its Debian package."""
    found = shutil.which(name)
    if not found:
        raise ToolMissing(name, PACKAGES.get(name, name))
    return found


@cache
def _version(executable: str, flag: str) -> str:
    """Versions do not change under a running kernel: asked once per executable."""
    try:
        done = subprocess.run(
            [executable, flag], stdin=subprocess.DEVNULL, capture_output=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unknown ({type(exc).__name__})"
    first = done.stdout.decode("utf-8", "replace").strip().splitlines()
    if not first:
        return "unknown"
    found = re.match(r"\S+ version (\S+)", first[0])
    return found.group(1) if found else first[0].strip()[:100]


def tool_version(name: str) -> str:
    """``ffprobe -version``/``ffmpeg -version`` (the version on its first line) or
    ``exiftool -ver``."""
    return _version(find_tool(name), "-ver" if name == "exiftool" else "-version")


@dataclass(frozen=True)
class ToolRun:
    """What a tool did: its exit status (None when it did not finish), output, errors."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False


def run_tool(args: Sequence[str], timeout_s: float) -> ToolRun:
    """Runs a tool without stdin; on time-out the process is killed, not waited for."""
    try:
        done = subprocess.run(
            list(args), stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout_s
        )
    except subprocess.TimeoutExpired:
        return ToolRun(None, "", f"timed out after {timeout_s:g} s", timed_out=True)
    except OSError as exc:
        return ToolRun(None, "", f"could not run: {exc.strerror or exc}")
    return ToolRun(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def media_input(path: Path) -> str:
    """How ffmpeg and ffprobe are given a file: never an option, never a protocol."""
    return "file:" + os.path.abspath(path)


def clean_error(text: str, path: Path | str | None = None) -> str:
    """A tool's error output on one line: no memory addresses, no path, no repeats, trimmed."""
    names = {str(path), os.path.abspath(path), media_input(Path(path))} if path else set()
    lines: list[str] = []
    for raw in text.splitlines():
        line = re.sub(r" @ 0x[0-9a-f]+\]", "]", raw.strip())
        for name in sorted(names, key=len, reverse=True):
            line = line.replace(name + ": ", "").replace(name, "FILE")
        line = line.strip()
        if line and line not in lines and line != "Conversion failed!":
            lines.append(line)
    joined = "; ".join(lines) or "no error text"
    return joined if len(joined) <= MAX_PROBLEM else joined[: MAX_PROBLEM - 1] + "…"
