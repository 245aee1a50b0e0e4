"""Pieces every fake platform shares: the reply record, link cards, time formats, entity parsing."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import parse_qs

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

Query = dict[str, list[str]]


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, headers (in order, repeatable) and body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    server: str = "nginx"


@dataclass(frozen=True)
class LinkCard:
    """A link preview: Telegram's link preview, Mastodon's card, Bluesky's external embed.

    ``image`` is a media name served by the fake (see :mod:`.media`).
    """

    url: str
    title: str = ""
    description: str = ""
    site_name: str = ""
    image: str | None = None


def json_reply(
    obj: object, status: int = 200, headers: tuple[tuple[str, str], ...] = (), server: str = ""
) -> Reply:
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    return Reply(status, (("Content-Type", JSON_TYPE), *headers), body, server or "nginx")


def html_reply(text: str, status: int = 200, server: str = "nginx") -> Reply:
    return Reply(status, (("Content-Type", HTML_TYPE),), text.encode(), server)


def redirect(location: str, status: int = 302, server: str = "nginx") -> Reply:
    return Reply(status, (("Location", location), ("Content-Type", HTML_TYPE)), b"", server)


def query_of(query_string: str) -> Query:
    return parse_qs(query_string, keep_blank_values=True)


def param(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def int_param(query: Query, name: str, default: int, low: int, high: int) -> int:
    """An integer parameter clamped to [low, high]; junk reads as the default."""
    raw = param(query, name)
    try:
        value = int(raw) if raw not in (None, "") else default
    except ValueError:
        value = default
    return max(low, min(high, value))


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: give a timezone (UTC)")
    return moment.astimezone(UTC)


def iso_ms(moment: datetime) -> str:
    """``2024-01-02T03:04:05.000Z`` as Mastodon and Bluesky write it."""
    moment = utc(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_offset(moment: datetime) -> str:
    """``2024-01-02T03:04:05+00:00`` as t.me and Mastodon 3.x HTML write it."""
    return utc(moment).replace(microsecond=0).isoformat()


def stable_hash(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()


def stable_int(*parts: object, bits: int = 63) -> int:
    return int.from_bytes(stable_hash(*parts), "big") >> (256 - bits)


def token(*parts: object, length: int = 18) -> str:
    """A URL-safe opaque token, the same for the same inputs."""
    return base64.urlsafe_b64encode(stable_hash(*parts)).decode().rstrip("=")[:length]


# Entities in plain text. URLs first, so a '#' or '@' inside a URL stays part of it.
_URL = r"(?P<url>https?://[^\s<>\"']+)"
_TAG = r"(?P<tag>(?<![\w#&/])#\w*[^\W\d_]\w*)"
MENTION_TELEGRAM = r"(?P<mention>(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31})"
MENTION_MASTODON = r"(?P<mention>(?<![\w@/])@[A-Za-z0-9_]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
MENTION_BLUESKY = (
    r"(?P<mention>(?<![\w@/])@[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]+)"
)
_TRAILING = ".,;:!?)'\""

Kind = Literal["text", "url", "tag", "mention"]


@dataclass(frozen=True)
class Segment:
    """A run of plain text, or one URL / #hashtag / @mention exactly as written."""

    kind: Kind
    text: str
    start: int = field(default=0, compare=False)  # character offset in the source text


def segments(text: str, mention_pattern: str) -> Iterator[Segment]:
    """Split ``text`` into plain runs and entities, in order; joined they give back ``text``."""
    pattern = re.compile("|".join((_URL, _TAG, mention_pattern)))
    pos = 0
    for match in pattern.finditer(text):
        kind: Kind = "url" if match["url"] else "tag" if match["tag"] else "mention"
        start, end = match.span()
        if start < pos:
            continue
        if kind == "url":
            while text[end - 1] in _TRAILING and end - 1 > start + 8:
                end -= 1
        if start > pos:
            yield Segment("text", text[pos:start], pos)
        yield Segment(kind, text[start:end], start)
        pos = end
    if pos < len(text):
        yield Segment("text", text[pos:], pos)
