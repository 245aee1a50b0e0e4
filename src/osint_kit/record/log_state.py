"""What an appender must know of the custody log, folded from its lines: the head
(seq, hash), the last exhibit and capture numbers handed out, the keys registered.

Apart from ``custody`` because this is the one place that reads meaning out of a
line without typing it as an ``Event``: cheap enough to run over every line another
process appended, strict enough to refuse a line the chain cannot continue from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from osint_kit.record.builtin_actions import KEY_REGISTERED
from osint_kit.record.chain import GENESIS, is_hex64


@dataclass
class LogState:
    """What the writer must know to append: the head, and the numbers handed out."""

    offset: int = 0
    lines: int = 0
    seq: int = 0
    hash: str = GENESIS
    last_exhibit: int = 0
    last_capture: int = 0
    #: sha256 -> first exhibit number that holds it (to say "same bytes as E0003").
    first_exhibit: dict[str, str] = field(default_factory=dict)
    #: Signing keys registered in this case (key id -> examiner id).
    keys: dict[str, str] = field(default_factory=dict)
    #: The ``id`` of the first event (case.created): the case's uuid.
    case_uuid: str | None = None
    torn: bytes = b""


def _number(label: str, prefix: str) -> int:
    if isinstance(label, str) and label.startswith(prefix) and label[1:].isdigit():
        return int(label[1:])
    return 0


_TEXT_FIELDS = ("id", "time", "case", "action", "digest", "prev")


class NotAnEvent(Exception):
    """A line that parses but is not an event the writer can continue from."""


def fold_event(st: LogState, obj: Any) -> None:
    """Fold one parsed line into the writer's state (raises on a line that is no event)."""
    seq, hsh = obj["seq"], obj["hash"]
    subjects = obj.get("subjects", [])
    capture = obj.get("details", {}).get("capture") or {}
    if not isinstance(seq, int) or not is_hex64(hsh):
        raise NotAnEvent("event without a valid seq and hash")
    for key in _TEXT_FIELDS:  # what Event.from_json turns into text: a str, nothing nested
        if type(obj.get(key)) is not str:
            raise NotAnEvent(f"event whose {key!r} is not a string")
    st.seq, st.hash = seq, hsh
    for s in subjects:
        label = s.get("exhibit") if isinstance(s, dict) else None
        if isinstance(label, str) and label:
            st.last_exhibit = max(st.last_exhibit, _number(label, "E"))
            st.first_exhibit.setdefault(str(s.get("sha256")), label)
    if isinstance(capture, dict) and capture.get("id"):
        st.last_capture = max(st.last_capture, _number(capture["id"], "C"))
    if st.lines == 1 and isinstance(obj.get("id"), str):
        st.case_uuid = obj["id"]
    if obj.get("action") == KEY_REGISTERED:
        registered = obj.get("details", {})
        st.keys[str(registered.get("key_id"))] = str(registered.get("examiner"))
