"""The derived-view writer: everything osint-kit writes under a case's ``derived/``.

``derived/`` holds views made from the custody log and the blobs (the index, the
Parquet tables, caches of picture hashes and media facts, the default report), never
evidence: it can be deleted and is made again. ``CaseFolder`` stays read-only; the
views are written by a ``DerivedViews`` that a writer (or a reader that caches) is
given, so what writes where is explicit:

- ``write`` puts one file in place atomically (a temporary name beside it, then
  ``os.replace``), so a reader never sees half a view; ``keep`` does so best effort
  (a view that cannot be kept is made again next time, logged);
- the views registered with it (``DerivedView``: today the index, which the analysis
  package defines and the facade registers) are refreshed after every append and
  rebuilt on ``reindex``, each one best effort;
- ``remove_all`` empties ``derived/`` for a disposal (the views may hold what was
  disposed of).

Views this layer does not know (the tables, the caches) are made lazily by their
readers, through ``write``/``keep``, when the log's head has moved on.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from osint_kit.base.files import fsync_dir
from osint_kit.errors import OsintKitError
from osint_kit.record.events import Event

if TYPE_CHECKING:
    from osint_kit.folder.read import CaseFolder

log = logging.getLogger("osint_kit")

FOLDER = "derived"


@dataclass(frozen=True)
class Appended:
    """Events a writer has just appended, and the bytes of the log they took: a view takes
    them as they are when they continue exactly where it stopped."""

    start: int
    end: int
    events: list[Event]


class DerivedView(Protocol):
    """A view kept up to date with the log (registered with a ``DerivedViews``)."""

    #: Its name in messages (``index``).
    name: str

    def refresh(self, folder: CaseFolder, views: DerivedViews, appended: Appended | None) -> None:
        """Bring the view up to the log's head (``appended``: what was just written)."""

    def rebuild(self, folder: CaseFolder, views: DerivedViews) -> Path:
        """Make the view again from scratch; where it is."""


class DerivedViews:
    """The one writer of a case's ``derived/`` folder."""

    def __init__(self, case_path: Path, kept: Sequence[DerivedView] = ()) -> None:
        self.root = case_path / FOLDER
        #: The views refreshed after every append.
        self.kept = tuple(kept)

    def path(self, *parts: str) -> Path:
        """Where a view lives under ``derived/`` (the view writes it through ``write``)."""
        if not parts or any(p in ("", ".", "..") or "/" in p for p in parts):
            raise ValueError(f"not a view's name under derived/: {parts!r}")
        return self.root.joinpath(*parts)

    def write(self, *parts: str, make: Callable[[Path], object]) -> Path:
        """``make(tmp)`` writes the view at a temporary path beside it; it then takes the
        view's place atomically. An ``OSError`` leaves the old view (or none)."""
        final = self.path(*parts)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}-{uuid.uuid4().hex}.tmp")
        try:
            make(tmp)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    def write_bytes(self, *parts: str, data: bytes) -> Path:
        return self.write(*parts, make=lambda tmp: tmp.write_bytes(data))

    def keep(self, *parts: str, make: Callable[[Path], object]) -> bool:
        """``write``, best effort: a view that cannot be kept (a read-only case folder, a
        full disk) is made again when next asked for. False when it was not kept."""
        try:
            self.write(*parts, make=make)
        except OSError as exc:
            log.info("derived/%s not kept (%s); it is made again next time", "/".join(parts), exc)
            return False
        return True

    def remove(self, *parts: str) -> None:
        """Remove one view (it is made again when next asked for)."""
        self.path(*parts).unlink(missing_ok=True)

    def refresh(self, folder: CaseFolder, appended: Appended | None = None) -> None:
        """Every registered view up to the log's head, best effort: a view that fails is
        logged and made again later (``reindex``), never a failed append."""
        for view in self.kept:
            try:
                view.refresh(folder, self, appended)
            except (OSError, OsintKitError) as exc:
                log.warning(
                    "derived view %s of %s not refreshed (%s); run reindex",
                    view.name,
                    folder.id,
                    exc,
                )

    def rebuild(self, folder: CaseFolder) -> list[Path]:
        """Every registered view made again from scratch."""
        return [view.rebuild(folder, self) for view in self.kept]

    def remove_all(self) -> list[str]:
        """Everything in ``derived/`` (a disposal: the views may hold the disposed content;
        all of it is made again from what remains). A ``derived`` that is a link is not
        followed. The names removed, as ``derived/NAME``."""
        if self.root.is_symlink() or not self.root.is_dir():
            return []
        removed = []
        for entry in sorted(self.root.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)
            removed.append(f"{FOLDER}/{entry.name}")
        fsync_dir(self.root)
        return removed
