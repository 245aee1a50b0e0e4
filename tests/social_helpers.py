"""Shared set-up for the collection tests: fake platforms, settings, WARC reading."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from osint_kit import Capture, Case, CollectSettings
from osint_kit_sandbox.platforms import FakePlatforms

BIN = Path(sys.executable).parent


def settings_for(fake: FakePlatforms, **overrides: Any) -> CollectSettings:
    """No retries with back-off, short rate-limit bound: tests never sleep for long."""
    values: dict[str, Any] = {
        # every other host goes to the fake too: a test can never reach the internet
        "connect_to": {**fake.connect_to, "*": fake.url},
        "retries": 0,
        "max_retry_after_s": 2,
        "timeout_s": 10,
        "options": {"bluesky": {"appview": "https://bsky.fake"}},
    }
    values.update(overrides)
    return CollectSettings(**values)


def exhibits_of(case: Case, cap: Capture, role: str) -> list[Any]:
    return [e for e in (case.exhibit(x) for x in cap.exhibits) if e.role == role]


def posts_of(case: Case, cap: Capture) -> list[dict[str, Any]]:
    return [json.loads(e.read_bytes()) for e in exhibits_of(case, cap, "post")]


def warc_records(data: bytes) -> list[tuple[str, str | None, int | None, bytes]]:
    """(type, target URI, HTTP status, body) of every record."""
    out = []
    for rec in ArchiveIterator(io.BytesIO(data)):
        status = None
        if rec.http_headers is not None and rec.rec_type == "response":
            status = int(rec.http_headers.get_statuscode())
        out.append(
            (
                rec.rec_type,
                rec.rec_headers.get_header("WARC-Target-URI"),
                status,
                rec.content_stream().read(),
            )
        )
    return out


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "warcio"), "check", "-v", str(path)], capture_output=True, text=True
    )
