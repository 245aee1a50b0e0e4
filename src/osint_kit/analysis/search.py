"""Full-text search over a case's posts, captured pages, imported text files and notes.

The texts sit in ``derived/index.sqlite`` (``analysis/fulltext.py`` keeps them there, in
an SQLite FTS5 table, as the log grows). A query is FTS5's own language:
words (all must occur), ``"a quoted phrase"``, ``OR``, ``NOT``, ``prefix*``,
``NEAR(a b, 5)``. Patterns (phone numbers, e-mail addresses, URLs, vehicle
plates, coordinates: ``analysis/patterns.py``) and an examiner's own regular expression
run over the same stored texts, after the query when both are given. Every hit names its exhibit
(or, for a note about no exhibit, the note's event seq) and where it came from.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from osint_kit.analysis.fulltext import KINDS
from osint_kit.analysis.index import index_path, rebuild_index, refresh_index
from osint_kit.analysis.patterns import PATTERNS, find
from osint_kit.analysis.rows import TIME, Rows, table_schema
from osint_kit.base.dates import parse_time
from osint_kit.errors import InvalidOption, StorageError
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.views import DerivedViews

#: What marks the matched words in a snippet.
MARK = ("«", "»")
#: Characters of context either side of a pattern's match in its snippet.
CONTEXT = 60
#: A user's regular expression: at most this long, and the whole scan within this time.
MAX_REGEX_CHARS = 300
REGEX_SECONDS = 10.0

SEARCH_SCHEMA = table_schema(
    "search",
    [
        pa.field("kind", pa.string(), nullable=False),
        pa.field("exhibit", pa.string()),
        pa.field("seq", pa.int64(), nullable=False),
        pa.field("capture", pa.string()),
        pa.field("platform", pa.string()),
        pa.field("account", pa.string()),
        pa.field("source", pa.string()),
        pa.field("time", TIME),
        pa.field("snippet", pa.string(), nullable=False),
        pa.field("match", pa.string()),
        pa.field("rank", pa.float64()),
        pa.field("truncated", pa.bool_(), nullable=False),
    ],
)


class SearchHits(Rows):
    """Rows of ``SEARCH_SCHEMA``: best first for a query, in log order for a pattern."""

    schema = SEARCH_SCHEMA
    shown = ("kind", "exhibit", "seq", "account", "time", "snippet")
    what = "hits"


def _check_regex(source: str) -> re.Pattern[str]:
    """Compile an examiner's regex, refusing what could backtrack for ever.

    Python's ``re`` cannot be interrupted, so a group that repeats (``*``, ``+``,
    ``{n,}``) and itself holds a repeat or an alternative (``(a+)+``, ``(a|aa)*``)
    is refused before it runs; the pattern is at most ``MAX_REGEX_CHARS`` long.
    """
    if not source:
        raise InvalidOption("regex", "is empty")
    if len(source) > MAX_REGEX_CHARS:
        raise InvalidOption("regex", f"longer than {MAX_REGEX_CHARS} characters")
    try:
        compiled = re.compile(source)
    except re.error as exc:
        raise InvalidOption("regex", f"{source!r}: {exc}") from None
    stack: list[bool] = []  # per open group: holds a repeat or an alternative
    i, in_class = 0, False
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if source[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            stack.append(False)
        elif c in "*+{|" and stack:
            stack[-1] = True
        elif c == ")" and stack:
            risky = stack.pop()
            after = source[i + 1 : i + 2]
            repeats = after in ("*", "+") or (
                after == "{"
                and re.match(r"\{\d*,\d*\}|\{\d+\}", source[i + 1 :]) is not None
                and not re.match(r"\{[01]\}|\{0?,1\}", source[i + 1 :])
            )
            if risky and repeats:
                raise InvalidOption(
                    "regex",
                    f"{source!r}: a repeated group that itself repeats or has alternatives "
                    "can take for ever; write it without nesting",
                )
            if stack and (risky or repeats):
                stack[-1] = True
        i += 1
    return compiled


def _kinds(kinds: Iterable[str] | None) -> tuple[str, ...]:
    if kinds is None:
        return KINDS
    chosen = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in chosen if k not in KINDS]
    if unknown or not chosen:
        raise InvalidOption("kinds", f"{unknown or 'none'}: choose from {', '.join(KINDS)}")
    return chosen


def _snippet(text: str, start: int, end: int) -> str:
    a, b = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    return _window(text, a, b, [(start, end)]) if b else MARK[0] + MARK[1]


def _row(
    meta: tuple[Any, ...], snippet: str, match: str | None, rank: float | None
) -> dict[str, Any]:
    kind, exhibit, seq, capture, platform, account, source, when, truncated = meta
    try:
        moment = parse_time(when) if when else None
    except ValueError:
        moment = None
    return {
        "kind": kind,
        "exhibit": exhibit,
        "seq": seq,
        "capture": capture,
        "platform": platform,
        "account": account,
        "source": source,
        "time": moment,
        "snippet": snippet,
        "match": match,
        "rank": rank,
        "truncated": bool(truncated),
    }


_OPERATORS = {"AND", "OR", "NOT", "NEAR"}


def _terms(query: str) -> re.Pattern[str] | None:
    """The query's words as one regex, to mark them in a snippet.

    FTS5's own ``snippet()`` weighs every match against every other, which takes
    minutes on a text with hundreds of thousands of them; this is one linear pass.
    """
    words = []
    for token in re.findall(r"[\w*]+", query):
        if token in _OPERATORS or not token.strip("*"):
            continue
        word = re.escape(token.rstrip("*"))
        words.append(word + (r"\w*" if token.endswith("*") else ""))
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


def _query_snippet(text: str, terms: re.Pattern[str] | None) -> str:
    first = terms.search(text) if terms is not None else None
    if first is None:
        return _window(text, 0, 0, [])
    a = max(0, first.start() - CONTEXT)
    b = min(len(text), first.end() + 2 * CONTEXT)
    assert terms is not None
    spans = [(m.start(), m.end()) for m in terms.finditer(text, a, b)]
    return _window(text, a, b, spans)


def _window(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> str:
    """``text[a:b]`` with the spans marked (``b`` 0: the text's beginning)."""
    if b == 0:
        b = min(len(text), 3 * CONTEXT)
    parts, at = ["…" if a else ""], a
    for start, end in spans:
        parts += [text[at:start], MARK[0], text[start:end], MARK[1]]
        at = end
    parts += [text[at:b], "…" if b < len(text) else ""]
    return " ".join("".join(parts).split())


_META = "t.kind, t.exhibit, t.seq, t.capture, t.platform, t.account, t.source, t.time, t.truncated"


def _fts_error(query: str, exc: sqlite3.OperationalError) -> InvalidOption:
    return InvalidOption(
        "query",
        f'{query!r}: {exc} (FTS5 syntax: words, "a phrase", OR, NOT, prefix*; put text '
        "with - : @ + or other punctuation in double quotes)",
    )


def _open(case: CaseFolder, views: DerivedViews) -> sqlite3.Connection:
    refresh_index(case, views)
    path = index_path(views)
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        db.execute("SELECT 1 FROM texts_fts LIMIT 0")
        return db
    except sqlite3.Error:  # an index the refresh could not bring up to date
        try:
            rebuild_index(case, views)
            return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        except (OSError, sqlite3.Error) as exc:  # e.g. a read-only copy of a case
            raise StorageError(
                path, f"the search index cannot be made here ({exc}); search a writable copy"
            ) from exc


def search(
    case: CaseFolder,
    views: DerivedViews,
    query: str | None = None,
    *,
    pattern: str | None = None,
    regex: str | None = None,
    kinds: Iterable[str] | None = None,
    limit: int = 100,
) -> SearchHits:
    """Hits for an FTS5 ``query``, a named ``pattern`` or a ``regex`` (or a query and one
    of the others: the pattern runs over the texts the query found)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidOption("limit", f"{limit!r}: give a whole number of at least 1")
    if query is not None and not query.strip():
        raise InvalidOption("query", "is empty")
    if pattern is not None and regex is not None:
        raise InvalidOption("pattern", "give a pattern or a regex, not both")
    if query is None and pattern is None and regex is None:
        raise InvalidOption("query", "give a query, a pattern or a regex")
    chosen = _kinds(kinds)
    check = None
    if pattern is not None:
        if pattern not in PATTERNS:
            raise InvalidOption("pattern", f"{pattern!r}: choose from {', '.join(PATTERNS)}")
        compiled, check, _ = PATTERNS[pattern]
    elif regex is not None:
        compiled = _check_regex(regex)
    marks = ",".join("?" * len(chosen))
    db = _open(case, views)
    try:
        if pattern is None and regex is None:
            assert query is not None
            sql = (
                f"SELECT {_META}, texts_fts.body, bm25(texts_fts) "
                "FROM texts_fts JOIN texts t ON t.id = texts_fts.rowid "
                f"WHERE texts_fts MATCH ? AND t.kind IN ({marks}) ORDER BY rank LIMIT ?"
            )
            try:
                found = db.execute(sql, (query, *chosen, limit)).fetchall()
            except sqlite3.OperationalError as exc:
                raise _fts_error(query, exc) from None
            terms = _terms(query)
            return SearchHits(_row(r[:9], _query_snippet(r[9], terms), None, r[10]) for r in found)
        if query is None:
            sql = (
                f"SELECT {_META}, f.body FROM texts t JOIN texts_fts f ON f.rowid = t.id "
                f"WHERE t.kind IN ({marks}) ORDER BY t.id"
            )
            args: tuple[Any, ...] = tuple(chosen)
        else:
            sql = (
                f"SELECT {_META}, texts_fts.body FROM texts_fts JOIN texts t "
                f"ON t.id = texts_fts.rowid WHERE texts_fts MATCH ? AND t.kind IN ({marks}) "
                "ORDER BY rank"
            )
            args = (query, *chosen)
        try:
            cursor = db.execute(sql, args)
        except sqlite3.OperationalError as exc:
            raise _fts_error(query or "", exc) from None
        deadline = time.monotonic() + REGEX_SECONDS if regex is not None else None
        return SearchHits(_scan(cursor, compiled, check, limit, deadline))
    finally:
        db.close()


def _scan(
    cursor: sqlite3.Cursor,
    compiled: re.Pattern[str],
    check: Any,
    limit: int,
    deadline: float | None,
) -> Iterator[dict[str, Any]]:
    hits = 0
    for r in cursor:
        if deadline is not None and time.monotonic() > deadline:
            raise InvalidOption(
                "regex", f"the scan took over {REGEX_SECONDS:.0f} s; make the pattern narrower"
            )
        text: str = r[9]
        seen: set[str] = set()
        for m in find(compiled, check, text):
            if not m.group(0) or m.group(0) in seen:
                continue
            seen.add(m.group(0))
            yield _row(r[:9], _snippet(text, m.start(), m.end()), m.group(0), None)
            hits += 1
            if hits >= limit:
                return
