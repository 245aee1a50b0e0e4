"""Typed records of the custody log: events, their subjects, and drafts to append."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from osint_kit.base.text import shown_in_html
from osint_kit.record.actions import summarize
from osint_kit.record.capture_facts import (
    CaptureFacts,
    describe_roles,
    rerouted_hosts,
)
from osint_kit.record.chain import is_hex64


@dataclass(frozen=True)
class Subject:
    """What an event concerns: an exhibit and the blob behind it."""

    sha256: str
    size: int
    role: str
    exhibit: str | None = None
    media_type: str | None = None
    #: Where these bytes came from, when that is one URL (a page's image, a download).
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sha256": self.sha256, "size": self.size, "role": self.role}
        if self.exhibit is not None:
            out["exhibit"] = self.exhibit
        if self.media_type is not None:
            out["media_type"] = self.media_type
        if self.source is not None:
            out["source"] = self.source
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Subject:
        """A subject as the log holds it; ValueError or TypeError for one it cannot hold
        (the log's readers turn those into CorruptLog; verify names the line)."""
        sha, size = data["sha256"], data["size"]
        if not is_hex64(sha):
            raise ValueError(f"subject sha256 {sha!r} is not 64 lowercase hex digits")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError(f"subject size {size!r} is not a byte count")
        for key in ("exhibit", "media_type", "source", "role"):
            if data.get(key) is not None and not isinstance(data.get(key), str):
                raise TypeError(f"subject {key} is a {type(data.get(key)).__name__}")
        return cls(
            sha256=sha,
            size=size,
            role=str(data["role"]),
            exhibit=data.get("exhibit"),
            media_type=data.get("media_type"),
            source=data.get("source"),
        )


@dataclass(frozen=True)
class NewExhibit:
    """A subject that gets the case's next exhibit number when its event is appended."""

    sha256: str
    size: int
    role: str
    media_type: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class EventDraft:
    """What a caller supplies; the log adds seq, id, time, actor, tool and the seal.

    With ``capture`` set, the log numbers the capture (``C0001``…) and stores it,
    with that id, as ``details["capture"]``.
    """

    action: str
    details: Mapping[str, Any] = field(default_factory=dict)
    subjects: Sequence[Subject | NewExhibit] = ()
    capture: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Event:
    """One line of ``custody.jsonl``, as written."""

    seq: int
    id: str
    time: str
    case: str
    actor: Mapping[str, Any]
    action: str
    subjects: tuple[Subject, ...]
    details: Mapping[str, Any]
    tool: Mapping[str, Any]
    digest: str
    prev: str
    hash: str
    signature: Mapping[str, Any] | None = None

    @property
    def exhibits(self) -> tuple[str, ...]:
        return tuple(s.exhibit for s in self.subjects if s.exhibit)

    @property
    def capture(self) -> Mapping[str, Any] | None:
        cap = self.details.get("capture")
        return cap if isinstance(cap, Mapping) else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seq": self.seq,
            "id": self.id,
            "time": self.time,
            "case": self.case,
            "actor": dict(self.actor),
            "action": self.action,
            "subjects": [s.to_json() for s in self.subjects],
            "details": dict(self.details),
            "tool": dict(self.tool),
            "digest": self.digest,
            "prev": self.prev,
            "hash": self.hash,
        }
        if self.signature is not None:
            out["signature"] = dict(self.signature)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        """Typed view of a parsed line; raises KeyError/TypeError/ValueError on bad shape."""
        seq = data["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise TypeError("seq is not an integer")
        return cls(
            seq=seq,
            id=str(data["id"]),
            time=str(data["time"]),
            case=str(data["case"]),
            actor=dict(data["actor"]),
            action=str(data["action"]),
            subjects=tuple(Subject.from_json(s) for s in data["subjects"]),
            details=dict(data["details"]),
            tool=dict(data["tool"]),
            digest=str(data["digest"]),
            prev=str(data["prev"]),
            hash=str(data["hash"]),
            signature=_signature(data.get("signature")),
        )

    @property
    def rerouted(self) -> dict[str, str]:
        """Hosts whose requests went elsewhere in this capture (host -> where), if any."""
        return rerouted_hosts(self.capture)

    @property
    def capture_facts(self) -> CaptureFacts | None:
        """The capture record read defensively (final URL, blocked writes, TLS, page times)."""
        cap = self.capture
        return CaptureFacts.of(cap) if cap is not None else None

    def exhibit_roles(self) -> str:
        """``screenshot E0001, …, page-image (500) E0007..E0506``: this event's exhibits by role."""
        return describe_roles((s.exhibit, s.role) for s in self.subjects if s.exhibit)

    def detail_lines(self) -> list[str]:
        """What does not fit on the summary's line: for a web capture, the page's own
        capture time, redirects, each blocked write, TLS, truncated bodies, the limit."""
        facts = self.capture_facts
        return facts.detail_lines() if facts is not None and facts.is_web else []

    def summary(self) -> str:
        """One readable line: what happened, to what (its type's summary, ``actions.py``)."""
        return summarize(self)

    def _repr_html_(self) -> str:
        return (
            "<table><tr><th>seq</th><th>time</th><th>actor</th><th>action</th><th>what</th>"
            "<th>signed</th></tr>" + event_row_html(self) + "</table>"
        )




def event_row_html(event: Event) -> str:
    """One row: seq, time, who, action, the one-line summary (a rerouted capture or a
    failed one in red), and whether the event carries a signature (and by which key)."""
    what = shown_in_html(event.summary())
    if event.rerouted or (event.capture or {}).get("status") == "failed":
        what = f"<span style='color:#a00'>{what}</span>"
    key = (event.signature or {}).get("key_id") if isinstance(event.signature, Mapping) else None
    signed = f"<code>{shown_in_html(str(key)[:16])}</code>" if key else "unsigned"
    cells = (
        shown_in_html(str(event.seq)),
        shown_in_html(event.time),
        shown_in_html(f"{event.actor.get('name', '')} ({event.actor.get('id', '')})"),
        shown_in_html(event.action),
        f"<span style='overflow-wrap:anywhere'>{what}</span>",
        signed,
    )
    return "<tr>" + "".join(f"<td style='text-align:left'>{c}</td>" for c in cells) + "</tr>"


def _signature(value: Any) -> dict[str, Any] | None:
    if value is not None and not isinstance(value, dict):
        raise TypeError(f"signature is a {type(value).__name__}, not an object")
    return value
