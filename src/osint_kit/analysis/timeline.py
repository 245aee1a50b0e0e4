"""One time axis for a case: posts, captures, imports and notes, whatever their platform.

For a missing person's last-seen picture the question is *what happened when*:
the times posts were written, pages were captured, files handed over were last
modified (as their file system said) and imported, and what examiners noted.
``case.analysis.timeline()`` puts them in one table; ``activity`` counts posts per
account by hour or day, and ``activity_png`` draws it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from osint_kit.analysis.rows import TIME, Rows, table_schema
from osint_kit.base.dates import parse_time_or_none
from osint_kit.record.builtin_actions import ACQUIRED, NOTE
from osint_kit.record.events import Event

TIMELINE_SCHEMA = table_schema(
    "timeline",
    [
        pa.field("time", TIME, nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("what", pa.string()),
        pa.field("exhibit", pa.string()),
        pa.field("account", pa.string()),
        pa.field("platform", pa.string()),
        pa.field("capture", pa.string()),
        pa.field("seq", pa.int64(), nullable=False),
    ],
)

#: What each row's time is.
KINDS = {
    "post": "a post was written (the platform's time)",
    "post-edited": "a post was edited (the platform's time)",
    "page-captured": "a web page was captured",
    "collected": "a collection run ran",
    "file-modified": "a handed-over file was last modified (its file system's time)",
    "file-taken": "a handed-over picture or video was taken (its own time: EXIF, QuickTime)",
    "file-imported": "files were handed over and imported",
    "note": "an examiner's note",
}


class TimelineList(Rows):
    """Rows of ``TIMELINE_SCHEMA``, oldest first."""

    schema = TIMELINE_SCHEMA
    shown = ("time", "kind", "what", "exhibit", "account")
    what = "moments"


def timeline_rows(events: Iterable[Event], posts: Iterable[Mapping[str, Any]]) -> TimelineList:
    """Every dated moment of the case, oldest first; undated ones are left out."""
    rows: list[dict[str, Any]] = []
    seq_of: dict[str, int] = {}

    def add(when: Any, kind: str, what: str | None, seq: int, **more: Any) -> None:
        if when is not None:
            rows.append(
                {
                    "time": when,
                    "kind": kind,
                    "what": (what or "")[:300] or None,
                    "exhibit": more.get("exhibit"),
                    "account": more.get("account"),
                    "platform": more.get("platform"),
                    "capture": more.get("capture"),
                    "seq": seq,
                }
            )

    for event in events:
        for label in event.exhibits:
            seq_of.setdefault(label, event.seq)
        cap = event.capture or {}
        method = str(cap.get("method", ""))
        first = event.exhibits[0] if event.exhibits else None
        if event.action == NOTE:
            add(
                parse_time_or_none(event.time),
                "note",
                str(event.details.get("text", "")),
                event.seq,
                exhibit=first,
            )
        elif method == "file.import" and event.action == ACQUIRED:
            files = cap.get("files")
            if isinstance(files, list):  # a hand-over: its files in the event's order
                handed = [f for f in files if isinstance(f, Mapping)]
                labels = [s.exhibit for s in event.subjects]
                for exhibit, entry in zip(labels, handed, strict=False):
                    name = str(entry.get("relative_path") or "")
                    add(
                        parse_time_or_none(entry.get("modified")),
                        "file-modified",
                        name,
                        event.seq,
                        exhibit=exhibit,
                        capture=cap.get("id"),
                    )
                    facts = entry.get("facts")
                    created = facts.get("created") if isinstance(facts, Mapping) else None
                    add(
                        parse_time_or_none(created) if isinstance(created, str) else None,
                        "file-taken",
                        f"{name} ({facts.get('created_source') or 'its own time'})"
                        if isinstance(facts, Mapping)
                        else name,
                        event.seq,
                        exhibit=exhibit,
                        capture=cap.get("id"),
                    )
                what = f"{len(handed)} file(s) ({cap.get('target')})"
            else:  # one file to an event (before hand-overs were one event)
                source = cap.get("source") or {}
                what = str(source.get("original_name") or cap.get("target") or "")
                add(
                    parse_time_or_none(source.get("modified")),
                    "file-modified",
                    what,
                    event.seq,
                    exhibit=first,
                    capture=cap.get("id"),
                )
            add(
                parse_time_or_none(event.time),
                "file-imported",
                f"{what}, handed over by {cap.get('handed_over_by', '?')}",
                event.seq,
                exhibit=first,
                capture=cap.get("id"),
            )
        elif method == "web.browser" and event.action == ACQUIRED:
            add(
                parse_time_or_none(cap.get("started") or event.time),
                "page-captured",
                str(cap.get("final_url") or cap.get("target") or ""),
                event.seq,
                exhibit=first,
                capture=cap.get("id"),
            )
        elif method.startswith("social.") and event.action == ACQUIRED:
            add(
                parse_time_or_none(cap.get("started") or event.time),
                "collected",
                f"{cap.get('target')}: {cap.get('collected', 0)} post(s)",
                event.seq,
                platform=cap.get("platform"),
                capture=cap.get("id"),
            )
    for post in posts:
        seq = seq_of.get(str(post.get("exhibit")), 0)
        common = {
            "exhibit": post.get("exhibit"),
            "account": post.get("author_key"),
            "platform": post.get("platform"),
            "capture": post.get("capture"),
        }
        add(post.get("created_at"), "post", post.get("text"), seq, **common)
        add(post.get("edited_at"), "post-edited", post.get("text"), seq, **common)
    rows.sort(key=lambda r: (r["time"], r["seq"], r["kind"]))
    return TimelineList(rows)


def activity(posts: Any, freq: str = "D", by: str = "author_key") -> Any:
    """Posts per ``by`` (an account key, a platform…) per period (``"h"`` hour, ``"D"``
    day, ``"W"`` week): a pandas frame, one column per account, periods as rows."""
    import pandas as pd

    frame = posts.to_frame() if hasattr(posts, "to_frame") else pd.DataFrame(posts)
    if frame.empty:
        return pd.DataFrame(dtype="int64")
    times = pd.to_datetime(frame["created_at"].astype("datetime64[us, UTC]"))
    keys = frame[by].astype("string").fillna("(unknown)")
    counted = (
        pd.DataFrame({"period": times.dt.floor(freq), "key": keys})
        .dropna(subset=["period"])
        .groupby(["period", "key"])
        .size()
        .unstack(fill_value=0)
    )
    return counted.astype("int64")


def activity_png(counts: Any, *, title: str = "", top: int = 8) -> bytes:
    """The activity table drawn: one line per account (the ``top`` most active)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 5), dpi=100)
    axes = figure.add_subplot()
    if title:
        axes.set_title(title)
    if not counts.empty:
        chosen = counts.sum().sort_values(ascending=False).index[:top]
        for key in chosen:
            axes.plot(counts.index, counts[key], marker="o", markersize=3, label=str(key))
        axes.legend(fontsize=7, loc="upper left")
        axes.set_ylabel("posts")
        figure.autofmt_xdate()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
