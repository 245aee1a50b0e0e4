"""Values read from outside (a log, a platform, a file name) shown as text, defensively:
whatever their type, they read as a string, never a traceback."""

from __future__ import annotations


def text_of(value: object) -> str:
    return value if isinstance(value, str) else ""


def texts_of(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def one_line(value: object) -> str:
    """A value read back from the log as one line of text ("" for none, or a non-string)."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())
