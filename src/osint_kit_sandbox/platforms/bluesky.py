"""A fake Bluesky AppView (public XRPC reads) and its image CDN.

Served, on any host that is not t.me, a Mastodon instance or the CDN (for example
``bsky.fake`` or plain ``127.0.0.1:PORT``): ``app.bsky.actor.getProfile``,
``app.bsky.actor.getProfiles``, ``app.bsky.feed.getAuthorFeed``,
``app.bsky.feed.getPostThread``, ``app.bsky.feed.getPosts`` and
``com.atproto.identity.resolveHandle``; images on ``cdn.bsky.fake`` at
``/img/<preset>/plain/<did>/<cid>@jpeg`` (or ``@png``).
Faithful: record and view shapes as recorded from the real AppView (feedViewPost
with ``reply`` and ``reasonRepost``, postView, profileViewDetailed, threadViewPost,
``notFoundPost``, images/external/record/recordWithMedia views), TIDs as record keys,
CIDs shaped like real ones (``bafyrei…`` records, ``bafkrei…`` blobs: the blob CID
is the sha256 of the image bytes), facets indexed in UTF-8 bytes, XRPC error
bodies, author-feed ``filter`` values and an ISO-timestamp ``cursor``.
Simplified: no auth, likes, follows, lists, labels or blocks; the cursor is the
last item's time, so two items with the same millisecond at a page edge lose one
(the real AppView has the same weakness); reply ordering is oldest first.
This module holds the actors, posts and their records; :mod:`.bluesky_views` serves them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .common import MENTION_BLUESKY, LinkCard, iso_ms, segments, utc
from .media import content_type, image_size, render, valid_name

APPVIEW_HOST = "bsky.fake"
CDN_HOST = "cdn.bsky.fake"
HOSTS = (APPVIEW_HOST, CDN_HOST)
_S32 = "234567abcdefghijklmnopqrstuvwxyz"
Json = dict[str, Any]


@dataclass(frozen=True)
class Actor:
    did: str
    handle: str
    display_name: str = ""
    description: str = ""
    avatar_cid: str | None = None
    created_at: datetime = datetime(2023, 9, 1, tzinfo=UTC)
    followers_count: int = 0
    follows_count: int = 0


FacetKind = Literal["link", "mention", "tag"]


@dataclass(frozen=True)
class Facet:
    """A rich-text facet: ``kind`` link (value: URI), mention (value: DID) or tag (value: tag)."""

    kind: FacetKind
    byte_start: int
    byte_end: int
    value: str

    @classmethod
    def over(cls, text: str, fragment: str, kind: FacetKind, value: str) -> Facet:
        """The facet over the first ``fragment`` of ``text``, e.g. a shortened link's
        ``"example.org/bisc..."`` with the full URL as ``value`` (offsets in UTF-8 bytes)."""
        start = len(text[: text.index(fragment)].encode())
        return cls(kind, start, start + len(fragment.encode()), value)


@dataclass(frozen=True)
class Image:
    name: str
    alt: str
    cid: str
    mime_type: str
    size: int
    width: int
    height: int


@dataclass(frozen=True)
class Ref:
    uri: str
    cid: str


@dataclass(frozen=True)
class Post:
    uri: str
    cid: str
    author: Actor
    text: str
    created_at: datetime
    facets: tuple[Facet, ...] = ()
    images: tuple[Image, ...] = ()
    external: LinkCard | None = None
    external_thumb: Image | None = None
    quote: Ref | None = None
    reply_root: Ref | None = None
    reply_parent: Ref | None = None
    langs: tuple[str, ...] = ("en",)
    like_count: int = 0

    @property
    def indexed_at(self) -> datetime:
        return self.created_at + timedelta(milliseconds=341)


@dataclass(frozen=True)
class Repost:
    uri: str
    actor: Actor
    subject: str  # the post's at:// URI
    created_at: datetime


def tid(moment: datetime, clock: int) -> str:
    """An atproto TID: microseconds since 1970 and a 10-bit clock id, base32-sortable."""
    value = (int(utc(moment).timestamp() * 1_000_000) << 10) | (clock & 0x3FF)
    return "".join(_S32[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def cid(data: bytes, codec: int) -> str:
    """A CIDv1 (sha2-256) string: codec 0x71 (dag-cbor record) or 0x55 (raw blob)."""
    raw = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def record_cid(record: dict[str, object]) -> str:
    return cid(json.dumps(record, sort_keys=True, ensure_ascii=False).encode(), 0x71)


def _blob_json(image: Image) -> Json:
    return {
        "$type": "blob",
        "ref": {"$link": image.cid},
        "mimeType": image.mime_type,
        "size": image.size,
    }


def _images_record(post: Post) -> Json:
    return {
        "$type": "app.bsky.embed.images",
        "images": [
            {
                "alt": i.alt,
                "aspectRatio": {"height": i.height, "width": i.width},
                "image": _blob_json(i),
            }
            for i in post.images
        ],
    }


def _external_record(post: Post) -> Json:
    card = post.external
    assert card is not None
    external: Json = {"description": card.description, "title": card.title, "uri": card.url}
    if post.external_thumb:
        external["thumb"] = _blob_json(post.external_thumb)
    return {"$type": "app.bsky.embed.external", "external": dict(sorted(external.items()))}


def post_record(post: Post) -> Json:
    """The ``app.bsky.feed.post`` record, keys sorted as the AppView returns them."""
    record: Json = {"$type": "app.bsky.feed.post", "createdAt": iso_ms(post.created_at)}
    media = (
        _images_record(post) if post.images else _external_record(post) if post.external else None
    )
    if post.quote:
        quote = {
            "$type": "app.bsky.embed.record",
            "record": {"cid": post.quote.cid, "uri": post.quote.uri},
        }
        record["embed"] = (
            {"$type": "app.bsky.embed.recordWithMedia", "media": media, "record": quote}
            if media
            else quote
        )
    elif media:
        record["embed"] = media
    if post.facets:
        kinds = {"link": "uri", "mention": "did", "tag": "tag"}
        record["facets"] = [
            {
                "features": [
                    {"$type": f"app.bsky.richtext.facet#{f.kind}", kinds[f.kind]: f.value}
                ],
                "index": {"byteEnd": f.byte_end, "byteStart": f.byte_start},
            }
            for f in post.facets
        ]
    record["langs"] = list(post.langs)
    if post.reply_parent and post.reply_root:
        record["reply"] = {
            "parent": {"cid": post.reply_parent.cid, "uri": post.reply_parent.uri},
            "root": {"cid": post.reply_root.cid, "uri": post.reply_root.uri},
        }
    record["text"] = post.text
    return record


class BlueskyFake:
    """Actors, posts and reposts of the fake AppView."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._clock = 0
        self._actors: dict[str, Actor] = {}  # by DID
        self._posts: dict[str, Post] = {}  # live, by at:// URI
        self._reposts: dict[str, Repost] = {}
        self._blobs: dict[str, str] = {}  # CID -> media name
        self._children: dict[str, list[str]] = {}  # post URI -> reply URIs
        self._quotes: dict[str, list[str]] = {}  # post URI -> URIs of posts quoting it
        self._reposts_of: dict[str, list[str]] = {}  # post URI -> repost URIs

    def add_actor(
        self,
        handle: str,
        *,
        did: str | None = None,
        display_name: str = "",
        description: str = "",
        avatar: str | None = None,
        created_at: datetime | None = None,
        followers_count: int = 0,
        follows_count: int = 0,
    ) -> Actor:
        did = (
            did
            or "did:plc:"
            + base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()[:24]
        )
        with self._lock:
            if self.actor(handle) or did in self._actors:
                raise ValueError(f"actor {handle!r} or {did!r} exists")
            avatar_image = self._blob(avatar or f"{handle.split('.')[0]}-avatar.jpg", "")
            actor = Actor(
                did,
                handle.lower(),
                display_name,
                description,
                avatar_image.cid,
                utc(created_at or datetime(2023, 9, 1, tzinfo=UTC)),
                followers_count,
                follows_count,
            )
            self._actors[did] = actor
            return actor

    def actor(self, handle_or_did: str) -> Actor | None:
        key = handle_or_did.lower().lstrip("@")
        with self._lock:
            if key in self._actors:
                return self._actors[key]
            return next((a for a in self._actors.values() if a.handle == key), None)

    def add_post(
        self,
        actor: Actor,
        *,
        text: str,
        created_at: datetime,
        facets: Sequence[Facet] | None = None,
        images: Sequence[str | tuple[str, str]] = (),
        external: LinkCard | None = None,
        quote_of: Post | None = None,
        reply_to: Post | None = None,
        langs: Sequence[str] = ("en",),
        like_count: int = 0,
    ) -> Post:
        """Post as ``actor``. ``facets=None`` finds links, #tags and @mentions of known handles."""
        if len(images) > 4 or (images and external):
            raise ValueError("a post has up to 4 images, or one external link card, not both")
        with self._lock:
            self._clock += 1
            created = utc(created_at)
            found = tuple(self._facets(text) if facets is None else facets)
            pictures = tuple(self._blob(*((i, "") if isinstance(i, str) else i)) for i in images)
            thumb = self._blob(external.image, "") if external and external.image else None
            root = parent = None
            if reply_to is not None:
                parent = Ref(reply_to.uri, reply_to.cid)
                root = reply_to.reply_root or parent
            quote = Ref(quote_of.uri, quote_of.cid) if quote_of else None
            uri = f"at://{actor.did}/app.bsky.feed.post/{tid(created, self._clock)}"
            draft = Post(
                uri,
                "",
                actor,
                text,
                created,
                found,
                pictures,
                external,
                thumb,
                quote,
                root,
                parent,
                tuple(langs),
                like_count,
            )
            post = replace(draft, cid=record_cid(post_record(draft)))
            self._posts[uri] = post
            if parent:
                self._children.setdefault(parent.uri, []).append(uri)
            if quote:
                self._quotes.setdefault(quote.uri, []).append(uri)
            return post

    def repost(self, actor: Actor, post: Post, *, created_at: datetime | None = None) -> Repost:
        """Repost ``post`` as ``actor``, by default an hour after it was posted."""
        created_at = created_at or post.created_at + timedelta(hours=1)
        with self._lock:
            self._clock += 1
            uri = f"at://{actor.did}/app.bsky.feed.repost/{tid(created_at, self._clock)}"
            repost = Repost(uri, actor, post.uri, utc(created_at))
            self._reposts[uri] = repost
            self._reposts_of.setdefault(post.uri, []).append(uri)
            return repost

    def delete(self, uri: str) -> None:
        """Delete a post or repost by at:// URI (its replies and quotes stay, pointing nowhere)."""
        with self._lock:
            if uri in self._reposts:
                del self._reposts[uri]
                return
            if uri not in self._posts:
                raise KeyError(f"no post or repost {uri}")
            del self._posts[uri]

    @property
    def posts(self) -> tuple[Post, ...]:
        """The live posts, oldest first."""
        with self._lock:
            return tuple(sorted(self._posts.values(), key=lambda p: p.created_at))

    def image_name(self, blob_cid: str) -> str | None:
        return self._blobs.get(blob_cid)

    def _blob(self, name: str, alt: str) -> Image:
        if not valid_name(name):
            raise ValueError(f"image name {name!r}: use letters, digits and ._-")
        body = render(name).body
        blob = cid(body, 0x55)
        self._blobs[blob] = name
        width, height = image_size(name)
        return Image(name, alt, blob, content_type(name), len(body), width, height)

    def _facets(self, text: str) -> list[Facet]:
        out = []
        for seg in segments(text, MENTION_BLUESKY):
            start = len(text[: seg.start].encode())
            end = start + len(seg.text.encode())
            if seg.kind == "url":
                out.append(Facet("link", start, end, seg.text))
            elif seg.kind == "tag":
                out.append(Facet("tag", start, end, seg.text[1:]))
            elif seg.kind == "mention" and (who := self.actor(seg.text[1:])):
                out.append(Facet("mention", start, end, who.did))
        return out
