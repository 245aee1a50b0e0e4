"""HTML of the fake t.me, written after the markup of the real channel preview pages,
and :func:`handle`, which answers a request for one of them.

Only structure and class names follow t.me; styles, scripts and the text are our own.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from .common import (
    MENTION_TELEGRAM,
    LinkCard,
    Query,
    Reply,
    esc,
    html_reply,
    iso_offset,
    param,
    redirect,
    segments,
    stable_int,
)
from .media import image_size
from .telegram import Channel, Page, TelegramFake, TelegramPost

_CDN = "https://cdn4.telesco.pe/file/"


def handle(fake: TelegramFake, path: str, query: Query) -> Reply:
    """What t.me answers for ``path``: a channel preview (``/s/NAME``), a contact page
    (``/NAME``; unknown names get the generic one) or a 404."""
    parts = [p for p in path.split("/") if p]
    if len(parts) == 2 and parts[0] == "s":
        channel = fake.get(parts[1])
        if channel is None:
            return redirect(f"https://t.me/{parts[1]}")
        page = channel.page(_post_id(query, "before"), _post_id(query, "after"))
        titles = {c.name.lower(): c.title for c in fake}
        return html_reply(channel_page(channel, page, titles))
    if len(parts) == 1:
        channel = fake.get(parts[0])
        if channel is None:
            return html_reply(missing_page(parts[0]))
        return html_reply(contact_page(channel))
    if len(parts) == 2 and parts[1].isdigit() and param(query, "embed"):
        # One post's embed widget, as t.me serves it for a post link with ?embed=1.
        channel = fake.get(parts[0])
        wanted = int(parts[1])
        post = next((p for p in channel.posts if p.id == wanted), None) if channel else None
        if channel is None or post is None:
            return html_reply(embed_error_page())
        titles = {c.name.lower(): c.title for c in fake}
        return html_reply(_page_body(message(channel, post, titles)))
    return html_reply(not_found_page(), status=404)


def _post_id(query: Query, name: str) -> int | None:
    raw = param(query, name)
    return int(raw) if raw and raw.isdigit() else None


def text_html(text: str) -> str:
    """Plain text as t.me renders it: links, #hashtags (a search), @mentions, ``<br/>``."""
    out = []
    for seg in segments(text, MENTION_TELEGRAM):
        body = esc(seg.text)
        if seg.kind == "url":
            out.append(f'<a href="{body}" target="_blank" rel="noopener">{body}</a>')
        elif seg.kind == "tag":
            out.append(f'<a href="?q={quote(seg.text)}">{body}</a>')
        elif seg.kind == "mention":
            out.append(f'<a href="https://t.me/{esc(seg.text[1:])}">{body}</a>')
        else:
            out.append(body)
    return "".join(out).replace("\r\n", "\n").replace("\n", "<br/>")


def short_number(n: int) -> str:
    """Views as t.me writes them: 987, 12.3K, 1.5M."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}K"
    return f"{n / 1_000_000:.1f}M"


def counter_number(n: int) -> str:
    """Channel counters, three significant digits: 45, 5.88K, 1.48M."""
    if n < 1000:
        return str(n)
    value, unit = (n / 1000, "K") if n < 1_000_000 else (n / 1_000_000, "M")
    digits = 2 if value < 10 else 1 if value < 100 else 0
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") + unit


def _plural(word: str, n: int) -> str:
    return word[:-1] if n == 1 else word  # "1 subscriber", which snscrape does not parse


def spaced_number(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _head(title: str, og_title: str, image: str, description: str, extra: str = "") -> str:
    """The <head>; every argument is plain text (escaped here) except ``extra`` (HTML)."""
    return f"""<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <title>{esc(title)}</title>
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta property="og:title" content="{esc(og_title)}">
<meta property="og:image" content="{esc(image)}">
<meta property="og:site_name" content="Telegram">
<meta property="og:description" content="{esc(description)}">
<meta property="twitter:title" content="{esc(og_title)}">
<meta property="twitter:image" content="{esc(image)}">
<meta property="twitter:site" content="@Telegram">
<meta name="twitter:card" content="summary">
{extra}  </head>
"""


def channel_page(channel: Channel, page: Page, titles: dict[str, str]) -> str:
    name = esc(channel.name)
    posts = page.posts
    links = ""
    if posts and page.has_older:
        links += f'<link rel="prev" href="/s/{name}?before={posts[0].id}">\n'
    if posts and page.has_newer:
        links += f'<link rel="next" href="/s/{name}?after={posts[-1].id}">\n'
    if posts:
        links += f'<link rel="canonical" href="/s/{name}?before={posts[-1].id + 1}">\n'
    history = []
    if posts and page.has_older:
        history.append(
            f'<a href="/s/{name}?before={posts[0].id}" class="tme_messages_more js-messages_more"'
            f' data-before="{posts[0].id}"></a>'
        )
    history.extend(message(channel, post, titles) for post in posts)
    if posts and page.has_newer:
        history.append(
            f'<a href="/s/{name}?after={posts[-1].id}" class="tme_messages_more js-messages_more"'
            f' data-after="{posts[-1].id}"></a>'
        )
    photo = _CDN + channel.photo
    every = channel.posts
    counters = [("subscribers", channel.subscribers)]
    counters += [
        ("photos", sum(len(p.photos) for p in every)),
        ("videos", sum(1 for p in every if p.video)),
        ("links", sum(1 for p in every if p.link_preview or "http" in p.text)),
    ]
    counter_html = "".join(
        f'<div class="tgme_channel_info_counter"><span class="counter_value">{counter_number(n)}'
        f'</span> <span class="counter_type">{_plural(kind, n)}</span></div>'
        for kind, n in counters
        if n or kind == "subscribers"
    )
    verified = '<i class="verified-icon"></i>' if channel.verified else ""
    initials = esc(channel.title[:2].upper())
    return (
        _head(
            channel.title + " \N{EN DASH} Telegram",
            channel.title,
            photo,
            channel.description,
            links,
        )
        + f"""  <body class="widget_frame_base tgme_webpreview emoji_image thin_box_shadow">
    <header class="tgme_header search_collapsed">
  <div class="tgme_container">
    <div class="tgme_header_right_column">
      <section class="tgme_right_column">
        <div class="tgme_channel_info">
          <div class="tgme_channel_info_header">
            <i class="tgme_page_photo_image bgcolor1" data-content="{initials}">\
