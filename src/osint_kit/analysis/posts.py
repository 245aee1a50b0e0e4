"""The posts and accounts of a case as tables: one Arrow schema each, whatever the data.

The schemas are fixed in code (``POSTS_SCHEMA``, ``ACCOUNTS_SCHEMA``) and in
docs/social.md: the same columns and types for an empty case, one platform or
all of them; missing is null, never NaN. ``to_arrow()`` gives a ``pyarrow.Table``,
``to_frame()`` pandas with Arrow-backed dtypes (so ``reply_to`` is a string or
``<NA>``, never a float NaN that an ``if`` takes for true).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pyarrow as pa

from osint_kit.analysis.rows import TEXTS, TIME, Rows, table_schema
from osint_kit.base.dates import parse_time_or_none
from osint_kit.base.display import badge, thumb
from osint_kit.base.text import shown_in_html
from osint_kit.record.events import Event
from osint_kit.record.post import READABLE_FORMATS, account_key

log = logging.getLogger("osint_kit")
COUNTS = ("replies", "reposts", "likes", "quotes", "views")

POSTS_SCHEMA = table_schema(
    "posts",
    [
        pa.field("exhibit", pa.string(), nullable=False),
        pa.field("capture", pa.string()),
        pa.field("platform", pa.string(), nullable=False),
        pa.field("id", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("created_at", TIME),
        pa.field("edited_at", TIME),
        pa.field("author_key", pa.string()),
        pa.field("author_handle", pa.string()),
        pa.field("author_name", pa.string()),
        pa.field("text", pa.string()),
        pa.field("language", pa.string()),
        pa.field("reply_to", pa.string()),
        pa.field("reply_to_account", pa.string()),
        pa.field("quoted", pa.string()),
        pa.field("quoted_account", pa.string()),
        pa.field("reposted", pa.string()),
        pa.field("reposted_account", pa.string()),
        pa.field("mentions", TEXTS),
        pa.field("hashtags", TEXTS),
        pa.field("outlinks", TEXTS),
        pa.field("media", TEXTS),
        *(pa.field(name, pa.int64()) for name in COUNTS),
        pa.field("versions", pa.int32(), nullable=False),
        pa.field("deleted", pa.bool_(), nullable=False),
        pa.field("listed", pa.bool_(), nullable=False),
    ],
)

ACCOUNTS_SCHEMA = table_schema(
    "accounts",
    [
        pa.field("key", pa.string(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),
        pa.field("handle", pa.string()),
        pa.field("display_name", pa.string()),
        pa.field("id", pa.string()),
        pa.field("url", pa.string()),
        pa.field("uri", pa.string()),
        pa.field("posts", pa.int64(), nullable=False),
        pa.field("first_post", TIME),
        pa.field("last_post", TIME),
        pa.field("mentioned", pa.int64(), nullable=False),
    ],
)

INTERACTIONS_SCHEMA = table_schema(
    "interactions",
    [
        pa.field("kind", pa.string(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("target", pa.string(), nullable=False),
        pa.field("post_exhibit", pa.string(), nullable=False),
        pa.field("post_id", pa.string(), nullable=False),
        pa.field("target_post", pa.string()),
        pa.field("time", TIME),
    ],
)

#: The interaction kinds, and the posts-table columns that name their target account.
KINDS = {
    "reply": ("reply_to_account", "reply_to"),
    "mention": ("mentions", None),
    "repost": ("reposted_account", "reposted"),
    "quote": ("quoted_account", "quoted"),
}

COLUMNS = tuple(POSTS_SCHEMA.names)


class PostList(Rows):
    """Rows of ``POSTS_SCHEMA``, newest first; ``to_arrow()``, ``to_frame()``.

    ``skipped`` lists the post exhibits left out, each with why (a record that is
    not readable JSON, of an unknown format, without an id, or whose blob is gone).
    """

    skipped: list[tuple[str, str]] = []  # noqa: RUF012 - set per instance when built

    schema = POSTS_SCHEMA
    shown = ("exhibit", "platform", "created_at", "author_handle", "text", "media", "deleted")
    what = "posts"
    #: sha256 -> a thumbnail ``data:`` URI (or None), set by the case; media thumbnails.
    pictures: Callable[[str], str | None] | None = None

    def _repr_html_(self) -> str:
        """A page of posts as a detective reads them: who, when, the text wrapped (cut
        at a word, never mid-word), media, and badges for edits, versions and deletion."""
        rows = "".join(_post_row(row, self.pictures) for row in self[:POST_PAGE])
        more = (
            f"<p>… {len(self) - POST_PAGE} more (slice the list, or use .to_frame())</p>"
            if len(self) > POST_PAGE
            else ""
        )
        head = "".join(f"<th>{h}</th>" for h in ("exhibit", "when", "who", "post", "media", ""))
        return (
            f"<div class='osint-kit-posts'><p>{len(self)} posts</p>"
            f"<table><tr>{head}</tr>{rows}</table>{more}</div>"
        )


#: Posts a notebook shows at once, and how much of each text.
POST_PAGE = 50
POST_TEXT = 600


#: Media thumbnails shown per post (the rest are counted).
POST_THUMBS = 4


def _media_cell(media: list[str], pictures: Callable[[str], str | None] | None) -> str:
    shown = [thumb(pictures(sha), sha[:12]) for sha in media[:POST_THUMBS]] if pictures else []
    shown = [t for t in shown if t]
    count = (
        f"{len(media)}"
        if not shown
        else (f"+{len(media) - len(shown)}" if len(media) > len(shown) else "")
    )
    return "".join(shown) + (f" <small>{count}</small>" if count else "")


def _post_row(row: dict[str, Any], pictures: Callable[[str], str | None] | None = None) -> str:
    text = str(row.get("text") or "")
    if len(text) > POST_TEXT:
        text = text[:POST_TEXT].rsplit(None, 1)[0] + " …"
    badges = []
    if row.get("edited_at"):
        badges.append(f"EDITED {row['edited_at']}")
    if (row.get("versions") or 1) > 1:
        badges.append(f"{row['versions']} versions")
    if row.get("deleted"):
        badges.append("DELETED upstream")
    elif row.get("listed") is False:
        badges.append("no longer listed")
    who = " ".join(str(x) for x in (row.get("author_name"), row.get("author_handle")) if x)
    cells = (
        shown_in_html(str(row.get("exhibit") or "")),
        shown_in_html(str(row.get("created_at") or "")),
        shown_in_html(who),
        f"<div style='white-space:pre-wrap;overflow-wrap:anywhere;max-width:40em'>"
        f"{shown_in_html(text)}</div>",
        _media_cell([str(m) for m in row.get("media") or []], pictures),
        "".join(badge(b, "bad" if b.startswith("DELETED") else "warn") for b in badges),
    )
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


class InteractionList(Rows):
    """Rows of ``INTERACTIONS_SCHEMA``: one per reply, mention, repost and quote."""

    schema = INTERACTIONS_SCHEMA
    shown = ("kind", "source", "target", "post_exhibit", "time")
    what = "interactions"


class AccountList(Rows):
    """Rows of ``ACCOUNTS_SCHEMA``; ``to_arrow()``, ``to_frame()``."""

    schema = ACCOUNTS_SCHEMA
    shown = ("key", "handle", "display_name", "posts", "mentioned")
    what = "accounts"


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _texts(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _count(counts: Mapping[str, Any], name: str) -> int | None:
    value = counts.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def post_row(post: Mapping[str, Any], exhibit: str, capture: str | None) -> dict[str, Any]:
    """One row of the posts table from a stored post record (format 1 or 2)."""
    author = post.get("author") or {}
    platform = str(post.get("platform", ""))
    handle = _text(author.get("handle"))
    key = _text(author.get("key")) or (account_key(platform, handle) if handle else None)
    given = post.get("counts")
    counts: Mapping[str, Any] = given if isinstance(given, dict) else {}
    return {
        "exhibit": exhibit,
        "capture": capture,
        "platform": platform,
        "id": str(post.get("id", "")),
        "url": _text(post.get("url")),
        "created_at": parse_time_or_none(post.get("created_at")),
        "edited_at": parse_time_or_none(post.get("edited_at")),
        "author_key": key,
        "author_handle": handle,
        "author_name": _text(author.get("display_name")),
        "text": post.get("text") if isinstance(post.get("text"), str) else None,
        "language": _text(post.get("language")),
        "reply_to": _text(post.get("reply_to")),
        "reply_to_account": _text(post.get("reply_to_account")),
        "quoted": _text(post.get("quoted")),
        "quoted_account": _text(post.get("quoted_account")),
        "reposted": _text(post.get("reposted")),
        "reposted_account": _text(post.get("reposted_account")),
        "mentions": _texts(post.get("mentions")),
        "hashtags": _texts(post.get("hashtags")),
        "outlinks": _texts(post.get("outlinks")),
        "media": [
            str(m.get("sha256") or m.get("url"))
            for m in post.get("media") or []
            if isinstance(m, dict)
        ],
        **{name: _count(counts, name) for name in COUNTS},
        "versions": 1,
        "deleted": False,
        "listed": True,
        "_author": author,  # not a column: what the accounts table takes from it
    }


def posts_from_events(
    events: Iterable[Event], read_blob: Callable[[str], bytes], target: str | None = None
) -> PostList:
    """Every post collected (``target`` narrows to one), its latest version, newest first.

    A post is one row per platform and URL: ids are only unique within what one
    collector reads (a Telegram channel's ``5`` is not another channel's ``5``),
    while the same post reached through two targets is one post.
    """
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    skipped: list[tuple[str, str]] = []
    #: (target, id) -> the row's key: what a capture's changes name by id.
    known: dict[tuple[str, str], tuple[str, str]] = {}
    records: dict[str, dict[str, Any]] = {}
    for event in events:
        cap = event.capture
        if cap is None or not str(cap.get("method", "")).startswith("social."):
            continue
        where = str(cap.get("target", ""))
        if target is not None and where != target:
            continue
        for subject in event.subjects:
            if subject.role != "post" or subject.exhibit is None:
                continue
            post = records.get(subject.sha256)
            if post is None:
                post = records[subject.sha256] = _read_record(read_blob, subject.sha256)
            problem = post.get("_unreadable") or post_problem(post)
            if problem:
                skipped.append((subject.exhibit, problem))
                continue
            row = post_row(post, subject.exhibit, cap.get("id"))
            key = (row["platform"], row["url"] or f"{where}#{row['id']}")
            known[(where, row["id"])] = key
            if key in latest:
                row["versions"] = latest[key]["versions"] + 1
                row["deleted"], row["listed"] = latest[key]["deleted"], latest[key]["listed"]
            latest[key] = row
        changes = cap.get("changes") or {}
        named = (
            [(g.get("id"), {"deleted": True, "listed": False}) for g in changes.get("deleted", [])]
            + [(g.get("id"), {"listed": False}) for g in changes.get("no_longer_listed", [])]
            + [(i, {"deleted": False, "listed": True}) for i in changes.get("reappeared", [])]
        )
        for post_id, state in named:
            row_key = known.get((where, str(post_id)))
            if row_key is not None and row_key in latest:
                latest[row_key].update(state)
    rows = sorted(
        latest.values(),
        key=lambda r: (r["created_at"] is not None, r["created_at"] or 0, r["id"]),
        reverse=True,
    )
    found = PostList(rows)
    found.skipped = skipped
    if skipped:
        log.warning("%d post record(s) left out of the table: %s", len(skipped), skipped[:3])
    return found


def _read_record(read_blob: Callable[[str], bytes], sha256: str) -> dict[str, Any]:
    """A stored post record, or why it cannot be read (the blob is the evidence either way)."""
    try:
        data = read_blob(sha256)
    except OSError as exc:
        return {"_unreadable": f"its blob cannot be read ({exc.strerror or exc})"}
    post, problem = parse_post_record(data)
    return post if post is not None else {"_unreadable": problem}


def parse_post_record(data: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """A post record's bytes as the record, or None and why they are not one."""
    try:
        post = json.loads(data.decode("utf-8", errors="replace"))
    except ValueError as exc:
        return None, f"not a JSON post record ({exc})"
    if not isinstance(post, dict):
        return None, "not a JSON object"
    return post, None


