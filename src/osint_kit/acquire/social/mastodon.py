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
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from osint_kit.acquire.social.base import CollectionRun, CollectorOption, Target
from osint_kit.acquire.social.failures import for_status, from_exception, json_body
from osint_kit.acquire.social.shapes import (
    Answer,
    Items,
    MastodonAccount,
    MastodonContext,
    MastodonInstance,
    MastodonStatus,
)
from osint_kit.acquire.social.snscrape_compat import item_json, snscrape_module
from osint_kit.base.dates import format_seconds, parse_time
from osint_kit.errors import AccountNotFound, CollectionFailed, InvalidTarget
from osint_kit.record.post import Author, Media, Post, account_key

_USER = re.compile(r"^[A-Za-z0-9_]{1,30}$")
_TAG = re.compile(r"^\w{1,100}$")
_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*(:\d{1,5})?$"
)
_ACCOUNT = re.compile(r"^@?[^@\s/]+(@[^@\s/]+)?$")
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
        via, local = self._via(run, host)
        run.notes["via"] = via
        if via == "html":
            yield from _Html(run, host).posts()
        else:
            yield from _Api(run, host, local).posts()

    def _via(self, run: CollectionRun, host: str) -> tuple[str, str]:
        """How to read the instance, and the domain of its local accounts' handles (the
        instance's own ``uri``, which may differ from the host it is served from)."""
        wanted = run.options.get("via", "auto")
        if wanted in ("api", "html"):
            return (wanted if run.target.kind != "tag" else "api"), host
        url = f"https://{host}/api/v1/instance"
        try:
            response = run.http.get(url)
        except Exception as exc:
            raise from_exception(str(run.target), exc, run.http) from None
        if response.status_code != 200:
            raise for_status(str(run.target), response, f"the instance {host}")
        body = json_body(response, str(run.target))
        instance = Answer(str(run.target), url).require(MastodonInstance, body)
        run.notes["instance_version"] = instance.version
        local = _domain(instance.uri) or host
        if local != host:
            run.notes["local_domain"] = local
        major = re.match(r"^(\d+)\.", instance.version)
        if major and int(major.group(1)) < 4 and run.target.kind != "tag":
            return "html", local
        return "api", local


def _domain(uri: str | None) -> str | None:
    """The host in an instance's ``uri`` (``mastodon.social``; some servers write a URL)."""
    if not uri:
        return None
    host = urlsplit(uri if "//" in uri else f"//{uri}").netloc.lower()
    return host if _HOST.match(host) else None


def full_acct(acct: str, local: str) -> str:
    """``user@host`` for an ``acct`` or snscrape account: a bare ``user`` is local to
    the instance that answered, so it gets that instance's domain."""
    name = acct.strip().removeprefix("@")
    return name if "@" in name else f"{name}@{local}"


def mastodon_key(acct: str, local: str) -> str:
    return account_key("mastodon", "@" + full_acct(acct, local))