<img src="{esc(photo)}"></i>
            <div class="tgme_channel_info_header_title">\
<span dir="auto">{esc(channel.title)}</span>{verified}</div>
            <div class="tgme_channel_info_header_username"><a href="https://t.me/{name}">@{name}</a></div>
          </div>
          <div class="tgme_channel_info_counters">{counter_html}</div>
          <div class="tgme_channel_info_description">{text_html(channel.description)}</div>
        </div>
      </section>
    </div>
  </div>
</header>
<main class="tgme_main">
  <div class="tgme_container">
    <section class="tgme_channel_history js-message_history">
      {"".join(history)}
    </section>
  </div>
</main>
  </body>
</html>
"""
    )


def message(channel: Channel, post: TelegramPost, titles: dict[str, str]) -> str:
    name = esc(channel.name)
    url = esc(post.url)
    token = json.dumps(
        {"c": -stable_int(channel.name, bits=40), "p": post.id}, separators=(",", ":")
    ).encode()
    view = base64.urlsafe_b64encode(token).decode().rstrip("=")
    parts = [
        f"""<div class="tgme_widget_message_wrap js-widget_message_wrap">\
<div class="tgme_widget_message js-widget_message" data-post="{name}/{post.id}" data-view="{view}">
  <div class="tgme_widget_message_user"><a href="https://t.me/{name}">\
<i class="tgme_widget_message_user_photo bgcolor1" data-content="{esc(channel.title[:1])}">\
<img src="{_cdn(channel.photo)}"></i></a></div>
  <div class="tgme_widget_message_bubble">
    <i class="tgme_widget_message_bubble_tail"></i>
    <div class="tgme_widget_message_author accent_color">\
<a class="tgme_widget_message_owner_name" href="https://t.me/{name}">\
<span dir="auto">{esc(channel.title)}</span></a></div>
"""
    ]
    if post.forwarded_from:
        source = post.forwarded_from.split("/")[0]
        label = esc(titles.get(source.lower(), source))
        parts.append(
            '<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from&nbsp;'
            '<a class="tgme_widget_message_forwarded_from_name"'
            f' href="https://t.me/{esc(post.forwarded_from)}" dir="auto">{label}</a></div>\n'
        )
    parts.append(_photos(post))
    if post.video:
        parts.append(_video(post))
    if post.text:
        parts.append(
            '<div class="tgme_widget_message_text js-message_text" dir="auto">'
            f"{text_html(post.text)}</div>\n"
        )
    if post.link_preview:
        parts.append(_link_preview(post.link_preview))
    edited = "edited &nbsp;" if post.edited else ""
    parts.append(
        f"""<div class="tgme_widget_message_footer compact js-message_footer">
  <div class="tgme_widget_message_info short js-message_info">
    <span class="tgme_widget_message_views">{short_number(post.views)}</span>\
<span class="copyonly"> views</span><span class="tgme_widget_message_meta">{edited}\
<a class="tgme_widget_message_date" href="{url}">\
<time datetime="{iso_offset(post.date)}" class="time">{post.date:%H:%M}</time></a></span>
  </div>
</div>
  </div>
</div></div>"""
    )
    return "".join(parts)


def _cdn(name: str) -> str:
    return esc(_CDN + name)


def _ratio(name: str) -> str:
    width, height = image_size(name)
    return f"{100 * height / width:g}%"


def _video(post: TelegramPost) -> str:
    assert post.video is not None
    thumb = post.video.rsplit(".", 1)[0] + "_thumb.jpg"
    width = image_size(post.video)[0] * 6
    return f"""<a class="tgme_widget_message_video_player js-message_video_player" \
href="{esc(post.url)}"><i class="tgme_widget_message_video_thumb" \
style="background-image:url('{_cdn(thumb)}')"></i>
<div class="tgme_widget_message_video_wrap" \
style="width:{width}px;padding-top:{_ratio(post.video)}">
  <video src="{_cdn(post.video)}" class="tgme_widget_message_video js-message_video" \
