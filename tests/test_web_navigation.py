"""A page that leaves its document by itself (issue 31), in real Chromium through Playwright.

The capture must keep the document asked for, under its own HTTP status: a hop the
page makes to another page is refused and listed with that page's own status and how
the page started it; a document the page writes itself (blob:, data:, about:) never
passes for the site's.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from conftest import EXAMINER, new_case
from osint_kit import Capture, Case
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit_sandbox.site import Site

pytestmark = pytest.mark.slow

LEAVING = [
    "/leaves-on-load",
    "/replaces-while-parsing",
    "/self-get-form",
    "/clicks-link",
    "/meta-refresh",
    "/to-blob",
    "/to-data",
    "/to-about",
    "/leaves-on-scroll",
    "/options-body",
]


@pytest.fixture(scope="module")
def leaving(
    site: Site, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Case, dict[str, Capture]]:
    case = new_case(tmp_path_factory.mktemp("leaving"), "WEB-N", "Pages that leave", "other")
    caps = case.capture_urls(
        [site.url(p) for p in LEAVING],
        examiner=EXAMINER,
        options=CaptureOptions(timeout_s=20, idle_s=2, scroll_s=3),
        parallel=2,
        progress=False,
    )
    return case, dict(zip(LEAVING, caps, strict=True))


def roles(case: Case, cap: Capture) -> dict[str, bytes]:
    return {case.exhibit(x).role: case.exhibit(x).read_bytes() for x in cap.exhibits}


#: (page, words of the page asked for, the hop, how the page made it, the hop's own
#: status, whether it left while it was parsed: the browser then stops parsing it, so
#: the capture shows the document again from the record, scripts off)
HOPS = [
    ("/leaves-on-load", b"which leaves on load", "/not-found-here", "scriptInitiated", 404, False),
    ("/replaces-while-parsing", b"replaces itself while", "/", "scriptInitiated", 200, True),
    (
        "/self-get-form",
        b"which submits a GET form",
        "/not-found-here?q=examiner",
        "formSubmissionGet",
        404,
        True,
    ),
    ("/clicks-link", b"which clicks a link", "/redirect", "anchorClick", 200, True),
    ("/meta-refresh", b"refreshes to another", "/not-found-here", "metaTagRefresh", 404, False),
]


@pytest.mark.parametrize(("path", "words", "hop", "how", "status", "parsing"), HOPS)
def test_a_page_that_leaves_for_another_page_is_kept_and_the_hop_refused(
    leaving: tuple[Case, dict[str, Capture]],
    site: Site,
    path: str,
    words: bytes,
    hop: str,
    how: str,
    status: int,
    parsing: bool,
) -> None:
    case, caps = leaving
    cap = caps[path]
    r = cap.record
    if parsing:
        assert cap.status == "partial"
        assert "left its document while it was being parsed" in (cap.reason or "")
        assert r["rendered_again_from_record"] == site.url(path)
    else:
        assert cap.status == "complete", cap.reason
    assert r["final_url"] == site.url(path) and r["redirects"] == []
    assert r["http_status"] == 200 and r["title"]
    got = roles(case, cap)
    assert words in got["text"] and words in got["dom"] and words in got["mhtml"]
    assert got["screenshot"].startswith(b"\x89PNG")
    [refused] = r["refused_navigations"]
    assert refused["url"] == site.url(hop) and refused["how"] == how
    assert refused["status"] == status and refused["method"] == "GET"
    assert refused["outcome"] == "refused" and refused["time"]
    assert refused.get("while_parsing", False) is parsing
    if path == "/clicks-link":  # the hop's own redirect is said, and where it ended
        assert refused["redirects"] == [{"url": site.url("/redirect"), "status": 302}]
        assert refused["final_url"] == site.url("/")


@pytest.mark.parametrize(
    ("path", "words", "scheme"),
    [("/to-blob", b"writes a document and goes there", "blob"), ("/to-about", b"empties", "about")],
)
def test_a_document_the_page_wrote_itself_never_passes_for_the_site(
    leaving: tuple[Case, dict[str, Capture]], site: Site, path: str, words: bytes, scheme: str
) -> None:
    case, caps = leaving
    cap = caps[path]
    assert cap.status == "partial"
    assert f"replaced its document with one it wrote itself ({scheme}:)" in (cap.reason or "")
    r = cap.record
    assert r["written_document"]["url"].startswith(f"{scheme}:")
    assert r["final_url"] == site.url(path) and r["http_status"] == 200
    assert r["rendered_again_from_record"] == site.url(path)
    got = roles(case, cap)
    assert words in got["text"] and b"a document the page wrote" not in got["text"]
    assert got["screenshot"].startswith(b"\x89PNG")


def test_a_data_url_navigation_leaves_the_page_as_it_was(
    leaving: tuple[Case, dict[str, Capture]], site: Site
) -> None:
    case, caps = leaving
    cap = caps["/to-data"]  # Chromium itself refuses a page's top-level data: navigation
    assert cap.status == "complete", cap.reason
    assert "written_document" not in cap.record
    assert cap.record["final_url"] == site.url("/to-data")
    assert b"goes to a data: URL" in roles(case, cap)["text"]


def test_a_page_that_leaves_for_an_error_while_scrolled_keeps_its_document(
    leaving: tuple[Case, dict[str, Capture]], site: Site
) -> None:
    """It used to end, now and then, with no screenshot, DOM or text and no final URL:
    the scrolling met the document's end and its error broke off the whole capture."""
    case, caps = leaving
    cap = caps["/leaves-on-scroll"]
    assert cap.status == "partial" and "ERR_UNSAFE_PORT" in (cap.reason or ""), cap.reason
    assert cap.record["final_url"] == site.url("/leaves-on-scroll")
    got = roles(case, cap)
    assert {"screenshot", "dom", "text", "mhtml"} <= set(got)
    assert b"the real page, tall" in got["text"]


