"""The custody chain's arithmetic, and nothing else.

An outside verifier needs only this (see docs/format.md):

- ``digest`` = SHA-256 of the RFC 8785 (JCS) canonical JSON of the event
  without its ``digest``, ``prev``, ``hash`` and ``signature`` members;
- ``hash``   = SHA-256 of the 32 bytes of ``prev`` followed by the 32 bytes of
  ``digest``; ``prev`` of the first event is 64 zeros.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785

GENESIS = "0" * 64
MAX_SAFE_INTEGER = 2**53 - 1

#: Members that seal an event rather than describe it; excluded from the digest.
SEAL_FIELDS = frozenset({"digest", "prev", "hash", "signature"})


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical form: sorted keys, no spaces, UTF-8, ES6 numbers."""
    return rfc8785.dumps(value)


def check_event_values(value: Any, where: str = "event") -> None:
    """Format v1 events hold strings, integers within +-2**53, booleans, null, lists, objects.

    No floats: that keeps the canonical form reproducible by any JSON library
    (docs/format.md). Record fractions as strings or as integers in a smaller unit.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"{where}: integer {value} is beyond +-2**53; record it as a string")
        return
    if isinstance(value, float):
        raise ValueError(f"{where}: float {value!r}; events hold no floats (format v1)")
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{where}: key {k!r} is not a string")
            check_event_values(v, f"{where}.{k}")
        return
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            check_event_values(v, f"{where}[{i}]")
        return
    raise ValueError(f"{where}: {type(value).__name__} is not a JSON value")


def event_digest(event: Mapping[str, Any]) -> str:
    body = {k: v for k, v in event.items() if k not in SEAL_FIELDS}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def link_hash(prev: str, digest: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev) + bytes.fromhex(digest)).hexdigest()


def is_hex64(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )
