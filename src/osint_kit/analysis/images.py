"""Repeated images: perceptual hashes of every picture exhibit, and clusters of the same picture.

A missing person's photo reposted, or stills of crime footage, come back resized,
re-compressed, cropped a little or brightened, so their bytes (and SHA-256) differ.
A perceptual hash survives that: pHash (the 8x8 lowest frequencies of the DCT of
a 32x32 greyscale, each bit above or below their median) and dHash (is each
pixel of a 9x8 greyscale brighter than its right neighbour). Two pictures whose
pHashes differ in at most ``threshold`` of 64 bits are taken as the same
picture; clusters are the connected components of that relation.

Hashes depend on the bytes alone, never on the log, so they are cached by
SHA-256 in ``derived/tables/image_hashes.parquet`` and only new blobs are
hashed: the cache outlives every rebuild of the case's tables. Bytes that are
not a readable picture (corrupt, truncated, too large, not an image) get a row
with the reason they were skipped, never an exception.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from osint_kit.analysis.derive import ROLE as DERIVED
from osint_kit.analysis.rows import TEXTS, TIME, Rows, table_schema
from osint_kit.analysis.tables import CaseTables, MediaList
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.views import DerivedViews
from osint_kit.formats.picture_hash import hash_bytes, to_hex

#: Derived pictures that are not pictures of the case: an analysis's drawings, and a
#: video's thumbnail and contact sheet (its keyframes are: a frame posted elsewhere).
NOT_PICTURES = frozenset({DERIVED, "thumbnail", "contact-sheet"})

#: Version of the hashing; a cache made by another version is made again.
HASH_VERSION = 1
DEFAULT_THRESHOLD = 10
CACHE = "image_hashes.parquet"

CACHE_SCHEMA = pa.schema(
    [
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("phash", pa.string()),
        pa.field("dhash", pa.string()),
        pa.field("width", pa.int64()),
        pa.field("height", pa.int64()),
        pa.field("skipped", pa.string()),
    ],
    metadata={"osint-kit.table": "image_hashes", "osint-kit.version": str(HASH_VERSION)},
)

IMAGE_HASHES_SCHEMA = table_schema(
    "image_hashes",
    [
        pa.field("exhibit", pa.string(), nullable=False),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("media_type", pa.string()),
        pa.field("phash", pa.string()),
        pa.field("dhash", pa.string()),
        pa.field("width", pa.int64()),
        pa.field("height", pa.int64()),
        pa.field("skipped", pa.string()),
    ],
)

CLUSTERS_SCHEMA = table_schema(
    "repeated_images",
    [
        pa.field("cluster", pa.int64(), nullable=False),
        pa.field("size", pa.int64(), nullable=False),
        pa.field("distinct", pa.int64(), nullable=False),
        pa.field("exhibits", TEXTS),
        pa.field("sha256", TEXTS),
        pa.field("accounts", TEXTS),
        pa.field("platforms", TEXTS),
        pa.field("posts", TEXTS),
        pa.field("first_seen", TIME),
        pa.field("first_exhibit", pa.string()),
        pa.field("max_distance", pa.int64(), nullable=False),
    ],
)


# -- the cache ---------------------------------------------------------------


def _read_cache(views: DerivedViews) -> dict[str, dict[str, Any]]:
    path = views.path("tables", CACHE)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid):
        return {}
    if not table.schema.equals(CACHE_SCHEMA, check_metadata=False):
        return {}
    meta = table.schema.metadata or {}
    if meta.get(b"osint-kit.version") != str(HASH_VERSION).encode():
        return {}
    return {row["sha256"]: row for row in table.to_pylist()}


def _write_cache(views: DerivedViews, rows: Iterable[Mapping[str, Any]]) -> None:
    table = pa.Table.from_pylist(sorted(rows, key=lambda r: str(r["sha256"])), schema=CACHE_SCHEMA)
    views.keep("tables", CACHE, make=lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def _hash_blob(folder: CaseFolder, sha256: str) -> dict[str, Any]:
    try:
        data = folder.read_blob(sha256)
    except OSError as exc:
        # Not cached: the blob may come back (repair), the hash must then be made.
        return {"sha256": sha256, "skipped": f"blob not readable: {exc.strerror or exc}"}
    found = hash_bytes(data)
    return {
        "sha256": sha256,
        "phash": to_hex(found.phash),
        "dhash": to_hex(found.dhash),
        "width": found.width,
        "height": found.height,
        "skipped": found.skipped,
    }


class ImageHashList(Rows):
    """Rows of ``IMAGE_HASHES_SCHEMA``: one per picture exhibit; ``skipped`` says why a
    picture has no hash."""

    schema = IMAGE_HASHES_SCHEMA
    shown = ("exhibit", "media_type", "phash", "dhash", "width", "height", "skipped")
    what = "picture exhibits"


def image_hashes(
    folder: CaseFolder, views: DerivedViews, media: MediaList | None = None
) -> ImageHashList:
    """The hashes of every ``image/*`` exhibit but derived ones; only bytes not in the
    cache (``views``' ``tables/image_hashes.parquet``) are hashed."""
    if media is None:
        media = MediaList.from_arrow(CaseTables(folder, views).table("media"))
    # An analysis's own drawings (role ``derived``) are not pictures of the case.
    images = [
        m
        for m in media
        if str(m["media_type"] or "").startswith("image/") and m["role"] not in NOT_PICTURES
    ]
    cache = _read_cache(views)
    new = [sha for sha in dict.fromkeys(str(m["sha256"]) for m in images) if sha not in cache]
    # Pillow decodes and resizes without the GIL: threads use every core.
    workers = min(len(new), os.cpu_count() or 1, 8)
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            hashed = list(pool.map(lambda sha: _hash_blob(folder, sha), new))
    else:
        hashed = [_hash_blob(folder, sha) for sha in new]
    fresh = dict(zip(new, hashed, strict=True))
    kept = [r for r in fresh.values() if not str(r["skipped"] or "").startswith("blob not")]
    if kept:
        _write_cache(views, [*cache.values(), *kept])
    known = {**cache, **fresh}
    rows = ImageHashList()
    for m in images:
        h = known[str(m["sha256"])]
        rows.append(
            {
                "exhibit": m["exhibit"],
                "sha256": m["sha256"],
                "media_type": m["media_type"],
                "phash": h.get("phash"),
                "dhash": h.get("dhash"),
                "width": h.get("width"),
                "height": h.get("height"),
                "skipped": h.get("skipped"),
            }
        )
    return rows


# -- clustering --------------------------------------------------------------


#: Hash pairs compared per numpy step: blocks of rows against the rest, ~32 MB at a time.
_BLOCK_PAIRS = 1 << 22
_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _popcount(x: np.ndarray) -> np.ndarray:
    counted: np.ndarray
    if hasattr(np, "bitwise_count"):  # numpy 2
        counted = np.bitwise_count(x)
    else:  # numpy 1: a table of the 256 byte values
        counted = _POPCOUNT8[x[..., None].view(np.uint8)].sum(axis=-1)
    return counted


def near_pairs(values: np.ndarray, threshold: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Index pairs ``i < j`` of ``values`` (uint64) within ``threshold`` bits, a block at a time.

    Every pair is compared (XOR, then a popcount), vectorised: about a billion pairs
    a second, so 50,000 distinct pictures take seconds (docs/performance.md). A
    BK-tree was tried and measured slower: the distances between unrelated 64-bit
    hashes gather around 32, so at a threshold of 10 its triangle-inequality
    pruning (descend into children at distance ``d ± 10``) keeps nearly every
    branch and the tree walk is Python, pair by pair.
    """
    n = len(values)
    block = max(1, _BLOCK_PAIRS // max(n, 1))
    for first in range(0, n, block):
        rows = values[first : first + block]
        dist = _popcount(rows[:, None] ^ values[None, first:])
        ii, jj = np.nonzero(dist <= threshold)
        ii, jj = ii + first, jj + first
        keep = jj > ii
        yield ii[keep], jj[keep]


def clusters_of(hashes: Sequence[int], threshold: int) -> list[list[int]]:
    """Connected components (union-find) of distinct hashes within ``threshold`` bits."""
    distinct = list(dict.fromkeys(hashes))
    parent = list(range(len(distinct)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    values = np.array(distinct, dtype=np.uint64)
    for ii, jj in near_pairs(values, threshold):
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            a, b = root(i), root(j)
            if a != b:
                parent[a] = b
    groups: dict[int, list[int]] = {}
    for i, h in enumerate(distinct):
        groups.setdefault(root(i), []).append(h)
    return list(groups.values())


class RepeatedImages(Rows):
    """Rows of ``CLUSTERS_SCHEMA``: one per picture found more than once, earliest first.

    ``size`` is the exhibits in the cluster, ``distinct`` their different byte
    strings; ``first_seen`` the earliest post carrying one of them (or, for a
    picture no post carries, when it was acquired) and ``first_exhibit`` which.
    ``skipped`` lists the picture exhibits that could not be hashed, with why.
    """

    skipped: list[tuple[str, str]] = []  # noqa: RUF012 - set per instance when built

    schema = CLUSTERS_SCHEMA
    shown = ("cluster", "size", "distinct", "accounts", "platforms", "first_seen", "first_exhibit")
    what = "repeated pictures"


def _spread(group: Sequence[int]) -> int:
    """The largest distance between two hashes of a cluster (-1 past 2,000 hashes: k² work)."""
    if len(group) > 2000:
        return -1
    values = np.array(group, dtype=np.uint64)
    return int(_popcount(values[:, None] ^ values[None, :]).max())


def _appearance(row: Mapping[str, Any]) -> datetime | None:
    return row.get("first_posted") or row.get("acquired_at")


def repeated_images(
    folder: CaseFolder, views: DerivedViews, threshold: int = DEFAULT_THRESHOLD
) -> tuple[RepeatedImages, ImageHashList]:
    """Clusters of the same picture among the case's image exhibits, and their hashes."""
    media = MediaList.from_arrow(CaseTables(folder, views).table("media"))
    hashes = image_hashes(folder, views, media)
    by_label = {str(m["exhibit"]): m for m in media}
    by_phash: dict[int, list[Mapping[str, Any]]] = {}
    for h in hashes:
        if h["phash"] is not None:
            by_phash.setdefault(int(h["phash"], 16), []).append(by_label[str(h["exhibit"])])
    found = []
    for group in clusters_of(list(by_phash), threshold):
        members = [m for h in group for m in by_phash[h]]
        shas = sorted({str(m["sha256"]) for m in members})
        posts = sorted({str(p) for m in members for p in m["post_exhibits"] or []})
        if len(shas) < 2 and len(members) < 2 and len(posts) < 2:
            continue
        dated = [(t, str(m["exhibit"])) for m in members if (t := _appearance(m)) is not None]
        first = min(dated) if dated else (None, None)
        found.append(
            {
                "size": len(members),
                "distinct": len(shas),
                "exhibits": sorted(str(m["exhibit"]) for m in members),
                "sha256": shas,
                "accounts": sorted({str(a) for m in members for a in m["accounts"] or []}),
                "platforms": sorted({str(p) for m in members for p in m["platforms"] or []}),
                "posts": posts,
                "first_seen": first[0],
                "first_exhibit": first[1],
                "max_distance": _spread(group),
            }
        )
    found.sort(key=lambda r: (r["first_seen"] is None, r["first_seen"] or 0, r["exhibits"]))
    rows = RepeatedImages()
    for number, row in enumerate(found, start=1):
        rows.append({"cluster": number, **row})
    rows.skipped = [(str(h["exhibit"]), str(h["skipped"])) for h in hashes if h["skipped"]]
    return rows, hashes


def clusters_json(rows: RepeatedImages, *, case_id: str, threshold: int) -> bytes:
    """The cluster list as JSON, for a derived exhibit."""

    def plain(value: Any) -> Any:
        return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value

    body = {
        "format": "osint-kit.repeated-images/1",
        "case": case_id,
        "threshold": threshold,
        "hash": "phash-dct32-8x8-median",
        "clusters": [{k: plain(v) for k, v in row.items()} for row in rows],
        "skipped": [{"exhibit": e, "reason": r} for e, r in rows.skipped],
    }
    return json.dumps(body, indent=2, ensure_ascii=False).encode() + b"\n"
