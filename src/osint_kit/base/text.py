"""Values read from outside (a log, a platform, a file name) shown as text, defensively:
whatever their type, they read as a string, never a traceback."""

from __future__ import annotations

import html
import os


def text_of(value: object) -> str:
    return value if isinstance(value, str) else ""


def texts_of(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def one_line(value: object) -> str:
    """A value read back from the log as one line of text ("" for none, or a non-string)."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())


def name_as_text(name: str) -> str:
    """A file-system name for the record: itself when it is valid UTF-8; else (a name
    the OS gave as bytes that are not UTF-8, which Python holds as lone surrogates) with
    each undecodable byte written ``\\xNN``, so the log, which is UTF-8, holds no
    invented character. ``name_bytes_hex`` says which bytes it was."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


def name_bytes_hex(name: str) -> str | None:
    """The raw bytes of a file-system name that is not valid UTF-8, in hex (None for a
    valid one): with ``name_as_text``, faithful where an escape alone could be mistaken
    for a name that really holds a backslash."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).hex()
    return None


def recorded_name(key: str, name: str) -> dict[str, str]:
    """``{key: name_as_text(name)}``, and ``{key + "_hex": ...}`` when the name is not
    UTF-8: how a file name from outside goes into an event."""
    raw = name_bytes_hex(name)
    return {key: name_as_text(name), **({f"{key}_hex": raw} if raw is not None else {})}


#: Shown by their usual escapes rather than as the code point's number.
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(value: object) -> str:
    """A value from outside (a file name, a title, a handle, a note, a URL, a page's
    title, an examiner's name) as it may be printed among osint-kit's own lines: every
    character that would act rather than show is written as its escape, visibly.

    A line break (``\\n``) could start a line that passes for osint-kit's own output
    (a forged exhibit line); a carriage return, a tab, an ANSI escape (``\\x1b``),
    another control character, a bidi override (``\\u202e``, which turns the text
    after it around) or an invisible character (``\\u200b``, ``\\ufeff``) could hide
    or disguise what is there. Printable text is kept as it is, in any script."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _ESCAPES.get(c) or _escape(c) for c in text)


def shown_in_html(value: object, quote: bool = True) -> str:
    """``value`` escaped for HTML (``html.escape``), with what ``shown`` writes as its
    escape written so here too (a bidi override, an invisible character, a control
    character), except the line break and the tab, which HTML lays out as space: a
    report's or a notebook's cell shows what is there, never a turned-around name."""
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable():
        text = "".join(
            c if c.isprintable() or c in "\n\t" else _ESCAPES.get(c) or _escape(c) for c in text
        )
    return html.escape(text, quote=quote)


def _escape(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"
