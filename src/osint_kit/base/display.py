"""The pieces every notebook display is made of: badges, thumbnails, paged tables.

Every ``_repr_html_`` in osint-kit builds on these, so a detective sees one look
everywhere and tests (and the JupyterLab browser test) find the same classes:
``osint-kit-badge`` (with ``osint-kit-verified`` / ``osint-kit-failed`` on a
verification's), ``osint-kit-thumb`` on a picture's thumbnail. Everything that
comes from a case, a platform or a page is escaped here or by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from osint_kit.base.text import shown_in_html

#: Badge colours by meaning.
COLOURS = {"ok": "#060", "bad": "#a00", "warn": "#a60", "info": "#456", "muted": "#777"}
#: Thumbnails are pictures up to this size (read from the store to embed).
THUMBNAIL_BYTES = 512 * 1024


def badge(text: str, kind: str = "info", cls: str = "") -> str:
    colour = COLOURS.get(kind, COLOURS["info"])
    extra = f" {cls}" if cls else ""
    return (
        f"<span class='osint-kit-badge{extra}' style='display:inline-block;border-radius:3px;"
        f"padding:0 .35em;margin:0 .15em .1em 0;font-size:85%;font-weight:bold;color:#fff;"
        f"background:{colour};white-space:nowrap'>{shown_in_html(text)}</span>"
    )


def verdict(ok: bool) -> str:
    """The verification badge: VERIFIED (green) or FAILED (red)."""
    if ok:
        return badge("VERIFIED", "ok", "osint-kit-verified")
    return badge("FAILED", "bad", "osint-kit-failed")


def thumb(uri: str | None, alt: str, *, height: int = 48) -> str:
    if uri is None:
        return ""
    return (
        f"<img class='osint-kit-thumb' alt='{shown_in_html(alt)}' "
        f"style='max-height:{height}px;max-width:{height * 3 // 2}px' src='{uri}'>"
    )


def wrapped(text: str, width: str = "28em") -> str:
    """Long text (a URL, a post) that wraps inside its cell instead of overlapping the next."""
    return (
        f"<span style='overflow-wrap:anywhere;white-space:pre-wrap;max-width:{width};"
        f"display:inline-block'>{shown_in_html(text)}</span>"
    )


def table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """A table of cells that are already HTML (escape what they hold before)."""
    th = "".join(f"<th style='text-align:left'>{shown_in_html(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(f"<td style='text-align:left;overflow-wrap:anywhere'>{c}</td>" for c in row)
        + "</tr>"
        for row in rows
    )
    klass = f" class='{cls}'" if cls else ""
    return f"<table{klass} style='{TABLE_STYLE}'><tr>{th}</tr>{body}</table>"


#: JupyterLab lays tables out in equal columns; ours size each column to its content.
TABLE_STYLE = "table-layout:auto"


def facts(pairs: Iterable[tuple[str, str | None]]) -> str:
    """A two-column table of name and (plain text) value; empty values are left out, and
    a value's line breaks are kept."""
    rows = "".join(
        f"<tr><th style='text-align:left;vertical-align:top'>{shown_in_html(k)}</th>"
        f"<td style='text-align:left;white-space:pre-wrap;overflow-wrap:anywhere'>"
        f"{shown_in_html(v)}</td></tr>"
        for k, v in pairs
        if v
    )
    return f"<table>{rows}</table>"


def more(shown: int, total: int, what: str, hint: str) -> str:
    """The line under a page of rows: how many were left out and how to see them."""
    if total <= shown:
        return ""
    return f"<p>… {total - shown:,} more {shown_in_html(what)}: {hint}</p>"
