"""What the fake Bluesky AppView serves: the views and XRPC methods that return them, and
the image CDN. (The records themselves are made in :mod:`.bluesky`, with their CIDs.)"""

from __future__ import annotations

from datetime import datetime

from .bluesky import CDN_HOST, Actor, BlueskyFake, Json, Post, post_record
from .common import JSON_TYPE, Query, Reply, iso_ms, json_reply, param
from .media import jpeg, png

_CDN = "https://cdn.bsky.fake/img"
_FILTERS = (
    "posts_with_replies",
    "posts_no_replies",
    "posts_with_media",
    "posts_and_author_threads",
)


class XrpcError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.reply = json_reply({"error": error, "message": message}, status, _HEADERS, server="")


_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("RateLimit-Limit", "3000"),
    ("RateLimit-Remaining", "2999"),
    ("RateLimit-Policy", "3000;w=300"),
)


def handle(fake: BlueskyFake, host: str, path: str, query: Query) -> Reply:
    """What the AppView (any host but the CDN's) or the CDN answers for ``path``."""
    if host == CDN_HOST:
        return _cdn(fake, path)
    if path.startswith("/xrpc/"):
        return xrpc(fake, path[len("/xrpc/") :], query)
    if path == "/":
        return Reply(
            200,
            (("Content-Type", "text/plain; charset=utf-8"),),
            b"This is an AT Protocol Application View (AppView).\n",
        )
    return json_reply({"error": "NotFound", "message": "Not Found"}, 404)


def _cdn(fake: BlueskyFake, path: str) -> Reply:
    parts = path.strip("/").split("/")  # img / preset / plain / did / cid@format
    if len(parts) == 5 and parts[0] == "img" and parts[2] == "plain" and "@" in parts[4]:
        blob, fmt = parts[4].split("@", 1)
        name = fake.image_name(blob)
        if name is not None and fmt in ("jpeg", "png"):
            body = jpeg(name) if fmt == "jpeg" else png(name)
            return Reply(
                200,
                (("Content-Type", f"image/{fmt}"), ("Cache-Control", "public, max-age=604800")),
                body,
                "",
            )
    return Reply(404, (("Content-Type", JSON_TYPE),), b'{"error":"NotFound"}', "")


def xrpc(fake: BlueskyFake, method: str, query: Query) -> Reply:
    handlers = {
        "app.bsky.actor.getProfile": _get_profile,
        "app.bsky.actor.getProfiles": _get_profiles,
        "app.bsky.feed.getAuthorFeed": _get_author_feed,
        "app.bsky.feed.getPostThread": _get_post_thread,
        "app.bsky.feed.getPosts": _get_posts,
        "com.atproto.identity.resolveHandle": _resolve_handle,
    }
    handler = handlers.get(method)
    if handler is None:
        return json_reply(
            {"error": "MethodNotImplemented", "message": "Method Not Implemented"},
            501,
            _HEADERS,
            server="",
        )
    try:
        return json_reply(handler(fake, query), 200, _HEADERS, server="")
    except XrpcError as error:
        return error.reply


def _required(query: Query, name: str) -> str:
    value = param(query, name)
    if not value:
        raise XrpcError(400, "InvalidRequest", f'Error: Params must have the property "{name}"')
    return value


def _limit(query: Query, default: int, high: int) -> int:
    raw = param(query, "limit")
    if raw is None:
        return default
    if not raw.isdigit():
        raise XrpcError(400, "InvalidRequest", "Error: limit must be an integer")
    value = int(raw)
    if value < 1:
        raise XrpcError(400, "InvalidRequest", "Error: limit can not be less than 1")
    if value > high:
        raise XrpcError(400, "InvalidRequest", f"Error: limit can not be greater than {high}")
    return value


def _actor(fake: BlueskyFake, query: Query, name: str = "actor") -> Actor:
    actor = fake.actor(_required(query, name))
    if actor is None:
        raise XrpcError(400, "InvalidRequest", "Profile not found")
    return actor


def _get_profile(fake: BlueskyFake, query: Query) -> Json:
    return profile_detailed(fake, _actor(fake, query))


def _get_profiles(fake: BlueskyFake, query: Query) -> Json:
    found = [fake.actor(a) for a in query.get("actors", [])[:25]]
    return {"profiles": [profile_detailed(fake, a) for a in found if a is not None]}


