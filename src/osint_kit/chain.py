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

#: Members that seal an event rather than describe it; excluded from the digest.
SEAL_FIELDS = frozenset({"digest", "prev", "hash", "signature"})


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical form: sorted keys, no spaces, UTF-8, ES6 numbers."""
    return rfc8785.dumps(value)


def event_digest(event: Mapping[str, Any]) -> str:
    body = {k: v for k, v in event.items() if k not in SEAL_FIELDS}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def link_hash(prev: str, digest: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev) + bytes.fromhex(digest)).hexdigest()


def is_hex64(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )
