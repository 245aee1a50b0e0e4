"""Where things are inside a bundle (format ``osint-kit-bundle/1``)."""

from __future__ import annotations

import re

FORMAT = "osint-kit-bundle/1"
EVENTS = "custody/events.jsonl"  # full events that concern the bundle; seq + digest of others
HEAD = "custody/head.json"
CHECKPOINT = "custody/checkpoint.json"  # when a TSA is configured: stamped at export
CHECKPOINT_TOKEN = "custody/checkpoint.tsr"
EXHIBITS = "exhibits.json"
CASE_UCO = "case-uco.jsonld"  # the provenance as a CASE/UCO graph
README = "README.txt"
REPORT = "report.html"  # the provenance report, self-contained
EXHIBIT_DIR = "exhibits"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, fallback: str) -> str:
    """A file name that is the same on every system: letters, digits, ``._-``."""
    cleaned = _UNSAFE.sub("_", name).strip("._") or fallback
    return cleaned[:120]