def _resolve_handle(fake: BlueskyFake, query: Query) -> Json:
    actor = fake.actor(_required(query, "handle"))
    if actor is None:
        raise XrpcError(400, "InvalidRequest", "Unable to resolve handle")
    return {"did": actor.did}


def _get_posts(fake: BlueskyFake, query: Query) -> Json:
    uris = query.get("uris", [])
    if len(uris) > 25:
        raise XrpcError(400, "InvalidRequest", "Error: uris must not have more than 25 elements")
    return {"posts": [post_view(fake, fake._posts[u]) for u in uris if u in fake._posts]}


def _get_author_feed(fake: BlueskyFake, query: Query) -> Json:
    actor = _actor(fake, query)
    limit = _limit(query, 50, 100)
    kind = param(query, "filter") or "posts_with_replies"
    if kind not in _FILTERS:
        raise XrpcError(
            400, "InvalidRequest", f"Error: filter must be one of {', '.join(_FILTERS)}"
        )
    items: list[tuple[datetime, str, Json]] = []
    for post in fake._posts.values():
        if post.author.did != actor.did:
            continue
        own_thread = post.reply_root is None or post.reply_root.uri.startswith(f"at://{actor.did}/")
        if kind == "posts_no_replies" and post.reply_parent:
            continue
        if kind == "posts_with_media" and not post.images:
            continue
        if kind == "posts_and_author_threads" and not own_thread:
            continue
        items.append((post.created_at, post.uri, {"post": post}))
    if kind != "posts_with_media":
        for repost in fake._reposts.values():
            if repost.actor.did == actor.did and repost.subject in fake._posts:
                items.append(
                    (
                        repost.created_at,
                        repost.uri,
                        {"post": fake._posts[repost.subject], "repost": repost},
                    )
                )
    items.sort(key=lambda item: (item[0], item[1]), reverse=True)
    cursor = param(query, "cursor")
    if cursor:
        items = [item for item in items if iso_ms(item[0]) < cursor]
    page = items[:limit]
    out: Json = {"feed": [_feed_item(fake, item[2]) for item in page]}
    if len(items) > limit:
        out["cursor"] = iso_ms(page[-1][0])
    return out


def _feed_item(fake: BlueskyFake, item: Json) -> Json:
    post: Post = item["post"]
    out: Json = {"post": post_view(fake, post)}
    if post.reply_parent and post.reply_root:
        out["reply"] = {
            "root": _ref_view(fake, post.reply_root.uri),
            "parent": _ref_view(fake, post.reply_parent.uri),
        }
    if "repost" in item:
        repost = item["repost"]
        out["reason"] = {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": profile_basic(repost.actor),
            "indexedAt": iso_ms(repost.created_at),
        }
    return out


def _ref_view(fake: BlueskyFake, uri: str) -> Json:
    if uri not in fake._posts:
        return _not_found(uri)
    return {**post_view(fake, fake._posts[uri]), "$type": "app.bsky.feed.defs#postView"}


def _not_found(uri: str) -> Json:
    return {"$type": "app.bsky.feed.defs#notFoundPost", "uri": uri, "notFound": True}


def _get_post_thread(fake: BlueskyFake, query: Query) -> Json:
    uri = _required(query, "uri")
    depth = _int(query, "depth", 6, 1000)
    height = _int(query, "parentHeight", 80, 1000)
    post = fake._posts.get(uri)
    if post is None:
        raise XrpcError(400, "NotFound", f"Post not found: {uri}")
    node = _thread_node(fake, post, depth, height)
    node["threadContext"] = {}
    return {"thread": node}