def test_an_options_request_with_a_body_is_a_write(
    leaving: tuple[Case, dict[str, Capture]], site: Site
) -> None:
    _, caps = leaving
    assert site.writes() == []  # from any page of the batch
    blocked = caps["/options-body"].record["blocked_requests"]
    assert [(b["method"], b["url"], b["body_bytes"]) for b in blocked] == [
        ("OPTIONS", site.url("/api/options"), "6")
    ]


def test_the_byte_limit_is_never_passed_when_answers_arrive_together(
    site: Site, tmp_path: Path
) -> None:
    from warcio.archiveiterator import ArchiveIterator

    case = new_case(tmp_path, "WEB-B", "Byte limit", "other")
    limit = 3 * 2**20 + 777
    [cap] = case.capture_urls(
        [site.url("/together")],
        examiner=EXAMINER,
        options=CaptureOptions(timeout_s=20, idle_s=2, max_bytes=limit),
        progress=False,
    )
    assert cap.status == "partial" and cap.record["limit"] == "max_bytes"
    assert cap.record["http_status"] == 200
    assert cap.record["bytes_received"] <= limit
    bodies = 0
    for rec in ArchiveIterator(io.BytesIO(roles(case, cap)["warc"])):
        if rec.rec_type == "response":
            bodies += len(rec.raw_stream.read())
    assert 2 * 2**20 < bodies <= limit


def test_a_page_stopped_by_the_byte_limit_keeps_its_http_status(site: Site, tmp_path: Path) -> None:
    case = new_case(tmp_path, "WEB-S", "Byte limit status", "other")
    caps = case.capture_urls(
        [site.url("/big?mb=50"), site.url("/redirect")],
        examiner=EXAMINER,
        options=CaptureOptions(timeout_s=20, idle_s=2, max_bytes=2**20),
        parallel=1,
        progress=False,
    )
    big = caps[0]
    assert big.status == "partial" and big.record["limit"] == "max_bytes"
    assert big.record["http_status"] == 200 and big.record["redirects"] == []
    assert big.record["final_url"] == site.url("/big?mb=50")


def test_the_log_and_the_report_show_the_page_s_own_navigations(
    leaving: tuple[Case, dict[str, Capture]], site: Site
) -> None:
    """What the page tried is on the examiner's screen and in the provenance report, not
    only in the capture record."""
    from osint_kit.record.capture_facts import CaptureFacts

    case, caps = leaving
    left = CaptureFacts.of(caps["/leaves-on-load"].record)
    assert "refused 1 navigation of the page's own" in left.headline()
    assert any(
        line.startswith(f"the page tried to leave for {site.url('/not-found-here')}")
        and "HTTP 404" in line
        for line in left.detail_lines()
    )
    wrote = CaptureFacts.of(caps["/to-blob"].record)
    assert wrote.written and wrote.written.startswith("blob:")
    assert any("wrote itself (blob:" in line for line in wrote.detail_lines())
    report = case.disclosure.report(progress=False).html
    assert "own navigations (refused)" in report and site.url("/not-found-here") in report
    assert "Document the page wrote itself" in report
