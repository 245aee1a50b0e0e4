"""Mastodon's formatter for plain text: paragraphs, links, #hashtags and @mentions.

Markup as Mastodon writes it: ``<p>`` per paragraph and ``<br />`` per line;
hashtags as ``<a class="mention hashtag" rel="tag">#<span>x</span></a>``; mentions in
an ``h-card`` span (``translate="no"`` from 4.x); links with ``invisible`` spans for
the scheme and the part past 30 characters (``ellipsis``). 3.x and 4.x differ in the
link and h-card attributes, as recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from .common import MENTION_MASTODON, esc, segments

Resolver = Callable[[str], tuple[str, str] | None]  # "@bob" -> (profile URL, username) or None


def format_text(text: str, host: str, major: int, resolve: Resolver) -> tuple[str, list[str]]:
    """HTML of ``text`` and the hashtags in it; ``resolve`` is called for each @mention."""
    tags: list[str] = []
    h_card = '<span class="h-card">' if major < 4 else '<span class="h-card" translate="no">'
    paragraphs = []
    for block in text.replace("\r\n", "\n").strip().split("\n\n"):
        out = []
        for seg in segments(block, MENTION_MASTODON):
            found = resolve(seg.text) if seg.kind == "mention" else None
            if seg.kind == "tag":
                tag = esc(seg.text[1:])
                tags.append(seg.text[1:])
                out.append(
                    f'<a href="https://{host}/tags/{tag}" class="mention hashtag" rel="tag">'
                    f"#<span>{tag}</span></a>"
                )
            elif found is not None:
                url, username = found
                out.append(
                    f'{h_card}<a href="{esc(url)}" class="u-url mention">'
                    f"@<span>{esc(username)}</span></a></span>"
                )
            elif seg.kind == "url":
                out.append(link(seg.text, major))
            else:
                out.append(esc(seg.text))
        paragraphs.append("<p>" + "".join(out).replace("\n", "<br />") + "</p>")
    return "".join(paragraphs), tags


def link(url: str, major: int) -> str:
    scheme, rest = url.split("://", 1)
    shown, hidden = (rest[:30], rest[30:]) if len(rest) > 30 else (rest, "")
    attrs = (
        'rel="nofollow noopener noreferrer" target="_blank"'
        if major < 4
        else 'target="_blank" rel="nofollow noopener" translate="no"'
    )
    return (
        f'<a href="{esc(url)}" {attrs}><span class="invisible">{esc(scheme)}://</span>'
        f'<span class="{"ellipsis" if hidden else ""}">{esc(shown)}</span>'
        f'<span class="invisible">{esc(hidden)}</span></a>'
    )
