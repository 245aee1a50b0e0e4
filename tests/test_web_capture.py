"""web.browser against a local fixture site, in real headless Chromium through Playwright."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CHECKPOINT, EXAMINER, assert_ends_with_checkpoint, new_case
from osint_kit import Capture, Case
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit.acquire.web.page_capture import GRACE_S
from osint_kit.errors import InvalidOption, InvalidURL
from osint_kit_sandbox.site import Site, serve
from osint_kit_sandbox.site_pages import PHOTO
from osint_kit_sandbox.testca import TestCA, make_ca

pytestmark = pytest.mark.slow

PAGES = [
    "/",
    "/redirect",
    "/missing",
    "/error",
    "/beacon",
    "/autoform",
    "/gzip",
    "/popup",
    "/download",
]


@pytest.fixture(scope="module")
def captured(
    site: Site, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Case, dict[str, Capture]]:
    """One browser run over every ordinary and hostile page (parallel 2)."""
    case = new_case(tmp_path_factory.mktemp("cases"), "WEB-1", "Web capture", "online-crime")
    caps = case.capture_urls(
        [site.url(p) for p in PAGES],
        examiner=EXAMINER,
        options=CaptureOptions(idle_s=5),
        parallel=2,
    )
    return case, dict(zip(PAGES, caps, strict=True))


def exhibits(case: Case, cap: Capture) -> dict[str, bytes]:
    return {case.exhibit(label).role: case.exhibit(label).read_bytes() for label in cap.exhibits}


def test_an_ordinary_page_yields_every_artifact(
    captured: tuple[Case, dict[str, Capture]], site: Site
) -> None:
    case, caps = captured
    cap = caps["/"]
    assert cap.status == "complete" and cap.method == "web.browser"
    got = exhibits(case, cap)
    assert set(got) == {"screenshot", "dom", "text", "mhtml", "warc", "wacz", "page-image"}
    image = next(case.exhibit(x) for x in cap.exhibits if case.exhibit(x).role == "page-image")
    assert image.source == site.url("/photo.png") and image.read_bytes() == PHOTO
    assert image.media_type == "image/png"
    assert cap.record["media"] == [
        {
            "url": site.url("/photo.png"),
            "role": "page-image",
            "http_status": 200,
            "size": len(PHOTO),
        }
    ]
    assert got["screenshot"].startswith(b"\x89PNG\r\n\x1a\n")
    assert b"Have you seen J. Smith?" in got["dom"]
    assert got["text"].decode().startswith("Have you seen J. Smith?")
    assert b"multipart/related" in got["mhtml"] and b"Snapshot-Content-Location" in got["mhtml"]
    r = cap.record
    assert r["final_url"] == site.url("/") and r["http_status"] == 200
    assert r["title"] == "Missing: J. Smith, 15"
    assert r["server"] == {"ip": "127.0.0.1", "port": int(site.base.rsplit(":", 1)[1])}
    assert r["browser"]["name"] == "chromium" and r["browser"]["version"]
    assert r["playwright"] and "HeadlessChrome" in r["user_agent"]
    assert r["viewport"] == {"width": 1280, "height": 800}
    assert isinstance(r["duration_ms"], int) and r["tls"] is None
    for label in cap.exhibits:  # what the log says is what the store holds
        ex = case.exhibit(label)
        assert hashlib.sha256(ex.read_bytes()).hexdigest() == ex.sha256
    assert case.verify().ok


def warc_records(tmp_path: Path, data: bytes) -> list[tuple[str, str, bytes]]:
    from warcio.archiveiterator import ArchiveIterator

    path = tmp_path / "capture.warc.gz"
    path.write_bytes(data)
    check = subprocess.run(
        [str(Path(sys.executable).parent / "warcio"), "check", "-v", str(path)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    out = []
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            out.append(
                (
                    rec.rec_type,
                    rec.rec_headers.get_header("WARC-Target-URI") or "",
                    rec.content_stream().read(),
                )
            )
    return out


def test_the_warc_passes_warcio_check_and_holds_the_traffic(
    captured: tuple[Case, dict[str, Capture]], site: Site, tmp_path: Path
) -> None:
    case, caps = captured
    records = warc_records(tmp_path, exhibits(case, caps["/"])["warc"])
    assert records[0][0] == "warcinfo"
    responses = {uri: body for kind, uri, body in records if kind == "response"}
    assert responses[site.url("/photo.png")] == PHOTO
    assert b"Have you seen J. Smith?" in responses[site.url("/")]
    assert {uri for kind, uri, _ in records if kind == "request"} >= set(responses)


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    """The `wacz` console script (``python -m wacz.main`` always exits 0)."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "wacz"), "validate", "-f", str(path)],
        capture_output=True,
        text=True,
    )


