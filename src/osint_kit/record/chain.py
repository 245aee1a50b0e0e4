"""The custody chain's arithmetic, and nothing else.

An outside verifier needs only this (see docs/format.md):

- ``digest`` = SHA-256 of the RFC 8785 (JCS) canonical JSON of the event
  without its ``digest``, ``prev``, ``hash`` and ``signature`` members;
- ``hash``   = SHA-256 of the 32 bytes of ``prev`` followed by the 32 bytes of
  ``digest``; ``prev`` of the first event is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson
import rfc8785

from osint_kit.errors import InvalidCaseField

GENESIS = "0" * 64
MAX_SAFE_INTEGER = 2**53 - 1
_HEX64 = re.compile(r"[0-9a-f]{64}")

#: Members that seal an event rather than describe it; excluded from the digest.
SEAL_FIELDS = frozenset({"digest", "prev", "hash", "signature"})


def canonical_json(value: Any, *, plain: bool | None = None) -> bytes:
    """RFC 8785 canonical form: sorted keys, no spaces, UTF-8, ES6 numbers.

    For values without floats, big integers or keys beyond U+DFFF ("plain"), the
    standard library's C encoder with sorted keys writes exactly the JCS bytes, 7x
    faster than the pure-Python reference; anything else goes to the reference
    implementation. The tests hold both to the same output. Pass ``plain`` when
    ``check_event_values`` has already said so.
    """
    if plain is None:
        try:
            plain = _walk(value)
        except _NotV1:
            plain = False
    if plain:
        return json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    return rfc8785.dumps(value)


def check_event_values(value: Any) -> bool:
    """Refuse what format v1 events may not hold; return whether ``value`` is plain.

    Events hold strings, integers within +-(2**53 - 1), booleans, null, lists and
    objects with string keys. No floats: that keeps the canonical form reproducible
    by any JSON library (docs/format.md). Record fractions as strings or as integers
    of a smaller unit.
    """
    try:
        return _walk(value)
    except _NotV1 as bad:  # InvalidCaseField is a ValueError too
        raise InvalidCaseField(f"event{''.join(reversed(bad.path))}", bad.reason) from None


def as_event_value(value: Any) -> Any:
    """``value`` as format v1 events may hold it: floats written as text (``29.97`` as
    ``"29.97"``), integers beyond +-2**53 as text, tuples as lists, mapping keys as text,
    anything else JSON cannot hold as its ``str``. For what a tool reports (ffprobe,
    yt-dlp), whose numbers are not ours to choose."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): as_event_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_event_value(v) for v in value]
    return str(value)


#: A lone surrogate: how Python holds bytes that were not UTF-8 (an argument, a file name).
_SURROGATE = re.compile("[\ud800-\udfff]")


