"""Tables of rows with one fixed Arrow schema each: what ``case.analysis.posts()``,
``case.analysis.media()``, ``case.analysis.timeline()``, ``case.analysis.search()`` and the
others return.

``Rows`` is a list of dicts (what a notebook iterates) that can also stand on an
Arrow table read from ``derived/tables/`` and turn it into dicts only when asked;
``to_arrow()`` and ``to_frame()`` (pandas, Arrow-backed dtypes) never go through
the dicts then. ``table_schema`` stamps every schema with its table's name and
version, which any Parquet reader sees in the file's metadata.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import pyarrow as pa

from osint_kit.base.display import more, table, thumb, wrapped
from osint_kit.base.text import shown_in_html

#: The version of every table's schema (a change of columns is a new version).
TABLES_VERSION = 1
TIME = pa.timestamp("us", tz="UTC")
TEXTS = pa.list_(pa.string())


def table_schema(name: str, fields: list[pa.Field]) -> pa.Schema:
    """The schema of table ``name``: its fields, its name and the tables' version."""
    return pa.schema(
        fields, metadata={"osint-kit.table": name, "osint-kit.version": str(TABLES_VERSION)}
    )


class Rows(list[dict[str, Any]]):
    """Rows as dicts (a list), or an Arrow table read from ``derived/tables/`` that turns
    into dicts only when asked: ``to_arrow()`` and ``to_frame()`` never go through them."""

    schema: pa.Schema
    shown: tuple[str, ...] = ()
    what = "rows"
    _table: pa.Table | None = None
    _pending = False

    @classmethod
    def from_arrow(cls, table: pa.Table) -> Self:
        rows = cls()
        rows._table, rows._pending = table, True
        return rows

    def _fill(self) -> None:
        if self._pending and self._table is not None:
            self._pending = False
            super().extend(self._table.to_pylist())

    def __len__(self) -> int:
        if self._pending and self._table is not None:
            return int(self._table.num_rows)
        return super().__len__()

    def __iter__(self) -> Any:
        self._fill()
        return super().__iter__()

    def __getitem__(self, index: Any) -> Any:
        self._fill()
        return super().__getitem__(index)

    def __eq__(self, other: object) -> bool:
        self._fill()
        return list.__eq__(self, other)

    __hash__ = None

    def to_arrow(self) -> pa.Table:
        if self._table is not None:
            return self._table
        return pa.Table.from_pylist(list(self), schema=self.schema)

    def to_frame(self) -> Any:
        import pandas as pd

        return self.to_arrow().to_pandas(types_mapper=pd.ArrowDtype)

    #: sha256 -> a thumbnail ``data:`` URI (or None), set by the case for tables whose
    #: rows name a blob (``sha256``).
    pictures: Callable[[str], str | None] | None = None

    def _repr_html_(self) -> str:
        """A page of rows (``PAGE``), the shown columns, long values wrapped; a thumbnail
        first where the rows name pictures."""
        pictures = self.pictures if "sha256" in self.schema.names else None
        columns = [c for c in self.shown if c in self.to_arrow().schema.names]
        head = ("",) * bool(pictures) + tuple(columns)
        rows = []
        for row in self[:PAGE]:
            cells = (
                [thumb(pictures(str(row["sha256"])), str(row.get("exhibit")))] if pictures else []
            )
            for c in columns:
                value = row.get(c)
                if isinstance(value, list):
                    text = ", ".join(map(str, value[:5])) + (
                        f" (+{len(value) - 5})" if len(value) > 5 else ""
                    )
                else:
                    text = "" if value is None else str(value)
                cells.append(wrapped(text[:300]))
            rows.append(cells)
        return (
            f"<div class='osint-kit-rows'><p>{len(self):,} {shown_in_html(self.what)}</p>"
            + table(head, rows)
            + more(
                min(len(self), PAGE),
                len(self),
                self.what,
                "slice the list, or use <code>.to_frame()</code>",
            )
            + "</div>"
        )


#: Rows a notebook shows of a table at once.
PAGE = 50
