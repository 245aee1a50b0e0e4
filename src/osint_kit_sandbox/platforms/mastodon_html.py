"""Server-rendered pages of a fake Mastodon instance.

3.x: ``/@user``, ``/@user/with_replies`` (``?max_id=`` / ``?min_id=``) and
``/@user/ID``, written from Mastodon 3.5's HAML templates (``accounts/show``,
``statuses/_status``, ``_simple_status``, ``_detailed_status``, ``_attachment_list``)
as closely as we remember them; no real 3.x page was recorded. 20 entries a page,
"Show older" / "Show newer" ``load-more`` links only when more exist, boosts with a
``status__prepend``, the toot page with ancestors and descendants around a
``detailed-status``, a 302 from a boost's page to the boosted toot, and an empty
profile showing "Nothing here!" with no ``activity-stream`` (snscrape then fails, as
against a real server).
4.x: the same paths answer the JavaScript app shell, as real 4.x servers do.
Simplified: no header images, pinned toots, polls, custom emojis, audio players
or action-bar counts beyond replies/boosts/favourites; unknown pages get a plain 404.
Media files under ``/system/...`` (and ``/headers/...``) are served on the instance host.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING

from .common import Query, Reply, esc, html_reply, iso_offset, redirect
from .mastodon_api import attachment_json, card_json, context_json, select
from .media import render, valid_name

if TYPE_CHECKING:
    from .mastodon import Account, Instance, Status

PAGE_SIZE = 20
_GLOBE = '<i class="fa fa-globe" title="Public"></i>'


def handle(inst: Instance, path: str, query: Query) -> Reply:
    if path.startswith(("/system/", "/headers/", "/avatars/")):
        name = path.rsplit("/", 1)[-1]
        if not valid_name(name):
            return _not_found()
        found = render(name)
        return Reply(200, (("Content-Type", found.content_type),), found.body, "Mastodon")
    if path == "/":
        return _page(inst, inst.title, "")
    parts = path.strip("/").split("/")
    if not parts[0].startswith("@") or len(parts) > 2:
        return _not_found()
    account = inst.account(parts[0][1:], missing_ok=True)
    if account is None:
        return _not_found()
    if inst.major >= 4:
        return _page(inst, _title(inst, account), _SHELL)
    if len(parts) == 1 or parts[1] == "with_replies":
        return _profile(inst, account, replies=len(parts) == 2, query=query)
    status = inst.find(parts[1]) if parts[1].isdigit() else None
    if status is None or status.account.id != account.id:
        return _not_found()
    if status.reblog_of_id:
        original = inst.find(status.reblog_of_id)
        return redirect(original.url, server="Mastodon") if original else _not_found()
    return _toot(inst, status)


def _not_found() -> Reply:
    message = "The page you are looking for isn't here."
    body = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{message} - Mastodon</title>'
        f'</head><body class="error"><div class="dialog"><h1>{message}</h1></div></body></html>'
    )
    return html_reply(body, 404, server="Mastodon")


def _title(inst: Instance, account: Account) -> str:
    return f"{account.display_name or account.username} (@{account.username}@{inst.host})"


def _page(inst: Instance, title: str, body: str) -> Reply:
    return html_reply(
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)} - {esc(inst.title)}</title>\n"
        f'<meta content="{esc(inst.title)}" property="og:site_name">\n</head>\n'
        f'<body class="app-body theme-default">\n{body}\n</body>\n</html>\n',
        server="Mastodon",
    )


_SHELL = """<div class="notranslate app-holder" id="mastodon"
 data-props="{&quot;locale&quot;:&quot;en&quot;}"><noscript>
