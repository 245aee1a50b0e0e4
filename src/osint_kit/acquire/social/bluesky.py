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

from osint_kit.acquire.social.base import CollectionRun, CollectorOption, Target
from osint_kit.acquire.social.failures import for_status, from_exception, json_body
from osint_kit.acquire.social.shapes import (
    Answer,
    BlueskyAuthorRef,
    BlueskyEmbed,
    BlueskyFeed,
    BlueskyFeedItem,
    BlueskyPostRecord,
    BlueskyPostView,
    BlueskyProfile,
    BlueskyRecordView,
    BlueskyThreadAnswer,
    BlueskyThreadNode,
    BlueskyThreadRoot,
)
from osint_kit.base.dates import format_seconds, parse_time
from osint_kit.errors import InvalidTarget, UnexpectedResponse
from osint_kit.record.post import Author, Media, Post, account_key

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
            body = json_body(response, str(run.target))
            listed = body.get("posts") if isinstance(body, dict) else None
            if not isinstance(listed, list):
                continue  # an answer of another shape says nothing about these posts
            found = {p.get("uri") for p in listed if isinstance(p, dict)}
            for uri in batch:
                if uri not in found:
                    said[uri] = f"app.bsky.feed.getPosts at {_appview(run)} does not return it"
        return said

    def collect(self, run: CollectionRun) -> Iterator[Post]:
        xrpc = _Xrpc(run)
        run.notes["appview"] = _appview(run)
        if run.target.kind == "thread":
            actor, rkey = run.target.name.rsplit("/", 1)
            profile = xrpc.profile(actor)  # the thread's author, kept as an account's is
            uri = f"at://{profile.did}/app.bsky.feed.post/{rkey}"
            url, data = xrpc.call(
                "app.bsky.feed.getPostThread",
                {"uri": uri, "depth": 100, "parentHeight": 100},
                f"the post {uri}",
            )
            answer = Answer(xrpc.target, url)
            thread = answer.require(BlueskyThreadAnswer, data).thread
            yield from _thread(thread, answer)
            answer.close()
            return
        xrpc.profile(run.target.name)
        since = format_seconds(run.since) if run.since else None
        cursor: str | None = None
        cursors: set[str] = set()
        while True:
            params: dict[str, Any] = {"actor": run.target.name, "limit": PAGE}
            if cursor:
                params["cursor"] = cursor
            url, data = xrpc.call("app.bsky.feed.getAuthorFeed", params)
            answer = Answer(xrpc.target, url)
            page = answer.require(BlueskyFeed, data)
            stop = False
            for i, raw in enumerate(page.feed):
                item = answer.check(BlueskyFeedItem, raw, f"feed[{i}]")
                if item is None:
                    continue
                if since and (when := _listed_at(item)) is not None and when < since:
                    stop = True
                    break
                yield from _feed_item(item, raw)
            answer.close()
            cursor = page.cursor
            if stop or not cursor or not page.feed:
                return
            if cursor in cursors:  # the same page again: it would never end
                answer.note(f"cursor: {cursor!r} was given before; the feed does not advance")
                raise answer.failure()
            cursors.add(cursor)


def _appview(run: CollectionRun) -> str:
    return str(run.options.get("appview") or DEFAULT_APPVIEW).rstrip("/")


class _Xrpc:
    def __init__(self, run: CollectionRun) -> None:
        self.run = run
        self.base = _appview(run) + "/xrpc/"
        self.target = str(run.target)

    def call(self, method: str, params: dict[str, Any], what: str = "") -> tuple[str, Any]:
        """The answer's URL and JSON (any JSON: the caller checks its shape)."""
        try:
            response = self.run.http.get(self.base + method, params=params)
        except Exception as exc:
            raise from_exception(self.target, exc, self.run.http) from None
        if response.status_code != 200:
            raise for_status(self.target, response, what)
        try:
            return response.url, response.json()
        except ValueError:
            raise UnexpectedResponse(
                self.target,
                f"{response.url} did not answer JSON (the AppView may have changed)",
                url=response.url,
            ) from None

    def profile(self, actor: str) -> BlueskyProfile:
        url, data = self.call("app.bsky.actor.getProfile", {"actor": actor}, f"the account {actor}")
        profile = Answer(self.target, url).require(BlueskyProfile, data)
        self.run.profile = data
        return profile