def _int(query: Query, name: str, default: int, high: int) -> int:
    raw = param(query, name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > high:
        raise XrpcError(400, "InvalidRequest", f"Error: {name} must be an integer from 0 to {high}")
    return int(raw)


def _thread_node(fake: BlueskyFake, post: Post, depth: int, height: int) -> Json:
    node: Json = {"$type": "app.bsky.feed.defs#threadViewPost", "post": post_view(fake, post)}
    if post.reply_parent and height > 0:
        parent = fake._posts.get(post.reply_parent.uri)
        node["parent"] = (
            _thread_parent(fake, parent, height - 1)
            if parent
            else _not_found(post.reply_parent.uri)
        )
    if depth > 0:
        node["replies"] = [
            _thread_node(fake, fake._posts[u], depth - 1, 0)
            for u in fake._children.get(post.uri, [])
            if u in fake._posts
        ]
    return node


def _thread_parent(fake: BlueskyFake, post: Post, height: int) -> Json:
    node = _thread_node(fake, post, 0, height)
    node.pop("replies", None)
    return node


def profile_basic(actor: Actor) -> Json:
    out: Json = {"did": actor.did, "handle": actor.handle}
    if actor.display_name:
        out["displayName"] = actor.display_name
    if actor.avatar_cid:
        out["avatar"] = f"{_CDN}/avatar/plain/{actor.did}/{actor.avatar_cid}@jpeg"
    out.update(
        viewer={"muted": False, "blockedBy": False}, labels=[], createdAt=iso_ms(actor.created_at)
    )
    return out


def profile_detailed(fake: BlueskyFake, actor: Actor) -> Json:
    posts = sum(1 for p in fake._posts.values() if p.author.did == actor.did)
    out = profile_basic(actor)
    out["associated"] = {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False}
    if actor.description:
        out["description"] = actor.description
    out.update(
        indexedAt=iso_ms(actor.created_at),
        followersCount=actor.followers_count,
        followsCount=actor.follows_count,
        postsCount=posts,
    )
    return out


def _media_view(post: Post) -> Json | None:
    did = post.author.did
    if post.images:
        return {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "thumb": f"{_CDN}/feed_thumbnail/plain/{did}/{i.cid}@jpeg",
                    "fullsize": f"{_CDN}/feed_fullsize/plain/{did}/{i.cid}@jpeg",
                    "alt": i.alt,
                    "aspectRatio": {"height": i.height, "width": i.width},
                }
                for i in post.images
            ],
        }
    if post.external:
        card = post.external
        external: Json = {"uri": card.url, "title": card.title, "description": card.description}
        if post.external_thumb:
            external["thumb"] = f"{_CDN}/feed_thumbnail/plain/{did}/{post.external_thumb.cid}@jpeg"
        return {"$type": "app.bsky.embed.external#view", "external": external}
    return None


def _embed_view(fake: BlueskyFake, post: Post, nested: bool) -> Json | None:
    media = _media_view(post)
    if not post.quote:
        return media
    quoted = fake._posts.get(post.quote.uri)
    if quoted is None:
        record: Json = {
            "$type": "app.bsky.embed.record#viewNotFound",
            "uri": post.quote.uri,
            "notFound": True,
        }
    else:
        record = {
            "$type": "app.bsky.embed.record#viewRecord",
            "uri": quoted.uri,
            "cid": quoted.cid,
            "author": profile_basic(quoted.author),
            "value": post_record(quoted),
            "labels": [],
            **_counts(fake, quoted),
            "indexedAt": iso_ms(quoted.indexed_at),
        }
        inner = None if nested else _embed_view(fake, quoted, True)
        if inner:
            record["embeds"] = [inner]
    if media:
        return {
            "$type": "app.bsky.embed.recordWithMedia#view",
            "media": media,
            "record": {"record": record},
        }
    return {"$type": "app.bsky.embed.record#view", "record": record}


def _counts(fake: BlueskyFake, post: Post) -> Json:
    return {
        "likeCount": post.like_count,
        "replyCount": sum(1 for u in fake._children.get(post.uri, []) if u in fake._posts),
        "repostCount": sum(1 for u in fake._reposts_of.get(post.uri, []) if u in fake._reposts),
        "quoteCount": sum(1 for u in fake._quotes.get(post.uri, []) if u in fake._posts),
    }


def post_view(fake: BlueskyFake, post: Post) -> Json:
    out: Json = {
        "uri": post.uri,
        "cid": post.cid,
        "author": profile_basic(post.author),
        "record": post_record(post),
    }
    embed = _embed_view(fake, post, False)
    if embed:
        out["embed"] = embed
    counts = _counts(fake, post)
    out.update(
        replyCount=counts["replyCount"],
        repostCount=counts["repostCount"],
        likeCount=counts["likeCount"],
        quoteCount=counts["quoteCount"],
        indexedAt=iso_ms(post.indexed_at),
        viewer={"threadMuted": False, "embeddingDisabled": False},
        labels=[],
    )
    return out
