"""``derived/tables/``: the case's tables as Parquet, rebuilt only when the log has moved on.

Four tables, each one Arrow schema fixed in code and in docs/tables.md: posts,
accounts, interactions (analysis/posts.py) and media (here). They are built
together from the custody log and the blobs, written with zstd beside a
``manifest.json`` that names the log head they were built at, and read back
while the log's head is still that one. Any Parquet reader (pandas, pyarrow,
DuckDB, Spark) reads them without osint-kit. Like all of ``derived/``, they can
be deleted and are made again.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from osint_kit.analysis.posts import (
    ACCOUNTS_SCHEMA,
    INTERACTIONS_SCHEMA,
    POSTS_SCHEMA,
    accounts_from_posts,
    interactions_from_posts,
    posts_from_events,
)
from osint_kit.analysis.rows import TABLES_VERSION, TEXTS, TIME, Rows, table_schema
from osint_kit.base.dates import parse_time
from osint_kit.base.files import read_regular
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.views import DerivedViews
from osint_kit.record.exhibits import Exhibit

MEDIA_KINDS = ("image/", "video/", "audio/")

MEDIA_SCHEMA = table_schema(
    "media",
    [
        pa.field("exhibit", pa.string(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("media_type", pa.string()),
        pa.field("size", pa.int64(), nullable=False),
        pa.field("role", pa.string(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("source", pa.string()),
        pa.field("capture", pa.string()),
        pa.field("method", pa.string()),
        pa.field("acquired_at", TIME),
        pa.field("posts", TEXTS),
        pa.field("post_exhibits", TEXTS),
        pa.field("accounts", TEXTS),
        pa.field("platforms", TEXTS),
        pa.field("first_posted", TIME),
    ],
)

#: Technical metadata of each media exhibit, which ``case.analysis.media()`` adds
#: (analysis/media_facts.py).
FACT_FIELDS = [
    pa.field("duration_s", pa.float64()),
    pa.field("width", pa.int32()),
    pa.field("height", pa.int32()),
    pa.field("fps", pa.float64()),
    pa.field("video_codec", pa.string()),
    pa.field("audio_codec", pa.string()),
    pa.field("container", pa.string()),
    pa.field("created", pa.string()),
    pa.field("created_source", pa.string()),
    pa.field("gps_lat", pa.float64()),
    pa.field("gps_lon", pa.float64()),
    pa.field("make", pa.string()),
    pa.field("model", pa.string()),
    pa.field("media_problems", pa.string()),
]
#: ``case.analysis.media()``: the media table and each exhibit's technical metadata.
MEDIA_FACTS_SCHEMA = table_schema("media", [*MEDIA_SCHEMA, *FACT_FIELDS])

SCHEMAS: dict[str, pa.Schema] = {
    "posts": POSTS_SCHEMA,
    "accounts": ACCOUNTS_SCHEMA,
    "interactions": INTERACTIONS_SCHEMA,
    "media": MEDIA_SCHEMA,
}
MANIFEST = "manifest.json"
FORMAT = "osint-kit.tables/1"


def media_rows(
    exhibits: Iterable[Exhibit], posts: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Every picture, video and sound exhibit, with the posts that carry its bytes."""
    carried: dict[str, list[Mapping[str, Any]]] = {}
    for post in posts:
        for sha in post.get("media") or []:
            carried.setdefault(str(sha), []).append(post)
    rows = []
    for ex in exhibits:
        if not (ex.media_type or "").startswith(MEDIA_KINDS):
            continue
        with_it = carried.get(ex.sha256, [])
        times = [p["created_at"] for p in with_it if p.get("created_at") is not None]
        rows.append(
            {
                "exhibit": ex.label,
                "sha256": ex.sha256,
                "media_type": ex.media_type,
                "size": ex.size,
                "role": ex.role,
                "name": ex.name,
                "source": ex.source,
                "capture": ex.capture,
                "method": ex.method,
                "acquired_at": parse_time(ex.acquired_at, what="acquired_at"),
                "posts": [str(p["id"]) for p in with_it],
                "post_exhibits": [str(p["exhibit"]) for p in with_it],
                "accounts": sorted({str(p["author_key"]) for p in with_it if p.get("author_key")}),
                "platforms": sorted({str(p["platform"]) for p in with_it}),
                "first_posted": min(times) if times else None,
            }
        )
    return rows


