"""Real platform responses recorded by other projects' test suites, read in place.

They live in ``../shared/fixtures/real`` beside the project (provenance and
licences in its SOURCES.md), or wherever ``OSINT_KIT_REAL_FIXTURES`` points. They
are never copied into this repository; tests that need them skip, saying why,
when they are absent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
