"""What the examiner sees of a web capture (issue 19): final URL, redirects, blocked
writes, ignored TLS errors, the page's own times, and exhibits grouped by role, in
``log``, ``case show`` and the provenance report.

The captures are recorded through the real writing path (``record_acquisition`` with
the case's ``CaseWriter``) with records shaped as ``web/capture_record.py`` writes them, so
no browser is needed; the CLI runs as a real process.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.folder.acquisition import Artifact, record_acquisition, record_failure
from osint_kit.record.capture_facts import CaptureFacts

CLI = str(Path(sys.executable).parent / "osint-kit")
TLS_ERROR = "certificate verify failed: unable to get local issuer certificate (127.0.0.1)"
HOSTILE_URL = "https://final.example/<img src=x onerror=alert(1)>"
FRAME = "https://final.example/landing"

BLOCKED = [
    {
        "method": "POST",
        "url": "https://final.example/api/like",
        "kind": "request",
        "resource_type": "fetch",
        "frame": FRAME,
        "time": "2026-11-20T09:00:03.100000Z",
    },
    {
        "method": "GET",
        "url": "wss://final.example/live",
        "kind": "websocket",
        "resource_type": "websocket",
        "frame": FRAME,
        "time": "2026-11-20T09:00:04.200000Z",
    },
    {
        "method": "PUT",
        "url": HOSTILE_URL,
        "kind": "request",
        "resource_type": "xhr",
        "frame": FRAME,
        "time": "2026-11-20T09:00:05.300000Z",
    },
]

#: A page of the batch: redirected, three writes blocked, TLS errors ignored, 500 images.
BIG_PAGE: dict[str, Any] = {
    "method": "web.browser",
    "target": "https://start.example/a",
    "final_url": FRAME,
    "redirects": [
        {"url": "https://start.example/a", "status": 301},
        {"url": "https://mid.example/b", "status": 302},
    ],
    "http_status": 200,
    "title": "<script>alert('title')</script>",
    "status": "partial",
    "reason": "the page's traffic passed 1 MiB",
    "limit": "max_bytes",
    "started": "2026-11-20T09:00:00.000001Z",
    "ended": "2026-11-20T09:00:12.500000Z",
    "blocked_requests": BLOCKED,
    "tls": {
        "subjectName": "final.example",
        "issuer": "Evil CA <b>bold</b>",
        "protocol": "TLS 1.3",
        "errors_ignored": True,
        "errors": [TLS_ERROR],
    },
    "options": {"ignore_tls_errors": True},
    "bodies_truncated": ["https://final.example/big.mp4"],
}

#: Its neighbour in the batch, captured earlier the same morning over plain http.
SMALL_PAGE: dict[str, Any] = {
    "method": "web.browser",
    "target": "http://plain.example/",
    "final_url": "http://plain.example/",
    "redirects": [],
    "http_status": 200,
    "status": "complete",
    "started": "2026-11-20T08:15:00Z",
    "ended": "2026-11-20T08:15:07Z",
    "blocked_requests": [],
    "tls": None,
    "options": {"ignore_tls_errors": False},
}

#: An older record: errors ignored, which ones not recorded.
OLD_PAGE: dict[str, Any] = {
    "method": "web.browser",
    "target": "https://old.example/",
    "final_url": "https://old.example/",
    "http_status": 200,
    "status": "complete",
    "started": "2026-11-19T12:00:00Z",
    "ended": "2026-11-19T12:00:05Z",
    "tls": {"subjectName": "old.example", "issuer": "X", "errors_ignored": True},
}

#: Every member of the wrong type.
WRONG_TYPES: dict[str, Any] = {
    "method": "web.browser",
    "target": {"not": "a string"},
    "final_url": ["x"],
    "redirects": None,
    "http_status": {"code": 200},
    "status": ["partial"],
    "reason": 7,
    "started": 12,
    "ended": None,
    "blocked_requests": {"method": "POST"},
    "tls": "TLS 1.3, trust me",
    "bodies_truncated": "https://x.example/",
    "limit": {"a": 1},
    "options": "ignore",
}


def _record(case: Case, capture: dict[str, Any], blobs: list[tuple[str, str, bytes]]) -> str:
    writer = case.writer
    artifacts = [Artifact(writer.store.stage_bytes(d), role, media) for role, media, d in blobs]
    return record_acquisition(writer, artifacts, capture, EXAMINER.actor()).id


def _page_blobs(name: str, images: int = 0) -> list[tuple[str, str, bytes]]:
    blobs = [
        (role, media, f"{name} {role}".encode())
        for role, media in (
            ("screenshot", "image/png"),
            ("dom", "text/html"),
            ("text", "text/plain"),
            ("mhtml", "multipart/related"),
            ("warc", "application/warc"),
            ("wacz", "application/wacz"),
        )
    ]
    blobs += [("page-image", "image/png", f"{name} image {i}".encode()) for i in range(images)]
    return blobs


@pytest.fixture
def batch(case: Case) -> Case:
    """A batch of three pages recorded one after another, well after their page times."""
    _record(case, BIG_PAGE, _page_blobs("big", images=500))
    _record(case, SMALL_PAGE, _page_blobs("small"))
    _record(case, OLD_PAGE, _page_blobs("old"))
    return case


def _cli(*args: str) -> str:
    # a hang ceiling only: under load 25 on two cores, starting the CLI alone took minutes
    done = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_log_shows_final_url_redirects_blocked_writes_tls_and_page_times(batch: Case) -> None:
    log = _cli("log", batch.id)
    big = log[log.index("C0001") : log.index("C0002")]
    assert f"final URL {FRAME}" in big and "HTTP 200" in big and "2 redirects" in big
    assert "blocked 3 writes (1 websocket)" in big
    assert f"[TLS ERRORS IGNORED: {TLS_ERROR}]" in big
    assert "redirects: 301 https://start.example/a -> 302 https://mid.example/b -> " + FRAME in big
    assert "blocked GET wss://final.example/live (websocket" in big
    assert "1 response body cut at the byte limit: https://final.example/big.mp4" in big
    assert "stopped by the max_bytes limit" in big and "(partial: the page's traffic" in big
    # 506 exhibits by role, not 506 labels
    assert "screenshot E0001, dom E0002" in big and "page-image (500) E0007..E0506" in big
    assert "E0100" not in big

    # the event's time is when it was recorded; each page says when it was captured
    event_times = re.findall(r"^\s+\d+  (\S+)  .*evidence\.acquired", log, re.M)
    assert len(event_times) == 3 and all(not t.startswith("2026-11-20T08") for t in event_times)
    assert "page captured 2026-11-20T09:00:00Z to 09:00:12Z (12.5 s)" in big
    small = log[log.index("C0002") : log.index("C0003")]
    assert "page captured 2026-11-20T08:15:00Z to 08:15:07Z (7.0 s)" in small
    assert "final URL" not in small and "TLS" not in small and "blocked" not in small

    old = log[log.index("C0003") :]
    assert "[TLS ERRORS IGNORED (which: not recorded)]" in old


def test_case_show_groups_exhibits_per_capture_by_role(batch: Case) -> None:
    show = _cli("case", "show", batch.id)
    lines = show.splitlines()
    assert len(lines) < 40, show  # 518 exhibits; it was one line each
    start = next(i for i, ln in enumerate(lines) if "C0001 web.browser" in ln)
    head = lines[start]
    assert "https://start.example/a  [partial: the page's traffic passed 1 MiB]" in head
    big = "\n".join(lines[start : start + 12])
    assert lines[start + 1] == "    page 2026-11-20T09:00:00Z to 09:00:12Z (12.5 s)"
    assert "final URL " + FRAME in big and "blocked 3 writes (1 websocket)" in big
    assert f"TLS ERRORS IGNORED: {TLS_ERROR}" in big
    assert re.search(r"E0001  screenshot\s+\d+  image/png", big)
    assert re.search(r"page-image\s+500 exhibits  E0007..E0506", big)
    assert "E0200" not in show
    assert "C0003 web.browser https://old.example/" in show
    assert "TLS ERRORS IGNORED (which: not recorded)" in show


def test_case_show_groups_imports_too(case: Case, tmp_path: Path) -> None:
    tip = tmp_path / "tip.txt"
    tip.write_text("Seen at the pier.\n")
    case.import_files([tip], handed_over_by="Front desk", examiner=EXAMINER, progress=False)
    show = _cli("case", "show", case.id)
    assert re.search(r"^  C0001 file\.import tip\.txt  \[complete\]", show, re.M), show
    assert re.search(r"^    E0001  original .* tip\.txt  sha256:", show, re.M), show


def test_report_shows_capture_facts_escaped(batch: Case) -> None:
    page = batch.disclosure.report(verify=False).html
    for said in (
        "Web capture C0001",
        "https://start.example/a",
        FRAME,
        "https://mid.example/b",
        "2026-11-20T09:00:00.000001Z",
        "2026-11-20T09:00:12.500000Z",
        "wss://final.example/live",
        "websocket",
        "TLS ERRORS IGNORED",
        TLS_ERROR,
        "https://final.example/big.mp4",
        "Evil CA &lt;b&gt;bold&lt;/b&gt;",
        "https://final.example/&lt;img src=x onerror=alert(1)&gt;",
        "TLS ERRORS IGNORED (which: not recorded)",
    ):
        assert said in page, said
    for raw in ("<img src=x", "<b>bold", "<script>alert"):
        assert raw not in page, raw


def test_wrong_typed_record_shows_without_traceback(case: Case) -> None:
    _record(case, WRONG_TYPES, _page_blobs("odd"))
    record_failure(case.writer, {**WRONG_TYPES, "status": "failed"}, EXAMINER.actor())
    log = _cli("log", case.id)
    assert "C0001 web.browser" in log
    assert "TLS: ? (the record's tls is not an object)" in log
    assert "page captured ? to ?" in log
    show = _cli("case", "show", case.id)
    assert "C0001 web.browser  [?]" in show
    page = case.disclosure.report(verify=False).html
    assert "Web capture C0001" in page and "Web capture C0002" in page
    facts = CaptureFacts.of(WRONG_TYPES)
    assert facts.redirects == () and facts.blocked == () and facts.target is None
    assert CaptureFacts.of("not a record") == CaptureFacts()


@pytest.mark.parametrize(
    ("record", "warning"),
    [
        ({"tls": {"errors_ignored": True, "errors": ["e1", "e2"]}}, "TLS ERRORS IGNORED: e1; e2"),
        ({"tls": {"errors_ignored": True}}, "TLS ERRORS IGNORED (which: not recorded)"),
        ({"tls": {"errors_ignored": True, "errors": []}}, None),  # on, but none met
        ({"tls": {"errors_ignored": False, "subjectName": "a"}}, None),
        ({"tls": {"errors_ignored": False, "errors": ["met"]}}, "TLS ERRORS IGNORED: met"),
        (
            {"tls": {"errors_ignored": True, "errors": "one"}},
            "TLS ERRORS IGNORED (which: not recorded)",
        ),
        (
            {"target": "https://a/", "options": {"ignore_tls_errors": True}},
            "TLS ERRORS IGNORED (which: not recorded)",
        ),
        ({"target": "http://a/", "options": {"ignore_tls_errors": True}}, None),
        ({"target": "https://a/", "tls": None}, None),
        (
            {"target": "https://a/", "tls": ["x"], "options": {"ignore_tls_errors": True}},
            "TLS ERRORS IGNORED (which: not recorded)",
        ),
    ],
)
def test_when_tls_errors_count_as_ignored(record: dict[str, Any], warning: str | None) -> None:
    tls = CaptureFacts.of({"method": "web.browser", **record}).tls
    assert (tls.warning if tls is not None else None) == warning
