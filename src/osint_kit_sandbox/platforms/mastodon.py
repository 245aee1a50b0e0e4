"""Fake Mastodon instances: accounts and statuses, served as the REST API (3.x and 4.x) and,
for 3.x, as the server-rendered profile and toot pages snscrape reads.

Faithful: snowflake-like ids that sort by time, content HTML as Mastodon's formatter
writes it (mention ``h-card`` spans, hashtag anchors, links with ``invisible``
spans; 3.x and 4.x attribute differences), edits with ``edited_at``, deletion
(404), boosts, replies and threads, per-version JSON keys.
Simplified: one instance knows only its own accounts (remote accounts exist only
as mentions); no polls, custom emojis, pins, favourites or followers lists;
``visibility`` other than public is stored but never hidden.
See :mod:`.mastodon_api` and :mod:`.mastodon_html` for what is served.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar, overload

from .common import LinkCard, stable_int, utc
from .mastodon_text import format_text
from .media import valid_name

_T = TypeVar("_T")
MediaSpec = tuple[str, str] | tuple[str, str, str]  # (kind, name) or (kind, name, description)


@dataclass(frozen=True)
class Account:
    host: str
    id: str
    username: str
    display_name: str
    note_html: str
    created_at: datetime
    avatar: str
    locked: bool = False
    bot: bool = False
    followers_count: int = 0
    following_count: int = 0

    @property
    def url(self) -> str:
        return f"https://{self.host}/@{self.username}"

    @property
    def uri(self) -> str:
        return f"https://{self.host}/users/{self.username}"


@dataclass(frozen=True)
class Attachment:
    id: str
    kind: str  # image, video, gifv, audio
    name: str
    description: str | None = None


@dataclass(frozen=True)
class Mention:
    id: str
    username: str
    acct: str  # "bob" for local accounts, "bob@other.example" for remote ones
    url: str


@dataclass(frozen=True)
class Status:
    host: str
    id: str
    account: Account
    created_at: datetime
    content: str = ""
    spoiler_text: str = ""
    sensitive: bool = False
    visibility: str = "public"
    language: str | None = "en"
    in_reply_to_id: str | None = None
    in_reply_to_account_id: str | None = None
    reblog_of_id: str | None = None
    media: tuple[Attachment, ...] = ()
    mentions: tuple[Mention, ...] = ()
    tags: tuple[str, ...] = ()
    card: LinkCard | None = None
    favourites_count: int = 0
    edited_at: datetime | None = None
    quote_of_id: str | None = None  # a quote post (served from 4.4 on)

    @property
    def url(self) -> str:
        if self.reblog_of_id:
            return f"{self.account.uri}/statuses/{self.id}/activity"
        return f"{self.account.url}/{self.id}"

    @property
    def uri(self) -> str:
        suffix = "/activity" if self.reblog_of_id else ""
        return f"{self.account.uri}/statuses/{self.id}{suffix}"


def snowflake(moment: datetime, sequence: int) -> str:
    """Mastodon's id scheme: milliseconds since 1970 in the high bits, a sequence in the low 16."""
    return str((int(utc(moment).timestamp() * 1000) << 16) | (sequence & 0xFFFF))


