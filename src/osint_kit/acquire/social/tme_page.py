"""What a t.me channel page shows about each post that snscrape does not return.

snscrape yields url, date, text (without its line breaks) and outlinks. The same
page also shows views, photos, videos, the forward and reply headers, the author
line and the "edited" mark; they are read here from the recorded page bytes with
lxml (a second, C-speed parse: much cheaper than walking snscrape's soup again).
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html  # type: ignore[import-untyped]
from lxml.etree import ParserError  # type: ignore[import-untyped]

_BACKGROUND = re.compile(r"background-image:url\('([^']+)'\)")


#: The classes read, by what they stand for.
_CLASSES = {
    "tgme_widget_message_text": "text",
    "tgme_widget_message_link_preview": "preview",
    "tgme_widget_message_photo_wrap": "photo",
    "tgme_widget_message_video": "video",
    "tgme_widget_message_video_thumb": "thumb",
    "tgme_widget_message_views": "views",
    "tgme_widget_message_forwarded_from_name": "fwd_name",
    "tgme_widget_message_forwarded_from": "fwd",
    "tgme_widget_message_reply": "reply",
    "tgme_widget_message_owner_name": "owner",
    "tgme_widget_message_meta": "meta",
}


def parse_count(text: str) -> int | None:
    """t.me's abbreviated counts: ``448.7K`` → 448700, ``1.2M`` → 1200000, ``950`` → 950."""
    value = text.strip().replace(" ", "").upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(value[-1:], 1)
    number = value[:-1] if scale > 1 else value
    try:
        return round(float(number) * scale)
    except ValueError:
        return None


def page_posts(body: bytes) -> dict[str, dict[str, Any]]:
    """Each post block of a channel page, by its ``https://t.me/CHANNEL/ID`` URL."""
    try:
        doc = lxml.html.fromstring(body)
    except (ParserError, ValueError):
        return {}
    out = {}
    for el in doc.iter("div"):
        post = el.get("data-post")
        if post and "tgme_widget_message" in (el.get("class") or "").split():
            out[f"https://t.me/{post}"] = extras(el)
    return out


def _parts(el: Any) -> dict[str, list[Any]]:
    """The block's elements by what they stand for (one walk, document order)."""
    found: dict[str, list[Any]] = {}
    for node in el.iterdescendants():
        classes = node.get("class")
        if not classes:
            continue
        for cls in classes.split():
            if (kind := _CLASSES.get(cls)) is not None:
                found.setdefault(kind, []).append(node)
    return found


def message_text(el: Any) -> tuple[str, list[str], list[str], list[str]]:
    """The text as shown (``<br>`` kept as line breaks), its links, mentions and hashtags."""
    for br in el.iter("br"):  # our own parse of the page: marking it up changes nothing else
        br.tail = "\n" + (br.tail or "")
    links: list[str] = []
    mentions: list[str] = []
    tags: list[str] = []
    for a in el.iterdescendants("a"):
        href = a.get("href")
        if not href:
            continue
        shown = a.text_content()
        if "?q=%23" in href or shown.startswith("#"):
            tags.append(shown.lstrip("#"))
        elif shown.startswith("@"):
            mentions.append(shown.lstrip("@"))
        elif href not in links:
            links.append(href)
    return el.text_content(), links, mentions, tags


def extras(el: Any) -> dict[str, Any]:
    parts = _parts(el)

    def first(kind: str) -> Any:
        nodes = parts.get(kind)
        return nodes[0] if nodes else None

    out: dict[str, Any] = {"media": []}
    if (text := first("text")) is not None:
        out["text"], out["links"], out["mentions"], out["hashtags"] = message_text(text)
    if (preview := first("preview")) is not None:
        out["link_preview"] = preview.get("href")
    for i, a in enumerate(parts.get("photo", [])):
        if m := _BACKGROUND.search(a.get("style") or ""):
            out["media"].append({"url": m.group(1), "type": "image", "index": i})
    videos = [v for v in parts.get("video", []) if v.tag == "video" and v.get("src")]
    for video in videos:
        out["media"].append({"url": video.get("src"), "type": "video"})
    if not videos:  # t.me shows only a thumbnail of a video it will not play ("too big")
        for thumb in parts.get("thumb", []):
            if m := _BACKGROUND.search(thumb.get("style") or ""):
                out["media"].append({"url": m.group(1), "type": "video_thumbnail"})
    if (views := first("views")) is not None:
        out["views"] = parse_count(views.text_content())
    if (fwd := first("fwd_name")) is not None:
        out["forwarded_from"] = fwd.get("href") or fwd.text_content().strip()
    elif (fwd_div := first("fwd")) is not None:
        out["forwarded_from"] = fwd_div.text_content().replace("Forwarded from", "").strip()
    if (reply := first("reply")) is not None:
        out["reply_to"] = reply.get("href")
    if (owner := first("owner")) is not None:
        out["author_name"] = owner.text_content().strip()
    meta = first("meta")
    out["edited"] = bool(meta is not None and "edited" in meta.text_content())
    return out
