"""The posts of a case, latest version of each, as a table for notebooks."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

from ..events import Event

COLUMNS = (
    "exhibit",
    "capture",
    "platform",
    "id",
    "created_at",
    "author",
    "text",
    "url",
    "reply_to",
    "reposted",
    "quoted",
    "hashtags",
    "mentions",
    "outlinks",
    "media",
    "versions",
    "deleted",
)


class PostList(list[dict[str, Any]]):
    """Rows of :data:`COLUMNS`; ``to_frame()`` gives pandas, and notebooks show a table."""

    def to_frame(self) -> Any:
        import pandas as pd

        frame = pd.DataFrame(list(self), columns=list(COLUMNS))
        if not frame.empty:
            frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        return frame

    def _repr_html_(self) -> str:
        shown = ("exhibit", "platform", "created_at", "author", "text", "media", "deleted")
        head = "".join(f"<th>{c}</th>" for c in shown)
        rows = []
        for row in self[:50]:
            cells = []
            for c in shown:
                value = row[c]
                text = str(value)[:120] if not isinstance(value, list) else str(len(value))
                cells.append(f"<td>{html.escape(text)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        more = f"<p>… {len(self) - 50} more (use .to_frame())</p>" if len(self) > 50 else ""
        return f"<p>{len(self)} posts</p><table><tr>{head}</tr>{''.join(rows)}</table>{more}"


def posts_from_events(
    events: Iterable[Event], read_blob: Any, target: str | None = None
) -> PostList:
    """Every post collected (``target`` narrows to one), its latest version, newest first."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        cap = event.capture
        if cap is None or not str(cap.get("method", "")).startswith("social."):
            continue
        if target is not None and cap.get("target") != target:
            continue
        for subject in event.subjects:
            if subject.role != "post" or subject.exhibit is None:
                continue
            post = json.loads(read_blob(subject.sha256))
            key = (post["platform"], post["id"])
            versions = latest[key]["versions"] + 1 if key in latest else 1
            latest[key] = {
                "exhibit": subject.exhibit,
                "capture": cap.get("id"),
                "platform": post["platform"],
                "id": post["id"],
                "created_at": post["created_at"],
                "author": post["author"]["handle"],
                "text": post["text"],
                "url": post["url"],
                "reply_to": post["reply_to"],
                "reposted": post["reposted"],
                "quoted": post["quoted"],
                "hashtags": post["hashtags"],
                "mentions": post["mentions"],
                "outlinks": post["outlinks"],
                "media": [m.get("sha256") or m["url"] for m in post["media"]],
                "versions": versions,
                "deleted": False,
            }
        platform = cap.get("platform", "")
        changes = cap.get("changes") or {}
        for gone in changes.get("deleted", []):
            if (platform, gone["id"]) in latest:
                latest[(platform, gone["id"])]["deleted"] = True
        for back in changes.get("reappeared", []):
            if (platform, back) in latest:
                latest[(platform, back)]["deleted"] = False
    rows = sorted(latest.values(), key=lambda r: r["created_at"], reverse=True)
    return PostList(rows)
