"""One schema for posts from every platform, and what makes two versions of a post differ.

A post record is stored as an exhibit (``osint-kit.post/2`` JSON, keys sorted, one
line): the normalised fields, plus the collector library's own item under ``raw``
so nothing the platform said is lost in the normalising.

Accounts have one identity each, their **key**: ``mastodon:@user@host`` (the
full handle, lower case, local accounts resolved against their instance),
``bluesky:did:plc:…`` (the DID), ``telegram:@channel``. The author, the mentions
and the accounts replied to, quoted and reposted are all given by key, so a
network joined on keys holds together whatever form a platform wrote a name in.
Posts point to posts by the ``id`` the same collector gives them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

POST_FORMAT = "osint-kit.post/2"
#: Earlier record formats this version still reads.
READABLE_FORMATS = ("osint-kit.post/1", POST_FORMAT)


def account_key(platform: str, ident: str) -> str:
    """The key of an account: ``platform:`` and its stable form, lower case where the
    platform ignores case (handles), as given where it does not (DIDs)."""
    ident = ident.strip()
    if platform in ("mastodon", "telegram"):
        ident = ident.lower()
        if not ident.startswith("@"):
            ident = "@" + ident
    return f"{platform}:{ident}"


@dataclass(frozen=True)
class Author:
    """An account as a post shows it: ``key`` (see the module), ``handle`` in its full
    form (``@user@host``, ``handle.bsky.social``, ``@channel``), and what else the
    platform gives: display name, its own id, profile URL, ActivityPub URI."""

    handle: str
    display_name: str | None = None
    id: str | None = None
    url: str | None = None
    key: str | None = None
    uri: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "handle": self.handle,
            "display_name": self.display_name,
            "id": self.id,
            "url": self.url,
            "uri": self.uri,
        }


@dataclass(frozen=True)
class Media:
    """A picture, video or file attached to a post; ``sha256`` once it is downloaded."""

    url: str
    type: str  # image, video, gifv, audio, file
    alt: str | None = None
    #: What identifies the attachment across runs when its URL does not (signed CDN links).
    key: str | None = None
    sha256: str | None = None
    size: int | None = None
    media_type: str | None = None
    error: str | None = None
    #: ``mismatch``: bytes arrived (``sha256``, kept) but not what was announced (an HTML
    #: page, JSON null, a picture cut short or that does not decode, another type or
    #: length); ``error`` says how. None: downloaded as announced, or not (``error``).
    state: str | None = None
    #: The type the server announced, when the bytes are another of the same kind (a
    #: WebP picture sent as ``image/jpeg``): kept, complete, and the difference recorded.
    announced_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "type": self.type, "alt": self.alt}
        for key in ("key", "sha256", "size", "media_type", "error", "state", "announced_type"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Post:
    platform: str
    id: str
    url: str
    author: Author
    created_at: str
    text: str
    language: str | None = None
    #: The post replied to, quoted, reposted: its ``id`` as this collector gives ids.
    reply_to: str | None = None
    quoted: str | None = None
    reposted: str | None = None
    #: Their authors, by account key.
    reply_to_account: str | None = None
    quoted_account: str | None = None
    reposted_account: str | None = None
    #: Accounts mentioned, by account key.
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    outlinks: tuple[str, ...] = ()
    media: tuple[Media, ...] = ()
    counts: Mapping[str, int | None] = field(default_factory=dict)
    edited_at: str | None = None
    #: The collector library's item (snscrape's JSON, or the platform's JSON object).
    raw: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": POST_FORMAT,
            "platform": self.platform,
            "id": self.id,
            "url": self.url,
            "author": self.author.to_json(),
            "created_at": self.created_at,
            "edited_at": self.edited_at,
            "text": self.text,
            "language": self.language,
            "reply_to": self.reply_to,
            "quoted": self.quoted,
            "reposted": self.reposted,
            "reply_to_account": self.reply_to_account,
            "quoted_account": self.quoted_account,
            "reposted_account": self.reposted_account,
            "mentions": list(self.mentions),
            "hashtags": list(self.hashtags),
            "outlinks": list(self.outlinks),
            "media": [m.to_json() for m in self.media],
            "counts": dict(self.counts),
            "raw": self.raw,
        }

    def record_bytes(self) -> bytes:
        """The exhibit: deterministic JSON, so an unchanged post is byte-for-byte the same."""
        text = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return text.encode() + b"\n"

    def fingerprint(self) -> str:
        """SHA-256 over what the author wrote and attached.

        Counts (views, likes), the author's display name and the library's raw item
        are left out: they change without the post changing. The full record of
        every run is still in that run's WARC.
        """
        cached = self.__dict__.get("_fingerprint")
        if cached is not None:
            return str(cached)
        content = {
            "text": self.text,
            "created_at": self.created_at,
            "edited_at": self.edited_at,
            "language": self.language,
            "reply_to": self.reply_to,
            "quoted": self.quoted,
            "reposted": self.reposted,
            "mentions": sorted(self.mentions),
            "hashtags": sorted(self.hashtags),
            "outlinks": sorted(self.outlinks),
            "media": [m.key or m.url for m in self.media],
        }
        data = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
        value = hashlib.sha256(data).hexdigest()
        object.__setattr__(self, "_fingerprint", value)  # asked for several times a run
        return value

    def with_media(self, media: tuple[Media, ...]) -> Post:
        return replace(self, media=media)
