"""The searchable texts of a case, kept in ``derived/index.sqlite`` as an SQLite FTS5 table.

``index.py`` calls ``add_texts`` with the events it indexes, so the texts follow
the log the way the rest of the index does (a refresh reads only new events).
Four kinds of text:

- ``post``: a collected post's text, the latest version of each post (a new
  version replaces the older one, keyed as ``posts_from_events`` keys posts);
- ``page``: a captured web page's text (web capture exhibits of role ``text``);
- ``file``: an imported text file (``text/plain``, ``text/csv``, ``text/markdown``);
- ``note``: an examiner's note (``note.added``).

Bytes that are not valid UTF-8 are decoded with replacement characters, so the
rest of the text stays searchable. Each text is indexed up to ``MAX_TEXT_CHARS``
characters (``truncated`` says when it was cut); the exhibit itself is untouched.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from osint_kit.analysis.posts import parse_post_record, post_problem, post_row
from osint_kit.base.files import open_regular
from osint_kit.record.builtin_actions import NOTE
from osint_kit.record.events import Event

log = logging.getLogger("osint_kit")

#: Characters of one text that are indexed (4 MiB of ASCII); the rest is not searchable.
MAX_TEXT_CHARS = 4 * 2**20
#: Imported files whose media type is one of these are indexed as text.
TEXT_FILE_TYPES = ("text/plain", "text/csv", "text/markdown", "text/tab-separated-values")
KINDS = ("post", "page", "file", "note")

SCHEMA = """
CREATE TABLE texts (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, doc TEXT NOT NULL UNIQUE, exhibit TEXT,
    seq INTEGER NOT NULL, capture TEXT, platform TEXT, account TEXT, source TEXT, time TEXT,
    chars INTEGER NOT NULL, truncated INTEGER NOT NULL
);
CREATE VIRTUAL TABLE texts_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
"""


def decode(data: bytes) -> str:
    """UTF-8 (a byte-order mark dropped), undecodable bytes replaced, cut at the cap."""
    return data[: MAX_TEXT_CHARS * 4].decode("utf-8-sig", errors="replace")


def _read(blob_path: Callable[[str], Path], sha256: str, limit: int) -> bytes | None:
    try:
        with open_regular(blob_path(sha256)) as f:
            return f.read(limit)
    except FileNotFoundError:  # disposed of, not published yet, or lost: verify says which
        log.debug("text of blob %s not indexed: it is not in the store", sha256)
        return None
    except OSError as exc:  # unreadable: verify reports it; reindex later
        log.warning("text of blob %s not indexed: %s", sha256, exc)
        return None


def _put(db: sqlite3.Connection, doc: str, text: str, **fields: Any) -> None:
    old = db.execute("SELECT id FROM texts WHERE doc=?", (doc,)).fetchone()
    if old is not None:
        db.execute("DELETE FROM texts_fts WHERE rowid=?", (old[0],))
        db.execute("DELETE FROM texts WHERE id=?", (old[0],))
    truncated = len(text) > MAX_TEXT_CHARS
    body = text[:MAX_TEXT_CHARS]
    cur = db.execute(
        "INSERT INTO texts (kind, doc, exhibit, seq, capture, platform, account, source, time,"
        " chars, truncated) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            fields["kind"],
            doc,
            fields.get("exhibit"),
            fields["seq"],
            fields.get("capture"),
            fields.get("platform"),
            fields.get("account"),
            fields.get("source"),
            fields.get("time"),
            len(body),
            int(truncated),
        ),
    )
    db.execute("INSERT INTO texts_fts (rowid, body) VALUES (?,?)", (cur.lastrowid, body))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def add_texts(
    db: sqlite3.Connection, events: Iterable[Event], blob_path: Callable[[str], Path]
) -> None:
    """Index the texts the events bring (called inside the index's transaction)."""
    for event in events:
        cap = event.capture or {}
        method = str(cap.get("method", ""))
        if event.action == NOTE:
            text = event.details.get("text")
            if isinstance(text, str) and text.strip():
                _put(
                    db,
                    f"note:{event.seq}",
                    text,
                    kind="note",
                    exhibit=event.exhibits[0] if event.exhibits else None,
                    seq=event.seq,
                    time=event.time,
                )
            continue
        for s in event.subjects:
            if s.exhibit is None:
                continue
            media = (s.media_type or "").split(";")[0].strip().lower()
            common = {"exhibit": s.exhibit, "seq": event.seq, "capture": cap.get("id")}
            if method.startswith("social.") and s.role == "post":
                raw = _read(blob_path, s.sha256, 64 * 2**20)
                if raw is None:
                    continue
                post, problem = parse_post_record(raw)
                problem = problem or post_problem(post or {})
                if post is None or problem:
                    log.warning("post %s not indexed: %s", s.exhibit, problem)
                    continue
                row = post_row(post, s.exhibit, cap.get("id"))
                # keyed as posts_from_events keys posts: platform and URL, else target#id
                where = f"{cap.get('target', '')}#{row['id']}"
                doc = f"post:{row['platform']}:{row['url'] or where}"
                _put(
                    db,
                    doc,
                    row["text"] or "",
                    kind="post",
                    platform=row["platform"],
                    account=row["author_key"],
                    source=row["url"],
                    time=_iso(row["created_at"]),
                    **common,
                )
            elif (method == "web.browser" and s.role == "text" and media == "text/plain") or (
                method == "file.import" and media in TEXT_FILE_TYPES
            ):
                raw = _read(blob_path, s.sha256, MAX_TEXT_CHARS * 4)
                if raw is None:
                    continue
                page = method == "web.browser"
                source = (
                    cap.get("final_url") or cap.get("target")
                    if page
                    else s.source
                    or (cap.get("source") or {}).get("original_name")
                    or cap.get("target")
                )
                _put(
                    db,
                    f"exhibit:{s.exhibit}",
                    decode(raw),
                    kind="page" if page else "file",
                    source=source,
                    time=(cap.get("started") if page else None) or event.time,
                    **common,
                )