width="100%" height="100%"></video>
</div>
<div class="message_video_play js-message_video_play"></div>
<time class="message_video_duration js-message_video_duration">0:{5 + post.id % 50:02d}</time></a>
"""


def _photos(post: TelegramPost) -> str:
    if not post.photos:
        return ""
    if len(post.photos) == 1:
        photo = post.photos[0]
        ids = f"{stable_int(photo, bits=62)} {stable_int(post.url, bits=30)}_{post.id}"
        width = image_size(photo)[0] * 6
        return f"""<a class="tgme_widget_message_photo_wrap {ids}" href="{esc(post.url)}" \
style="width:{width}px;background-image:url('{_cdn(photo)}')">
  <div class="tgme_widget_message_photo" style="padding-top:{_ratio(photo)}"></div>
</a>
"""
    items = "".join(
        f"""<a class="tgme_widget_message_photo_wrap grouped_media_wrap js-message_photo" \
style="width:200px;height:150px;background-image:url('{_cdn(photo)}')" \
href="{esc(post.url)}?single">
  <div class="grouped_media_helper"><div class="tgme_widget_message_photo grouped_media">\
</div></div>
</a>"""
        for photo in post.photos
    )
    return f"""<div class="tgme_widget_message_grouped_wrap js-message_grouped_wrap" \
style="width:404px;">
  <div class="tgme_widget_message_grouped js-message_grouped">
    <div class="tgme_widget_message_grouped_layer js-message_grouped_layer">{items}</div>
  </div>
</div>
"""


def _link_preview(card: LinkCard) -> str:
    lines = [f'<a class="tgme_widget_message_link_preview" href="{esc(card.url)}">']
    if card.image:
        lines.append(
            f'  <i class="link_preview_image" style="background-image:url(\'{_cdn(card.image)}\');'
            'padding-top:56.25%"></i>'
        )
    for css, text in (
        ("link_preview_site_name accent_color", card.site_name),
        ("link_preview_title", card.title),
        ("link_preview_description", card.description),
    ):
        if text:
            lines.append(f'  <div class="{css}" dir="auto">{esc(text)}</div>')
    lines.append("</a>\n")
    return "\n".join(lines)


def _page_body(inner: str) -> str:
    return f"""  <body>
    <div class="tgme_page_wrap">
      <div class="tgme_head_wrap">
        <div class="tgme_head">
          <a href="//telegram.org/" class="tgme_head_brand"><i class="tgme_logo"></i></a>
        </div>
      </div>
{inner}
    </div>
  </body>
</html>
"""


def contact_page(channel: Channel) -> str:
    name = esc(channel.name)
    photo = esc(_CDN + channel.photo)
    head = _head(
        f"Telegram: Contact @{channel.name}",
        channel.title,
        _CDN + channel.photo,
        channel.description,
    )
    return head + _page_body(
        f"""      <div class="tgme_page tgme_page_post">
        <div class="tgme_page_photo">
  <a href="tg://resolve?domain={name}"><img class="tgme_page_photo_image" src="{photo}"></a>
</div>
<div class="tgme_page_title" dir="auto">
  <span dir="auto">{esc(channel.title)}</span>
</div>
<div class="tgme_page_extra">{spaced_number(channel.subscribers)} \
{_plural("subscribers", channel.subscribers)}</div>
<div class="tgme_page_description" dir="auto">{text_html(channel.description)}</div>
<div class="tgme_page_action">
  <a class="tgme_action_button_new" href="tg://resolve?domain={name}">View in Telegram</a>
</div>
<div class="tgme_page_action tgme_page_context_action"><div class="tgme_page_context_btn">
<a class="tgme_action_button_new" href="/s/{name}">\
<span class="tgme_action_button_label">Preview channel</span></a>
</div></div>
      </div>"""
    )


def missing_page(name: str) -> str:
    """What t.me answers (200) for a username nobody holds."""
    head = _head(
        f"Telegram: Contact @{name}",
        f"Telegram: Contact @{name}",
        "https://telegram.org/img/t_logo.png",
        "",
        '<meta name="robots" content="noindex, nofollow">\n',
    )
    name = esc(name)
    return head + _page_body(
        f"""      <div class="tgme_page">
        <div class="tgme_page_icon"><i class="tgme_icon_user"></i></div>
<div class="tgme_page_description">
  If you have <strong>Telegram</strong>, you can contact <a class="tgme_username_link"
  href="tg://resolve?domain={name}">@{name}</a> right away.
</div>
<div class="tgme_page_action">
  <a class="tgme_action_button" href="tg://resolve?domain={name}">Send Message</a>
</div>
      </div>"""
    )


def embed_error_page() -> str:
    """The widget t.me serves for a post link whose post is gone."""
    return _page_body('<div class="tgme_widget_message_error">Post not found</div>')


def not_found_page() -> str:
    return (
        "<html><head><title>404 Not Found</title></head>"
        "<body><center><h1>404 Not Found</h1></center></body></html>"
    )
