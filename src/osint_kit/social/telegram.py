"""``telegram:CHANNEL`` — a public channel's posts, through snscrape's t.me scraper.

snscrape reads the channel's web preview (``https://t.me/s/CHANNEL``, older pages
with ``?before=ID``) and yields url, date, text, outlinks and link preview. The
same pages (kept in the WARC) also show views, photos, videos, forwards and
replies, which snscrape does not return; they are read here from the page that
carried each post, so the post record says everything the platform showed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from bs4 import BeautifulSoup

from ..dates import format_seconds
from ..errors import AccountNotFound, CollectionFailed, InvalidTarget
from .base import CollectionRun, CollectorOption, Target
from .failures import from_exception
from .post import Author, Media, Post
from .snscrape_compat import item_json, snscrape_module
from .tme_page import page_posts

_CHANNEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")


#: Posts looked up one by one, at most, when a run finds posts no longer listed.
MAX_LOOKUPS = 200


class TelegramCollector:
    """Public Telegram channels, through snscrape and the t.me page it reads."""

    platform = "telegram"
    retired = None
    options: tuple[CollectorOption, ...] = ()

    def parse_target(self, text: str) -> Target:
        name = text.removeprefix("@")
        for prefix in ("https://t.me/s/", "https://t.me/", "t.me/s/", "t.me/"):
            if name.startswith(prefix):
                name = name[len(prefix) :].strip("/")
        if not _CHANNEL.match(name):
            raise InvalidTarget(
                f"telegram:{text}",
                "a channel name is 4-32 letters, digits and '_', starting with a letter",
            )
        return Target("telegram", "channel", name, "t.me", f"telegram:{name}")

    def method(self, target: Target) -> str:
        return "social.telegram"

    def confirm_deleted(
        self, run: CollectionRun, posts: Sequence[tuple[str, str]]
    ) -> dict[str, str]:
        """Ask t.me about posts the channel no longer lists: a post link's embed widget
        says "Post not found" for a deleted post (the answer goes into the WARC)."""
        said: dict[str, str] = {}
        for post_id, url in posts[:MAX_LOOKUPS]:
            response = run.http.get(f"{url}?embed=1&mode=tme")
            if response.status_code in (404, 410) or (
                response.status_code == 200 and "tgme_widget_message_error" in response.text
            ):
                said[post_id] = f"t.me answers 'Post not found' for {url}"
        return said

    def collect(self, run: CollectionRun) -> Iterator[Post]:
        name = run.target.name
        telegram = snscrape_module("telegram")
        scraper = telegram.TelegramChannelScraper(name, retries=run.settings.retries)
        run.http.equip(scraper._session)  # every request recorded, read-only, routed
        try:
            channel = scraper.entity
        except Exception as exc:
            raise self._missing_or(run, exc) from None
        if channel is None:
            raise self._missing_or(run, None)
        run.profile = item_json(channel)
        run.notes["library"] = "snscrape"
        pages = _PageIndex(run)
        try:
            for item in scraper.get_items():
                extras = pages.extras(item.url)
                post = _post(name, item, extras)
                if run.since is not None and post.created_at < format_seconds(run.since):
                    return
                yield post
        except CollectionFailed:
            raise
        except Exception as exc:
            raise from_exception(str(run.target), exc, run.http) from None

    def _missing_or(self, run: CollectionRun, exc: BaseException | None) -> CollectionFailed:
        """Tell a channel that does not exist (t.me's generic page) from other failures."""
        name = run.target.name
        contact = next(
            (e for e in reversed(run.http.exchanges) if e.url.rstrip("/").endswith(f"t.me/{name}")),
            None,
        )
        if contact is not None and contact.status == 200 and contact.body is not None:
            soup = BeautifulSoup(contact.body, "lxml")
            if soup.find("div", class_="tgme_page_title") is None:
                return AccountNotFound(
                    str(run.target),
                    f"no Telegram channel {name!r} ({contact.url})",
                    url=contact.url,
                )
            if exc is None:
                return AccountNotFound(
                    str(run.target),
                    f"{name!r} exists but has no public post list "
                    "(a private channel, a group or a user)",
                    url=contact.url,
                )
        if exc is None:
            return AccountNotFound(str(run.target), f"no Telegram channel {name!r}")
        return from_exception(str(run.target), exc, run.http)


class _PageIndex:
    """The post blocks of every channel page fetched so far, by post URL."""

    def __init__(self, run: CollectionRun) -> None:
        self.run = run
        self.seen = 0
        self.blocks: dict[str, dict[str, Any]] = {}

    def extras(self, url: str) -> dict[str, Any]:
        key = url.replace("//t.me/s/", "//t.me/")
        if key not in self.blocks:
            exchanges = self.run.http.exchanges
            for ex in exchanges[self.seen :]:
                if "/s/" in ex.url and ex.status == 200 and ex.body:
                    self.blocks.update(page_posts(ex.body))
            self.seen = len(exchanges)
        return self.blocks.get(key, {})


def _post(channel: str, item: Any, extras: dict[str, Any]) -> Post:
    raw = item_json(item)
    post_id = item.url.rstrip("/").rsplit("/", 1)[1]
    if "text" in extras:  # the page as shown: line breaks, and links as marked up
        text = extras["text"]
        outlinks = list(extras["links"])
        if extras.get("link_preview") and extras["link_preview"] not in outlinks:
            outlinks.append(extras["link_preview"])
        mentions = tuple(dict.fromkeys(extras["mentions"]))
        hashtags = tuple(dict.fromkeys(extras["hashtags"]))
    else:
        text = item.content or ""
        outlinks = list(item.outlinks or ())
        mentions = ()
        hashtags = tuple(dict.fromkeys(_HASHTAG.findall(text)))
    media = tuple(
        Media(url=m["url"], type=m["type"], key=f"{channel}/{post_id}#{n}:{m['type']}")
        for n, m in enumerate(extras.get("media", []))
    )
    page = {k: v for k, v in extras.items() if k not in ("media", "text", "links")}
    return Post(
        platform="telegram",
        id=post_id,
        url=item.url.replace("//t.me/s/", "//t.me/"),
        author=Author(
            handle=channel,
            display_name=extras.get("author_name"),
            id=None,
            url=f"https://t.me/{channel}",
        ),
        created_at=format_seconds(item.date),
        text=text,
        language=None,
        reply_to=extras.get("reply_to"),
        reposted=extras.get("forwarded_from"),
        mentions=mentions,
        hashtags=hashtags,
        outlinks=tuple(outlinks),
        media=media,
        counts={"views": extras.get("views")},
        raw={"snscrape": raw, "page": page},
    )


COLLECTOR = TelegramCollector()