class Instance:
    """One Mastodon server. Its host name must be routed to the fake (see ``connect_to``)."""

    def __init__(self, lock: threading.RLock, host: str, version: str, title: str) -> None:
        self._lock = lock
        self.host = host
        self.version = version
        self.title = title
        numbers = [int(n) for n in re.findall(r"\d+", version)[:3]]
        self.version_info = tuple(numbers + [0] * (3 - len(numbers)))
        self.major = self.version_info[0]
        self._sequence = 0
        self._accounts: dict[str, Account] = {}  # by id
        self._statuses: dict[str, Status] = {}  # live ones, by id
        self._timeline: dict[str, list[int]] = {}  # account id -> live status ids, ascending
        self._children: dict[str, list[str]] = {}  # status id -> replies
        self._boosts: dict[str, list[str]] = {}  # status id -> reblogs of it

    def _next(self) -> int:
        self._sequence += 1
        return self._sequence

    def add_account(
        self,
        username: str,
        *,
        display_name: str = "",
        note_html: str = "",
        created_at: datetime | None = None,
        avatar: str | None = None,
        locked: bool = False,
        bot: bool = False,
        followers_count: int = 0,
        following_count: int = 0,
    ) -> Account:
        with self._lock:
            if self.account(username, missing_ok=True):
                raise ValueError(f"account {username!r} exists on {self.host}")
            created = utc(created_at or datetime(2022, 11, 7, tzinfo=UTC)).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            account = Account(
                self.host,
                snowflake(created, stable_int(self.host, username, bits=16)),
                username,
                display_name,
                note_html,
                created,
                avatar or f"{username}-avatar.png",
                locked,
                bot,
                followers_count,
                following_count,
            )
            self._accounts[account.id] = account
            self._timeline[account.id] = []
            return account

    @overload
    def account(self, username: str) -> Account: ...
    @overload
    def account(self, username: str, *, missing_ok: bool) -> Account | None: ...

    def account(self, username: str, *, missing_ok: bool = False) -> Account | None:
        """The local account ``username`` (``alice`` or ``alice@host``), case-insensitively;
        KeyError if there is none, unless ``missing_ok`` (then None)."""
        name = username.lstrip("@").lower().removesuffix(f"@{self.host}")
        with self._lock:
            for account in self._accounts.values():
                if account.username.lower() == name:
                    return account
        if missing_ok:
            return None
        raise KeyError(f"no account {username!r} on {self.host}")

    def account_by_id(self, account_id: str) -> Account | None:
        return self._accounts.get(account_id)

    def add_status(
        self,
        account: Account,
        *,
        created_at: datetime,
        text: str = "",
        text_html: str | None = None,
        tags: Sequence[str] = (),
        mentions: Sequence[Account | str] = (),
        media: Sequence[MediaSpec] = (),
        in_reply_to: Status | str | None = None,
        reblog_of: Status | str | None = None,
        quote_of: Status | str | None = None,
        language: str | None = "en",
        spoiler_text: str = "",
        sensitive: bool = False,
        visibility: str = "public",
        card: LinkCard | None = None,
        favourites_count: int = 0,
    ) -> Status:
        """Post a status. ``text`` is plain text that gets Mastodon's links, #tags and
        @mentions; ``text_html`` is used as is (then only ``tags``/``mentions`` given count).
        ``quote_of`` makes it a quote post (an accepted quote, as 4.4+ serves it)."""
        with self._lock:
            if account.id not in self._accounts:
                raise KeyError(f"{account.username!r} is not an account of {self.host}")
            status_id = snowflake(created_at, self._next())
            if reblog_of is not None:
                original = self.status(reblog_of if isinstance(reblog_of, str) else reblog_of.id)
                status = Status(
                    self.host,
                    status_id,
                    account,
                    utc(created_at),
                    language=None,
                    reblog_of_id=original.id,
                )
                self._boosts.setdefault(original.id, []).append(status_id)
            else:
                content, found_tags, found_mentions = self._content(text, text_html)
                parent = None
                if in_reply_to is not None:
                    parent = self.status(
                        in_reply_to if isinstance(in_reply_to, str) else in_reply_to.id
                    )
                attachments = tuple(self._attachment(created_at, spec) for spec in media)
                quoted = None
                if quote_of is not None:
                    quoted = self.status(quote_of if isinstance(quote_of, str) else quote_of.id)
                status = Status(
                    self.host,
                    status_id,
                    account,
                    utc(created_at),
                    content,
                    spoiler_text,
                    sensitive or bool(spoiler_text),
                    visibility,
                    language,
                    parent.id if parent else None,
                    parent.account.id if parent else None,
                    None,
                    attachments,
                    _unique([*found_mentions, *(self._mention(m) for m in mentions)]),
                    _unique([*found_tags, *tags]),
                    card,
                    favourites_count,
                    None,
                    quoted.id if quoted else None,
                )
                if parent:
                    self._children.setdefault(parent.id, []).append(status_id)
            self._statuses[status_id] = status
            bisect.insort(self._timeline[account.id], int(status_id))
            return status

    def edit(
        self,
        status_id: str,
        *,
        text: str | None = None,
        text_html: str | None = None,
        spoiler_text: str | None = None,
        edited_at: datetime | None = None,
    ) -> Status:
        with self._lock:
            status = self.status(status_id)
            if status.reblog_of_id:
                raise ValueError("a boost cannot be edited")
            changes: dict[str, object] = {"edited_at": utc(edited_at or datetime.now(UTC))}
            if text is not None or text_html is not None:
                content, tags, mentions = self._content(text or "", text_html)
                changes.update(
                    content=content,
                    tags=tags if text_html is None else status.tags,
                    mentions=mentions if text_html is None else status.mentions,
                )
            if spoiler_text is not None:
                changes.update(
                    spoiler_text=spoiler_text, sensitive=bool(spoiler_text) or status.sensitive
                )
            edited = replace(status, **changes)  # type: ignore[arg-type]
            self._statuses[status_id] = edited
            return edited

    def delete(self, status_id: str) -> None:
        """Delete a status and, as Mastodon does, the boosts of it."""
        with self._lock:
            status = self.status(status_id)
            for boost in self._boosts.pop(status_id, []):
                if boost in self._statuses:
                    self.delete(boost)
            del self._statuses[status_id]
            self._timeline[status.account.id].remove(int(status_id))
            for index in (self._children, self._boosts):
                for ids in index.values():
                    if status_id in ids:
                        ids.remove(status_id)

    def status(self, status_id: str) -> Status:
        with self._lock:
            try:
                return self._statuses[status_id]
            except KeyError:
                raise KeyError(f"no status {status_id} on {self.host}") from None

    def find(self, status_id: str) -> Status | None:
        return self._statuses.get(status_id)

    def timeline(self, account: Account) -> list[int]:
        """Live status ids of ``account``, newest first."""
        return self._timeline[account.id][::-1]

    def all_ids(self) -> list[int]:
        return sorted((int(i) for i in self._statuses), reverse=True)

    def replies(self, status_id: str) -> list[Status]:
        return [self._statuses[i] for i in self._children.get(status_id, ()) if i in self._statuses]

    def boost_count(self, status_id: str) -> int:
        return len(self._boosts.get(status_id, ()))

    def accounts(self) -> Iterator[Account]:
        return iter(list(self._accounts.values()))

    def media_url(self, kind: str, owner_id: str, style: str, name: str) -> str:
        """``https://host/system/<kind>/<id in 3-digit groups>/<style>/<name>`` (served)."""
        digits = owner_id.zfill(18)
        groups = "/".join(digits[i : i + 3] for i in range(0, len(digits), 3))
        return f"https://{self.host}/system/{kind}/{groups}/{style}/{name}"

    def _attachment(self, created_at: datetime, spec: MediaSpec) -> Attachment:
        kind, name = spec[0], spec[1]
        if kind not in ("image", "video", "gifv", "audio") or not valid_name(name):
            raise ValueError(f"media {spec!r}: kind image/video/gifv/audio and a plain file name")
        return Attachment(
            snowflake(created_at, self._next()), kind, name, spec[2] if len(spec) > 2 else None
        )

    def _mention(self, who: Account | str) -> Mention:
        if isinstance(who, Account):
            return Mention(who.id, who.username, who.username, who.url)
        name = who.lstrip("@")
        if "@" in name and not name.endswith(f"@{self.host}"):
            username, domain = name.split("@", 1)
            remote_id = snowflake(datetime(2023, 1, 1, tzinfo=UTC), stable_int(name, bits=16))
            return Mention(remote_id, username, name, f"https://{domain}/@{username}")
        return self._mention(self.account(name))

    def _content(
        self, text: str, text_html: str | None
    ) -> tuple[str, tuple[str, ...], tuple[Mention, ...]]:
        if text_html is not None:
            return text_html, (), ()
        mentions: list[Mention] = []

        def resolve(written: str) -> tuple[str, str] | None:
            if "@" not in written[1:] and not self.account(written, missing_ok=True):
                return None  # Mastodon links only the mentions it can resolve
            mentions.append(self._mention(written))
            return mentions[-1].url, mentions[-1].username

        content, tags = format_text(text, self.host, self.major, resolve)
        return content, tuple(tags), tuple(mentions)


class MastodonFake:
    """The fake Mastodon instances, by host name."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._instances: dict[str, Instance] = {}

    def add_instance(
        self, host: str, *, version: str = "4.2.10", title: str | None = None
    ) -> Instance:
        host = host.lower()
        with self._lock:
            if host in self._instances:
                raise ValueError(f"instance {host!r} exists")
            instance = Instance(self._lock, host, version, title or host)
            self._instances[host] = instance
            return instance

    def instance(self, host: str) -> Instance:
        found = self.get(host)
        if found is None:
            raise KeyError(f"no instance {host!r}")
        return found

    def get(self, host: str) -> Instance | None:
        with self._lock:
            return self._instances.get(host.lower())

    def hosts(self) -> list[str]:
        with self._lock:
            return list(self._instances)


def _unique(items: Sequence[_T]) -> tuple[_T, ...]:
    seen: list[_T] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return tuple(seen)