class MediaList(Rows):
    """Rows of ``MEDIA_SCHEMA``; ``to_arrow()``, ``to_frame()``."""

    schema = MEDIA_SCHEMA
    shown = (
        "exhibit",
        "media_type",
        "size",
        "role",
        "duration_s",
        "width",
        "height",
        "video_codec",
        "created",
        "gps_lat",
        "gps_lon",
        "make",
        "model",
        "media_problems",
        "posts",
        "accounts",
    )
    what = "media exhibits"


class CaseTables:
    """The four tables of one case folder, from ``derived/tables/`` while they are fresh."""

    def __init__(self, folder: CaseFolder, views: DerivedViews) -> None:
        self.folder = folder
        self.views = views
        self.path = views.path("tables")

    def manifest(self) -> dict[str, Any] | None:
        try:
            data = json.loads(read_regular(self.path / MANIFEST))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def fresh(self) -> bool:
        """Built at the log's current head, by this version, with every file present."""
        seq, head = self.folder.log.head()
        made = self.manifest()
        return (
            made is not None
            and made.get("format") == FORMAT
            and made.get("head") == {"seq": seq, "hash": head}
            and all((self.path / f"{name}.parquet").is_file() for name in SCHEMAS)
        )

    def table(self, name: str) -> pa.Table:
        """One table, read from its Parquet file, or built first when the log moved on."""
        if name not in SCHEMAS:
            raise KeyError(name)
        if not self.fresh():
            return self.build()[name]
        try:
            table = pq.read_table(self.path / f"{name}.parquet")
        except (OSError, pa.ArrowInvalid):
            return self.build()[name]
        if not table.schema.equals(SCHEMAS[name], check_metadata=False):
            return self.build()[name]
        return table

    def build(self) -> dict[str, pa.Table]:
        """Every table from the log and the blobs; written, then the manifest, atomically."""
        seq, head = self.folder.log.head()
        events = list(self.folder.log.events())
        posts = posts_from_events(events, self.folder.read_blob)
        rows = list(posts)
        tables = {
            "posts": posts.to_arrow(),
            "accounts": accounts_from_posts(rows).to_arrow(),
            "interactions": interactions_from_posts(rows).to_arrow(),
            "media": pa.Table.from_pylist(
                media_rows(self.folder.exhibits(), rows), schema=MEDIA_SCHEMA
            ),
        }
        # A view that cannot be kept is still returned; it is made again next time.
        with contextlib.suppress(OSError):
            self._write(tables, seq, head)
        return tables

    def _write(self, tables: Mapping[str, pa.Table], seq: int, head: str) -> None:
        self.views.remove("tables", MANIFEST)  # stale until the new one is in place
        files = {}
        for name, table in tables.items():
            final = self.views.write("tables", f"{name}.parquet", make=_parquet(table))
            files[name] = {"file": final.name, "rows": table.num_rows}
        manifest = {
            "format": FORMAT,
            "case": self.folder.id,
            "head": {"seq": seq, "hash": head},
            "tables_version": TABLES_VERSION,
            "tables": files,
        }
        data = json.dumps(manifest, indent=2).encode() + b"\n"
        self.views.write_bytes("tables", MANIFEST, data=data)


def _parquet(table: pa.Table) -> Callable[[Path], None]:
    """Writes ``table`` as zstd Parquet at the path it is given."""

    def write(path: Path) -> None:
        pq.write_table(table, path, compression="zstd")

    return write
