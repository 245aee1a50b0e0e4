"""``mastodon:@user@host``, ``mastodon:#tag@host``, ``mastodon:https://host/@user/ID``.

The instance host comes from the target, so any instance can be collected. How
an instance is read depends on its version, asked at ``/api/v1/instance``:

- 4.x and later: the public REST API (``accounts/lookup``, ``accounts/:id/statuses``
  paged with the ``Link`` header, ``statuses/:id`` and ``/context``);
- 3.x: the server-rendered profile and toot pages, through snscrape's scrapers
  (which pause 3 s between requests, as they do against live instances).

Hashtag timelines use the REST API on every version (snscrape has no tag scraper).
The collector's ``via`` option (``-o via=api``) forces ``api`` or ``html``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from ..dates import format_seconds, parse_time
from ..errors import AccountNotFound, CollectionFailed, InvalidTarget, UnexpectedResponse
from .base import CollectionRun, CollectorOption, Target
from .failures import for_status, from_exception, json_body
from .post import Author, Media, Post
from .snscrape_compat import item_json, snscrape_module

_USER = re.compile(r"^[A-Za-z0-9_]{1,30}$")
_TAG = re.compile(r"^\w{1,100}$")
_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*(:\d{1,5})?$"
)
_POST_URL = re.compile(r"^https?://([^/]+)/@([A-Za-z0-9_]+)(?:@[^/]+)?/(\d+)/?$")
PAGE = 40


def _bad(text: str, why: str) -> InvalidTarget:
    return InvalidTarget(
        f"mastodon:{text}",
        f"{why}; write mastodon:@user@host, mastodon:#tag@host or mastodon:https://host/@user/ID",
    )


#: Statuses looked up one by one, at most, when a run finds some no longer listed.
MAX_LOOKUPS = 200


class MastodonCollector:
    """Mastodon accounts, hashtags and threads: the REST API on 4.x, HTML pages on 3.x."""

    platform = "mastodon"
    retired = None
    options = (
        CollectorOption(
            "via",
            "read through the REST API or the HTML pages (auto: by the instance's version)",
            "auto",
            ("auto", "api", "html"),
        ),
    )

    def parse_target(self, text: str) -> Target:
        if m := _POST_URL.match(text):
            host, user, post_id = m.groups()
            if not _HOST.match(host):
                raise _bad(text, f"{host!r} is not a host name")
            url = f"https://{host.lower()}/@{user}/{post_id}"
            return Target("mastodon", "post", f"{user}/{post_id}", host.lower(), f"mastodon:{url}")
        if text.startswith("#"):
            tag, sep, host = text[1:].partition("@")
            if not sep or not _TAG.match(tag) or not _HOST.match(host):
                raise _bad(text, "a hashtag needs its instance: #tag@host")
            return Target(
                "mastodon",
                "tag",
                tag.lower(),
                host.lower(),
                f"mastodon:#{tag.lower()}@{host.lower()}",
            )
        user, sep, host = text.removeprefix("@").partition("@")
        if not sep or not _USER.match(user) or not _HOST.match(host):
            raise _bad(text, "an account is @user@host (letters, digits and '_' in the user name)")
        return Target("mastodon", "account", user, host.lower(), f"mastodon:@{user}@{host.lower()}")

    def method(self, target: Target) -> str:
        return "social.mastodon"

    def confirm_deleted(
        self, run: CollectionRun, posts: Sequence[tuple[str, str]]
    ) -> dict[str, str]:
        """Ask the instance about statuses no longer listed: ``/api/v1/statuses/:id``
        answers 404 or 410 for a deleted one (a status only untagged still answers)."""
        host = run.target.host
        said: dict[str, str] = {}
        for post_id, _ in posts[:MAX_LOOKUPS]:
            if not post_id.isdigit():
                continue  # a boost's own id: nothing to look up
            url = f"https://{host}/api/v1/statuses/{post_id}"
            status = run.http.get(url).status_code
            if status in (404, 410):
                said[post_id] = f"{url} answered HTTP {status}"
        return said

    def collect(self, run: CollectionRun) -> Iterator[Post]:
        host = run.target.host
        assert host
        via = self._via(run, host)
        run.notes["via"] = via
        if via == "html":
            yield from _Html(run, host).posts()
        else:
            yield from _Api(run, host).posts()

    def _via(self, run: CollectionRun, host: str) -> str:
        wanted = run.options.get("via", "auto")
        if wanted in ("api", "html"):
            return wanted if run.target.kind != "tag" else "api"
        try:
            response = run.http.get(f"https://{host}/api/v1/instance")
        except Exception as exc:
            raise from_exception(str(run.target), exc, run.http) from None
        if response.status_code != 200:
            raise for_status(str(run.target), response, f"the instance {host}")
        version = str(json_body(response, str(run.target)).get("version", ""))
        run.notes["instance_version"] = version
        major = re.match(r"^(\d+)\.", version)
        if major and int(major.group(1)) < 4 and run.target.kind != "tag":
            return "html"
        return "api"


class _Api:
    def __init__(self, run: CollectionRun, host: str) -> None:
        self.run = run
        self.host = host
        self.base = f"https://{host}/api/v1"
        self.target = str(run.target)

    def get(self, url: str, params: dict[str, Any] | None = None, what: str = "") -> Any:
        try:
            response = self.run.http.get(url, params=params)
        except Exception as exc:
            raise from_exception(self.target, exc, self.run.http) from None
        if response.status_code != 200:
            raise for_status(self.target, response, what)
        return response, json_body(response, self.target)

    def posts(self) -> Iterator[Post]:
        kind = self.run.target.kind
        name = self.run.target.name
        if kind == "post":
            name = name.rsplit("/", 1)[1]
            _, status = self.get(f"{self.base}/statuses/{name}", what=f"post {name}")
            yield from self.convert(status, f"{self.base}/statuses/{name}")
            _, context = self.get(f"{self.base}/statuses/{name}/context")
            for status in context.get("ancestors", []) + context.get("descendants", []):
                yield from self.convert(status, f"{self.base}/statuses/{name}/context")
            return
        if kind == "account":
            _, account = self.get(
                f"{self.base}/accounts/lookup", {"acct": name}, f"the account @{name}@{self.host}"
            )
            self.run.profile = account
            url: str | None = f"{self.base}/accounts/{account['id']}/statuses"
        else:
            url = f"{self.base}/timelines/tag/{name}"
        params: dict[str, Any] | None = {"limit": PAGE}
        since = format_seconds(self.run.since) if self.run.since else None
        while url:
            response, page = self.get(url, params)
            if not isinstance(page, list):
                raise UnexpectedResponse(
                    self.target,
                    f"{response.url} did not answer a list of statuses",
                    url=response.url,
                )
            for status in page:
                for post in self.convert(status, response.url):
                    if since and post.created_at < since and post.id == str(status.get("id")):
                        return
                    yield post
            url = response.links.get("next", {}).get("url")
            params = None  # the next link carries them

    def convert(self, status: Any, url: str) -> Iterator[Post]:
        try:
            if status.get("reblog"):
                original = status["reblog"]
                yield self.post(status, reposted=original.get("url") or original.get("uri"))
                yield self.post(original)
            else:
                yield self.post(status)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise UnexpectedResponse(
                self.target,
                f"a status from {url} did not have the expected shape ({exc!r})",
                url=url,
            ) from None

    def post(self, s: dict[str, Any], reposted: str | None = None) -> Post:
        account = s["account"]
        acct = account["acct"] if "@" in account["acct"] else f"{account['acct']}@{self.host}"
        text, links = html_text(s.get("content") or "")
        card = s.get("card") or {}
        if card.get("url") and card["url"] not in links:
            links.append(card["url"])
        quote = (s.get("quote") or {}).get("quoted_status") or {}
        return Post(
            platform="mastodon",
            id=str(s["id"]),
            url=s.get("url") or s["uri"],
            author=Author(
                handle=f"@{acct}",
                display_name=account.get("display_name"),
                id=str(account["id"]),
                url=account.get("url"),
            ),
            created_at=format_seconds(parse_time(s["created_at"])),
            edited_at=format_seconds(parse_time(s["edited_at"])) if s.get("edited_at") else None,
            text=text if not reposted else "",
            language=s.get("language"),
            reply_to=str(s["in_reply_to_id"]) if s.get("in_reply_to_id") else None,
            quoted=quote.get("url") or quote.get("uri"),
            reposted=reposted,
            mentions=tuple(f"@{m['acct']}" for m in s.get("mentions", [])),
            hashtags=tuple(t["name"] for t in s.get("tags", [])),
            outlinks=tuple(links),
            media=tuple(
                Media(
                    url=m.get("url") or m.get("remote_url"),
                    type=m.get("type", "file"),
                    alt=m.get("description"),
                    key=f"attachment:{m['id']}",
                )
                for m in s.get("media_attachments", [])
                if m.get("url") or m.get("remote_url")
            ),
            counts={
                "replies": s.get("replies_count"),
                "reposts": s.get("reblogs_count"),
                "likes": s.get("favourites_count"),
            },
            raw=s,
        )


def html_text(content: str) -> tuple[str, list[str]]:
    """A status's HTML as plain text (paragraphs, line breaks), and its links that are not
    mentions or hashtags."""
    soup = BeautifulSoup(content, "lxml")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    paragraphs = soup.find_all("p")
    text = "\n\n".join(p.get_text() for p in paragraphs) if paragraphs else soup.get_text()
    links: list[str] = []
    for a in soup.find_all("a", href=True):
        classes = list(a.get("class") or [])
        href = str(a["href"])
        if "mention" in classes or "hashtag" in classes or href in links:
            continue
        links.append(href)
    return text.strip(), links


class _Html:
    """Mastodon 3.x: the server-rendered pages, read by snscrape."""

    def __init__(self, run: CollectionRun, host: str) -> None:
        self.run = run
        self.host = host
        self.target = str(run.target)

    def posts(self) -> Iterator[Post]:
        mastodon = snscrape_module("mastodon")
        kind, name = self.run.target.kind, self.run.target.name
        if kind == "account":
            scraper = mastodon.MastodonProfileScraper(
                f"@{name}@{self.host}", retries=self.run.settings.retries
            )
        else:
            url = f"https://{self.host}/@{name}"
            scraper = mastodon.MastodonTootScraper(
                url, mode=mastodon.MastodonTootScraperMode.THREAD, retries=self.run.settings.retries
            )
        self.run.http.equip(scraper._session)
        self.run.notes["library"] = "snscrape"
        since = format_seconds(self.run.since) if self.run.since else None
        count = 0
        try:
            for item in scraper.get_items():
                count += 1
                for post in self.convert(item):
                    if since and post.created_at < since and kind == "account":
                        return
                    yield post
        except CollectionFailed:
            raise
        except Exception as exc:
            raise from_exception(self.target, exc, self.run.http) from None
        if count == 0:
            last = self.run.http.exchanges[-1] if self.run.http.exchanges else None
            if last is not None and last.status == 404:
                raise AccountNotFound(
                    self.target, f"it does not exist (HTTP 404 from {last.url})", url=last.url
                )
            if last is not None and last.status and last.status >= 400:
                raise from_exception(self.target, RuntimeError("no posts"), self.run.http)

    def convert(self, item: Any) -> Iterator[Post]:
        raw = item_json(item)
        if hasattr(item, "toot"):  # a Boost
            booster = item.user
            yield Post(
                platform="mastodon",
                id=f"boost:{booster.account}:{item.toot.id}",
                url=item.toot.url,
                author=Author(
                    handle=booster.account, display_name=booster.displayName, url=booster.url
                ),
                created_at=format_seconds(item.toot.date),
                text="",
                reposted=item.toot.url,
                raw=raw,
            )
            item = item.toot
            raw = raw["toot"]
        yield Post(
            platform="mastodon",
            id=str(item.id),
            url=item.url,
            author=Author(
                handle=item.user.account, display_name=item.user.displayName, url=item.user.url
            ),
            created_at=format_seconds(item.date),
            text=item.text if not item.spoilerText else f"{item.text}\n\n{item.spoilerText}",
            mentions=tuple(u.account for u in item.mentionedUsers or ()),
            hashtags=tuple(h.lstrip("#") for h in item.hashtags or ()),
            outlinks=tuple(item.links or ()),
            media=tuple(
                Media(
                    url=a.url, type=_guess_type(a.url), alt=a.name or None, key=urlsplit(a.url).path
                )
                for a in item.attachments or ()
            ),
            raw=raw,
        )


def _guess_type(url: str) -> str:
    path = urlsplit(url).path.lower()
    if path.endswith((".mp4", ".webm", ".mov")):
        return "video"
    if path.endswith((".mp3", ".ogg", ".wav", ".m4a")):
        return "audio"
    return "image"


COLLECTOR = MastodonCollector()
