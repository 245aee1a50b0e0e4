"""``bluesky:HANDLE`` (author feed) and ``bluesky:https://bsky.app/profile/H/post/RKEY`` (thread).

Read from a public AppView over plain XRPC GETs (``app.bsky.actor.getProfile``,
``app.bsky.feed.getAuthorFeed`` paged by ``cursor``, ``app.bsky.feed.getPostThread``).
The AppView is the collector's ``appview`` option (``-o appview=URL``,
``OSINT_KIT_BLUESKY_APPVIEW``); no account or login is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from ..dates import format_seconds, parse_time
from ..errors import InvalidTarget, UnexpectedResponse
from .base import CollectionRun, CollectorOption, Target
from .failures import for_status, from_exception
from .post import Author, Media, Post

_HANDLE = re.compile(
    r"^(?=.{3,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
_DID = re.compile(r"^did:(plc|web):[A-Za-z0-9._:%-]{1,2000}$")
_POST_URL = re.compile(r"^https://bsky\.app/profile/([^/]+)/post/([A-Za-z0-9]{1,64})/?$")
_AT_URI = re.compile(r"^at://([^/]+)/app\.bsky\.feed\.post/([A-Za-z0-9]{1,64})$")
PAGE = 50


def _actor_ok(actor: str) -> bool:
    return bool(_HANDLE.match(actor) or _DID.match(actor))


DEFAULT_APPVIEW = "https://public.api.bsky.app"


#: Posts looked up, at most, when a run finds some no longer listed (25 a request).
MAX_LOOKUPS = 200


class BlueskyCollector:
    """Bluesky author feeds and post threads, over the public AppView's XRPC."""

    platform = "bluesky"
    retired = None
    options = (
        CollectorOption("appview", "the AppView that answers public XRPC queries", DEFAULT_APPVIEW),
    )

    def parse_target(self, text: str) -> Target:
        if m := _POST_URL.match(text) or _AT_URI.match(text):
            actor, rkey = m.groups()
            if not _actor_ok(actor):
                raise InvalidTarget(f"bluesky:{text}", f"{actor!r} is not a handle or DID")
            return Target("bluesky", "thread", f"{actor}/{rkey}", None, f"bluesky:{text}")
        actor = text.removeprefix("@").lower() if not text.startswith("did:") else text
        if not _actor_ok(actor):
            raise InvalidTarget(
                f"bluesky:{text}",
                "write bluesky:HANDLE (like alice.bsky.social), bluesky:did:plc:… "
                "or bluesky:https://bsky.app/profile/HANDLE/post/ID",
            )
        return Target("bluesky", "feed", actor, None, f"bluesky:{actor}")

    def method(self, target: Target) -> str:
        return "social.bluesky"

    def confirm_deleted(
        self, run: CollectionRun, posts: Sequence[tuple[str, str]]
    ) -> dict[str, str]:
        """Ask the AppView about posts no longer listed: ``app.bsky.feed.getPosts``
        returns the posts that exist, so one it leaves out is deleted."""
        uris = [p for p, _ in posts if p.startswith("at://") and "/app.bsky.feed.post/" in p]
        uris = uris[:MAX_LOOKUPS]
        said: dict[str, str] = {}
        base = _appview(run) + "/xrpc/app.bsky.feed.getPosts"
        for start in range(0, len(uris), 25):
            batch = uris[start : start + 25]
            response = run.http.get(base, params={"uris": batch})
            if response.status_code != 200:
                continue
            body = response.json()
            found = {p.get("uri") for p in body.get("posts", []) if isinstance(p, dict)}
            for uri in batch:
                if uri not in found:
                    said[uri] = f"app.bsky.feed.getPosts at {_appview(run)} does not return it"
        return said

    def collect(self, run: CollectionRun) -> Iterator[Post]:
        xrpc = _Xrpc(run)
        run.notes["appview"] = _appview(run)
        if run.target.kind == "thread":
            actor, rkey = run.target.name.rsplit("/", 1)
            profile = xrpc.call(
                "app.bsky.actor.getProfile", {"actor": actor}, f"the account {actor}"
            )
            run.profile = profile
            uri = f"at://{profile['did']}/app.bsky.feed.post/{rkey}"
            data = xrpc.call(
                "app.bsky.feed.getPostThread",
                {"uri": uri, "depth": 100, "parentHeight": 100},
                f"the post {uri}",
            )
            yield from xrpc.thread(data.get("thread"))
            return
        run.profile = xrpc.call(
            "app.bsky.actor.getProfile",
            {"actor": run.target.name},
            f"the account {run.target.name}",
        )
        since = format_seconds(run.since) if run.since else None
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"actor": run.target.name, "limit": PAGE}
            if cursor:
                params["cursor"] = cursor
            page = xrpc.call("app.bsky.feed.getAuthorFeed", params)
            feed = page.get("feed")
            if not isinstance(feed, list):
                raise xrpc.shape("getAuthorFeed answered without a feed list")
            for item in feed:
                for post in xrpc.feed_item(item):
                    if since and post.created_at < since and not post.reposted:
                        return
                    yield post
            cursor = page.get("cursor")
            if not cursor or not feed:
                return


def _appview(run: CollectionRun) -> str:
    return str(run.options.get("appview") or DEFAULT_APPVIEW).rstrip("/")


