"""What an export interrupted by a crash leaves, found and cleaned.

An export builds its bag and plain zip in ``<case>/.exports-in-progress/<uuid>/``
(mode 0700, with ``intent.json`` naming the destination and the hidden partial
file beside it), writes the bundle there as ``.<name>.<uuid>.partial`` (0600),
appends ``export.created``, then moves the partial to its name. A crash before the
event leaves a private folder and maybe a partial that was never on the record:
removed by the next export and by ``repair``. A crash after it leaves a partial the
event records: ``repair`` moves it into place. ``verify`` reports both as crash
residue (``interrupted-export``).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from osint_kit.base.files import read_regular
from osint_kit.folder.read import CaseFolder
from osint_kit.record.builtin_actions import EXPORTED
from osint_kit.record.chain import events_with_action
from osint_kit.record.file_hash import hash_file

WORK = ".exports-in-progress"


def recorded_bundles(case: CaseFolder) -> set[tuple[str, str]]:
    """(path, SHA-256) of every bundle an export.created event records."""
    found = set()
    for _, event in events_with_action(case.log.raw_lines(), EXPORTED):
        bundle = event["details"].get("bundle")
        if isinstance(bundle, dict):
            found.add((str(bundle.get("path")), str(bundle.get("sha256"))))
    return found


@dataclass(frozen=True)
class InterruptedExport:
    """What a crash during an export left: its private folder, and maybe its partial."""

    folder: Path
    dest: Path | None
    partial: Path | None
    #: The export.created event records this bundle (dest and the partial's SHA-256):
    #: the crash came after the record, and moving the partial into place finishes it.
    recorded: bool


def interrupted_exports(case: CaseFolder) -> list[InterruptedExport]:
    base = case.path / WORK
    if not base.is_dir():
        return []
    found = []
    recorded = recorded_bundles(case)
    for folder in sorted(base.iterdir()):
        dest = partial = None
        try:
            intent = json.loads(read_regular(folder / "intent.json"))
            dest, partial = Path(intent["dest"]), Path(intent["partial"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        done = False
        if dest is not None and partial is not None and partial.is_file():
            done = (str(dest), hash_file(partial)[0]) in recorded and not dest.exists()
        found.append(InterruptedExport(folder, dest, partial, done))
    return found


def clean_interrupted_exports(case: CaseFolder, *, finish: bool = False) -> list[dict[str, Any]]:
    """Remove what interrupted exports left; with ``finish``, move a recorded bundle
    into place first (repair does; a new export leaves those for repair to record)."""
    done = []
    for left in interrupted_exports(case):
        if left.recorded and not finish:
            continue
        action = "removed"
        if left.recorded and left.partial is not None and left.dest is not None:
            os.replace(left.partial, left.dest)
            action = f"moved into place at {left.dest}"
        elif left.partial is not None:
            left.partial.unlink(missing_ok=True)
        shutil.rmtree(left.folder, ignore_errors=True)
        done.append({"folder": left.folder.name, "bundle": str(left.dest), "action": action})
    return done
