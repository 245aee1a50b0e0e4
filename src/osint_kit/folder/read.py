"""A case folder on disk, read side: identity, custody log, blob store, exhibits.

``CaseFolder`` is what readers take (verification, the index, reports); the
writer (``folder/write.py``) adds the one way to write, and the ``case`` package puts
the notebook and CLI facade on top. Nothing here writes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from osint_kit.base.files import read_regular
from osint_kit.errors import (
    CaseNotFound,
    CorruptCaseFile,
    InvalidCaseId,
    UnknownExhibit,
    UnsupportedFormatVersion,
)
from osint_kit.record.custody import CustodyLog
from osint_kit.record.events import Event
from osint_kit.record.exhibits import (
    Capture,
    Exhibit,
    ExhibitList,
    exhibit_states,
    exhibits_from_events,
)
from osint_kit.record.store import BlobStore

#: The categories a case may have (docs/format.md); retention rules are given per category.
CATEGORIES = ("missing-person", "wanted-person", "online-crime", "crime-footage", "other")
FORMAT_NAME = "osint-kit-case"
FORMAT_VERSION = 1
ENV_CASES = "OSINT_KIT_CASES"
SUBDIRS = ("blobs", "examiners", "timestamps", "derived", "exports")

_CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def validate_case_id(case_id: object) -> str:
    if not isinstance(case_id, str) or not case_id:
        raise InvalidCaseId(str(case_id), "it is empty")
    if _CASE_ID.fullmatch(case_id) is None:
        bad = sorted({c for c in case_id if not (c.isascii() and (c.isalnum() or c in "-_"))})
        if bad:
            reason = "it contains " + ", ".join(repr(c) for c in bad)
        elif len(case_id) > 64:
            reason = f"it is {len(case_id)} characters long"
        else:
            reason = "it starts with '-' or '_'"
        raise InvalidCaseId(case_id, reason)
    return case_id


def default_root() -> Path:
    """Where cases live: ``$OSINT_KIT_CASES``, else ``./cases``."""
    return Path(os.environ.get(ENV_CASES) or "cases")


def resolve_root(root: Path | str | None) -> Path:
    return Path(root) if root is not None else default_root()


def read_identity(path: Path) -> dict[str, Any]:
    """``case.json``, checked for the fields every reader relies on."""
    try:
        data = json.loads(read_regular(path))
    except (OSError, ValueError) as exc:
        raise CorruptCaseFile(path, str(exc)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise CorruptCaseFile(path, f"its 'format' is not {FORMAT_NAME!r}")
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CorruptCaseFile(path, f"its format_version {version!r} is not a positive integer")
    if version > FORMAT_VERSION:
        raise UnsupportedFormatVersion(path, version, FORMAT_VERSION)
    for key in ("id", "title", "category", "authority", "created_at", "created_by"):
        if key not in data:
            raise CorruptCaseFile(path, f"it has no {key!r}")
    auth = data["authority"]
    if not isinstance(auth, dict) or set(auth) != {"reference", "approved_by", "approved_at"}:
        raise CorruptCaseFile(path, "its authority is not {reference, approved_by, approved_at}")
    if not isinstance(data["id"], str):
        raise CorruptCaseFile(path, "its 'id' is not a string")
    return data


class CaseFolder:
    """One case folder: ``id``, ``path``, ``identity``, ``log`` and ``store``, read-only."""

    def __init__(self, path: Path, identity: dict[str, Any]) -> None:
        self.path = path
        self.identity = identity
        self.id: str = identity["id"]
        self.log = CustodyLog(path / "custody.jsonl", self.id)
        self.store = BlobStore(path / "blobs")

    @classmethod
    def locate(cls, case_id: str, root: Path | str | None = None) -> CaseFolder:
        """The folder of ``case_id`` under ``root``; refuses a bad id or a foreign case.json."""
        validate_case_id(case_id)
        base = resolve_root(root)
        path = base / case_id
        if not (path / "case.json").is_file():
            raise CaseNotFound(case_id, base.resolve())
        identity = read_identity(path / "case.json")
        if identity["id"] != case_id:
            raise CorruptCaseFile(
                path / "case.json", f"it names case {identity['id']!r}, not {case_id!r}"
            )
        return cls(path, identity)

    def events(self) -> list[Event]:
        return list(self.log.events())

    def exhibits(self) -> ExhibitList:
        events = list(self.log.events())
        return ExhibitList(
            exhibits_from_events(events, self.store.path_for), exhibit_states(events)
        )

    def exhibit(self, label: str) -> Exhibit:
        for ex in exhibits_from_events(self.log.events(), self.store.path_for):
            if ex.label == label:
                return ex
        raise UnknownExhibit(label, self.id)

    def captures(self) -> list[Capture]:
        return [c for e in self.log.events() if (c := Capture.from_event(e)) is not None]

    def read_blob(self, sha256: str) -> bytes:
        return self.store.path_for(sha256).read_bytes()
