"""Exhibits and captures as read back from the custody log."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osint_kit.base.dates import parse_time
from osint_kit.base.display import THUMBNAIL_BYTES, badge, facts, table, thumb, wrapped
from osint_kit.base.files import read_regular
from osint_kit.base.text import shown_in_html
from osint_kit.errors import CollectionFailed, OsintKitError
from osint_kit.formats.media_facts import MediaFacts
from osint_kit.formats.media_summary import facts_line
from osint_kit.record.builtin_actions import DERIVED
from osint_kit.record.capture_facts import CaptureFacts, describe_roles
from osint_kit.record.events import Event

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
        return read_regular(self.path)

    def picture_uri(self, max_bytes: int) -> str | None:
        """The exhibit as a ``data:`` URI when it is a picture a browser shows (PNG, JPEG,
        GIF, WebP) of at most ``max_bytes``, for thumbnails; else, or unreadable, None."""
        if self.media_type not in PICTURES or self.size > max_bytes:
            return None
        try:
            data = read_regular(self.path)
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
    #: (label, role) of each exhibit, in the event's order.
    roles: tuple[tuple[str, str], ...] = ()
    #: Why a capture that ran came back ``failed``, as the osint-kit error it amounts to
    #: (``raise_for_status()`` raises it); None for one read back from the log.
    error: OsintKitError | None = field(default=None, compare=False, repr=False)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def raise_for_status(self) -> Capture:
        """Raise the failure when this capture came back ``failed``, else return it:
        for scripts that want an exception where a notebook shows the result."""
        if not self.failed:
            return self
        if self.error is not None:
            raise self.error
        raise CollectionFailed(self.target, self.reason or "the capture failed")

    def _repr_html_(self) -> str:
        return capture_html(self)

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
            roles=tuple((s.exhibit, s.role) for s in event.subjects if s.exhibit),
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
                name=(s.source if isinstance(cap.get("files"), list) else None)
                or (cap.get("source") or {}).get("original_name")
                or cap.get("target")
                or (event.details.get("derived") or {}).get("name"),
                path=blob_path(s.sha256),
                source=s.source,
            )


def exhibit_states(events: Iterable[Event]) -> dict[str, dict[str, Any]]:
    """What later events said of each exhibit, for its badges: ``superseded_by`` (a post's
    newer version), ``deleted`` (upstream, the platform's word), ``unlisted`` (no longer
    listed), ``capture_status`` (of a capture that was not complete). Read defensively:
    the log may hold anything a platform sent."""
    states: dict[str, dict[str, Any]] = {}
    first: dict[str, str] = {}  # sha256 -> the exhibit that first held it
    versions: dict[tuple[str, str], list[str]] = {}  # (target, post id) -> its exhibits
    for event in events:
        for s in event.subjects:
            if s.exhibit:
                first.setdefault(s.sha256, s.exhibit)
        if event.action == DERIVED:
            for label in event.exhibits:
                states.setdefault(label, {})["derived"] = True
        cap = event.capture
        if not isinstance(cap, Mapping):
            continue
        for entry in _items(cap.get("files")):  # what the acquisition read of each file
            held = first.get(str(entry.get("sha256")))
            if held and isinstance(entry.get("facts"), Mapping):
                states.setdefault(held, {}).setdefault("facts", entry["facts"])
            if held and isinstance(entry.get("time_check"), Mapping):
                states.setdefault(held, {})["time_check"] = entry["time_check"]
        status = cap.get("status")
        if status not in (None, "complete"):
            for label in event.exhibits:
                states.setdefault(label, {})["capture_status"] = str(status)
        if not str(cap.get("method", "")).startswith("social."):
            continue
        target = str(cap.get("target", ""))
        for entry in _items(cap.get("posts")):
            newest = first.get(str(entry.get("record")))
            if newest is None:
                continue
            chain = versions.setdefault((target, str(entry.get("id"))), [])
            if newest not in chain:
                for older in chain:
                    states.setdefault(older, {})["superseded_by"] = newest
                chain.append(newest)
        changes = cap.get("changes")
        changes = changes if isinstance(changes, Mapping) else {}
        for key, flag in (("deleted", "deleted"), ("no_longer_listed", "unlisted")):
            for gone in _items(changes.get(key)):
                for label in versions.get((target, str(gone.get("id"))), []):
                    states.setdefault(label, {})[flag] = True
        back_again = changes.get("reappeared")
        for back in back_again if isinstance(back_again, list) else []:
            for label in versions.get((target, str(back)), []):
                states.setdefault(label, {}).update(deleted=False, unlisted=False)
    return states


def _items(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def exhibit_badges(e: Exhibit, state: Mapping[str, Any]) -> str:
    """original or derived, then what later events said: superseded, deleted upstream,
    no longer listed, from a partial or failed capture."""
    out = []
    if e.role == "derived" or state.get("derived"):
        out.append(badge("derived", "info"))
    elif e.role != "original":  # an import's role already says so
        out.append(badge("original", "muted"))
    if state.get("superseded_by"):
        out.append(badge(f"superseded by {state['superseded_by']}", "warn"))
    if state.get("deleted"):
        out.append(badge("DELETED upstream", "bad"))
    elif state.get("unlisted"):
        out.append(badge("no longer listed", "warn"))
    if state.get("capture_status"):
        out.append(badge(f"{state['capture_status']} capture", "warn"))
    facts = state.get("facts")
    if isinstance(facts, Mapping) and facts.get("problems"):
        out.append(badge("unreadable media", "bad"))
    check = state.get("time_check")
    if isinstance(check, Mapping) and check.get("differs"):
        out.append(badge("file time differs", "warn"))
    return "".join(out)


def facts_of(state: Mapping[str, Any]) -> str:
    """The technical metadata line of an exhibit whose acquisition recorded it."""
    facts = state.get("facts")
    return facts_line(MediaFacts.from_json(facts)) if isinstance(facts, Mapping) else ""


class ExhibitList(list[Exhibit]):
    """A list of exhibits that shows as a table in a notebook and converts to pandas.

    ``states`` holds what later events said of each (see ``exhibit_states``); a
    slice keeps them."""

    def __init__(
        self, items: Iterable[Exhibit] = (), states: Mapping[str, Mapping[str, Any]] | None = None
    ) -> None:
        super().__init__(items)
        self.states: Mapping[str, Mapping[str, Any]] = states or {}

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
                "superseded_by": self.states.get(e.label, {}).get("superseded_by"),
                "deleted_upstream": bool(self.states.get(e.label, {}).get("deleted")),
            }
            for e in self
        ]
        frame = pd.DataFrame(rows)
        return frame.set_index("exhibit") if rows else frame

    def _repr_html_(self) -> str:
        """A page of the table, never a wall: label, role, what it is (long URLs wrap),
        capture, type, size, short hash, when and by whom, a thumbnail of small pictures
        and badges; past ``PAGE`` rows the rest is counted (slice the list to page on)."""
        head = ("", "exhibit", "role", "name or source", "capture", "type", "size")
        head2 = ("sha256", "acquired", "")
        rows = [_exhibit_row(e, self.states.get(e.label, {})) for e in self[:PAGE]]
        roles: dict[str, int] = {}
        for e in self:
            roles[e.role] = roles.get(e.role, 0) + 1
        counts = ", ".join(f"{n:,} {role}" for role, n in sorted(roles.items()))
        total = sum(e.size for e in self)
        return (
            f"<div class='osint-kit-exhibits'><p>{len(self):,} exhibit(s), {total:,} bytes"
            + (f" ({counts})" if counts else "")
            + "</p>"
            + table(head + head2, rows)
            + _more(len(self), "exhibits", "exhibits")
            + "</div>"
        )

    def __getitem__(self, index: Any) -> Any:
        got = super().__getitem__(index)
        return ExhibitList(got, self.states) if isinstance(index, slice) else got


#: Rows a notebook shows of a list at once.
PAGE = 100


def _more(total: int, what: str, name: str) -> str:
    if total <= PAGE:
        return ""
    return (
        f"<p>… {total - PAGE:,} more {what}: <code>{name}[{PAGE}:{2 * PAGE}]</code> shows the "
        "next page, <code>.to_frame()</code> all of them</p>"
    )


def _exhibit_row(e: Exhibit, state: Mapping[str, Any]) -> tuple[str, ...]:
    return (
        thumb(e.picture_uri(THUMBNAIL_BYTES), e.label),
        f"<b>{shown_in_html(e.label)}</b>",
        shown_in_html(e.role),
        wrapped((e.name or e.source or "")[:300]),
        shown_in_html(e.capture or ""),
        shown_in_html(e.media_type or "")
        + (f"<br><small>{shown_in_html(line)}</small>" if (line := facts_of(state)) else ""),
        f"{e.size:,}",
        f"<code>{shown_in_html(e.sha256[:12])}…</code>",
        shown_in_html(f"{e.acquired_at} by {e.acquired_by}"),
        exhibit_badges(e, state),
    )


#: Status badge colours of a capture.
STATUS_KIND = {"complete": "ok", "partial": "warn", "failed": "bad"}


def capture_html(c: Capture) -> str:
    """One capture as an examiner checks it: status, why, what it is, what it kept."""
    f = CaptureFacts.of(c.record)
    record = c.record
    changes = record.get("changes") if isinstance(record.get("changes"), Mapping) else None
    http = record.get("http")
    http = http if isinstance(http, Mapping) else {}
    collected = None
    if changes is not None:
        counts = ", ".join(
            f"{len(v) if isinstance(v, list) else v} {k.replace('_', ' ')}"
            for k, v in changes.items()
            if v and k in ("new", "changed", "unchanged", "deleted", "no_longer_listed")
        )
        collected = f"{record.get('collected', 0)} post(s)" + (f": {counts}" if counts else "")
    failures = http.get("failures")
    rows = [
        ("target", c.target),
        ("method", c.method),
        ("why", c.reason),
        ("captured", f.page_time()),
        ("web", f.headline() or None),
        ("details", "\n".join(f.detail_lines(most=10, with_time=False)) or None),
        ("collected", collected),
        (
            "requests",
            f"{http.get('requests')} ({len(failures)} got no answer)"
            if isinstance(failures, list) and failures
            else None,
        ),
        ("REROUTED", ", ".join(f"{k} -> {v}" for k, v in sorted(f.rerouted.items())) or None),
        ("TLS", f.tls.warning if f.tls is not None else None),
        ("exhibits", describe_roles(c.roles) if c.roles else ", ".join(c.exhibits) or None),
    ]
    return (
        f"<div class='osint-kit-capture'><p><b>{shown_in_html(c.id)}</b> "
        f"{badge(c.status or 'unknown', STATUS_KIND.get(c.status, 'info'))}</p>"
        f"{facts(rows)}</div>"
    )


class CaptureList(list[Capture]):
    """What a batch (``capture_urls``) returns: one row per capture, the
    failures first in the count."""

    def _repr_html_(self) -> str:
        by: dict[str, int] = {}
        for c in self:
            by[c.status] = by.get(c.status, 0) + 1
        summary = ", ".join(
            badge(f"{n} {status}", STATUS_KIND.get(status, "info"))
            for status, n in sorted(by.items())
        )
        rows = [
            (
                f"<b>{shown_in_html(c.id)}</b>",
                badge(c.status or "unknown", STATUS_KIND.get(c.status, "info")),
                wrapped(c.target[:300]),
                shown_in_html(c.reason or ""),
                shown_in_html(describe_roles(c.roles) if c.roles else ", ".join(c.exhibits)),
            )
            for c in self[:PAGE]
        ]
        return (
            f"<div class='osint-kit-captures'><p>{len(self):,} capture(s): {summary}</p>"
            + table(("capture", "status", "target", "why", "exhibits"), rows)
            + _more(len(self), "captures", "captures")
            + "</div>"
        )

    @property
    def failed(self) -> list[Capture]:
        return [c for c in self if c.failed]

    def __getitem__(self, index: Any) -> Any:
        got = super().__getitem__(index)
        return CaptureList(got) if isinstance(index, slice) else got
