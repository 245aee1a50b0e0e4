"""Technical metadata of every picture, video and sound exhibit, whatever its source.

Collected media (``media.ytdlp``) and handed-over folders record each file's facts in
their acquisition, signed with the rest. For the others (a post's photos, a page's
images, a file imported alone) the facts are read from the blob with ``probe`` when
first asked for and kept in ``derived/tables/media_facts.json``, a view made again
whenever it is missing or made by another version. Reading facts never changes the
record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow as pa

from osint_kit.analysis.tables import FACT_FIELDS, MEDIA_FACTS_SCHEMA
from osint_kit.base.files import read_regular
from osint_kit.errors import OsintKitError
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.views import DerivedViews
from osint_kit.formats.media_facts import FORMAT, MediaFacts
from osint_kit.formats.probe import probe
from osint_kit.record.events import Event

CACHE = "media_facts.json"
#: The media types whose facts are read.
KINDS = ("image/", "video/", "audio/")


def recorded_facts(events: Iterable[Event]) -> dict[str, Mapping[str, Any]]:
    """Facts that acquisitions recorded, by the SHA-256 of the file they describe."""
    found: dict[str, Mapping[str, Any]] = {}
    for event in events:
        cap = event.capture
        files = cap.get("files") if isinstance(cap, Mapping) else None
        for entry in files if isinstance(files, list) else []:
            if not isinstance(entry, Mapping):
                continue
            sha, facts = entry.get("sha256"), entry.get("facts")
            if isinstance(sha, str) and isinstance(facts, Mapping) and facts.get("format"):
                found.setdefault(sha, facts)
    return found


def media_facts(
    folder: CaseFolder,
    views: DerivedViews,
    wanted: Iterable[tuple[str, str | None]],
    *,
    read: bool = True,
) -> dict[str, MediaFacts]:
    """Facts for each (sha256, media type) of ``wanted`` that is a picture, video or
    sound: recorded, else cached, else (with ``read``) read from the blob now."""
    shas = [sha for sha, kind in wanted if str(kind or "").startswith(KINDS)]
    shas = list(dict.fromkeys(shas))
    out: dict[str, MediaFacts] = {}
    recorded = recorded_facts(folder.log.events())
    cache = _read_cache(views)
    missing = []
    for sha in shas:
        data = recorded.get(sha) or cache.get(sha)
        if data is not None:
            out[sha] = MediaFacts.from_json(data)
        else:
            missing.append(sha)
    if read and missing:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="osint-kit-probe") as pool:
            fresh = dict(zip(missing, pool.map(lambda s: _probe(folder, s), missing), strict=True))
        kept = {sha: f.to_json() for sha, f in fresh.items() if f is not None}
        if kept:
            _write_cache(views, {**cache, **kept})
        out.update({sha: f for sha, f in fresh.items() if f is not None})
    return out


def _probe(folder: CaseFolder, sha256: str) -> MediaFacts | None:
    path = folder.store.path_for(sha256)
    try:
        return probe(path)
    except OsintKitError:  # a blob gone (verify says so) or a tool missing: not cached
        return None


def _read_cache(views: DerivedViews) -> dict[str, Mapping[str, Any]]:
    try:
        data = json.loads(read_regular(views.path("tables", CACHE)))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    facts = data.get("facts")
    return (
        {str(k): v for k, v in facts.items() if isinstance(v, dict)}
        if isinstance(facts, dict)
        else {}
    )


def _write_cache(views: DerivedViews, facts: Mapping[str, Any]) -> None:
    data = json.dumps({"format": FORMAT, "facts": facts}, sort_keys=True).encode()
    views.keep("tables", CACHE, make=lambda tmp: tmp.write_bytes(data))


def with_facts(table: pa.Table, facts: Mapping[str, MediaFacts]) -> pa.Table:
    """The media table with ``FACT_FIELDS`` added (``MEDIA_FACTS_SCHEMA``), null where
    unknown."""
    rows = [facts.get(sha) for sha in table.column("sha256").to_pylist()]

    def column(name: str) -> list[Any]:
        out: list[Any] = []
        for f in rows:
            if f is None:
                out.append(None)
            elif name == "gps_lat":
                out.append(f.gps[0] if f.gps else None)
            elif name == "gps_lon":
                out.append(f.gps[1] if f.gps else None)
            elif name == "media_problems":
                out.append("; ".join(f.problems) or None)
            else:
                out.append(getattr(f, name))
        return out

    for fld in FACT_FIELDS:
        table = table.append_column(fld, pa.array(column(fld.name), type=fld.type))
    return table.cast(MEDIA_FACTS_SCHEMA)