class _Xrpc:
    def __init__(self, run: CollectionRun) -> None:
        self.run = run
        self.base = _appview(run) + "/xrpc/"
        self.target = str(run.target)
        self.last_url = self.base

    def call(self, method: str, params: dict[str, Any], what: str = "") -> Any:
        try:
            response = self.run.http.get(self.base + method, params=params)
        except Exception as exc:
            raise from_exception(self.target, exc, self.run.http) from None
        self.last_url = response.url
        if response.status_code != 200:
            raise for_status(self.target, response, what)
        try:
            data = response.json()
        except ValueError:
            raise self.shape("the AppView did not answer JSON") from None
        if not isinstance(data, dict):
            raise self.shape("the AppView answered JSON that is not an object")
        return data

    def shape(self, why: str) -> UnexpectedResponse:
        return UnexpectedResponse(self.target, f"{why} ({self.last_url})", url=self.last_url)

    def feed_item(self, item: dict[str, Any]) -> Iterator[Post]:
        try:
            post = item["post"]
            reason = item.get("reason") or {}
            if reason.get("$type", "").endswith("#reasonRepost"):
                by = reason["by"]
                original = _url(post)
                yield Post(
                    platform="bluesky",
                    id=reason.get("uri") or f"repost:{by['did']}:{post['uri']}",
                    url=original,
                    author=_author(by),
                    created_at=format_seconds(parse_time(reason["indexedAt"])),
                    text="",
                    reposted=original,
                    raw={"reason": reason, "post_uri": post["uri"]},
                )
            yield _post(post, item)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise self.shape(f"a feed item did not have the expected shape ({exc!r})") from None

    def thread(self, node: Any) -> Iterator[Post]:
        """The post, its parents up to the root, and every reply below it."""
        if not isinstance(node, dict) or "post" not in node:
            raise self.shape("getPostThread answered without a thread post")
        yield _post(node["post"], node)
        parent = node.get("parent")
        while isinstance(parent, dict) and "post" in parent:
            yield _post(parent["post"], parent)
            parent = parent.get("parent")
        stack = list(node.get("replies") or [])
        while stack:
            reply = stack.pop(0)
            if isinstance(reply, dict) and "post" in reply:
                yield _post(reply["post"], reply)
                stack.extend(reply.get("replies") or [])


def _author(a: dict[str, Any]) -> Author:
    return Author(
        handle=a["handle"],
        display_name=a.get("displayName"),
        id=a["did"],
        url=f"https://bsky.app/profile/{a['handle']}",
    )


def _url(post: dict[str, Any]) -> str:
    rkey = post["uri"].rsplit("/", 1)[1]
    return f"https://bsky.app/profile/{post['author']['handle']}/post/{rkey}"


def _post(p: dict[str, Any], item: dict[str, Any]) -> Post:
    record = p.get("record") or {}
    text = record.get("text", "")
    encoded = text.encode()
    mentions, tags, links = [], [], []
    for facet in record.get("facets") or []:
        index = facet.get("index") or {}
        span = encoded[index.get("byteStart", 0) : index.get("byteEnd", 0)].decode(errors="replace")
        for feature in facet.get("features") or []:
            kind = feature.get("$type", "")
            if kind.endswith("#mention"):
                mentions.append(span if span.startswith("@") else feature.get("did", span))
            elif kind.endswith("#tag"):
                tags.append(feature.get("tag", span.lstrip("#")))
            elif kind.endswith("#link") and feature.get("uri") not in links:
                links.append(feature["uri"])
    embed = p.get("embed") or {}
    media: list[Media] = []
    quoted = None
    for part in (embed, embed.get("media") or {}):
        kind = part.get("$type", "")
        if kind.startswith("app.bsky.embed.images"):
            for img in part.get("images", []):
                media.append(Media(url=img["fullsize"], type="image", alt=img.get("alt") or None))
        elif kind.startswith("app.bsky.embed.video"):
            media.append(Media(url=part["playlist"], type="video", alt=part.get("alt") or None))
        elif kind.startswith("app.bsky.embed.external"):
            ext = part.get("external") or {}
            if ext.get("uri") and ext["uri"] not in links:
                links.append(ext["uri"])
    if embed.get("$type", "").startswith("app.bsky.embed.recordWithMedia"):
        quoted = ((embed.get("record") or {}).get("record") or {}).get("uri")
    elif embed.get("$type", "").startswith("app.bsky.embed.record"):
        quoted = (embed.get("record") or {}).get("uri")
    reply = record.get("reply") or {}
    langs = record.get("langs") or []
    return Post(
        platform="bluesky",
        id=p["uri"],
        url=_url(p),
        author=_author(p["author"]),
        created_at=format_seconds(parse_time(record.get("createdAt") or p["indexedAt"])),
        text=text,
        language=langs[0] if langs else None,
        reply_to=(reply.get("parent") or {}).get("uri"),
        quoted=quoted,
        mentions=tuple(mentions),
        hashtags=tuple(tags),
        outlinks=tuple(links),
        media=tuple(media),
        counts={
            "replies": p.get("replyCount"),
            "reposts": p.get("repostCount"),
            "likes": p.get("likeCount"),
            "quotes": p.get("quoteCount"),
        },
        raw={k: v for k, v in item.items() if k != "replies"},
    )


COLLECTOR = BlueskyCollector()
