"""What earlier runs against the same target recorded, and what changed since.

The state of a target is folded from the custody log: every ``posts`` entry of
its earlier captures (new or changed versions, with the SHA-256 of the stored
record and of each downloaded medium) and every deletion they noted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..events import Event
from .post import Post


@dataclass
class KnownPost:
    id: str
    url: str
    created_at: str
    fingerprint: str
    record: str
    media: dict[str, str] = field(default_factory=dict)
    deleted: bool = False


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
        for back in changes.get("reappeared", []):
            if back in state:
                state[back].deleted = False
    return state


@dataclass
class Changes:
    new: list[Post] = field(default_factory=list)
    changed: list[Post] = field(default_factory=list)
    reappeared: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[KnownPost] = field(default_factory=list)
    #: Posts covered by this run from this time on (None: the whole account).
    window_start: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "deleted": [
                {"id": k.id, "url": k.url, "created_at": k.created_at, "last_record": k.record}
                for k in self.deleted
            ],
            "reappeared": self.reappeared,
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

    A known post counts as deleted only if this run covered its time (``covered``
    false — a failed run — reports no deletions, and a run cut by ``--limit`` or
    ``--since`` only vouches for posts from ``window_start`` on).
    """
    out = Changes(window_start=window_start)
    seen = set()
    for post in posts:
        seen.add(post.id)
        before = known.get(post.id)
        if before is None:
            out.new.append(post)
            continue
        if before.deleted:
            out.reappeared.append(post.id)
        if before.fingerprint != post.fingerprint():
            out.changed.append(post)
        else:
            out.unchanged.append(post.id)
    if covered:
        for k in known.values():
            if k.deleted or k.id in seen:
                continue
            if window_start is None or k.created_at >= window_start:
                out.deleted.append(k)
    return out