class _Api:
    def __init__(self, run: CollectionRun, host: str, local: str) -> None:
        self.run = run
        self.host = host
        self.local = local
        self.base = f"https://{host}/api/v1"
        self.target = str(run.target)
        #: Account id -> full acct, for every account seen in the answers so far (ids are
        #: the answering instance's, as ``in_reply_to_account_id`` is).
        self.accounts: dict[str, str] = {}

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
            yield from self.thread(name.rsplit("/", 1)[1])
            return
        if kind == "account":
            lookup = f"{self.base}/accounts/lookup"
            _, body = self.get(lookup, {"acct": name}, f"the account @{name}@{self.host}")
            account = Answer(self.target, lookup).require(MastodonAccount, body)
            self.run.profile = body
            url: str | None = f"{self.base}/accounts/{account.id}/statuses"
        else:
            url = f"{self.base}/timelines/tag/{name}"
        params: dict[str, Any] | None = {"limit": PAGE}
        since = format_seconds(self.run.since) if self.run.since else None
        asked: set[str] = set()
        while url:
            response, body = self.get(url, params)
            asked.add(response.url)
            answer = Answer(self.target, response.url)
            page = answer.require(Items, body)
            stop = False
            for status, raw, at in self.checked(enumerate(page.root), answer):
                for post in self.convert(status, raw, answer, at):
                    if since and post.created_at < since and post.id == status.id:
                        stop = True
                        break
                    yield post
                if stop:
                    break
            answer.close()
            if stop:
                return
            url = response.links.get("next", {}).get("url")
            params = None  # the next link carries them
            if url in asked:  # a next page already read: it would never end
                answer.note(f"Link: the next page {url} was read before; the list does not advance")
                raise answer.failure()

    def thread(self, status_id: str) -> Iterator[Post]:
        """The status, then its context; the status's author is kept as the profile."""
        url = f"{self.base}/statuses/{status_id}"
        _, body = self.get(url, what=f"post {status_id}")
        answer = Answer(self.target, url)
        status = answer.require(MastodonStatus, body)
        self.run.profile = body["account"]  # the Account, as an account collection keeps it
        self.learn(status)
        yield from self.convert(status, body, answer, "")
        url += "/context"
        _, body = self.get(url)
        answer = Answer(self.target, url)
        context = answer.require(MastodonContext, body)
        items = [(f"ancestors[{i}]", s) for i, s in enumerate(context.ancestors)]
        items += [(f"descendants[{i}]", s) for i, s in enumerate(context.descendants)]
        for status, raw, at in self.checked(items, answer):
            yield from self.convert(status, raw, answer, at)
        answer.close()

    def checked(
        self, items: Iterable[tuple[int | str, Any]], answer: Answer
    ) -> list[tuple[MastodonStatus, dict[str, Any], str]]:
        """The statuses of one answer that fit, every account in them learnt first (so a
        reply names the account it answers whichever comes first)."""
        out = []
        for where, raw in items:
            at = f"[{where}]" if isinstance(where, int) else where
            status = answer.check(MastodonStatus, raw, at)
            if status is not None:
                self.learn(status)
                out.append((status, raw, at))
        return out

    def learn(self, s: MastodonStatus) -> None:
        self.accounts.setdefault(s.account.id, full_acct(s.account.acct, self.local))
        for m in s.mentions or ():
            self.accounts.setdefault(m.id, full_acct(m.acct, self.local))
        if s.reblog is not None:
            self.learn(s.reblog)
        if s.quote is not None and s.quote.quoted_status is not None:
            self.learn(s.quote.quoted_status)

    def key(self, acct: str) -> str:
        return mastodon_key(acct, self.local)

    def convert(self, s: MastodonStatus, raw: Any, answer: Answer, at: str) -> Iterator[Post]:
        """The status as a post; a boost also yields the boosted status, a quote the
        quoted one (each a post of its own)."""
        try:
            if s.reblog is not None:
                yield self.post(s, raw, reposted=s.reblog)
                yield from self.convert(s.reblog, raw["reblog"], answer, f"{at}.reblog")
                return
            yield self.post(s, raw)
            if s.quote is not None and s.quote.quoted_status is not None:
                quoted = raw["quote"]["quoted_status"]
                yield from self.convert(
                    s.quote.quoted_status, quoted, answer, f"{at}.quote.quoted_status"
                )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            answer.note(f"{at or 'the status'}: {exc!r}")
            raise answer.failure() from None

    def author(self, a: MastodonAccount) -> Author:
        handle = "@" + full_acct(a.acct, self.local)
        return Author(
            handle=handle,
            display_name=a.display_name,
            id=a.id,
            url=a.url,
            key=account_key("mastodon", handle),
            uri=a.uri,
        )

    def post(self, s: MastodonStatus, raw: Any, reposted: MastodonStatus | None = None) -> Post:
        text, links = html_text(s.content or "")
        if s.card is not None and s.card.url and s.card.url not in links:
            links.append(s.card.url)
        quoted = s.quote.quoted_status if s.quote is not None else None
        quoted_id = quoted.id if quoted is not None else s.quote and s.quote.quoted_status_id
        replied = self.accounts.get(s.in_reply_to_account_id or "")
        return Post(
            platform="mastodon",
            id=s.id,
            url=s.url or s.uri,
            author=self.author(s.account),
            created_at=format_seconds(parse_time(s.created_at)),
            edited_at=format_seconds(parse_time(s.edited_at)) if s.edited_at else None,
            text=text if reposted is None else "",
            language=s.language,
            reply_to=s.in_reply_to_id or None,
            reply_to_account=self.key(replied) if replied else None,
            quoted=quoted_id or None,
            quoted_account=self.key(quoted.account.acct) if quoted is not None else None,
            reposted=reposted.id if reposted is not None else None,
            reposted_account=self.key(reposted.account.acct) if reposted is not None else None,
            mentions=tuple(self.key(m.acct) for m in s.mentions or ()),
            hashtags=tuple(t.name for t in s.tags or ()),
            outlinks=tuple(links),
            media=tuple(
                Media(
                    url=url,
                    type=m.type,
                    alt=m.description,
                    key=f"attachment:{m.id}",
                )
                for m in s.media_attachments or ()
                if (url := m.url or m.remote_url)
            ),
            counts={
                "replies": s.replies_count,
                "reposts": s.reblogs_count,
                "likes": s.favourites_count,
                "quotes": s.quotes_count,
            },
            raw=raw,
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
            owner, wanted = f"{name}@{self.host}".lower(), None
        else:
            url = f"https://{self.host}/@{name}"
            scraper = mastodon.MastodonTootScraper(
                url, mode=mastodon.MastodonTootScraperMode.THREAD, retries=self.run.settings.retries
            )
            owner, wanted = None, name.rsplit("/", 1)[1]
        self.run.http.equip(scraper._session)
        self.run.notes["library"] = "snscrape"
        since = format_seconds(self.run.since) if self.run.since else None
        count = 0
        try:
            for item in scraper.get_items():
                count += 1
                self.check(item)
                toot = item.toot if hasattr(item, "toot") else item
                if self.run.profile is None and (
                    toot.id == wanted or full_acct(toot.user.account, self.host).lower() == owner
                ):
                    # The account as its pages show it (3.x has no API to ask), as the
                    # profile of an account or of a thread's author.
                    self.run.profile = item_json(toot.user)
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

    def check(self, item: Any) -> None:
        """An item snscrape read off a page, as the fields used need it; else the
        page's shape was not what it expected (the page is named)."""
        problem = None
        toot = item.toot if hasattr(item, "toot") else item
        if hasattr(item, "toot") and not _account_ok(getattr(item.user, "account", None)):
            problem = "the booster's account is missing or malformed"
        elif not isinstance(getattr(toot, "id", None), str) or not toot.id.isdigit():
            problem = f"the toot id {getattr(toot, 'id', None)!r} is not a number"
        elif not isinstance(getattr(toot, "url", None), str):
            problem = "the toot has no URL"
        elif not isinstance(getattr(toot, "date", None), datetime):
            problem = "the toot has no time"
        elif not _account_ok(getattr(getattr(toot, "user", None), "account", None)):
            problem = "the toot's account is missing or malformed"
        elif not all(_account_ok(getattr(u, "account", None)) for u in toot.mentionedUsers or ()):
            problem = "a mention names no account"
        if problem is not None:
            last = self.run.http.exchanges[-1].url if self.run.http.exchanges else self.target
            answer = Answer(self.target, last)
            answer.note(f"{problem} (snscrape item {getattr(toot, 'url', None)!r})")
            raise answer.failure()

    def author(self, user: Any) -> Author:
        handle = "@" + full_acct(user.account, self.host)
        return Author(
            handle=handle,
            display_name=user.displayName,
            url=user.url,
            key=account_key("mastodon", handle),
        )

    def convert(self, item: Any) -> Iterator[Post]:
        raw = item_json(item)
        if hasattr(item, "toot"):  # a Boost
            booster = item.user
            yield Post(
                platform="mastodon",
                id=f"boost:{booster.account}:{item.toot.id}",
                url=item.toot.url,
                author=self.author(booster),
                created_at=format_seconds(item.toot.date),
                text="",
                reposted=str(item.toot.id),
                reposted_account=mastodon_key(item.toot.user.account, self.host),
                raw=raw,
            )
            item = item.toot
            raw = raw["toot"]
        yield Post(
            platform="mastodon",
            id=str(item.id),
            url=item.url,
            author=self.author(item.user),
            created_at=format_seconds(item.date),
            text=item.text if not item.spoilerText else f"{item.text}\n\n{item.spoilerText}",
            mentions=tuple(mastodon_key(u.account, self.host) for u in item.mentionedUsers or ()),
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


def _account_ok(account: object) -> bool:
    return isinstance(account, str) and bool(_ACCOUNT.match(account))


def _guess_type(url: str) -> str:
    path = urlsplit(url).path.lower()
    if path.endswith((".mp4", ".webm", ".mov")):
        return "video"
    if path.endswith((".mp3", ".ogg", ".wav", ".m4a")):
        return "audio"
    return "image"


COLLECTOR = MastodonCollector()
