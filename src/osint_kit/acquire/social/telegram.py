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
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup

from osint_kit.acquire.social.base import CollectionRun, CollectorOption, Target
from osint_kit.acquire.social.failures import from_exception
from osint_kit.acquire.social.shapes import Answer
from osint_kit.acquire.social.snscrape_compat import item_json, snscrape_module
from osint_kit.acquire.social.tme_page import page_posts
from osint_kit.base.dates import format_seconds
from osint_kit.errors import AccountNotFound, CollectionFailed, InvalidTarget, UnexpectedResponse
from osint_kit.record.post import Author, Media, Post, account_key

_CHANNEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z][A-Za-z0-9_]{3,31})\b")
#: A post as snscrape links it (``https://t.me/s/CHANNEL/ID``).
_POST_URL = re.compile(r"^https://t\.me/(s/)?[A-Za-z0-9_]+/\d+/?$")
#: A post or a channel as a t.me page links it.
_LINK = re.compile(r"^https?://t\.me/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})(?:/(\d+))?/?(?:\?.*)?$")


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
        # The channel as Telegram spells it (the profile), else as the target gave it.
        username = getattr(channel, "username", None)
        shown = username if isinstance(username, str) and _CHANNEL.match(username) else name
        pages = _PageIndex(run)
        try:
            for item in scraper.get_items():
                _check(run, item)
                try:
                    extras = pages.extras(item.url)
                except Exception as exc:  # lxml on a page it could not read
                    raise _odd(run, f"{type(exc).__name__}: {str(exc)[:200]}", item) from None
                post = _post(name, item, extras, shown)
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


def _odd(run: CollectionRun, problem: str, item: Any) -> UnexpectedResponse:
    """A post snscrape read off a page that the fields used cannot be taken from."""
    page = next((e.url for e in reversed(run.http.exchanges) if "/s/" in e.url), str(run.target))
    answer = Answer(str(run.target), page)
    answer.note(f"{problem} (snscrape item {getattr(item, 'url', None)!r})")
    return answer.failure()


def _check(run: CollectionRun, item: Any) -> None:
    url = getattr(item, "url", None)
    if not isinstance(url, str) or not _POST_URL.match(url):
        raise _odd(run, "a post's link is not a t.me post URL", item)
    if not isinstance(getattr(item, "date", None), datetime):
        raise _odd(run, "a post has no time", item)
    content = getattr(item, "content", None)
    if content is not None and not isinstance(content, str):
        raise _odd(run, "a post's text is not text", item)
    outlinks = getattr(item, "outlinks", None)
    if outlinks is not None and not all(isinstance(o, str) for o in outlinks):
        raise _odd(run, "a post's links are not URLs", item)


def _key(channel: str) -> str:
    return account_key("telegram", channel)


def _ref(channel: str, url: object) -> tuple[str | None, str | None]:
    """A post a t.me link points to, as (post, its channel's key). The post is given by
    its id within this channel (the id posts get here), by its URL in another channel
    (a bare id there would join to this channel's post of that number); a link to a
    channel alone names only the channel."""
    if not isinstance(url, str):
        return None, None
    m = _LINK.match(url)
    if m is None:
        return None, None
    other, post_id = m.group(1), m.group(2)
    if post_id is None:
        return None, _key(other)
    if other.lower() == channel.lower():
        return post_id, _key(other)
    return f"https://t.me/{other}/{post_id}", _key(other)


def _post(channel: str, item: Any, extras: dict[str, Any], shown: str | None = None) -> Post:
    """``channel`` as the target names it (media keys, URLs stay as earlier runs made
    them), ``shown`` as Telegram spells it (the handle)."""
    raw = item_json(item)
    post_id = item.url.rstrip("/").rsplit("/", 1)[1]
    if "text" in extras:  # the page as shown: line breaks, and links as marked up
        text = extras["text"]
        outlinks = list(extras["links"])
        if extras.get("link_preview") and extras["link_preview"] not in outlinks:
            outlinks.append(extras["link_preview"])
        names: list[str] = extras["mentions"]
        hashtags = tuple(dict.fromkeys(extras["hashtags"]))
    else:
        text = item.content or ""
        outlinks = list(item.outlinks or ())
        names = _MENTION.findall(text)
        hashtags = tuple(dict.fromkeys(_HASHTAG.findall(text)))
    mentions = tuple(dict.fromkeys(_key(n) for n in names if _CHANNEL.match(n)))
    media = tuple(
        Media(url=m["url"], type=m["type"], key=f"{channel}/{post_id}#{n}:{m['type']}")
        for n, m in enumerate(extras.get("media", []))
    )
    reply_to, reply_account = _ref(channel, extras.get("reply_to"))
    reposted, reposted_account = _ref(channel, extras.get("forwarded_from"))
    page = {k: v for k, v in extras.items() if k not in ("media", "text", "links")}
    return Post(
        platform="telegram",
        id=post_id,
        url=item.url.replace("//t.me/s/", "//t.me/"),
        author=Author(
            handle=f"@{shown or channel}",
            display_name=extras.get("author_name"),
            id=None,
            url=f"https://t.me/{channel}",
            key=_key(channel),
        ),
        created_at=format_seconds(item.date),
        text=text,
        language=None,
        reply_to=reply_to,
        reply_to_account=reply_account,
        reposted=reposted,
        reposted_account=reposted_account,
        mentions=mentions,
        hashtags=hashtags,
        outlinks=tuple(outlinks),
        media=media,
        counts={"views": extras.get("views")},
        raw={"snscrape": raw, "page": page},
    )


COLLECTOR = TelegramCollector()