<img alt="Mastodon" src="/avatars/original/missing.png"><div>To use the Mastodon web application,
please enable JavaScript. Alternatively, try one of the
<a href="https://joinmastodon.org/apps">native apps</a> for Mastodon for your platform.</div>
</noscript></div>"""


def _profile(inst: Instance, account: Account, *, replies: bool, query: Query) -> Reply:
    statuses = [inst.status(str(i)) for i in inst.timeline(account)]
    if not replies:  # the Posts tab keeps self-replies (threads), like Status.without_replies
        statuses = [s for s in statuses if s.in_reply_to_account_id in (None, account.id)]
    ids = [int(s.id) for s in statuses]
    bounds = {k: v for k, v in query.items() if k in ("max_id", "min_id", "since_id")}
    page = select(ids, bounds, PAGE_SIZE)
    base = f"{account.url}/with_replies" if replies else account.url
    entries = []
    if page and page[0] < ids[0]:
        entries.append(_load_more(f"{base}?min_id={page[0]}", "Show newer"))
    entries.extend(_entry(inst, inst.status(str(i))) for i in page)
    if page and page[-1] > ids[-1]:
        entries.append(_load_more(f"{base}?max_id={page[-1]}", "Show older"))
    if page:
        stream = '<div class="activity-stream">\n' + "\n".join(entries) + "\n</div>"
    else:
        stream = '<div class="nothing-here">Nothing here!</div>'
    url = account.url
    tabs = [("", url, "Posts"), ("/with_replies", f"{url}/with_replies", "Posts and replies")]
    headline = "".join(
        f'<a class="{"active" if (suffix == "") != replies else ""}" href="{href}">{label}</a>'
        for suffix, href, label in tabs
    )
    counters = "".join(
        f'<div class="counter"><span class="counter-number">{n}</span>'
        f'<span class="counter-label">{label}</span></div>'
        for n, label in (
            (len(ids), "Posts"),
            (account.following_count, "Following"),
            (account.followers_count, "Followers"),
        )
    )
    body = f"""<div class="public-layout"><div class="container">
<div class="public-account-header">
<div class="public-account-header__image">
<img alt="" src="https://{inst.host}/headers/original/missing.png"></div>
<div class="public-account-header__bar">
<a class="avatar" href="{url}">\
<img id="profile_page_avatar" alt="" src="{_avatar(inst, account)}"></a>
<div class="public-account-header__tabs">
<div class="public-account-header__tabs__name">
<h1>{esc(account.display_name or account.username)}<small>{_acct(inst, account)}</small></h1></div>
<div class="public-account-header__tabs__tabs"><div class="details-counters">{counters}</div></div>
</div></div></div>
<div class="grid"><div class="column-0"><div class="h-feed">
<data class="p-name" value="{esc(account.username)} on {inst.host}"></data>
<div class="account__section-headline">{headline}<a href="{url}/media">Media</a></div>
{stream}
</div></div>
<div class="column-1"><div class="public-account-bio">
<div class="account__header__content emojify">{account.note_html}</div></div></div>
</div></div></div>"""
    return _page(inst, _title(inst, account), body)


def _load_more(href: str, label: str) -> str:
    return f'<div class="entry"><a class="load-more load-gap" href="{href}">{label}</a></div>'


def _toot(inst: Instance, status: Status) -> Reply:
    ancestors: list[Status] = []
    parent = inst.find(status.in_reply_to_id) if status.in_reply_to_id else None
    while parent is not None and len(ancestors) < 40:
        ancestors.append(parent)
        parent = inst.find(parent.in_reply_to_id) if parent.in_reply_to_id else None
    entries = []
    for s in reversed(ancestors):
        direct = " u-in-reply-to" if s.id == status.in_reply_to_id else ""
        entries.append(_entry(inst, s, "h-cite entry-predecessor" + direct))
    entries.append(f'<div class="entry entry-center">\n{_detailed(inst, status)}\n</div>')
    for child in context_json(inst, status)["descendants"]:
        entries.append(_entry(inst, inst.status(child["id"]), "h-cite entry-successor"))
    body = (
        '<div class="grid"><div class="column-0"><div class="activity-stream h-entry">\n'
        + "\n".join(entries)
        + "\n</div></div></div>"
    )
    name = status.account.display_name or status.account.username
    quote = status.spoiler_text or re.sub(r"<[^>]+>", "", status.content)[:50]
    return _page(inst, f'{name}: "{quote}"', body)


def _avatar(inst: Instance, account: Account) -> str:
    return inst.media_url("accounts/avatars", account.id, "original", account.avatar)


def _acct(inst: Instance, account: Account) -> str:
    return f"@{esc(account.username)}@{inst.host}"  # 3.x writes the domain for local accounts


def _time(inst_time: datetime) -> str:
    return f'datetime="{inst_time:%Y-%m-%dT%H:%M:%SZ}" title="{inst_time:%b %d, %Y, %H:%M}"'


def _display_name(inst: Instance, account: Account) -> str:
    lock = ' <i class="fa fa-lock"></i>' if account.locked else ""
    return (
        '<span class="display-name"><bdi><strong class="display-name__html p-name emojify">'
        f"{esc(account.display_name or account.username)}</strong></bdi>&nbsp;"
        f'<span class="display-name__account">{_acct(inst, account)}{lock}</span></span>'
    )


def _entry(inst: Instance, status: Status, classes: str = "h-entry") -> str:
    if not status.reblog_of_id:
        return f'<div class="entry {classes}">\n{_simple(inst, status)}\n</div>'
    original = inst.find(status.reblog_of_id)
    if original is None:
        return ""
    booster = status.account
    return f"""<div class="entry h-cite entry-reblog">
