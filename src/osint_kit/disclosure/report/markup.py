"""Shared by every part of the provenance report: escaping, a table's rows, and reading a
record member defensively (a log can hold anything). Apart so that the sections and the
exhibits' stories escape and read the record one way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from osint_kit.base.text import shown_in_html


def esc(value: object) -> str:
    return shown_in_html("" if value is None else str(value))


def table_rows(pairs: Iterable[tuple[str, object]]) -> str:
    return "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs if v not in (None, "")
    )


def as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[Any]:
    """A record member that should be a list, read defensively (a log can hold anything)."""
    return list(value) if isinstance(value, list | tuple) else []
