"""Fake social platforms on 127.0.0.1, for tests, the demo and benchmarks.

One :class:`FakePlatforms` server plays ``t.me`` (channel previews), Mastodon
instances (REST API; 3.x profile and toot pages) and a Bluesky AppView with its
image CDN. Real scrapers and clients run against it unchanged through
"connect-to" routing (:attr:`FakePlatforms.connect_to`). Each module's docstring
says what it reproduces faithfully and what it simplifies. Content is invented.

Each platform is two modules: its state (``telegram``, ``mastodon``, ``bluesky``) and
what it serves of it (``telegram_html``, ``mastodon_api`` and ``mastodon_html``,
``bluesky_views``); :mod:`.server` routes requests to them. Modules import their
siblings, never this package.
"""

from .bluesky import Actor, BlueskyFake, Facet, Post, Repost
from .common import LinkCard
from .mastodon import Account, Instance, MastodonFake, Status
from .server import FakePlatforms, Fault, Request
from .synthetic import (
    synthetic_bluesky_actor,
    synthetic_mastodon_account,
    synthetic_telegram_channel,
)
from .telegram import Channel, TelegramFake, TelegramPost

__all__ = [
    "Account",
    "Actor",
    "BlueskyFake",
    "Channel",
    "Facet",
    "FakePlatforms",
    "Fault",
    "Instance",
    "LinkCard",
    "MastodonFake",
    "Post",
    "Repost",
    "Request",
    "Status",
    "TelegramFake",
    "TelegramPost",
    "synthetic_bluesky_actor",
    "synthetic_mastodon_account",
    "synthetic_telegram_channel",
]
