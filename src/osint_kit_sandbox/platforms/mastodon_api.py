"""The REST API of a fake Mastodon instance (anonymous, read-only endpoints).

Served: ``/api/v1/instance``, ``/api/v2/instance`` (4.x only, as on real servers),
``/api/v1/accounts/lookup``, ``/api/v1/accounts/:id``, ``/api/v1/accounts/:id/statuses``,
``/api/v1/statuses/:id``, ``/api/v1/statuses/:id/context``, ``/api/v1/timelines/tag/:tag``.
Faithful: JSON keys and order as recorded from a 4.x server (3.x drops the newer
keys), ``{"error":"Record not found"}`` 404s, ``limit`` (default 20, at most 40),
``max_id`` / ``since_id`` / ``min_id``, and ``Link`` headers built as Mastodon
builds them: the request's pagination parameters kept, keys sorted, ``rel="next"``
only when the page is full (so an exactly full last page links to an empty one,
as on real servers), ``rel="prev"`` whenever the page is not empty; quote posts
from 4.4 on (``quote``: a Quote with the quoted status, a ShallowQuote inside it).
Simplified: no auth, no rate-limit accounting (the headers are constant), no polls.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .common import Query, Reply, int_param, iso_ms, json_reply, param, stable_hash
from .media import image_size

if TYPE_CHECKING:
    from .mastodon import Account, Attachment, Instance, Status

Json = dict[str, Any]
_FALSE = {"", "0", "f", "false", "off", "no", "n"}  # Rails' casting of boolean params
_BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def truthy(query: Query, name: str) -> bool:
    value = param(query, name)
    return value is not None and value.lower() not in _FALSE


def not_found() -> Reply:
    return json_reply({"error": "Record not found"}, 404, server="Mastodon")


def handle(inst: Instance, path: str, query: Query) -> Reply:
    parts = path.strip("/").split("/")[1:]  # after "api"
    if parts in (["v1", "instance"], ["v2", "instance"]):
        if parts[0] == "v2" and inst.major < 4:
            return not_found()
        return _reply(instance_json(inst, v2=parts[0] == "v2"))
    if parts[:2] == ["v1", "accounts"] and len(parts) == 3 and parts[2] == "lookup":
        found = inst.account(param(query, "acct") or "", missing_ok=True)
        return _reply(account_json(inst, found)) if found else not_found()
    if parts[:2] == ["v1", "accounts"] and len(parts) in (3, 4):
        account = inst.account_by_id(parts[2])
        if account is None or (len(parts) == 4 and parts[3] != "statuses"):
            return not_found()
        if len(parts) == 3:
            return _reply(account_json(inst, account))
        return _account_statuses(inst, account, path, query)
    if parts[:2] == ["v1", "statuses"] and len(parts) in (3, 4):
        status = inst.find(parts[2])
        if status is None or (len(parts) == 4 and parts[3] != "context"):
            return not_found()
        if len(parts) == 3:
            return _reply(status_json(inst, status))
        return _reply(context_json(inst, status))
    if parts[:3] == ["v1", "timelines", "tag"] and len(parts) == 4:
        tag = parts[3].lower()
        ids = [i for i in inst.all_ids() if tag in {t.lower() for t in inst.status(str(i)).tags}]
        if truthy(query, "only_media"):
            ids = [i for i in ids if inst.status(str(i)).media]
        return _page(inst, ids, path, query, ("limit", "local", "only_media", "remote"))
    return not_found()


def _account_statuses(inst: Instance, account: Account, path: str, query: Query) -> Reply:
    if truthy(query, "pinned"):
        return _reply([])
    statuses = [inst.status(str(i)) for i in inst.timeline(account)]
    if truthy(query, "exclude_reblogs"):
        statuses = [s for s in statuses if not s.reblog_of_id]
    if truthy(query, "exclude_replies"):
        statuses = [s for s in statuses if s.in_reply_to_account_id in (None, account.id)]
    if truthy(query, "only_media"):
        statuses = [s for s in statuses if s.media]
    if tagged := param(query, "tagged"):
        statuses = [s for s in statuses if tagged.lower() in {t.lower() for t in s.tags}]
    keep = ("exclude_reblogs", "exclude_replies", "limit", "only_media", "pinned", "tagged")
    return _page(inst, [int(s.id) for s in statuses], path, query, keep)


def select(ids_desc: list[int], query: Query, limit: int) -> list[int]:
    """Mastodon's id pagination over ids sorted newest first; the page is newest first too."""

    def bound(name: str) -> int | None:
        raw = param(query, name)
        return int(raw) if raw and raw.isdigit() else None

    max_id, since_id, min_id = bound("max_id"), bound("since_id"), bound("min_id")
    ids = [
        i for i in ids_desc if (max_id is None or i < max_id) and (since_id is None or i > since_id)
    ]
    if min_id is not None:
        return [i for i in ids if i > min_id][-limit:]
    return ids[:limit]


