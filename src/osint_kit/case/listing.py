"""The cases under a root, each with its identity, or the problem that keeps it from being
read (a broken case.json is listed, never a traceback)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from osint_kit.errors import (
    CorruptCaseFile,
    UnsupportedFormatVersion,
)
from osint_kit.folder.read import (
    read_identity,
    resolve_root,
)


@dataclass(frozen=True)
class CaseSummary:
    id: str
    path: Path
    title: str | None
    category: str | None
    created_at: str | None
    problem: str | None = None


def list_cases(root: Path | str | None = None) -> list[CaseSummary]:
    """Every case folder under ``root``; an unreadable one is listed with its problem."""
    base = resolve_root(root)
    if not base.is_dir():
        return []
    found = []
    for entry in sorted(base.iterdir()):
        if entry.name.startswith(".") or not (entry / "case.json").is_file():
            continue
        try:
            data = read_identity(entry / "case.json")
        except (CorruptCaseFile, UnsupportedFormatVersion) as exc:
            found.append(CaseSummary(entry.name, entry, None, None, None, problem=str(exc)))
            continue
        if data["id"] != entry.name:
            problem = f"case.json names case {data['id']!r}, not the folder's name"
            found.append(CaseSummary(entry.name, entry, None, None, None, problem=problem))
            continue
        found.append(
            CaseSummary(data["id"], entry, data["title"], data["category"], data["created_at"])
        )
    return found
