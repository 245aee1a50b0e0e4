"""``derived/index.sqlite``: a query-friendly view of the log, rebuildable at any time.

The index is derived, never evidence. It remembers how far into ``custody.jsonl``
it has read (byte offset and head hash); a refresh reads only what is new, and
starts over when the log does not continue the chain it indexed. ``INDEX`` is the
view the facade registers with the case's ``DerivedViews``, so every append refreshes
it; search refreshes it too before it reads.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from osint_kit.analysis.fulltext import SCHEMA as TEXT_SCHEMA
from osint_kit.analysis.fulltext import add_texts
from osint_kit.errors import OsintKitError
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.views import Appended, DerivedViews
from osint_kit.record.chain import GENESIS
from osint_kit.record.events import Event
from osint_kit.record.exhibits import Capture, exhibits_from_events

log = logging.getLogger("osint_kit")

INDEX_VERSION = 2  # 2: the texts and their FTS5 table (fulltext.py)
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL, time TEXT NOT NULL, action TEXT NOT NULL,
    examiner_id TEXT, examiner_name TEXT, summary TEXT, hash TEXT NOT NULL
);
CREATE TABLE subjects (
    seq INTEGER NOT NULL REFERENCES events(seq), exhibit TEXT, sha256 TEXT NOT NULL,
    size INTEGER NOT NULL, role TEXT NOT NULL, media_type TEXT
);
CREATE TABLE exhibits (
    exhibit TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, role TEXT NOT NULL,
    media_type TEXT, capture TEXT, method TEXT, name TEXT, acquired_at TEXT NOT NULL,
    acquired_by TEXT, seq INTEGER NOT NULL REFERENCES events(seq)
);
CREATE TABLE captures (
    capture TEXT PRIMARY KEY, method TEXT NOT NULL, target TEXT, status TEXT NOT NULL,
    reason TEXT, started TEXT, ended TEXT, seq INTEGER NOT NULL REFERENCES events(seq)
);
CREATE INDEX subjects_sha256 ON subjects(sha256);
CREATE INDEX exhibits_sha256 ON exhibits(sha256);
"""


FILE = "index.sqlite"


def index_path(views: DerivedViews) -> Path:
    return views.path(FILE)


def _meta(db: sqlite3.Connection) -> dict[str, str]:
    return dict(db.execute("SELECT key, value FROM meta").fetchall())


def _add(db: sqlite3.Connection, events: list[Event], blob_path: Callable[[str], Path]) -> None:
    known = {row[0] for row in db.execute("SELECT exhibit FROM exhibits")}
    for e in events:
        db.execute(
            "INSERT INTO events VALUES (?,?,?,?,?,?,?,?)",
            (
                e.seq,
                e.id,
                e.time,
                e.action,
                e.actor.get("id"),
                e.actor.get("name"),
                e.summary(),
                e.hash,
            ),
        )
        db.executemany(
            "INSERT INTO subjects VALUES (?,?,?,?,?,?)",
            [(e.seq, s.exhibit, s.sha256, s.size, s.role, s.media_type) for s in e.subjects],
        )
        cap = Capture.from_event(e)
        if cap is not None:
            db.execute(
                "INSERT OR REPLACE INTO captures VALUES (?,?,?,?,?,?,?,?)",
                (
                    cap.id,
                    cap.method,
                    cap.target,
                    cap.status,
                    cap.reason,
                    cap.started,
                    cap.ended,
                    cap.seq,
                ),
            )
    db.executemany(
        "INSERT INTO exhibits VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                ex.label,
                ex.sha256,
                ex.size,
                ex.role,
                ex.media_type,
                ex.capture,
                ex.method,
                ex.name,
                ex.acquired_at,
                ex.acquired_by,
                ex.seq,
            )
            for ex in exhibits_from_events(events, blob_path)
            if ex.label not in known
        ),
    )
    add_texts(db, events, blob_path)


def rebuild_index(case: CaseFolder, views: DerivedViews) -> Path:
    """Build the index from scratch beside the old one, then swap it in atomically."""

    def build(tmp: Path) -> None:
        db = sqlite3.connect(tmp)
        try:
            db.executescript(SCHEMA + TEXT_SCHEMA)
            events, offset = case.log.read_from(0)
            _add(db, events, case.store.path_for)
            head = events[-1].hash if events else GENESIS
            db.executemany(
                "INSERT INTO meta VALUES (?,?)",
                [
                    ("index_version", str(INDEX_VERSION)),
                    ("case", case.id),
                    ("log_offset", str(offset)),
                    ("head_hash", head),
                ],
            )
            db.commit()
        finally:
            db.close()

    return views.write(FILE, make=build)


def refresh_index(
    case: CaseFolder, views: DerivedViews, appended: Appended | None = None
) -> None:
    """Bring the index up to the log's head; best effort, since it is only a view."""
    path = index_path(views)
    try:
        if not path.exists():
            rebuild_index(case, views)
            return
        db = sqlite3.connect(path, timeout=30)
        try:
            db.execute("BEGIN IMMEDIATE")
            meta = _meta(db)
            offset = int(meta.get("log_offset", "-1"))
            stale = meta.get("index_version") != str(INDEX_VERSION) or offset < 0
            events: list[Event] = []
            if not stale:
                if (
                    appended is not None
                    and appended.start == offset
                    and appended.events[0].prev == meta.get("head_hash")
                ):
                    events, end = appended.events, appended.end  # not read back
                else:
                    events, end = case.log.read_from(offset)
                stale = bool(events) and events[0].prev != meta.get("head_hash")
            if stale:
                db.rollback()
            else:
                _add(db, events, case.store.path_for)
                if events:
                    db.execute("UPDATE meta SET value=? WHERE key='log_offset'", (str(end),))
                    db.execute("UPDATE meta SET value=? WHERE key='head_hash'", (events[-1].hash,))
                db.commit()
        finally:
            db.close()
        if stale:
            rebuild_index(case, views)
    except (OSError, sqlite3.Error, OsintKitError) as exc:
        log.warning("derived/index.sqlite of %s not refreshed (%s); run reindex", case.id, exc)


class IndexView:
    """The index as a view the case's ``DerivedViews`` keeps up to date."""

    name = "index"

    def refresh(self, folder: CaseFolder, views: DerivedViews, appended: Appended | None) -> None:
        refresh_index(folder, views, appended)

    def rebuild(self, folder: CaseFolder, views: DerivedViews) -> Path:
        return rebuild_index(folder, views)


INDEX = IndexView()
