"""Pack a capture's WARC into a WACZ 1.1.1 file, deterministically.

Layout: ``archive/data.warc.gz`` (stored, not re-compressed, so players can seek
into it), ``indexes/index.cdx`` and ``indexes/index.cdxj`` (the same CDXJ lines,
made by webrecorder's cdxj-indexer: pywb's ``wb-manager add --unpack-wacz`` reads
only ``*.cdx`` and ``*.cdx.gz`` and, finding none, adds nothing and still exits 0;
ReplayWeb.page reads both names), ``pages/pages.jsonl`` (the captured page),
``datapackage.json`` (every file with its SHA-256 and size) and
``datapackage-digest.json`` (the SHA-256 of ``datapackage.json``). Entries are
written in a fixed order with the capture's time as their date, so the same
capture always packs to the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from cdxj_indexer.main import write_cdx_index

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"


def _cdxj(warc: bytes) -> bytes:
    with tempfile.TemporaryDirectory(prefix="osint-kit-cdxj-") as tmp:
        path = Path(tmp) / WARC_NAME  # the index names the file it points into
        path.write_bytes(warc)
        out = io.StringIO()
        write_cdx_index(out, [str(path)], {"sort": True, "post_append": True})
        return out.getvalue().encode("utf-8")


def _entry(name: str, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.external_attr = 0o444 << 16
    return info


def pack_wacz(warc: bytes, *, url: str, title: str, started: datetime, software: str) -> bytes:
    """A WACZ holding ``warc``, with one page (``url`` captured at ``started``)."""
    ts = started.strftime("%Y-%m-%dT%H:%M:%SZ")
    pages = (
        json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})
        + "\n"
        + json.dumps({"id": "page-1", "url": url, "ts": ts, "title": title})
        + "\n"
    ).encode("utf-8")
    index = _cdxj(warc)
    files = [
        (f"archive/{WARC_NAME}", warc, zipfile.ZIP_STORED),
        ("indexes/index.cdx", index, zipfile.ZIP_DEFLATED),
        ("indexes/index.cdxj", index, zipfile.ZIP_DEFLATED),
        ("pages/pages.jsonl", pages, zipfile.ZIP_DEFLATED),
    ]
    package = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title or url,
        "description": "One page captured by osint-kit (web.browser)",
        "created": ts,
        "software": software,
        "mainPageUrl": url,
        "mainPageDate": ts,
        "resources": [
            {
                "name": Path(name).name,
                "path": name,
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            for name, data, _ in files
        ],
    }
    package_bytes = json.dumps(package, indent=2, sort_keys=True).encode("utf-8")
    digest = {
        "path": "datapackage.json",
        "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
    }
    files += [
        ("datapackage.json", package_bytes, zipfile.ZIP_DEFLATED),
        ("datapackage-digest.json", json.dumps(digest, indent=2).encode(), zipfile.ZIP_DEFLATED),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, method in files:
            z.writestr(_entry(name, started), data, compress_type=method)
    return buf.getvalue()