<div class="status__prepend">
<div class="status__prepend-icon-wrapper">
<i class="status__prepend-icon fa fa-fw fa-retweet"></i></div>
<span><a class="status__display-name muted" href="{booster.url}"><bdi><strong class="emojify">\
{esc(booster.display_name or booster.username)}</strong></bdi></a> boosted</span>
</div>
{_simple(inst, original)}
</div>"""


def _simple(inst: Instance, status: Status) -> str:
    account = status.account
    edited = (
        f'<abbr title="Edited {status.edited_at:%b %d, %Y}">*</abbr>' if status.edited_at else ""
    )
    read_more = ""
    if status.in_reply_to_id and status.in_reply_to_account_id == account.id:
        read_more = (
            f'<a class="status__content__read-more-button" href="{status.url}"'
            ' rel="noopener noreferrer" target="_blank">Show thread</a>'
        )
    return f"""<div class="status status-{status.visibility}">
<div class="status__info">
<a class="status__relative-time u-url u-uid" href="{status.url}" rel="noopener noreferrer" \
target="_blank"><span class="status__visibility-icon">{_GLOBE}</span><time class="time-ago" \
{_time(status.created_at)}>{status.created_at:%b %d, %Y, %H:%M}</time>{edited}</a>
<data class="dt-published" value="{iso_offset(status.created_at)}"></data>
<div class="p-author h-card">
<a class="status__display-name u-url" href="{account.url}" rel="noopener noreferrer" \
target="_blank"><div class="status__avatar"><div><img alt="" class="u-photo account__avatar" \
src="{_avatar(inst, account)}"></div></div>
{_display_name(inst, account)}</a>
</div>
</div>
{_content(status)}
{_media(inst, status, 343)}
{read_more}
<div class="status__action-bar">{_action(inst, status, "reply", len(inst.replies(status.id)))}\
{_action(inst, status, "retweet", inst.boost_count(status.id))}\
{_action(inst, status, "star", status.favourites_count)}</div>
</div>"""


def _action(inst: Instance, status: Status, icon: str, count: int) -> str:
    kind = {"reply": "reply", "retweet": "reblog", "star": "favourite"}[icon]
    return (
        '<div class="status__action-bar__counter"><a class="status__action-bar-button icon-button'
        f' modal-button" href="https://{inst.host}/interact/{status.id}?type={kind}">'
        f'<i class="fa fa-{icon} fa-fw"></i></a>'
        f'<span class="status__action-bar__counter__label">{count}</span></div>'
    )


def _detailed(inst: Instance, status: Status) -> str:
    account = status.account
    updated = edited = ""
    if status.edited_at:
        updated = f'<data class="dt-updated" value="{iso_offset(status.edited_at)}"></data>'
        when = f"{status.edited_at:%b %d, %Y, %H:%M}"
        edited = f'Edited <time class="formatted" {_time(status.edited_at)}>{when}</time>\n·\n'
    links = "\n·\n".join(
        f'<a class="modal-button detailed-status__link" href="https://{inst.host}/interact/'
        f'{status.id}?type={kind}"><i class="fa fa-{icon}"></i>'
        f'<span class="detailed-status__{label}">{count}</span> </a>'
        for kind, icon, label, count in (
            ("reply", "reply", "reblogs", len(inst.replies(status.id))),
            ("reblog", "retweet", "reblogs", inst.boost_count(status.id)),
            ("favourite", "star", "favorites", status.favourites_count),
        )
    )
    return f"""<div class="detailed-status detailed-status--flex \
detailed-status-{status.visibility}">
<div class="p-author h-card">
<a class="detailed-status__display-name u-url" href="{account.url}" rel="noopener" \
target="_blank"><div class="detailed-status__display-avatar"><img alt="" \
class="account__avatar u-photo" src="{_avatar(inst, account)}"></div>
{_display_name(inst, account)}</a>
<a class="button logo-button modal-button" target="_new" \
href="https://{inst.host}/users/{esc(account.username)}/remote_follow">Follow</a>
</div>
{_content(status)}
{_media(inst, status, 380)}
<div class="detailed-status__meta">
<data class="dt-published" value="{iso_offset(status.created_at)}"></data>
{updated}
<a class="detailed-status__datetime u-url u-uid" href="{status.url}" rel="noopener noreferrer" \
target="_blank"><time class="formatted" {_time(status.created_at)}>\
{status.created_at:%b %d, %Y, %H:%M}</time></a>
·
{edited}<span class="detailed-status__visibility-icon">{_GLOBE}</span>
·
{links}
</div>
</div>"""


def _content(status: Status) -> str:
    lang = f' lang="{esc(status.language)}"' if status.language else ""
    body = f'<div class="e-content"{lang}>{status.content}</div>'
    if not status.spoiler_text:
        return f'<div class="status__content emojify">{body}</div>'
    return (
        '<div class="status__content emojify" data-spoiler="folded"><p>'
        f'<span class="p-summary">{esc(status.spoiler_text)}&nbsp;</span>'
        f'<button class="status__content__spoiler-link">Show more</button></p>{body}</div>'
    )


def _media(inst: Instance, status: Status, height: int) -> str:
    if status.media:
        media = [attachment_json(inst, m) for m in status.media]
        component = "Video" if status.media[0].kind in ("video", "gifv") else "MediaGallery"
        props = {"height": height, "sensitive": status.sensitive, "autoplay": False, "media": media}
        items = "".join(
            f'<li><a href="{esc(m["url"])}" title="{esc(m["description"] or "")}">'
            f"{esc(m['url'].rsplit('/', 1)[-1])}</a></li>"
            for m in media
        )
        return (
            f'<div data-component="{component}" data-props="{_props(props)}">'
            '<div class="attachment-list"><div class="attachment-list__icon">'
            f'<i class="fa fa-link"></i></div><ul class="attachment-list__list">{items}</ul>'
            "</div></div>"
        )
    card = card_json(inst, status)
    if card:
        props = {"sensitive": status.sensitive, "maxDescription": 160, "card": card}
        return f'<div data-component="Card" data-props="{_props(props)}"></div>'
    return ""


def _props(props: object) -> str:
    return esc(json.dumps(props, separators=(",", ":")))