def test_the_wacz_passes_wacz_validate_and_lists_the_page(
    captured: tuple[Case, dict[str, Capture]], site: Site, tmp_path: Path
) -> None:
    import json
    import zipfile

    case, caps = captured
    got = exhibits(case, caps["/"])
    path = tmp_path / "capture.wacz"
    path.write_bytes(got["wacz"])
    check = wacz_validate(path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Validation succeeded, the passed WACZ is valid" in check.stdout
    with zipfile.ZipFile(path) as z:
        assert z.read("archive/data.warc.gz") == got["warc"]
        assert z.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        pages = [json.loads(x) for x in z.read("pages/pages.jsonl").splitlines()]
        assert pages[0]["format"] == "json-pages-1.0"
        assert pages[1]["url"] == site.url("/") and pages[1]["title"] == "Missing: J. Smith, 15"
        cdxj = z.read("indexes/index.cdxj").decode()
        assert site.url("/photo.png") in cdxj and '"filename": "data.warc.gz"' in cdxj
        entries = {i.filename: z.read(i) for i in z.infolist()}
    # The validator is not a rubber stamp: a changed page list fails it.
    entries["pages/pages.jsonl"] = entries["pages/pages.jsonl"].replace(b"Smith", b"Smyth")
    bad = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(bad, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    check = wacz_validate(bad)
    assert check.returncode != 0 and "Validation failed" in check.stdout


def test_wacz_packing_is_deterministic() -> None:
    from datetime import UTC, datetime

    from osint_kit.formats.wacz import pack_wacz
    from osint_kit.formats.warc import Exchange, write_warc

    when = datetime(2026, 11, 25, 1, 2, 3, tzinfo=UTC)
    ex = Exchange(
        url="http://127.0.0.1/",
        method="GET",
        resource_type="document",
        started=when,
        status=200,
        status_text="OK",
        body=b"<html>hi</html>",
    )
    warc = write_warc([ex], {"software": "test"})
    kw = {"url": "http://127.0.0.1/", "title": "t", "started": when, "software": "test"}
    assert pack_wacz(warc, **kw) == pack_wacz(warc, **kw)


def test_a_compressed_body_is_kept_as_the_server_sent_it(
    captured: tuple[Case, dict[str, Capture]], site: Site, tmp_path: Path
) -> None:
    import gzip

    from warcio.archiveiterator import ArchiveIterator

    case, caps = captured
    path = tmp_path / "gz.warc.gz"
    path.write_bytes(exhibits(case, caps["/gzip"])["warc"])
    page = b"<html><head><title>Zipped</title></head><body>compressed words</body></html>"
    with open(path, "rb") as f:
        rec = next(r for r in ArchiveIterator(f) if r.rec_type == "response")
        assert rec.http_headers.get_header("Content-Encoding") == "gzip"
        raw = rec.raw_stream.read()
        assert raw == gzip.compress(page, mtime=0) or gzip.decompress(raw) == page
    with open(path, "rb") as f:  # readers undo the encoding as the header says
        rec = next(r for r in ArchiveIterator(f) if r.rec_type == "response")
        assert rec.content_stream().read() == page


def test_redirects_are_followed_and_listed(
    captured: tuple[Case, dict[str, Capture]], site: Site
) -> None:
    r = captured[1]["/redirect"].record
    assert r["final_url"] == site.url("/")
    assert r["redirects"] == [{"url": site.url("/redirect"), "status": 302}]


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/error", 500)])
def test_http_errors_are_captured_as_the_server_said(
    captured: tuple[Case, dict[str, Capture]], path: str, status: int
) -> None:
    case, caps = captured
    cap = caps[path]
    assert cap.status == "complete" and cap.record["http_status"] == status
    assert "screenshot" in exhibits(case, cap)


def test_the_guard_blocks_every_write_and_lists_it(
    captured: tuple[Case, dict[str, Capture]], site: Site
) -> None:
    caps = captured[1]
    blocked = {
        (b["method"], b["url"].split("?")[0]) for b in caps["/beacon"].record["blocked_requests"]
    }
    assert blocked == {
        ("POST", site.url("/collect")),
        ("POST", site.url("/api/like")),
        ("PUT", site.url("/api/profile")),
    }
    form = caps["/autoform"].record["blocked_requests"]
    assert [(b["method"], b["url"], b["resource_type"]) for b in form] == [
        ("POST", site.url("/submit"), "document")
    ]
    # The server never saw anything but reads.
    assert {m for m, _ in site.received} <= {"GET", "HEAD", "OPTIONS"}
    assert ("GET", "/api/ok") in site.received  # allowed reads still happened


def test_popups_and_downloads_are_recorded_not_lost(
    captured: tuple[Case, dict[str, Capture]], site: Site
) -> None:
    caps = captured[1]
    assert caps["/popup"].record["popups"] == [{"url": site.url("/"), "outcome": "closed"}]
    case = captured[0]
    download = caps["/download"]
    assert download.record["downloads"] == [
        {"url": site.url("/file.bin"), "filename": "file.bin", "outcome": "kept", "size": 1000}
    ]
    assert exhibits(case, download)["download"] == b"\x00" * 1000


def test_a_page_that_never_goes_idle_is_partial_within_the_limit(site: Site, case: Case) -> None:
    [cap] = case.capture_urls(
        [site.url("/never-idle")], examiner=EXAMINER, options=CaptureOptions(idle_s=2)
    )
    assert cap.status == "partial"
    assert cap.record["reason"] == "the network did not go quiet within 2 s"
    assert cap.record["duration_ms"] < 4 * (30 + GRACE_S) * 1000  # a hang ceiling only
    assert "screenshot" in {case.exhibit(x).role for x in cap.exhibits}


def closed_port() -> str:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_unreachable_fails_and_a_redirect_loop_is_partial(
    case: Case, site: Site, tmp_path: Path
) -> None:
    down, loop = case.capture_urls([closed_port(), site.url("/loop")], examiner=EXAMINER)
    assert down.status == "failed" and "connection refused" in (down.reason or "")
    assert down.exhibits == ()
    assert loop.status == "partial" and "ERR_TOO_MANY_REDIRECTS" in (loop.reason or "")
    got = exhibits(case, loop)
    assert set(got) == {"warc", "wacz"}  # the hops the server answered, nothing rendered
    hops = [r for r in warc_records(tmp_path, got["warc"]) if r[0] == "response"]
    assert len(hops) >= 10 and {uri for _, uri, _ in hops} == {site.url("/loop")}
    # one run, so one checkpoint, after both captures
    assert [e.action for e in case.events()[-3:]] == [
        "collection.failed",
        "evidence.acquired",
        CHECKPOINT,
    ]
    assert_ends_with_checkpoint(case)
    assert case.verify().ok


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "'file:'"),
        ("javascript:alert(1)", "'javascript:'"),
        ("data:text/html,<h1>x</h1>", "'data:'"),
        ("not a url", "no scheme"),
        ("http://", "no host"),
        ("", "empty"),
    ],
)
def test_malformed_urls_and_other_schemes_are_refused(case: Case, url: str, message: str) -> None:
    before = case.log.path.read_bytes()
    with pytest.raises(InvalidURL, match=message):
        case.capture_urls(["http://127.0.0.1:9/", url], examiner=EXAMINER)
    assert case.log.path.read_bytes() == before  # the batch was refused before it started


