"""What an export interrupted by a crash leaves, found and cleaned.

An export builds its bag and plain zip in ``<case>/.exports-in-progress/<uuid>/``
(mode 0700, with ``intent.json`` naming the destination and the hidden partial
file beside it), writes the bundle there as ``.<name>.<uuid>.partial`` (0600),
appends ``export.created``, then moves the partial to its name. A crash before the
event leaves a private folder and maybe a partial that was never on the record:
removed by the next export and by ``repair``. A crash after it leaves a partial the
event records: ``repair`` moves it into place. ``verify`` reports both as crash
residue (``interrupted-export``).

Where a bundle went is recorded relative to the case (``exports/NAME``) when it was
written into the case, and not at all when it was written outside it: a case moves
(to an evidence server, a backup, a reviewer) and the examiner's own folders are no
part of its record; the name, size and SHA-256 say which bundle it was wherever it
is. Logs written before held the absolute path: ``bundle_in_case`` reads both.
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


EXPORTS = "exports"


def path_to_record(case: CaseFolder, dest: Path) -> str | None:
    """What an export.created event records of ``dest``: its path relative to the case
    folder (``exports/NAME``) when it is inside it, else None (nothing of the
    examiner's machine goes on the record)."""
    try:
        return dest.resolve().relative_to(case.path.resolve()).as_posix()
    except ValueError:
        return None


def bundle_in_case(bundle: dict[str, Any]) -> str | None:
    """The path in the case (``exports/NAME``) of the bundle an export.created event
    records, or None when it was written outside the case.

    A relative path is the case's own. An absolute one (logs written before paths were
    recorded relative to the case) is taken as the case's ``exports/NAME`` when it ends
    in ``exports/`` and the recorded name: the folder the case was in then is a detail
    of that machine, and a moved case keeps its bundles there; any other absolute path
    was outside the case."""
    path, name = bundle.get("path"), bundle.get("name")
    if not isinstance(path, str) or not path:
        return None
    recorded = Path(path)
    if not recorded.is_absolute():
        return None if ".." in recorded.parts else recorded.as_posix()
    if recorded.parent.name == EXPORTS and recorded.name == name:
        return f"{EXPORTS}/{recorded.name}"
    return None


def recorded_bundles(case: CaseFolder) -> list[dict[str, Any]]:
    """The ``bundle`` of every export.created event, in log order."""
    found = []
    for _, event in events_with_action(case.log.raw_lines(), EXPORTED):
        bundle = event["details"].get("bundle")
        if isinstance(bundle, dict):
            found.append(bundle)
    return found


def shown(case: CaseFolder, path: Path | None) -> str:
    """A path as a report shows it: relative to the case when inside it."""
    if path is None:
        return "?"
    inside = path_to_record(case, path)
    return inside if inside is not None else str(path)


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
            # relative: inside the case, wherever the case is now
            dest, partial = case.path / intent["dest"], case.path / intent["partial"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        done = False
        if dest is not None and partial is not None and partial.is_file():
            sha = hash_file(partial)[0]
            done = not dest.exists() and any(
                b.get("name") == dest.name and b.get("sha256") == sha for b in recorded
            )
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
            action = f"moved into place at {shown(case, left.dest)}"
        elif left.partial is not None:
            left.partial.unlink(missing_ok=True)
        shutil.rmtree(left.folder, ignore_errors=True)
        done.append(
            {"folder": left.folder.name, "bundle": shown(case, left.dest), "action": action}
        )
    return done
