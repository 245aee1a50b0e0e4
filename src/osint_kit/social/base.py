"""The collector protocol: what a platform collector is given and what it yields.

Built-in collectors are registered as entry points in the ``osint_kit.collectors``
group, exactly as an outside plugin would register its own (see registry.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..errors import InvalidTarget
from ..version import __version__
from .post import Post

if TYPE_CHECKING:
    from .http import PlatformHTTP

DEFAULT_APPVIEW = "https://public.api.bsky.app"


@dataclass(frozen=True)
class Target:
    """What to collect: ``platform``, a ``kind`` (channel, account, tag, post…), a name, a host."""

    platform: str
    kind: str
    name: str
    host: str | None = None
    #: The text the examiner gave, normalised (``mastodon:@alice@social.example``).
    spec: str = ""

    def __str__(self) -> str:
        return self.spec or f"{self.platform}:{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "kind": self.kind, "name": self.name, "host": self.host}


def _connect_to_from_env(text: str) -> dict[str, str]:
    routes = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        host, sep, base = item.partition("=")
        if not sep or not host or not base.startswith(("http://", "https://")):
            raise InvalidTarget(item, "OSINT_KIT_CONNECT_TO takes host=http(s)://address[:port],…")
        routes[host.strip().lower()] = base.strip().rstrip("/")
    return routes


@dataclass(frozen=True)
class CollectSettings:
    """How collection reaches the platforms; recorded with every collection run."""

    #: The Bluesky AppView that answers public XRPC queries.
    bluesky_appview: str = DEFAULT_APPVIEW
    #: Host name -> base URL to connect to instead (like curl's --connect-to): the
    #: request keeps its URL and Host header, the connection goes elsewhere. For a
    #: mirror or gateway, and for the tests' fake platforms on 127.0.0.1. The host
    #: ``*`` stands for every host not named (a sealed test environment).
    connect_to: Mapping[str, str] = field(default_factory=dict)
    #: Mastodon: "auto" (HTML pages on 3.x, the REST API on 4.x), "api" or "html".
    mastodon_via: str = "auto"
    timeout_s: int = 20
    #: Retries after a connection error (0 in tests: no back-off sleeps).
    retries: int = 2
    #: How often a 429 is retried, and the longest Retry-After honoured (seconds).
    rate_limit_retries: int = 3
    max_retry_after_s: int = 60
    #: Download the media of new and changed posts as exhibits.
    media: bool = True
    max_media_bytes: int = 200 * 2**20
    user_agent: str = f"osint-kit/{__version__} (read-only evidence collection)"

    @classmethod
    def from_env(cls, **overrides: Any) -> CollectSettings:
        """From ``OSINT_KIT_BLUESKY_APPVIEW`` and ``OSINT_KIT_CONNECT_TO``, then ``overrides``."""
        values: dict[str, Any] = {}
        if appview := os.environ.get("OSINT_KIT_BLUESKY_APPVIEW"):
            values["bluesky_appview"] = appview.rstrip("/")
        if routes := os.environ.get("OSINT_KIT_CONNECT_TO"):
            values["connect_to"] = _connect_to_from_env(routes)
        values.update(overrides)
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {
            "bluesky_appview": self.bluesky_appview,
            "connect_to": dict(self.connect_to),
            "mastodon_via": self.mastodon_via,
            "timeout_s": self.timeout_s,
            "retries": self.retries,
            "rate_limit_retries": self.rate_limit_retries,
            "max_retry_after_s": self.max_retry_after_s,
            "media": self.media,
            "max_media_bytes": self.max_media_bytes,
            "user_agent": self.user_agent,
        }


@dataclass
class CollectionRun:
    """One run against one target: what the collector needs, and where it leaves facts."""

    target: Target
    settings: CollectSettings
    http: PlatformHTTP
    since: datetime | None = None
    limit: int | None = None
    #: The account or channel as the platform described it (stored as an exhibit).
    profile: dict[str, Any] | None = None
    #: Collector facts for the capture record (instance version, API used…).
    notes: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Collector(Protocol):
    """A platform collector. ``retired`` is the reason when the platform no longer works."""

    platform: str
    retired: str | None

    def parse_target(self, text: str) -> Target:
        """``text`` is what follows ``platform:``; raise InvalidTarget when malformed."""
        ...

    def method(self, target: Target) -> str:
        """The acquisition method on the record, e.g. ``social.telegram``."""
        ...

    def collect(self, run: CollectionRun) -> Iterator[Post]:
        """Posts, newest first where the platform allows; raise CollectionFailed kinds."""
        ...
