"""The append-only, hash-chained custody log (``custody.jsonl``).

Appends hold an exclusive ``flock`` on the log file, read whatever other
processes appended since this object last looked, seal the new events onto the
chain, write them with one ``write``, then flush and fsync before returning. An
event is acknowledged only once its bytes are on disk.

What an append must know of the log is folded line by line in ``log_state``; who
may append with which key is decided in ``signing_policy``.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from osint_kit.base.dates import parse_time, utc_now
from osint_kit.base.display import TABLE_STYLE
from osint_kit.base.files import atomic_write, write_all
from osint_kit.base.text import shown_in_html
from osint_kit.base.tooling import tool_info
from osint_kit.errors import CorruptLog, LogNeedsRepair, StorageError
from osint_kit.record.chain import (
    canonical_json,
    check_event_values,
    event_digest,
    link_hash,
    read_event_line,
)
from osint_kit.record.events import Event, EventDraft, NewExhibit, Subject, event_row_html
from osint_kit.record.log_state import LogState, NotAnEvent, fold_event
from osint_kit.record.signing_policy import registration_draft, signing_policy

log = logging.getLogger("osint_kit")

ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


#: Events a notebook shows of a log at once (the latest).
LOG_PAGE = 200


class CustodyLog:
    def __init__(self, path: Path, case_id: str) -> None:
        self.path = path
        self.case_id = case_id
        self._state = LogState()
        #: (case uuid, seq, hash) of this object's last append.
        self.last_written: tuple[str | None, int, str] | None = None
        #: Where in the file this object's last append went: (from byte, to byte, events).
        self.last_span: tuple[int, int, int] | None = None

    # -- reading -----------------------------------------------------------

    def _catch_up(self, f: BinaryIO) -> LogState:
        """Fold lines appended since our last look into the state (caller holds a lock)."""
        st = self._state
        size = os.fstat(f.fileno()).st_size
        if size < st.offset:  # the file shrank under us: start over, verify will say why
            st = self._state = LogState()
        f.seek(st.offset)
        data = _read_exact(f, size - st.offset)
        end = data.rfind(b"\n") + 1
        for raw in data[:end].splitlines():
            st.lines += 1
            try:
                fold_event(st, read_event_line(raw))
            except NotAnEvent as exc:
                self._state = LogState()  # half-folded: the next look starts over
                raise CorruptLog(self.path, st.lines, str(exc)) from None
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                self._state = LogState()
                raise CorruptLog(self.path, st.lines, f"unreadable event ({_brief(exc)})") from None
        st.offset += end
        st.torn = data[end:]
        return st

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last complete event; (0, 64 zeros) for an empty log."""
        with self._locked(fcntl.LOCK_SH) as f:
            st = self._catch_up(f)
            return st.seq, st.hash

    def case_uuid(self) -> str | None:
        """The case's uuid: the ``id`` of its first event (None for an empty log)."""
        with self._locked(fcntl.LOCK_SH) as f:
            return self._catch_up(f).case_uuid

    def torn_tail(self) -> bytes:
        with self._locked(fcntl.LOCK_SH) as f:
            return self._catch_up(f).torn

    def exhibit_for_sha256(self, sha256: str) -> str | None:
        return self.exhibits_for_sha256([sha256]).get(sha256)

    def exhibits_for_sha256(self, hashes: Iterable[str]) -> dict[str, str]:
        """The first exhibit already holding each of ``hashes`` (those that have one),
        under one lock."""
        with self._locked(fcntl.LOCK_SH) as f:
            first = self._catch_up(f).first_exhibit
            return {sha: first[sha] for sha in hashes if sha in first}

    def raw_lines(self) -> Iterator[tuple[int, bytes]]:
        """(line number, bytes) of every line, the torn tail included, under a shared lock."""
        with self._locked(fcntl.LOCK_SH) as f:
            f.seek(0)
            yield from enumerate(f, start=1)

    def read_from(self, offset: int) -> tuple[list[Event], int]:
        """Complete events that start at byte ``offset`` or later, and the offset after them."""
        with self._locked(fcntl.LOCK_SH) as f:
            f.seek(offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        events = []
        for raw in data[:end].splitlines():
            try:
                events.append(_event(raw))
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                raise CorruptLog(
                    self.path, 0, f"unreadable event after byte {offset} ({_brief(exc)})"
                ) from None
        return events, offset + end

    def events(self) -> Iterator[Event]:
        """Every complete event, typed. Raises CorruptLog on a line that is not an event."""
        for n, raw in self.raw_lines():
            if not raw.endswith(b"\n"):
                return  # torn tail: not an event (verify reports it)
            try:
                event = _event(raw)
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                raise CorruptLog(self.path, n, f"unreadable event ({_brief(exc)})") from None
            yield event

    def __iter__(self) -> Iterator[Event]:
        return self.events()

    def to_frame(self) -> Any:
        """The log as a pandas DataFrame, one row per event."""
        import pandas as pd

        rows = [
            {
                "seq": e.seq,
                "time": pd.Timestamp(parse_time(e.time, what="event time")),
                "action": e.action,
                "examiner": e.actor.get("name"),
                "examiner_id": e.actor.get("id"),
                "exhibits": ", ".join(e.exhibits),
                "summary": e.summary(),
                "hash": e.hash,
            }
            for e in self.events()
        ]
        return pd.DataFrame(rows).set_index("seq") if rows else pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        """The latest ``LOG_PAGE`` events (a long log is never a wall), newest last."""
        events = list(self.events())
        shown = events[-LOG_PAGE:]
        rows = "".join(event_row_html(e) for e in shown)
        earlier = (
            f"<p>… {len(events) - len(shown):,} earlier events: <code>log.to_frame()</code> "
            "has them all</p>"
            if len(events) > len(shown)
            else ""
        )
        return (
            f"<div class='osint-kit-log'><p>custody log of <b>{shown_in_html(self.case_id)}</b> "
            f"({shown_in_html(str(self.path))}): {len(events):,} events</p>{earlier}"
            f"<table style='{TABLE_STYLE}'><tr><th>seq</th><th>time (UTC)</th><th>examiner</th>"
            "<th>action</th>"
            f"<th>what</th><th>signed</th></tr>{rows}</table></div>"
        )

    # -- writing -----------------------------------------------------------

    def append(self, draft: EventDraft, actor: dict[str, Any], **policy: Any) -> Event:
        return self.append_batch([draft], actor, **policy)[0]

    def append_batch(
        self,
        drafts: Sequence[EventDraft],
        actor: dict[str, Any],
        *,
        required: bool = False,
        vouched: Callable[[str, str], bool] | None = None,
        before_write: Callable[[], object] | None = None,
    ) -> list[Event]:
        """Seal and append several events with one write and one fsync.

        ``required``: the case requires signed events. ``vouched(examiner, key id)``:
        whether the trust store vouches for a key (asked only for an unendorsed second
        key). ``before_write``: called once the events are sealed, under the lock, just
        before they are written; what it raises cancels the append (a hand-over waits
        there for its files to be durable, sealing meanwhile). ``last_written`` is then
        the (case uuid, seq, hash) this write ended on, ``last_span`` its byte range.
        """
        if not drafts:
            return []
        with self._locked(fcntl.LOCK_EX) as f:
            st = self._catch_up(f)
            if st.torn:
                raise LogNeedsRepair(self.path, len(st.torn))
            sealed: list[dict[str, Any]] = []
            made: list[Event] = []
            lines: list[bytes] = []
            seq, prev = st.seq, st.hash
            next_exhibit, next_capture = st.last_exhibit, st.last_capture
            assigned: dict[str, str] = {}
            signer = getattr(actor, "signer", None)
            drafts = list(drafts)
            asked = len(drafts)
            register, endorsement = signing_policy(st, actor, required, vouched)
            if signer is not None and register:
                # First write with this key: put the public key on the record, signed with
                # it, in the same write (after the events, so a case still opens with
                # case.created); verification reads every registration before checking.
                self._keep_public_key(signer.key_id, signer.public_pem)
                drafts.append(registration_draft(signer, actor, endorsement))
            for draft in drafts:
                if not ACTION.fullmatch(draft.action):
                    raise ValueError(f"action {draft.action!r} is not a dotted verb (note.added)")
                subjects: list[Subject] = []
                for s in draft.subjects:
                    if isinstance(s, NewExhibit):
                        next_exhibit += 1
                        label = f"E{next_exhibit:04d}"
                        assigned.setdefault(s.sha256, label)
                        s = Subject(s.sha256, s.size, s.role, label, s.media_type, s.source)
                    subjects.append(s)
                details = dict(draft.details)
                if draft.capture is not None:
                    next_capture += 1
                    details["capture"] = {"id": f"C{next_capture:04d}", **draft.capture}
                seq += 1
                body: dict[str, Any] = {
                    "seq": seq,
                    "id": str(uuid.uuid4()),
                    "time": utc_now(),
                    "case": self.case_id,
                    "actor": actor,
                    "action": draft.action,
                    "subjects": [x.to_json() for x in subjects],
                    "details": details,
                    "tool": tool_info(),
                }
                plain = check_event_values(body)
                digest = event_digest(body, plain=plain)
                hsh = link_hash(prev, digest)
                event = {**body, "digest": digest, "prev": prev, "hash": hsh}
                if signer is not None:
                    event["signature"] = signer.sign(hsh)
                lines.append(canonical_json(event, plain=plain) + b"\n")
                sealed.append(event)
                made.append(
                    Event(  # as Event.from_json would read it back, without the parsing
                        seq=seq,
                        id=body["id"],
                        time=body["time"],
                        case=self.case_id,
                        actor=dict(actor),
                        action=draft.action,
                        subjects=tuple(subjects),
                        details=details,
                        tool=dict(body["tool"]),
                        digest=digest,
                        prev=prev,
                        hash=hsh,
                        signature=event.get("signature"),
                    )
                )
                prev = hsh
            payload = b"".join(lines)
            if before_write is not None:
                before_write()
            self._write_durably(f, st.offset, payload)
            self.last_span = (st.offset, st.offset + len(payload), len(sealed))
            # Fold our own lines in without re-reading them.
            st.offset += len(payload)
            st.lines += len(sealed)
            st.seq, st.hash = seq, prev
            if st.case_uuid is None and sealed:
                st.case_uuid = str(sealed[0]["id"])
            self.last_written = (st.case_uuid, seq, prev)
            st.last_exhibit, st.last_capture = next_exhibit, next_capture
            for sha, label in assigned.items():
                st.first_exhibit.setdefault(sha, label)
            if signer is not None:
                st.keys[signer.key_id] = str(actor.get("id"))
            return made[:asked]  # not the registration, if one was added

    def _keep_public_key(self, key: str, pem: str) -> None:
        """``examiners/<key id>.pem``: a copy for readers; the event is the record."""
        folder = self.path.parent / "examiners"
        folder.mkdir(exist_ok=True)
        target = folder / f"{key.replace(':', '-')}.pem"
        if not target.exists():
            atomic_write(target, pem.encode())

    def _write_durably(self, f: BinaryIO, size_before: int, payload: bytes) -> None:
        """Write, flush, fsync; on failure cut the file back so no half event remains."""
        try:
            write_all(f.fileno(), payload)
            os.fsync(f.fileno())
        except OSError as exc:
            try:
                os.ftruncate(f.fileno(), size_before)
                os.fsync(f.fileno())
            except OSError as cleanup:
                log.error("could not cut a failed append back from %s: %s", self.path, cleanup)
            raise StorageError(self.path, exc.strerror or str(exc)) from exc

    def cut_torn_tail(self, keep: Callable[[bytes], None]) -> bytes:
        """Hand a torn last line to ``keep`` (which must make it durable), then cut it off.

        Returns the bytes cut (empty when the log ends cleanly).
        """
        with self._locked(fcntl.LOCK_EX) as f:
            st = self._catch_up(f)
            torn = st.torn
            if torn:
                keep(torn)
                os.truncate(self.path, st.offset)
                os.fsync(f.fileno())
                st.torn = b""
            return torn

    def create(self) -> None:
        """Create the empty log file (once, at case creation)."""
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.fsync(fd)
        os.close(fd)

    def _locked(self, how: int) -> _Locked:
        return _Locked(self.path, how)

    def with_state(self) -> LogState:
        """A copy of the writer's state after catching up (for tests and tools)."""
        with self._locked(fcntl.LOCK_SH) as f:
            return replace(self._catch_up(f))


def _event(raw: bytes) -> Event:
    """One line as a typed event. ``read_event_line`` (orjson) refuses nesting beyond
    1,024 levels with a ValueError, where ``json.loads`` would overflow the stack."""
    return Event.from_json(read_event_line(raw))


def _brief(exc: BaseException) -> str:
    """An exception's message, short enough for one line of an error."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


def _read_exact(f: BinaryIO, n: int) -> bytes:
    parts = []
    while n > 0:
        chunk = f.read(n)
        if not chunk:
            break
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def _open_error(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link"
    return exc.strerror or str(exc)


class _Locked:
    """Open the log for append+read and hold a flock while inside the block."""

    def __init__(self, path: Path, how: int) -> None:
        self.path = path
        self.how = how

    def __enter__(self) -> BinaryIO:
        # Never O_CREAT here: a missing log must not quietly become a new, empty chain.
        writing = self.how == fcntl.LOCK_EX
        flags = (os.O_RDWR | os.O_APPEND) if writing else os.O_RDONLY
        # O_NOFOLLOW and O_NONBLOCK: a log replaced by a link, a FIFO or a device is refused
        # rather than followed elsewhere or waited on forever.
        try:
            fd = os.open(self.path, flags | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            raise CorruptLog(self.path, 0, "the custody log is missing") from None
        except OSError as exc:
            raise CorruptLog(
                self.path, 0, f"the custody log cannot be opened ({_open_error(exc)})"
            ) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise CorruptLog(self.path, 0, "the custody log is not a regular file")
        os.set_blocking(fd, True)
        # Writers unbuffered: a failed write must not linger in a buffer close() retries.
        # Readers buffered: they go line by line.
        self.f: BinaryIO = os.fdopen(fd, "ab+", buffering=0) if writing else os.fdopen(fd, "rb")
        fcntl.flock(self.f.fileno(), self.how)
        return self.f

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.f.fileno(), fcntl.LOCK_UN)
        self.f.close()
