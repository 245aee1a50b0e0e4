"""A fake ``t.me``: public channel previews (``/s/NAME``), contact pages (``/NAME``) and the CDN.

Faithful, checked against a recorded page and snscrape's parser: the channel info
header and counters, message markup (author, text with links, photos, grouped
photos, video, link preview, "Forwarded from", views, "edited", footer date link),
20 posts a page in ascending order, ``tme_messages_more`` links for ``?before=``
and ``?after=``, a 302 from ``/s/NAME`` to ``/NAME`` for unknown channels, the
generic contact page for them (answered 200, as t.me does), canonical
capitalisation of the channel name whatever case the request used, and counters
as t.me shows them: zero counters left out, "1 subscriber" in the singular (snscrape
parses neither: its ``Channel`` then has ``None`` there, and ``Channel.json()``
raises on a ``None`` counter - a bug of snscrape 0.7 that real channels hit too).
Media URLs point at ``https://cdn4.telesco.pe/file/<name>``, served by the fake.
Simplified: no search (``?q=``), no single-post pages (``/NAME/ID``), no service
messages ("Channel created"), no polls, stickers, voice notes or reactions; every
photo of an album links to ``https://t.me/NAME/ID?single`` of the one post that
carries it (t.me gives each album item its own message id).
This module holds the channels and their posts; :mod:`.telegram_html` serves them.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .common import LinkCard, utc
from .media import valid_name

HOST = "t.me"
CDN_HOST = "cdn4.telesco.pe"
PAGE_SIZE = 20
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


def cdn_url(name: str) -> str:
    """Where t.me pages point for a media file (photos, video, avatars)."""
    return f"https://{CDN_HOST}/file/{name}"


@dataclass(frozen=True)
class TelegramPost:
    """One channel post as the world holds it; ``edit`` replaces it with a new record."""

    channel: str
    id: int
    date: datetime
    text: str = ""
    photos: tuple[str, ...] = ()
    video: str | None = None
    views: int = 0
    forwarded_from: str | None = None  # "channel" or "channel/123"
    link_preview: LinkCard | None = None
    edited: bool = False

    @property
    def url(self) -> str:
        return f"https://t.me/{self.channel}/{self.id}"


@dataclass(frozen=True)
class Page:
    """The posts one channel preview page shows, and whether there are more either side."""

    posts: tuple[TelegramPost, ...]
    has_older: bool
    has_newer: bool


class Channel:
    """A public channel. Post ids only ever ascend, as on Telegram."""

    def __init__(
        self,
        lock: threading.RLock,
        name: str,
        *,
        title: str,
        description: str,
        subscribers: int,
        verified: bool,
        photo: str,
    ) -> None:
        self._lock = lock
        self.name = name
        self.title = title
        self.description = description
        self.subscribers = subscribers
        self.verified = verified
        self.photo = photo
        self._posts: dict[int, TelegramPost] = {}
        self._ids: list[int] = []  # visible posts, ascending
        self._last_id = 0

    def add_post(
        self,
        *,
        date: datetime,
        text: str = "",
        id: int | None = None,
        photos: Sequence[str] = (),
        video: str | None = None,
        views: int = 0,
        forwarded_from: str | None = None,
        link_preview: LinkCard | None = None,
    ) -> TelegramPost:
        for name in (*photos, *([video] if video else [])):
            if not valid_name(name):
                raise ValueError(f"media name {name!r}: use letters, digits and ._-")
        with self._lock:
            post_id = self._last_id + 1 if id is None else id
            if post_id <= self._last_id:
                raise ValueError(f"post id {post_id} is not above the last id {self._last_id}")
            post = TelegramPost(
                self.name,
                post_id,
                utc(date),
                text,
                tuple(photos),
                video,
                views,
                forwarded_from,
                link_preview,
            )
            self._posts[post_id] = post
            self._ids.append(post_id)
            self._last_id = post_id
            return post

    def edit(self, id: int, *, text: str) -> TelegramPost:
        with self._lock:
            post = replace(self._get(id), text=text, edited=True)
            self._posts[id] = post
            return post

    def delete(self, id: int) -> None:
        with self._lock:
            self._get(id)
            del self._posts[id]
            self._ids.remove(id)

    @property
    def posts(self) -> tuple[TelegramPost, ...]:
        """The posts still visible, oldest first."""
        with self._lock:
            return tuple(self._posts[i] for i in self._ids)

    def _get(self, post_id: int) -> TelegramPost:
        try:
            return self._posts[post_id]
        except KeyError:
            raise KeyError(f"no post {post_id} in {self.name}") from None

    def page(self, before: int | None, after: int | None) -> Page:
        """The 20 posts t.me shows for ``?before=`` / ``?after=`` / neither."""
        ids = self._ids
        if before is not None:
            end = bisect.bisect_left(ids, before)
            start = max(0, end - PAGE_SIZE)
        elif after is not None:
            start = bisect.bisect_right(ids, after)
            end = min(len(ids), start + PAGE_SIZE)
        else:
            end = len(ids)
            start = max(0, end - PAGE_SIZE)
        posts = tuple(self._posts[i] for i in ids[start:end])
        return Page(posts, has_older=start > 0, has_newer=end < len(ids))


class TelegramFake:
    """The channels of the fake t.me, by name (looked up case-insensitively, like t.me)."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._channels: dict[str, Channel] = {}

    def add_channel(
        self,
        name: str,
        *,
        title: str | None = None,
        description: str = "",
        subscribers: int = 0,
        verified: bool = False,
        photo: str | None = None,
    ) -> Channel:
        if not _USERNAME.fullmatch(name):
            raise ValueError(f"channel name {name!r}: 4-32 letters, digits and _, from a letter")
        with self._lock:
            if name.lower() in self._channels:
                raise ValueError(f"channel {name!r} exists")
            channel = Channel(
                self._lock,
                name,
                title=title or name,
                description=description,
                subscribers=subscribers,
                verified=verified,
                photo=photo or f"{name}_photo.jpg",
            )
            self._channels[name.lower()] = channel
            return channel

    def channel(self, name: str) -> Channel:
        with self._lock:
            try:
                return self._channels[name.lower()]
            except KeyError:
                raise KeyError(f"no channel {name!r}") from None

    def get(self, name: str) -> Channel | None:
        """The channel ``name`` (any capitalisation), or None."""
        with self._lock:
            return self._channels.get(name.lower())

    def __iter__(self) -> Iterator[Channel]:
        with self._lock:
            return iter(list(self._channels.values()))
