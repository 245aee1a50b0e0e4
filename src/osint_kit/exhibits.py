"""Exhibits and captures as read back from the custody log."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dates import parse_time
from .events import Event

#: Media types a browser shows as pictures (thumbnails in tables and the report).
PICTURES = ("image/png", "image/jpeg", "image/gif", "image/webp")


@dataclass(frozen=True)
class Exhibit:
    """A numbered item of evidence (``E0001``) and the blob that holds its bytes."""

    label: str
    sha256: str
    size: int
    role: str
    media_type: str | None
    capture: str | None
    method: str | None
    acquired_at: str
    acquired_by: str
    seq: int
    name: str | None
    path: Path
    source: str | None = None

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def picture_uri(self, max_bytes: int) -> str | None:
        """The exhibit as a ``data:`` URI when it is a picture a browser shows (PNG, JPEG,
        GIF, WebP) of at most ``max_bytes``, for thumbnails; else, or unreadable, None."""
        if self.media_type not in PICTURES or self.size > max_bytes:
            return None
        try:
            data = self.path.read_bytes()
        except OSError:
            return None
        return f"data:{self.media_type};base64,{base64.b64encode(data).decode()}"

    def _repr_html_(self) -> str:
        return ExhibitList([self])._repr_html_()


@dataclass(frozen=True)
class Capture:
    """One acquisition (``C0001``): how, from where, when, with what status and exhibits."""

    id: str
    method: str
    target: str
    status: str
    reason: str | None
    started: str | None
    ended: str | None
    seq: int
    exhibits: tuple[str, ...]
    record: Mapping[str, Any]

    @classmethod
    def from_event(cls, event: Event) -> Capture | None:
        cap = event.capture
        if cap is None:
            return None
        return cls(
            id=str(cap.get("id", "")),
            method=str(cap.get("method", "")),
            target=str(cap.get("target", "")),
            status=str(cap.get("status", "")),
            reason=cap.get("reason"),
            started=cap.get("started"),
            ended=cap.get("ended"),
            seq=event.seq,
            exhibits=event.exhibits,
            record=cap,
        )


def exhibits_from_events(events: Iterable[Event], blob_path: Any) -> Iterator[Exhibit]:
    """Every exhibit, in number order of first appearance, from the acquiring events."""
    seen: set[str] = set()
    for event in events:
        cap = event.capture or {}
        for s in event.subjects:
            if not s.exhibit or s.exhibit in seen:
                continue
            seen.add(s.exhibit)
            yield Exhibit(
                label=s.exhibit,
                sha256=s.sha256,
                size=s.size,
                role=s.role,
                media_type=s.media_type,
                capture=cap.get("id"),
                method=cap.get("method"),
                acquired_at=event.time,
                acquired_by=str(event.actor.get("name", "")),
                seq=event.seq,
                name=(cap.get("source") or {}).get("original_name")
                or cap.get("target")
                or (event.details.get("derived") or {}).get("name"),
                path=blob_path(s.sha256),
                source=s.source,
            )


class ExhibitList(list[Exhibit]):
    """A list of exhibits that shows as a table in a notebook and converts to pandas."""

    def to_frame(self) -> Any:
        import pandas as pd

        rows = [
            {
                "exhibit": e.label,
                "name": e.name,
                "media_type": e.media_type,
                "size": e.size,
                "sha256": e.sha256,
                "role": e.role,
                "capture": e.capture,
                "method": e.method,
                "acquired_at": pd.Timestamp(parse_time(e.acquired_at, what="acquired_at")),
                "acquired_by": e.acquired_by,
            }
            for e in self
        ]
        frame = pd.DataFrame(rows)
        return frame.set_index("exhibit") if rows else frame

    def _repr_html_(self) -> str:
        """A page of the table, never a wall: label, role, what it is (long URLs wrap),
        capture, type, size, short hash, when and by whom, and a thumbnail of small
        pictures; past ``PAGE`` rows the rest is counted (slice the list to page on)."""
        head = "".join(
            f"<th>{h}</th>"
            for h in (
                "",
                "exhibit",
                "role",
                "name or source",
                "capture",
                "type",
                "size",
                "sha256",
                "acquired",
            )
        )
        rows = "".join(_exhibit_row(e) for e in self[:PAGE])
        total = sum(e.size for e in self)
        more = (
            f"<p>… {len(self) - PAGE} more: <code>exhibits[{PAGE}:{2 * PAGE}]</code> shows the "
            "next page, <code>.to_frame()</code> all of them</p>"
            if len(self) > PAGE
            else ""
        )
        return (
            f"<p>{len(self)} exhibit(s), {total:,} bytes</p>"
            f"<table><tr>{head}</tr>{rows}</table>{more}"
        )

    def __getitem__(self, index: Any) -> Any:
        got = super().__getitem__(index)
        return ExhibitList(got) if isinstance(index, slice) else got


#: Rows a notebook shows of an exhibit list at once.
PAGE = 100
#: Pictures up to this size get a thumbnail in the table (read from the store).
THUMBNAIL_BYTES = 512 * 1024


def _exhibit_row(e: Exhibit) -> str:
    what = e.name or e.source or ""
    cells = (
        _thumbnail(e),
        html.escape(e.label),
        html.escape(e.role)
        + (" <small>(computed, not collected)</small>" if e.role == "derived" else ""),
        f"<span style='overflow-wrap:anywhere;max-width:28em;display:inline-block'>"
        f"{html.escape(what[:300])}</span>",
        html.escape(e.capture or ""),
        html.escape(e.media_type or ""),
        f"{e.size:,}",
        f"<code>{html.escape(e.sha256[:12])}…</code>",
        html.escape(f"{e.acquired_at} by {e.acquired_by}"),
    )
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _thumbnail(e: Exhibit) -> str:
    uri = e.picture_uri(THUMBNAIL_BYTES)
    if uri is None:
        return ""
    style = "max-height:48px;max-width:72px"
    return f"<img alt='{html.escape(e.label)}' style='{style}' src='{uri}'>"