def post_problem(post: Mapping[str, Any]) -> str | None:
    """Why a parsed record cannot be a row of the posts table, if it cannot."""
    if post.get("format", READABLE_FORMATS[0]) not in READABLE_FORMATS:
        return f"unknown record format {post.get('format')!r}"
    if not isinstance(post.get("platform"), str) or post.get("id") in (None, ""):
        return "no platform or id"
    if not isinstance(post.get("author") or {}, dict):
        return "its author is not an object"
    return None


def accounts_from_posts(posts: Iterable[Mapping[str, Any]]) -> AccountList:
    """Every account that wrote or was mentioned in ``posts``, keyed as the posts key them."""
    found: dict[str, dict[str, Any]] = {}

    def account(key: str, platform: str) -> dict[str, Any]:
        if key not in found:
            found[key] = {
                "key": key,
                "platform": platform,
                "handle": None,
                "display_name": None,
                "id": None,
                "url": None,
                "uri": None,
                "posts": 0,
                "first_post": None,
                "last_post": None,
                "mentioned": 0,
            }
        return found[key]

    for post in posts:
        key = post.get("author_key")
        if key:
            row = account(key, post["platform"])
            row["posts"] += 1
            row["handle"] = row["handle"] or post.get("author_handle")
            row["display_name"] = row["display_name"] or post.get("author_name")
            author = post.get("_author") or {}
            for field in ("id", "url", "uri"):
                row[field] = row[field] or _text(author.get(field))
            when = post.get("created_at")
            if when is not None:
                row["first_post"] = min(filter(None, (row["first_post"], when)))
                row["last_post"] = max(filter(None, (row["last_post"], when)))
        for mentioned in post.get("mentions") or []:
            account(mentioned, post["platform"])["mentioned"] += 1
    return AccountList(sorted(found.values(), key=lambda r: (-r["posts"], r["key"])))


def interactions_from_posts(posts: Iterable[Mapping[str, Any]]) -> InteractionList:
    """One row per reply, mention, repost and quote whose target account is known: the
    post's author is the source, the account replied to, mentioned, reposted or quoted
    the target. A post without an author key gives none (it cannot be placed)."""
    rows = []
    for post in posts:
        source = post.get("author_key")
        if not source:
            continue
        for kind, (column, post_column) in KINDS.items():
            value = post.get(column)
            targets = value if isinstance(value, list) else [value] if value else []
            for target in targets:
                rows.append(
                    {
                        "kind": kind,
                        "platform": post["platform"],
                        "source": source,
                        "target": target,
                        "post_exhibit": post["exhibit"],
                        "post_id": post["id"],
                        "target_post": post.get(post_column) if post_column else None,
                        "time": post.get("created_at"),
                    }
                )
    rows.sort(key=lambda r: (r["time"] is None, r["time"] or 0, r["post_id"], r["kind"]))
    return InteractionList(rows)
