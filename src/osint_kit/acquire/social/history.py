"""What earlier runs against the same target recorded, and what changed since.

The state of a target is folded from the custody log: every ``posts`` entry of
its earlier captures (new or changed versions, with the SHA-256 of the stored
record and of each downloaded medium) and every disappearance they noted.

Words mean what happened. A post the platform says is gone (the status lookup
answers 404 or 410, a tombstone, the account itself is gone) is **deleted**. A
post that a run covering its time no longer lists, with no such word from the
platform, is **no longer listed**: it may be deleted, or only untagged, hidden or
moved out of the listing. A post seen again after either is **reappeared**.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from osint_kit.record.events import Event
from osint_kit.record.post import Post


@dataclass
class KnownPost:
    id: str
    url: str
    created_at: str
    fingerprint: str
    record: str
    media: dict[str, str] = field(default_factory=dict)
    deleted: bool = False
    unlisted: bool = False

    @property
    def gone(self) -> bool:
        return self.deleted or self.unlisted


def known_posts(events: Iterable[Event], target: str) -> dict[str, KnownPost]:
    """Every post earlier runs against ``target`` recorded, latest version, deletions marked."""
    state: dict[str, KnownPost] = {}
    for event in events:
        cap = event.capture
        if (
            cap is None
            or cap.get("target") != target
            or not str(cap.get("method", "")).startswith("social.")
        ):
            continue
        for entry in cap.get("posts", []):
            state[entry["id"]] = KnownPost(
                id=entry["id"],
                url=entry["url"],
                created_at=entry["created_at"],
                fingerprint=entry["fingerprint"],
                record=entry["record"],
                media=dict(entry.get("media", {})),
            )
        changes = cap.get("changes") or {}
        for gone in changes.get("deleted", []):
            if gone["id"] in state:
                state[gone["id"]].deleted = True
        for gone in changes.get("no_longer_listed", []):
            if gone["id"] in state:
                state[gone["id"]].unlisted = True
        for back in changes.get("reappeared", []):
            if back in state:
                state[back].deleted = state[back].unlisted = False
    return state


def missing_media(post: Post, known: KnownPost | None) -> list[str]:
    """The media of ``post`` (by key) that no run has downloaded yet."""
    have = known.media if known is not None else {}
    return [m.key or m.url for m in post.media if (m.key or m.url) not in have]


@dataclass
class Changes:
    new: list[Post] = field(default_factory=list)
    changed: list[Post] = field(default_factory=list)
    reappeared: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: The platform said so (a lookup answered 404/410, or the account is gone).
    deleted: list[KnownPost] = field(default_factory=list)
    #: Not listed any more by a run that covered their time; the platform said nothing.
    unlisted: list[KnownPost] = field(default_factory=list)
    #: Unchanged posts whose media an earlier run missed, tried again this run.
    media_retried: list[str] = field(default_factory=list)
    #: Posts covered by this run from this time on (None: the whole account).
    window_start: str | None = None

    def to_json(self) -> dict[str, Any]:
        def gone(posts: list[KnownPost]) -> list[dict[str, str]]:
            return [
                {"id": k.id, "url": k.url, "created_at": k.created_at, "last_record": k.record}
                for k in posts
            ]

        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "deleted": gone(self.deleted),
            "no_longer_listed": gone(self.unlisted),
            "reappeared": self.reappeared,
            "media_retried": self.media_retried,
            "unchanged_ids": self.unchanged,
            "window_start": self.window_start,
        }


def compare(
    known: Mapping[str, KnownPost],
    posts: list[Post],
    *,
    window_start: str | None,
    covered: bool,
) -> Changes:
    """Sort this run's posts into new / changed / unchanged, and find what is gone.

    A known post counts as gone only if this run covered its time (``covered``
    false — a failed run — reports nothing gone, and a run cut by ``--limit`` or
    ``--since`` only vouches for posts from ``window_start`` on). What is gone is
    ``unlisted`` here; ``confirm`` (the collector's lookup) moves the posts the
    platform says are deleted to ``deleted``.
    """
    out = Changes(window_start=window_start)
    seen = set()
    for post in posts:
        seen.add(post.id)
        before = known.get(post.id)
        if before is None:
            out.new.append(post)
            continue
        if before.gone:
            out.reappeared.append(post.id)
        if before.fingerprint != post.fingerprint():
            out.changed.append(post)
        else:
            out.unchanged.append(post.id)
    if covered:
        for k in known.values():
            if k.gone or k.id in seen:
                continue
            if window_start is None or k.created_at >= window_start:
                out.unlisted.append(k)
    return out