class _NotV1(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.path: list[str] = []


def _walk(value: Any) -> bool:
    """Raise _NotV1 for a value format v1 refuses; else True when every key < U+E000.

    (Python sorts keys by code point, JCS by UTF-16 unit: they agree below U+E000.)
    """
    if isinstance(value, str):
        if value.isascii() or not _SURROGATE.search(value):
            return True
        raise _NotV1(f"text {value!r} is not valid UTF-8 (it came as undecodable bytes)")
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return True
        raise _NotV1(f"integer {value} is beyond +-2**53; record it as a string")
    if isinstance(value, float):
        raise _NotV1(f"float {value!r}; events hold no floats (format v1)")
    plain = True
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise _NotV1(f"key {k!r} is not a string")
            if not k.isascii() and _SURROGATE.search(k):
                raise _NotV1(f"key {k!r} is not valid UTF-8 (it came as undecodable bytes)")
            try:
                inner = _walk(v)
            except _NotV1 as bad:
                bad.path.append(f".{k}")
                raise
            plain = plain and inner and (k.isascii() or max(k) < "\ue000")
        return plain
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            try:
                inner = _walk(v)
            except _NotV1 as bad:
                bad.path.append(f"[{i}]")
                raise
            plain = plain and inner
        return plain
    raise _NotV1(f"{type(value).__name__} is not a JSON value")


def event_digest(event: Mapping[str, Any], *, plain: bool | None = None) -> str:
    body = {k: v for k, v in event.items() if k not in SEAL_FIELDS}
    return hashlib.sha256(canonical_json(body, plain=plain)).hexdigest()


def read_event_line(raw: bytes) -> Any:
    """Parse one log line (orjson refuses NaN, lone surrogates and nesting beyond 1,024
    levels with a ValueError, like a line that is not JSON)."""
    return orjson.loads(raw)


def _plain(value: Any) -> bool:
    """``_walk``'s answer for the common case, without recursion: True when every value
    is a string, bool, null, safe integer, list or object with keys below U+E000;
    False (take the reference path) at the first thing that is not."""
    stack = [value]
    pop, push_all = stack.pop, stack.extend
    while stack:
        v = pop()
        t = type(v)
        if t is str or t is bool or v is None:
            continue
        if t is int:
            if -MAX_SAFE_INTEGER <= v <= MAX_SAFE_INTEGER:
                continue
            return False
        if t is dict:
            for k in v:
                if type(k) is not str or not (k.isascii() or max(k) < "\ue000"):
                    return False
            push_all(v.values())
        elif t is list:
            push_all(v)
        else:
            return False
    return True


#: The last ``tool`` and ``actor`` found plain: nearly every event repeats them, and a
#: comparison (in C) is cheaper than walking them again.
_SEEN_PLAIN: dict[str, Any] = {}


def _plain_body(body: dict[str, Any]) -> bool:
    seen = _SEEN_PLAIN
    for k, v in body.items():
        if type(k) is not str or not (k.isascii() or max(k) < "\ue000"):
            return False
        t = type(v)
        if t is str:
            continue
        if t is int:
            if -MAX_SAFE_INTEGER <= v <= MAX_SAFE_INTEGER:
                continue
            return False
        if t is list and not v:
            continue
        repeated = k == "tool" or k == "actor"
        if repeated and v == seen.get(k):
            continue
        if not _plain(v):
            return False
        if repeated:
            seen[k] = v
    return True


def line_digest(event: Mapping[str, Any]) -> str:
    """``event_digest``, with orjson's sorted compact output for plain values (no floats,
    no integers beyond 2**53, no keys from U+E000): for those it is byte for byte the
    JCS form (the same escapes and key order; tests/test_chain_properties holds them to
    the reference), at a quarter of the standard library's cost."""
    body = dict(event)
    for k in SEAL_FIELDS:
        body.pop(k, None)
    if _plain_body(body):
        return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def link_hash(prev: str, digest: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev + digest)).hexdigest()


def is_hex64(value: object) -> bool:
    """64 lowercase hex digits, as every hash in format v1 is written."""
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


#: The members every event has, with their exact JSON types (docs/format.md).
EVENT_MEMBERS: dict[str, type] = {
    "seq": int,
    "id": str,
    "time": str,
    "case": str,
    "actor": dict,
    "action": str,
    "subjects": list,
    "details": dict,
    "tool": dict,
    "digest": str,
    "prev": str,
    "hash": str,
}
_MEMBER_ITEMS = tuple(EVENT_MEMBERS.items())
_SEALS = re.compile(r"[0-9a-f]{192}")


def event_shape_problem(obj: Any) -> str | None:
    """What makes ``obj`` not an event of this format (exact JSON types: a bool is not
    a seq), or None."""
    if type(obj) is not dict:
        return "line is not a JSON object"
    if (  # the common case in one expression; the loop below says what is wrong
        type(obj.get("seq")) is int
        and type(obj.get("id")) is str
        and type(obj.get("time")) is str
        and type(obj.get("case")) is str
        and type(obj.get("actor")) is dict
        and type(obj.get("action")) is str
        and type(obj.get("subjects")) is list
        and type(obj.get("details")) is dict
        and type(obj.get("tool")) is dict
        and type(obj.get("digest")) is str
        and type(obj.get("prev")) is str
        and type(obj.get("hash")) is str
        and _SEALS.fullmatch(obj["digest"] + obj["prev"] + obj["hash"]) is not None
    ):
        return None
    for key, kind in _MEMBER_ITEMS:
        if key not in obj:
            return f"event has no {key!r}"
        if type(obj[key]) is not kind:
            return f"event's {key!r} is not a {kind.__name__}"
    if _SEALS.fullmatch(obj["digest"] + obj["prev"] + obj["hash"]) is None:
        for key in ("digest", "prev", "hash"):
            if not is_hex64(obj[key]):
                return f"event's {key!r} is not 64 lowercase hex digits"
    return None


def events_with_action(
    lines: Iterable[tuple[int, bytes]], action: str
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, event) of each well-formed ``action`` event among ``lines``, parsing
    only the lines that name it (a byte search; lines are canonical JSON). Any other
    line, or one that does not read, is left to verification to report."""
    mark = f'"action":"{action}"'.encode()
    for n, raw in lines:
        if mark not in raw or not raw.endswith(b"\n"):
            continue
        try:
            event = read_event_line(raw)
        except ValueError:
            continue
        if event_shape_problem(event) is None and event["action"] == action:
            yield n, event