def _page(
    inst: Instance, ids_desc: list[int], path: str, query: Query, keep: tuple[str, ...]
) -> Reply:
    limit = int_param(query, "limit", 20, 1, 40)
    page = select(ids_desc, query, limit)
    kept = {k: query[k][0] for k in keep if k in query}
    links = []
    if len(page) == limit:
        links.append(f'<{_url(inst, path, kept, max_id=page[-1])}>; rel="next"')
    if page:
        links.append(f'<{_url(inst, path, kept, min_id=page[0])}>; rel="prev"')
    headers = (("Link", ", ".join(links)),) if links else ()
    return _reply([status_json(inst, inst.status(str(i))) for i in page], headers)


def _url(inst: Instance, path: str, kept: dict[str, str], **bound: int) -> str:
    params = {**kept, **{k: str(v) for k, v in bound.items()}}
    return f"https://{inst.host}{path}?{urlencode(sorted(params.items()))}"


def _reply(obj: object, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    reset = (datetime.now(UTC) + timedelta(minutes=5)).replace(second=0, microsecond=0)
    return json_reply(
        obj,
        200,
        (
            ("X-RateLimit-Limit", "300"),
            ("X-RateLimit-Remaining", "299"),
            ("X-RateLimit-Reset", reset.isoformat().replace("+00:00", ".000000Z")),
            *headers,
            (
                "Cache-Control",
                "max-age=15, public, stale-while-revalidate=30, stale-if-error=86400",
            ),
            ("Vary", "Accept-Encoding, Authorization, Origin"),
        ),
        server="Mastodon",
    )


def instance_json(inst: Instance, *, v2: bool) -> Json:
    users = sum(1 for _ in inst.accounts())
    thumbnail = f"https://{inst.host}/system/site_uploads/files/000/000/001/original/thumbnail.png"
    if v2:
        return {
            "domain": inst.host,
            "title": inst.title,
            "version": inst.version,
            "source_url": "https://github.com/mastodon/mastodon",
            "description": f"{inst.title}: a test instance.",
            "usage": {"users": {"active_month": users}},
            "thumbnail": {"url": thumbnail},
            "languages": ["en"],
            "configuration": {
                "urls": {"streaming": f"wss://{inst.host}"},
                "statuses": {"max_characters": 500, "max_media_attachments": 4},
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": f"admin@{inst.host}", "account": None},
            "rules": [],
        }
    return {
        "uri": inst.host,
        "title": inst.title,
        "short_description": f"{inst.title}: a test instance.",
        "description": "",
        "email": f"admin@{inst.host}",
        "version": inst.version,
        "urls": {"streaming_api": f"wss://{inst.host}"},
        "stats": {"user_count": users, "status_count": len(inst.all_ids()), "domain_count": 1},
        "thumbnail": thumbnail,
        "languages": ["en"],
        "registrations": False,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": {"statuses": {"max_characters": 500, "max_media_attachments": 4}},
        "contact_account": None,
        "rules": [],
    }


def account_json(inst: Instance, account: Account) -> Json:
    timeline = inst.timeline(account)
    last = inst.status(str(timeline[0])).created_at.strftime("%Y-%m-%d") if timeline else None
    avatar = inst.media_url("accounts/avatars", account.id, "original", account.avatar)
    header = f"https://{inst.host}/headers/original/missing.png"
    out: Json = {
        "id": account.id,
        "username": account.username,
        "acct": account.username,
        "display_name": account.display_name,
        "locked": account.locked,
        "bot": account.bot,
        "discoverable": True,
        "indexable": False,
        "group": False,
        "created_at": iso_ms(account.created_at),
        "note": account.note_html,
        "url": account.url,
        "uri": account.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": len(timeline),
        "last_status_at": last,
        "hide_collections": False,
        "noindex": False,
        "emojis": [],
        "roles": [],
        "fields": [],
    }
    if inst.major < 4:
        for key in ("indexable", "uri", "hide_collections", "noindex", "roles"):
            del out[key]
    return out


def attachment_json(inst: Instance, media: Attachment) -> Json:
    width, height = image_size(media.name)
    preview = media.name if media.kind == "image" else media.name.rsplit(".", 1)[0] + ".png"
    original: Json = {
        "width": width,
        "height": height,
        "size": f"{width}x{height}",
        "aspect": width / height,
    }
    if media.kind in ("video", "gifv"):
        original = {
            "width": width,
            "height": height,
            "frame_rate": "25/1",
            "duration": 12.5,
            "bitrate": 480000,
        }
    return {
        "id": media.id,
        "type": media.kind,
        "url": inst.media_url("media_attachments/files", media.id, "original", media.name),
        "preview_url": inst.media_url("media_attachments/files", media.id, "small", preview),
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": original,
            "small": {
                "width": width,
                "height": height,
                "size": f"{width}x{height}",
                "aspect": width / height,
            },
        },
        "description": media.description,
        "blurhash": blurhash(media.name),
    }


def blurhash(name: str) -> str:
    """A well-formed 4x3 blurhash (made up, not computed from the picture)."""
    digest = stable_hash("blurhash", name)
    return "L" + "".join(_BASE83[b % 83] for b in digest[:27])


def card_json(inst: Instance, status: Status) -> Json | None:
    card = status.card
    if card is None:
        return None
    image = (
        inst.media_url("preview_cards/images", status.id, "original", card.image)
        if card.image
        else None
    )
    out: Json = {
        "url": card.url,
        "title": card.title,
        "description": card.description,
        "language": "en",
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": card.site_name,
        "provider_url": "",
        "html": "",
        "width": 400 if image else 0,
        "height": 200 if image else 0,
        "image": image,
        "image_description": "",
        "embed_url": "",
        "blurhash": blurhash(card.image) if card.image else None,
        "published_at": None,
        "authors": [],
    }
    if inst.major < 4:
        for key in ("language", "image_description", "published_at", "authors"):
            del out[key]
    return out


def quote_json(inst: Instance, status: Status, nested: bool) -> Json | None:
    """A quote as 4.4+ serves it: the quoted status in full (a Quote), or only its id
    inside a status that is itself quoted (a ShallowQuote); ``deleted`` once it is gone."""
    if status.quote_of_id is None:
        return None
    quoted = inst.find(status.quote_of_id)
    if quoted is None:
        return {"state": "deleted", "quoted_status": None}
    if nested:
        return {"state": "accepted", "quoted_status_id": quoted.id}
    return {"state": "accepted", "quoted_status": status_json(inst, quoted, nested=True)}


def status_json(inst: Instance, status: Status, *, nested: bool = False) -> Json:
    reblog = inst.find(status.reblog_of_id) if status.reblog_of_id else None
    tags: dict[str, Json] = {}
    for tag in status.tags:
        tags.setdefault(
            tag.lower(), {"name": tag.lower(), "url": f"https://{inst.host}/tags/{tag.lower()}"}
        )
    out: Json = {
        "id": status.id,
        "created_at": iso_ms(status.created_at),
        "in_reply_to_id": status.in_reply_to_id,
        "in_reply_to_account_id": status.in_reply_to_account_id,
        "sensitive": status.sensitive,
        "spoiler_text": status.spoiler_text,
        "visibility": status.visibility,
        "language": status.language,
        "uri": status.uri,
        "url": status.url,
        "replies_count": len(inst.replies(status.id)),
        "reblogs_count": inst.boost_count(status.id),
        "favourites_count": status.favourites_count,
        "edited_at": iso_ms(status.edited_at) if status.edited_at else None,
        "content": status.content,
        "reblog": status_json(inst, reblog) if reblog else None,
        "application": None if status.reblog_of_id else {"name": "Web", "website": None},
        "account": account_json(inst, status.account),
        "media_attachments": [attachment_json(inst, m) for m in status.media],
        "mentions": [
            {"id": m.id, "username": m.username, "url": m.url, "acct": m.acct}
            for m in status.mentions
        ],
        "tags": list(tags.values()),
        "emojis": [],
        "quote": quote_json(inst, status, nested),
        "card": card_json(inst, status),
        "poll": None,
    }
    if inst.version_info < (4, 4, 0):
        del out["quote"]
    return out


def context_json(inst: Instance, status: Status) -> Json:
    ancestors = []
    parent = inst.find(status.in_reply_to_id) if status.in_reply_to_id else None
    while parent is not None:
        ancestors.append(parent)
        parent = inst.find(parent.in_reply_to_id) if parent.in_reply_to_id else None
    descendants: list[Status] = []

    def walk(node: Status) -> None:
        for child in sorted(inst.replies(node.id), key=lambda s: int(s.id)):
            descendants.append(child)
            walk(child)

    walk(status)
    return {
        "ancestors": [status_json(inst, s) for s in reversed(ancestors)],
        "descendants": [status_json(inst, s) for s in descendants],
    }