def _listed_at(item: BlueskyFeedItem) -> str | None:
    """When the item entered the feed, which is newest first: a post when it was made,
    a repost when it was reposted; a pinned post, shown on top, says nothing."""
    reason = item.reason
    if reason is None:
        when = item.post.record.createdAt or item.post.indexedAt
    elif reason.is_repost:
        when = reason.indexedAt
    else:
        return None
    assert when is not None  # the models require it
    return format_seconds(parse_time(when))


def _feed_item(item: BlueskyFeedItem, raw: dict[str, Any]) -> Iterator[Post]:
    """A feed item: a repost is a post of its own (who reposted, when), then the post."""
    post = item.post
    reason = item.reason
    if reason is not None and reason.is_repost:
        assert reason.by is not None and reason.indexedAt is not None  # the model says so
        yield Post(
            platform="bluesky",
            id=reason.uri or f"repost:{reason.by.did}:{post.uri}",
            url=_url(post.author.handle, post.uri),
            author=_author(reason.by),
            created_at=format_seconds(parse_time(reason.indexedAt)),
            text="",
            reposted=post.uri,
            reposted_account=account_key("bluesky", post.author.did),
            raw={"reason": raw["reason"], "post_uri": post.uri},
        )
    yield from _view_posts(post, raw["post"], {k: v for k, v in raw.items() if k != "replies"})


def _thread(thread: dict[str, Any], answer: Answer) -> Iterator[Post]:
    """The post, its parents up to the root, and every reply below it. A parent or
    reply that does not fit is named (once the rest are read); one not found or
    blocked has no post, and is passed over."""
    root = answer.require(BlueskyThreadRoot, thread, "thread")
    view = answer.require(BlueskyPostView, root.post, "thread.post")
    yield from _view_posts(view, root.post, _node_raw(thread))
    parent, at = root.parent, "thread.parent"
    while parent is not None:
        node = answer.check(BlueskyThreadNode, parent, at)
        if node is None:
            break
        yield from _node_posts(node, parent, at, answer)
        parent, at = node.parent, at + ".parent"
    queue = [(reply, f"thread.replies[{i}]") for i, reply in enumerate(root.replies or [])]
    while queue:
        raw, at = queue.pop(0)
        node = answer.check(BlueskyThreadNode, raw, at)
        if node is None:
            continue
        yield from _node_posts(node, raw, at, answer)
        queue.extend((r, f"{at}.replies[{i}]") for i, r in enumerate(node.replies or []))


def _node_posts(
    node: BlueskyThreadNode, raw: dict[str, Any], at: str, answer: Answer
) -> Iterator[Post]:
    if node.post is None:
        return  # not found, or blocked
    view = answer.check(BlueskyPostView, node.post, at + ".post")
    if view is not None:
        yield from _view_posts(view, node.post, _node_raw(raw))


def _node_raw(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k != "replies"}


def _author(a: BlueskyProfile | BlueskyAuthorRef) -> Author:
    handle = a.handle or a.did
    return Author(
        handle=handle,
        display_name=a.displayName,
        id=a.did,
        url=f"https://bsky.app/profile/{handle}",
        key=account_key("bluesky", a.did),
    )


def _url(handle: str, uri: str) -> str:
    return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[1]}"


def _did_of(uri: str | None) -> str | None:
    """The account key of the DID an at:// URI is under (a handle there is not a key)."""
    if uri and uri.startswith("at://did:"):
        return account_key("bluesky", uri[len("at://") :].split("/", 1)[0])
    return None


def _quote(embed: BlueskyEmbed | None, raw: Any) -> tuple[BlueskyRecordView, Any] | None:
    """The record a post's embed quotes (with its raw JSON), when it quotes one."""
    if embed is None or embed.record is None or not embed.type.startswith("app.bsky.embed.record"):
        return None
    view, view_raw = embed.record, raw["record"]
    if embed.type.startswith("app.bsky.embed.recordWithMedia") and view.record is not None:
        view, view_raw = view.record, view_raw["record"]
    return view, view_raw


