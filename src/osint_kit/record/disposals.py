"""What the log says was disposed of: each disposal's intent (``disposition.started``),
its completion, and so which blobs are gone by decision. ``verify`` expects exactly
those gone; ``repair`` finishes a disposal a crash interrupted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from osint_kit.base.text import text_of, texts_of
from osint_kit.record.builtin_actions import DISPOSAL_COMPLETED, DISPOSAL_STARTED
from osint_kit.record.chain import is_hex64
from osint_kit.record.events import Event

#: The role of a disposed exhibit among the started event's subjects.
SUBJECT_ROLE = "disposed"


#: What ``verify`` calls a disposal a crash stopped, and a blob still there after one.
INTERRUPTED = "interrupted-disposition"


INCOMPLETE = "disposal-incomplete"


@dataclass(frozen=True)
class DisposedExhibit:
    """One exhibit a disposal covers, as its ``disposition.started`` event lists it."""

    label: str
    sha256: str
    size: int
    role: str
    media_type: str | None
    reason: str
    #: The disposed exhibits it was derived from (empty for one chosen).
    derived_from: tuple[str, ...] = ()
    #: What still holds the same bytes and is not disposed: the blob is kept for them.
    kept_for: tuple[str, ...] = ()

    @property
    def blob_deleted(self) -> bool:
        return not self.kept_for

    def to_json(self) -> dict[str, Any]:
        return {
            "exhibit": self.label,
            "sha256": self.sha256,
            "size": self.size,
            "role": self.role,
            "media_type": self.media_type,
            "reason": self.reason,
            "derived_from": list(self.derived_from),
            "kept_for": list(self.kept_for),
        }

    @classmethod
    def from_json(cls, data: object) -> DisposedExhibit | None:
        """Read defensively (the log may hold anything): None for an unusable entry."""
        if not isinstance(data, Mapping):
            return None
        label, sha, size = data.get("exhibit"), data.get("sha256"), data.get("size")
        if not isinstance(label, str) or not is_hex64(sha) or type(size) is not int:
            return None
        media = data.get("media_type")
        return cls(
            label=label,
            sha256=str(sha),
            size=size,
            role=text_of(data.get("role")),
            media_type=media if isinstance(media, str) else None,
            reason=text_of(data.get("reason")),
            derived_from=texts_of(data.get("derived_from")),
            kept_for=texts_of(data.get("kept_for")),
        )


@dataclass(frozen=True)
class Disposal:
    """One disposal as the log records it: its ``disposition.started`` event, and what
    its ``disposition.completed`` said, once there is one."""

    seq: int
    time: str
    actor: Mapping[str, Any]
    authorization: str
    approved_by: str
    reason: str
    scope: str
    exhibits: tuple[DisposedExhibit, ...]
    #: The blobs to delete (SHA-256).
    blobs: tuple[str, ...]
    bytes: int
    #: For a disposal before the case's date: authority, reason, before (the date), action.
    early: Mapping[str, Any] = field(default_factory=dict)
    #: The date the case was due on when it started, as it recorded it.
    retention: Mapping[str, Any] = field(default_factory=dict)
    completed_seq: int | None = None
    completed_time: str | None = None
    completed: Mapping[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.completed_seq is not None

    @property
    def cancelled(self) -> str:
        """Why the deletion was stopped (a hold placed meanwhile), or ""."""
        return text_of(self.completed.get("cancelled"))

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(d.label for d in self.exhibits)

    @classmethod
    def read(cls, obj: Mapping[str, Any]) -> Disposal | None:
        """From a ``disposition.started`` event as parsed from the log, else None."""
        seq, d = obj.get("seq"), obj.get("details")
        if type(seq) is not int or not isinstance(d, Mapping):
            return None
        listed = d.get("exhibits")
        exhibits = (
            [DisposedExhibit.from_json(x) for x in listed] if isinstance(listed, list) else []
        )
        blobs = d.get("blobs")
        shas = (
            [b.get("sha256") for b in blobs if isinstance(b, Mapping)]
            if isinstance(blobs, list)
            else []
        )
        actor = obj.get("actor")
        size = d.get("bytes")
        early, retention = d.get("early"), d.get("retention")
        return cls(
            seq=seq,
            time=text_of(obj.get("time")),
            actor=actor if isinstance(actor, Mapping) else {},
            authorization=text_of(d.get("authorization")),
            approved_by=text_of(d.get("approved_by")),
            reason=text_of(d.get("reason")),
            scope=text_of(d.get("scope")),
            exhibits=tuple(x for x in exhibits if x is not None),
            blobs=tuple(dict.fromkeys(str(s) for s in shas if is_hex64(s))),
            bytes=size if type(size) is int else 0,
            early=early if isinstance(early, Mapping) else {},
            retention=retention if isinstance(retention, Mapping) else {},
        )


class DisposalLedger:
    """What the log says was disposed, folded in event by event (``verify`` feeds it the
    lines it parses; ``of`` reads ``Event`` objects). A blob is expected gone from the
    disposal that lists it on, unless a new exhibit names the same bytes after it (the
    same file handed over again): then it must be there again."""

    def __init__(self) -> None:
        self.disposals: dict[int, Disposal] = {}
        #: sha256 -> the last seq at which a new exhibit named it.
        self._introduced: dict[str, int] = {}
        self._labels: set[str] = set()

    @classmethod
    def of(cls, events: Iterable[Event]) -> DisposalLedger:
        ledger = cls()
        for event in events:
            ledger.see_event(event)
        return ledger

    def see_event(self, event: Event) -> None:
        for s in event.subjects:
            if s.exhibit and s.exhibit not in self._labels:
                self._labels.add(s.exhibit)
                self.introduce(s.sha256, event.seq)
        if event.action in (DISPOSAL_STARTED, DISPOSAL_COMPLETED):
            self.see(
                {
                    "seq": event.seq,
                    "time": event.time,
                    "actor": event.actor,
                    "action": event.action,
                    "details": event.details,
                }
            )

    def introduce(self, sha256: str, seq: int) -> None:
        """A new exhibit names ``sha256`` at ``seq``."""
        self._introduced[sha256] = max(seq, self._introduced.get(sha256, 0))

    def see(self, obj: Mapping[str, Any]) -> None:
        """A ``disposition.*`` event as parsed from the log (others are ignored)."""
        action, seq = obj.get("action"), obj.get("seq")
        if action == DISPOSAL_STARTED and type(seq) is int:
            found = Disposal.read(obj)
            if found is not None:
                self.disposals.setdefault(seq, found)
        elif action == DISPOSAL_COMPLETED and type(seq) is int:
            d = obj.get("details")
            d = d if isinstance(d, Mapping) else {}
            at = d.get("started")
            started = self.disposals.get(at) if type(at) is int else None
            if started is not None and not started.done and seq > started.seq:
                done = replace(
                    started, completed_seq=seq, completed_time=text_of(obj.get("time")), completed=d
                )
                if done.cancelled:  # only what was gone already counts as disposed
                    gone = set(texts_of(d.get("already_gone"))) & set(started.blobs)
                    done = replace(
                        done,
                        blobs=tuple(b for b in started.blobs if b in gone),
                        exhibits=tuple(x for x in started.exhibits if x.sha256 in gone),
                    )
                self.disposals[started.seq] = done

    def expected_gone(self, sha256: str) -> Disposal | None:
        """The disposal that took ``sha256`` away, if no new exhibit named it since."""
        if not self.disposals:
            return None
        since = self._introduced.get(sha256, 0)
        for seq in sorted(self.disposals, reverse=True):
            if seq <= since:
                return None
            if sha256 in self.disposals[seq].blobs:
                return self.disposals[seq]
        return None

    def should_be_gone(self, sha256: str) -> Disposal | None:
        """As ``expected_gone``, for a disposal that says it is complete."""
        found = self.expected_gone(sha256)
        return found if found is not None and found.done else None

    def named_after(self, sha256: str, seq: int) -> bool:
        return self._introduced.get(sha256, 0) > seq

    def interrupted(self) -> list[Disposal]:
        return [d for _, d in sorted(self.disposals.items()) if not d.done]

    def wholly_disposed(self) -> bool:
        """True when a disposal completed and every exhibit the log names is covered by a
        completed one (a cancelled disposal covers only what was gone already)."""
        done = [d for d in self.disposals.values() if d.done]
        covered = {label for d in done for label in d.labels}
        return bool(done) and self._labels <= covered

    def disposed_labels(self) -> dict[str, Disposal]:
        """Every exhibit a disposal covers (an interrupted one too), with that disposal."""
        return {x.label: d for _, d in sorted(self.disposals.items()) for x in d.exhibits}


def disposed_exhibits(events: Iterable[Event]) -> dict[str, Disposal]:
    """Exhibit label -> the disposal that covers it: for every reader of blobs (an export
    of a disposed exhibit is refused: its bytes are gone by decision, not by accident)."""
    return DisposalLedger.of(events).disposed_labels()
