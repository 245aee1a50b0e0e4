"""``telegram:CHANNEL`` — a public channel's posts, through snscrape's t.me scraper.

snscrape reads the channel's web preview (``https://t.me/s/CHANNEL``, older pages
with ``?before=ID``) and yields url, date, text, outlinks and link preview. The
same pages (kept in the WARC) also show views, photos, videos, forwards and
replies, which snscrape does not return; they are read here from the page that
carried each post, so the post record says everything the platform showed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from ..errors import AccountNotFound, CollectionFailed, InvalidTarget
from .base import CollectionRun, Target
from .failures import from_exception
from .post import Author, Media, Post, utc
from .snscrape_compat import item_json, snscrape_module

_CHANNEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_BACKGROUND = re.compile(r"background-image:url\('([^']+)'\)")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")


def parse_count(text: str) -> int | None:
    """t.me's abbreviated counts: ``448.7K`` → 448700, ``1.2M`` → 1200000, ``950`` → 950."""
    value = text.strip().replace(" ", "").upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(value[-1:], 1)
    number = value[:-1] if scale > 1 else value
    try:
        return round(float(number) * scale)
    except ValueError:
        return None


class TelegramCollector:
    platform = "telegram"
    retired = None

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

    def collect(self, run: CollectionRun) -> Iterator[Post]:
        pages = _PageIndex(run)
        name = run.target.name
        scraper = _scraper(snscrape_module("telegram"), name, run.settings.retries, pages)
        run.http.equip(scraper._session)  # every request recorded, read-only, routed
        try:
            channel = scraper.entity
        except Exception as exc:
            raise self._missing_or(run, exc) from None
        if channel is None:
            raise self._missing_or(run, None)
        run.profile = item_json(channel)
        run.notes["library"] = "snscrape"
        try:
            for item in scraper.get_items():
                extras = pages.extras(item.url)
                post = _post(name, item, extras)
                if run.since is not None and post.created_at < utc(run.since):
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
    """The post blocks of every channel page read so far, by post URL.

    The scraper hands over each page's parsed soup as it reads it (see
    ``_scraper``), so pages are parsed once; should a future snscrape stop
    calling that hook, the pages are parsed again from the recorded bodies.
    """

    def __init__(self, run: CollectionRun) -> None:
        self.run = run
        self.seen = 0
        self.blocks: dict[str, Tag] = {}

    def add(self, soup: Any) -> None:
        for div in soup.find_all("div", attrs={"class": "tgme_widget_message", "data-post": True}):
            self.blocks[f"https://t.me/{div['data-post']}"] = div

    def extras(self, url: str) -> dict[str, Any]:
        key = url.replace("//t.me/s/", "//t.me/")
        if key not in self.blocks:
            exchanges = self.run.http.exchanges
            for ex in exchanges[self.seen :]:
                if "/s/" in ex.url and ex.status == 200 and ex.body:
                    self.add(BeautifulSoup(ex.body, "lxml"))
            self.seen = len(exchanges)
        block = self.blocks.get(key)
        return _extras(block) if block is not None else {}


def _scraper(telegram: Any, name: str, retries: int, pages: _PageIndex) -> Any:
    """snscrape's channel scraper, handing each page it parses to ``pages``."""

    class Scraper(telegram.TelegramChannelScraper):  # type: ignore[misc]
        def _soup_to_items(self, soup: Any, pageUrl: str, onlyUsername: bool = False) -> Any:
            if not onlyUsername:
                pages.add(soup)
            return super()._soup_to_items(soup, pageUrl, onlyUsername)

    return Scraper(name, retries=retries)


def _message_text(div: Tag) -> tuple[str, list[str], list[str], list[str]]:
    """The text as shown (line breaks kept, which snscrape drops), its links, mentions, tags."""
    parts: list[str] = []
    for node in div.descendants:
        if isinstance(node, NavigableString):
            parts.append(str(node))
        elif isinstance(node, Tag) and node.name == "br":
            parts.append("\n")
    links, mentions, tags = [], [], []
    for a in div.find_all("a", href=True):
        href, shown = str(a["href"]), a.get_text()
        if "?q=%23" in href or shown.startswith("#"):
            tags.append(shown.lstrip("#"))
        elif shown.startswith("@"):
            mentions.append(shown.lstrip("@"))
        elif href not in links:
            links.append(href)
    return "".join(parts), links, mentions, tags


def _extras(div: Tag) -> dict[str, Any]:
    out: dict[str, Any] = {"media": []}
    if text_div := div.find("div", class_="tgme_widget_message_text"):
        out["text"], out["links"], out["mentions"], out["hashtags"] = _message_text(text_div)
    if preview := div.find("a", class_="tgme_widget_message_link_preview"):
        out["link_preview"] = preview.get("href")
    for i, a in enumerate(div.find_all("a", class_="tgme_widget_message_photo_wrap")):
        if m := _BACKGROUND.search(str(a.get("style", ""))):
            out["media"].append({"url": m.group(1), "type": "image", "index": i})
    for video in div.find_all("video", class_="tgme_widget_message_video"):
        if video.get("src"):
            out["media"].append({"url": video["src"], "type": "video"})
    for thumb in div.find_all("i", class_="tgme_widget_message_video_thumb"):
        if (m := _BACKGROUND.search(str(thumb.get("style", "")))) and not div.find(
            "video", class_="tgme_widget_message_video", src=True
        ):
            out["media"].append({"url": m.group(1), "type": "video_thumbnail"})
    if views := div.find("span", class_="tgme_widget_message_views"):
        out["views"] = parse_count(views.text)
    if fwd := div.find("a", class_="tgme_widget_message_forwarded_from_name"):
        out["forwarded_from"] = fwd.get("href") or fwd.text.strip()
    elif fwd_div := div.find(class_="tgme_widget_message_forwarded_from"):
        out["forwarded_from"] = fwd_div.text.replace("Forwarded from", "").strip()
    if reply := div.find("a", class_="tgme_widget_message_reply"):
        out["reply_to"] = reply.get("href")
    if owner := div.find(class_="tgme_widget_message_owner_name"):
        out["author_name"] = owner.text.strip()
    meta = div.find("span", class_="tgme_widget_message_meta")
    out["edited"] = bool(meta and "edited" in meta.text)
    return out


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
        created_at=utc(item.date),
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
