"""Tables of rows with one fixed Arrow schema each: what ``case.posts()``,
``case.media()``, ``case.timeline()``, ``case.search()`` and the others return.

``Rows`` is a list of dicts (what a notebook iterates) that can also stand on an
Arrow table read from ``derived/tables/`` and turn it into dicts only when asked;
``to_arrow()`` and ``to_frame()`` (pandas, Arrow-backed dtypes) never go through
the dicts then. ``table_schema`` stamps every schema with its table's name and
version, which any Parquet reader sees in the file's metadata.
"""

from __future__ import annotations

import html
from typing import Any, Self

import pyarrow as pa

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

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in self.shown)
        rows = []
        for row in self[:50]:
            cells = []
            for c in self.shown:
                value = row[c]
                text = str(len(value)) if isinstance(value, list) else str(value)[:120]
                cells.append(f"<td>{html.escape(text if value is not None else '')}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        more = f"<p>… {len(self) - 50} more (use .to_frame())</p>" if len(self) > 50 else ""
        return f"<p>{len(self)} {self.what}</p><table><tr>{head}</tr>{''.join(rows)}</table>{more}"
