"""Real platform responses recorded by other projects' test suites, read in place.

They live in ``../shared/fixtures/real`` beside the project (provenance and
licences in its SOURCES.md), or wherever ``OSINT_KIT_REAL_FIXTURES`` points. They
are never copied into this repository; tests that need them skip, saying why,
when they are absent.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"
#: Headers describing an encoding the recorder already undid (bodies are stored decoded).
_UNDONE = {"content-encoding", "transfer-encoding", "content-length", "connection"}


def real_dir() -> Path:
    return Path(os.environ.get("OSINT_KIT_REAL_FIXTURES", DEFAULT))


def real_file(relative: str) -> Path:
    path = real_dir() / relative
    if not path.is_file():
        pytest.skip(f"real recording {relative} is not at {path} (set OSINT_KIT_REAL_FIXTURES)")
    return path


@dataclass(frozen=True)
class Recorded:
    method: str
    uri: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def cassette(relative: str) -> list[Recorded]:
    """The interactions of a vcr (R) or vcrpy cassette, with headers as served again."""
    data = yaml.safe_load(real_file(relative).read_text(encoding="utf-8"))
    out = []
    for item in data.get("http_interactions") or data.get("interactions") or []:
        req, resp = item["request"], item["response"]
        status = resp["status"]
        code = int(status["code"] if isinstance(status, dict) else status)
        headers = []
        for name, value in (resp.get("headers") or {}).items():
            if name.lower() in _UNDONE:
                continue
            for v in value if isinstance(value, list) else [value]:
                headers.append((str(name), " ".join(str(v).split())))
        body = resp.get("body") or {}
        text = body.get("string", "") if isinstance(body, dict) else str(body)
        out.append(Recorded(req["method"].upper(), req["uri"], code, headers, text.encode()))
    return out


def serve_fosstodon(fake: Any) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """Serve the recorded fosstodon.org account and its five status pages from the fake
    Mastodon, each page at the URL the previous page's Link header names; returns the
    account and the pages as recorded."""
    account = cassette("mastodon/rtoot_fosstodon_account.yml")[0]
    acct = json.loads(account.body)
    fake.mastodon.add_instance("fosstodon.org", version="4.3.0")
    fake.canned(
        "fosstodon.org",
        f"/api/v1/accounts/lookup?acct={acct['username']}",
        200,
        account.headers,
        account.body,
    )
    pages = cassette("mastodon/rtoot_fosstodon_account_statuses_5pages.yml")
    target = f"/api/v1/accounts/{acct['id']}/statuses?limit=40"
    for rec in pages:
        fake.canned("fosstodon.org", target, rec.status, rec.headers, rec.body)
        link = dict(rec.headers).get("link", "")
        target = link.split(">")[0].removeprefix("<").removeprefix("https://fosstodon.org")
    json_type = [("Content-Type", "application/json; charset=utf-8")]
    fake.canned("fosstodon.org", target, 200, json_type, b"[]")
    return acct, [json.loads(r.body) for r in pages]