def _view_posts(view: BlueskyPostView, raw_view: Any, raw: Any) -> Iterator[Post]:
    """A postView as a post, then the post it quotes when the answer shows it."""
    embed_raw = raw_view.get("embed") if view.embed is not None else None
    embeds = [(view.embed, embed_raw)] if view.embed is not None else []
    post, quoted = _make(
        view.uri,
        view.author,
        view.record,
        view.indexedAt,
        embeds,
        {
            "replies": view.replyCount,
            "reposts": view.repostCount,
            "likes": view.likeCount,
            "quotes": view.quoteCount,
        },
        raw,
    )
    yield post
    yield from quoted


def _make(
    uri: str,
    author: BlueskyProfile | BlueskyAuthorRef,
    record: BlueskyPostRecord,
    indexed_at: str | None,
    embeds: list[tuple[BlueskyEmbed, Any]],
    counts: dict[str, int | None],
    raw: Any,
) -> tuple[Post, list[Post]]:
    """The post, and the posts it quotes (each a post of its own, linked by ``quoted``)."""
    text = record.text
    encoded = text.encode()
    mentions: list[str] = []
    tags: list[str] = []
    links: list[str] = []
    for facet in record.facets or ():
        start, end = facet.index.byteStart, facet.index.byteEnd
        span = encoded[start:end].decode(errors="replace")
        for feature in facet.features:
            kind = feature.type.rsplit("#", 1)[-1]
            if kind == "mention" and feature.did:
                mentions.append(account_key("bluesky", feature.did))
            elif kind == "tag" and feature.tag is not None:
                tags.append(feature.tag or span.lstrip("#"))
            elif kind == "link" and feature.uri and feature.uri not in links:
                links.append(feature.uri)
    media: list[Media] = []
    quoted: str | None = None
    quoted_account: str | None = None
    extra: list[Post] = []
    for embed, embed_raw in embeds:
        for part in (embed, embed.media):
            if part is None:
                continue
            if part.type.startswith("app.bsky.embed.images"):
                for img in part.images or ():
                    media.append(Media(url=img.fullsize, type="image", alt=img.alt or None))
            elif part.type.startswith("app.bsky.embed.video") and part.playlist:
                media.append(Media(url=part.playlist, type="video", alt=part.alt or None))
            elif part.type.startswith("app.bsky.embed.external"):
                link = part.external.uri if part.external is not None else None
                if link and link not in links:
                    links.append(link)
        found = _quote(embed, embed_raw)
        if found is None or quoted is not None:
            continue
        view, view_raw = found
        if view.uri and "/app.bsky.feed.post/" in view.uri:
            quoted = view.uri
            quoted_account = (
                account_key("bluesky", view.author.did) if view.author else _did_of(view.uri)
            )
        if view.type.endswith("#viewRecord") and quoted is not None:
            assert view.author is not None and view.value is not None  # the model says so
            inner = list(zip(view.embeds or [], view_raw.get("embeds") or [], strict=False))
            post, more = _make(
                view.uri or "",
                view.author,
                view.value,
                view.indexedAt,
                inner,
                {
                    "replies": view.replyCount,
                    "reposts": view.repostCount,
                    "likes": view.likeCount,
                    "quotes": view.quoteCount,
                },
                view_raw,
            )
            extra += [post, *more]
    reply = record.reply
    langs = record.langs or []
    when = record.createdAt or indexed_at
    assert when is not None  # the models require one of them
    handle = author.handle or author.did
    return (
        Post(
            platform="bluesky",
            id=uri,
            url=_url(handle, uri),
            author=_author(author),
            created_at=format_seconds(parse_time(when)),
            text=text,
            language=langs[0] if langs else None,
            reply_to=reply.parent.uri if reply is not None else None,
            reply_to_account=_did_of(reply.parent.uri) if reply is not None else None,
            quoted=quoted,
            quoted_account=quoted_account,
            mentions=tuple(mentions),
            hashtags=tuple(tags),
            outlinks=tuple(links),
            media=tuple(media),
            counts=counts,
            raw=raw,
        ),
        extra,
    )


COLLECTOR = BlueskyCollector()