def test_capture_from_the_command_line(site: Site, case: Case, examiner_env: object) -> None:
    import os

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "osint_kit",
                "capture",
                case.id,
                *args,
                "--root",
                str(case.path.parent),
                "--idle",
                "3",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ),
        )

    ok = run(site.url("/beacon"))
    assert ok.returncode == 0, ok.stderr
    assert "[complete]  HTTP 200" in ok.stdout and "screenshot" in ok.stdout
    assert "blocked 3 writes" in ok.stdout
    refused = run("file:///etc/passwd")
    assert refused.returncode == 2 and "only http: and https:" in refused.stderr
    assert run(closed_port()).returncode == 11
    # each run that recorded something is checkpointed; the refused one recorded nothing
    assert [e.action for e in case.events()][-4:] == [
        "evidence.acquired",
        CHECKPOINT,
        "collection.failed",
        CHECKPOINT,
    ]


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, TestCA]]:
    ca = make_ca(tmp_path_factory.mktemp("ca"))
    with serve(tls=ca) as s:
        yield s, ca


def test_tls_errors_fail_unless_the_examiner_chose_to_ignore_them(
    tls_site: tuple[Site, TestCA], case: Case
) -> None:
    site, ca = tls_site
    [refused] = case.capture_urls([site.url("/")], examiner=EXAMINER)
    assert refused.status == "failed", refused.reason
    assert "TLS certificate was rejected" in (refused.reason or "")
    assert "certificate verify failed" in (refused.reason or "")
    assert refused.exhibits == ()
    [cap] = case.capture_urls(
        [site.url("/")], examiner=EXAMINER, options=CaptureOptions(ignore_tls_errors=True)
    )
    assert cap.status == "complete"
    tls = cap.record["tls"]
    assert tls["errors_ignored"] is True and cap.record["options"]["ignore_tls_errors"] is True
    assert len(tls["errors"]) == 1 and "certificate verify failed" in tls["errors"][0]
    assert tls["subjectName"] == "127.0.0.1" and tls["issuer"] == "osint-kit test CA"
    leaf, root = (
        hashlib.sha256(ca.der(ca.server_pem)).hexdigest(),
        hashlib.sha256(ca.der(ca.ca_pem)).hexdigest(),
    )
    assert tls["chain_sha256"] == [leaf, root] and tls["leaf_sha256"] == leaf
    assert tls["chain_pem"][0].startswith("-----BEGIN CERTIFICATE-----")
    assert case.verify().ok


def test_lazy_content_is_scrolled_into_the_capture(site: Site, case: Case) -> None:
    [cap] = case.capture_urls(
        [site.url("/lazy")], examiner=EXAMINER, options=CaptureOptions(idle_s=3)
    )
    assert cap.status == "complete", cap.reason
    sources = {m["url"] for m in cap.record["media"]}
    assert {site.url(f"/photo.png?lazy={n}") for n in (1, 2, 3)} <= sources
    assert cap.record["page_height_px"] > 3000


def test_a_page_that_scrolls_forever_stops_at_a_limit(site: Site, case: Case) -> None:
    [cap] = case.capture_urls(
        [site.url("/infinite")],
        examiner=EXAMINER,
        options=CaptureOptions(idle_s=3, scroll_s=3, max_height_px=12_000),
    )
    assert cap.status == "partial"
    assert cap.reason in (
        "stopped scrolling at the height limit (12000 px)",
        "the page kept growing; stopped scrolling after 3 s",
    )
    assert cap.record["screenshot_height_px"] <= 12_000
    assert cap.record["duration_ms"] < 4 * (30 + GRACE_S) * 1000  # a hang ceiling only


def test_a_huge_page_stops_at_the_byte_limit(site: Site, case: Case) -> None:
    [cap] = case.capture_urls(
        [site.url("/huge")],
        examiner=EXAMINER,
        options=CaptureOptions(idle_s=3, max_bytes=5 * 2**20),
    )
    assert cap.status == "partial" and cap.record["limit"] == "max_bytes"
    limit = 5 * 2**20
    assert cap.reason == f"the byte limit ({limit} bytes) was reached; loading was stopped there"
    # Counted at the socket: no body byte past the limit (a response head already on
    # its way when the limit was reached may still be counted).
    assert limit <= cap.record["bytes_received"] <= limit + 4096
    cut = cap.record["bodies_truncated"]
    assert {c["why"] for c in cut} == {"length"}
    # The huge body is cut; a request the browser makes once the limit is reached (its
    # favicon, now and then) is cut as well: nothing past the limit is let in.
    assert len([c for c in cut if "/blob/" in c["url"]]) == 1, cut
    assert all("/blob/" in c["url"] or c["url"].endswith("/favicon.ico") for c in cut), cut


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"timeout_s": 0}, "timeout_s"),
        ({"timeout_s": -5}, "timeout_s"),
        ({"max_bytes": 0}, "max_bytes"),
        ({"max_height_px": -1}, "max_height_px"),
        ({"idle_s": -1}, "idle_s"),
        ({"viewport": (0, 800)}, "viewport width"),
    ],
)
def test_limits_that_would_make_an_empty_capture_are_refused(
    options: dict[str, object], name: str
) -> None:
    with pytest.raises(InvalidOption, match=name):
        CaptureOptions(**options)  # type: ignore[arg-type]


def test_bad_limits_on_the_command_line_are_refused_before_anything_starts(
    case: Case, examiner_env: object
) -> None:
    import os

    before = case.log.path.read_bytes()
    for args in (["--timeout", "-5"], ["--max-mb", "0"], ["--parallel", "0"]):
        r = subprocess.run(
            [sys.executable, "-m", "osint_kit", "capture", case.id, "http://127.0.0.1:9/", *args],
            capture_output=True,
            text=True,
            env={**os.environ, "OSINT_KIT_CASES": str(case.path.parent)},
            timeout=60,
        )
        assert r.returncode == 2 and "must be a whole number above 0" in r.stderr, r.stderr
    assert case.log.path.read_bytes() == before


def test_a_browser_call_out_of_time_says_so_plainly() -> None:
    """Asked with the time already gone, it said 'no answer ... within -0 s'."""
    import asyncio

    from osint_kit.acquire.web.page import Unresponsive, bounded

    for seconds, said in ((-3.0, "the time that was left"), (0.3, "the time that was left")):
        with pytest.raises(Unresponsive) as caught:
            asyncio.run(bounded(asyncio.sleep(30), seconds))
        assert str(caught.value) == f"no answer from the browser within {said}"
    with pytest.raises(Unresponsive, match=r"within 2 s$"):
        asyncio.run(bounded(asyncio.sleep(30), 2.2))
