"""The provenance report: what it says, opened in real Chromium, in a case and in a bundle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import CHECKPOINT, EXAMINER, last_event
from osint_kit import Capture, Case, TsaConfig
from osint_kit.base.marking import MARKING
from osint_kit.disclosure.report.document import ProvenanceReport
from osint_kit.disclosure.report.page import render
from osint_kit.integrity.verify import verify_case
from osint_kit_sandbox.demo import make_png
from osint_kit_sandbox.platforms import FakePlatforms
from osint_kit_sandbox.tsa import LocalTSA

BIN = Path(sys.executable).parent


@pytest.fixture
def with_photo(case: Case, tmp_path: Path) -> Case:
    photo = tmp_path / "IMG_2041.png"
    make_png(photo)
    (tmp_path / "tip.txt").write_text("Seen at the bus stop.\n")
    case.import_files([photo], handed_over_by="Mother", note="by e-mail", examiner=EXAMINER)
    case.import_files([tmp_path / "tip.txt"], handed_over_by="Front desk", examiner=EXAMINER)
    case.add_note("The photo shows the bus stop.", exhibits=["E0001"], examiner=EXAMINER)
    return case


def _open_in_chromium(page_file: Path, shot: Path) -> str:
    from playwright.sync_api import sync_playwright

    from osint_kit.formats.chromium import chromium_executable, launch_args

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_executable(), args=launch_args())
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1200})
            page.goto(page_file.as_uri())
            assert page.evaluate("document.images.length") >= 1
            assert page.evaluate("Array.from(document.images).every(i => i.naturalWidth > 0)")
            page.screenshot(path=str(shot), full_page=True)
            pdf = page.pdf()  # what "print to PDF" gives a reviewer
            assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
            shot.with_suffix(".pdf").write_bytes(pdf)
            return str(page.inner_text("body"))
        finally:
            browser.close()


def test_case_report_reads_right_in_chromium(with_photo: Case, tmp_path: Path) -> None:
    report = with_photo.disclosure.report()
    assert isinstance(report, ProvenanceReport) and report._repr_html_() == report.html
    assert "<script" not in report.html and "http://" not in report.html.split("<body>")[0]
    out = report.save(tmp_path / "report.html")
    shot = tmp_path / "report.png"
    text = _open_in_chromium(out, shot)
    photo = with_photo.exhibit("E0001")
    for expected in (
        f"Provenance report: case {with_photo.id}",
        "APP-2026-0117",
        "Lt. A. Ray",
        "VERIFIED",
        "Jane Doe",
        "B-1234",
        "E0001: IMG_2041.png",
        photo.sha256,
        "Mother",
        "note.added",
        "The photo shows the bus stop.",
        "E0002: tip.txt",
        "verified: its bytes match its hash",
    ):
        assert expected in text, expected
    assert shot.stat().st_size > 20_000  # a real page with a picture, kept for a look


def test_bundle_report_shows_only_what_the_bundle_holds(with_photo: Case, tmp_path: Path) -> None:
    result = with_photo.disclosure.export(
        tmp_path / "b.zip",
        authorization="DA-7",
        recipient="Prosecutor",
        exhibits=["E0001"],
        examiner=EXAMINER,
    )
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(tmp_path / "x")
    page = tmp_path / "x" / "b" / "data" / "report.html"
    text = _open_in_chromium(page, tmp_path / "bundle-report.png")
    assert "LAW ENFORCEMENT SENSITIVE - NOT FOR PUBLIC DISSEMINATION" in text
    assert "E0001: IMG_2041.png" in text and "E0002" not in text
    assert "Front desk" not in text  # the other import is withheld
    # In full: the case's creation, the photo's import and the note on it. Only as seq and
    # digest: the other import and the checkpoints that ended both imports.
    assert [e.action for e in with_photo.events()][:6] == [
        "case.created",
        "evidence.acquired",
        CHECKPOINT,
        "evidence.acquired",
        CHECKPOINT,
        "note.added",
    ]
    assert "3 other event(s) of the case are in the bundle only as their seq and digest" in text


def test_cli_report_writes_and_will_not_overwrite(
    with_photo: Case, examiner_env: object, tmp_path: Path
) -> None:
    env = {**os.environ, "OSINT_KIT_CASES": str(with_photo.path.parent)}
    cmd = [str(BIN / "osint-kit"), "report", with_photo.id]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    out = with_photo.path / "derived" / "report.html"
    assert str(out) in r.stdout and with_photo.id in out.read_text()
    # The case's own copy is a derived view: made again from the case, every time.
    out.write_text("stale")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert r.returncode == 0 and with_photo.id in out.read_text()
    # A file of the examiner's elsewhere is replaced only on request: exit 4, as for export.
    mine = tmp_path / "mine.html"
    mine.write_text("keep me")
    r = subprocess.run([*cmd, "--out", str(mine)], capture_output=True, text=True, env=env)
    assert r.returncode == 4 and "--force" in r.stderr and mine.read_text() == "keep me"
    r = subprocess.run([*cmd, "--out", str(mine), "--force"], env=env, capture_output=True)
    assert r.returncode == 0 and with_photo.id in mine.read_text()
    # Once it holds this case's report, it is a derived view: written again, no --force.
    r = subprocess.run([*cmd, "--out", str(mine)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    # Another case's report is not this one's to replace.
    other = mine.read_text().replace(with_photo.id, "OTHER-CASE-1")
    mine.write_text(other)
    r = subprocess.run([*cmd, "--out", str(mine)], capture_output=True, text=True, env=env)
    assert r.returncode == 4 and mine.read_text() == other


def test_a_damaged_exhibit_says_so_in_the_report(with_photo: Case) -> None:
    blob = with_photo.exhibit("E0002").path
    blob.chmod(0o644)
    blob.write_bytes(b"changed")
    html = with_photo.disclosure.report().html
    assert "PROBLEMS FOUND" in html
    section = html.split("id='E0002'")[1].split("</table>")[0]
    assert "verified: its bytes match its hash" not in section
    assert "blob-" in section


def test_a_post_shows_its_text_and_every_later_version_and_deletion(
    fake: FakePlatforms, case: Case
) -> None:
    """What later runs said of a post is on the post: a new version, deleted upstream."""
    from datetime import UTC, datetime, timedelta

    from social_helpers import exhibits_of, settings_for

    ch = fake.telegram.add_channel("harbour_watch", title="Harbour Watch")
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    for n in range(3):
        ch.add_post(text=f"Sighting {n} <at the pier>", date=start + timedelta(hours=n))
    first = case.collect(
        "telegram:harbour_watch", settings=settings_for(fake), examiner=EXAMINER, progress=False
    )
    ch.edit(2, text="Sighting 1, corrected: the ferry")
    ch.delete(3)
    second = case.collect(
        "telegram:harbour_watch", settings=settings_for(fake), examiner=EXAMINER, progress=False
    )
    assert [d["id"] for d in second.record["changes"]["deleted"]] == ["3"]

    def post(cap: Capture, post_id: str) -> str:
        return next(
            e.label
            for e in exhibits_of(case, cap, "post")
            if json.loads(e.read_bytes())["id"] == post_id
        )

    old, new, gone = post(first, "2"), post(second, "2"), post(first, "3")
    html = case.disclosure.report().html
    block = {
        label: html.split(f"id='{label}'", 1)[1].split("<div class='exhibit'", 1)[0]
        for label in (old, new, gone)
    }
    assert "Sighting 1 &lt;at the pier&gt;" in block[old]  # the text, escaped
    link = f"<a href='#{new}'>{new}</a>"  # the newer version, a link to its section
    assert f"SUPERSEDED by a new version, {link}" in block[old]
    superseded = block[old].split("<p>Superseded by:</p>", 1)[1].split("</ul>", 1)[0]
    assert link in superseded and f"event {second_seq(case)}" in superseded
    assert "Superseded by" not in block[new] and "Superseded by" not in block[gone]
    assert "Sighting 1, corrected: the ferry" in block[new]
    assert "DELETED upstream (the platform said so)" in block[gone]
    assert "No later events" not in block[old] and "No later events" not in block[gone]


def test_the_report_prints_to_pdf_with_marking_and_page_numbers(
    with_photo: Case, examiner_env: object, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    env = {**os.environ, "OSINT_KIT_CASES": str(with_photo.path.parent)}
    out = tmp_path / "report.html"
    cmd = [str(BIN / "osint-kit"), "report", with_photo.id, "--out", str(out), "--pdf"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    pdf = out.with_suffix(".pdf")
    assert f"printed (PDF):  {pdf}" in r.stdout
    pages = PdfReader(pdf).pages
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        words = " ".join(page.extract_text().split())
        assert "LAW ENFORCEMENT SENSITIVE" in words
        assert f"case {with_photo.id}: page {n} of {len(pages)}" in words
    first = " ".join(pages[0].extract_text().split())
    assert f"Provenance report: case {with_photo.id}" in first
    assert "LAW ENFORCEMENT SENSITIVE" in out.read_text()  # the HTML carries the marking too
    # Printed again over its own earlier print: no --force needed.
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)
    assert again.returncode == 0, again.stderr


def second_seq(case: Case) -> int:
    """The seq of the second collection run's event (the one that found the new version)."""
    runs = [e for e in case.events() if e.action == "evidence.acquired" and e.capture]
    return runs[1].seq


# -- the report's story: trusted time, derived, exported, superseded --------------------
#
# Case.report() passes what verification found; here the same is done by hand, so that
# the report is checked with and without a TSA CA, and without verification.


def _report(case: Case, *, verify: bool = True, tsa_ca: Path | None = None) -> str:
    stamps = None
    verification = None
    if verify:
        checked = verify_case(case.writer, tsa_ca=tsa_ca)
        verification = (checked.ok, checked.text())
        stamps = checked.stamps
    return render(
        case.identity,
        case.events(),
        list(case.exhibits()),
        verification=verification,
        stamps=stamps,
        marking=MARKING,
    ).html


def _trusted_time(html: str) -> str:
    return html.split("<h2>Trusted time</h2>", 1)[1].split("<h2>", 1)[0]


def _row(section: str, event_seq: int) -> str:
    """The row of the checkpoint recorded by event ``event_seq``."""
    return section.split(f"<tr><td>{event_seq}</td>", 1)[1].split("</tr>", 1)[0]


def _block(html: str, label: str) -> str:
    return html.split(f"id='{label}'", 1)[1].split("<div class='exhibit'", 1)[0]


@pytest.fixture
def no_tsa_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSINT_KIT_TSA_CA", raising=False)
    monkeypatch.delenv("OSINT_KIT_TSA_URL", raising=False)


def test_trusted_time_has_a_row_per_checkpoint_verified_against_the_tsa_ca(
    with_photo: Case, tsa: LocalTSA, tsa_files: tuple[LocalTSA, LocalTSA], no_tsa_env: None
) -> None:
    point = with_photo.stamp(tsa=TsaConfig(tsa.url, tsa.ca_pem), examiner=EXAMINER)
    stamped = last_event(with_photo, CHECKPOINT)
    assert stamped.details["trusted_time"] and stamped.details["seq"] == point.seq
    plain = next(e for e in with_photo.events() if e.action == CHECKPOINT)
    assert not plain.details["trusted_time"]  # the imports' own checkpoints: no TSA then

    row = _row(_trusted_time(_report(with_photo, tsa_ca=tsa.ca_pem)), stamped.seq)
    assert f"<td>{point.seq}</td>" in row and point.hash in row
    assert tsa.url in row and "department TSA" in row and "serial 0x" in row
    assert str(stamped.details["gen_time"]) in row
    assert f"<td class='ok'>verified against {tsa.ca_pem}</td>" in row
    section = _trusted_time(_report(with_photo, tsa_ca=tsa.ca_pem))
    assert "no time stamp (a signed checkpoint only)" in _row(section, plain.seq)

    # No CA to check against: said, with how to give one.
    row = _row(_trusted_time(_report(with_photo)), stamped.seq)
    assert "not checked: no TSA CA configured (set OSINT_KIT_TSA_CA or pass --tsa-ca)" in row, row
    assert "verified" not in row
    # No verification at all: not checked, and nothing more is claimed.
    row = _row(_trusted_time(_report(with_photo, verify=False)), stamped.seq)
    assert "<td>not checked</td>" in row and point.hash in row
    # Another CA (a rogue TSA's): the token does not verify, and the row says so.
    row = _row(_trusted_time(_report(with_photo, tsa_ca=tsa_files[1].ca_pem)), stamped.seq)
    assert "<td class='bad'>FAILED: does not verify against" in row
    # A token removed after the event recorded it.
    next((with_photo.path / "timestamps").glob("*.tsr")).unlink()
    row = _row(_trusted_time(_report(with_photo, tsa_ca=tsa.ca_pem)), stamped.seq)
    assert "MISSING: the event records a time stamp; its token is gone" in row


def test_a_case_without_checkpoints_says_so(case: Case, no_tsa_env: None) -> None:
    assert not [e for e in case.events() if e.action == CHECKPOINT]
    section = _trusted_time(_report(case))
    assert "No checkpoints: the case has none, so no trusted time." in section
    assert "<tr>" not in section


def test_an_exhibit_lists_what_was_derived_from_it_and_where_it_was_exported(
    with_photo: Case, tmp_path: Path, no_tsa_env: None
) -> None:
    derived = with_photo.analysis.export_repeated_images(examiner=EXAMINER)
    result = with_photo.disclosure.export(
        tmp_path / "to-da.zip",
        authorization="DA-7 <urgent>",
        recipient="Prosecutor & Co",
        exhibits=["E0001"],
        examiner=EXAMINER,
    )
    html = _report(with_photo)
    photo, tip = _block(html, "E0001"), _block(html, "E0002")
    made_from = photo.split("<p>Derived from it:</p>", 1)[1].split("</ul>", 1)[0]
    assert f"<a href='#{derived.label}'>{derived.label}</a>: images.repeated" in made_from
    assert f"id='{derived.label}'" in html  # the link leads somewhere
    exported = photo.split("<p>Exported in:</p>", 1)[1].split("</table>", 1)[0]
    assert f"<td>{result.event.seq}</td><td>{result.event.time}</td>" in exported
    assert "<td>Prosecutor &amp; Co</td><td>DA-7 &lt;urgent&gt;</td><td>to-da.zip</td>" in exported
    # The tip is no picture: nothing derived from it, and it was not exported.
    assert "Derived from it" not in tip and "Exported in" not in tip


def test_a_bundle_report_shows_the_stamp_it_carries(
    with_photo: Case, tsa: LocalTSA, tmp_path: Path, no_tsa_env: None
) -> None:
    result = with_photo.disclosure.export(
        tmp_path / "b.zip",
        authorization="DA-7",
        recipient="Prosecutor",
        exhibits=["E0001"],
        examiner=EXAMINER,
        tsa=TsaConfig(tsa.url, tsa.ca_pem),
    )
    with zipfile.ZipFile(result.path) as zf:
        html = zf.read("b/data/report.html").decode()
    # The checkpoint made for the export is withheld (seq and digest only); its stamp is
    # in the bundle, and so in its report.
    point = [e for e in with_photo.events() if e.action == CHECKPOINT][-2]
    assert point.seq == result.head_seq and point.details["trusted_time"]
    row = _trusted_time(html).split(f"<tr><td>{point.seq} (withheld)</td>", 1)[1]
    row = row.split("</tr>", 1)[0]
    assert point.details["hash"] in row and tsa.url in row
    assert "verified when the bundle was made" in row and "custody/checkpoint.json" in row


def test_an_export_of_many_exhibits_is_listed_in_full_once(
    case: Case, tmp_path: Path, no_tsa_env: None
) -> None:
    """Each exhibit's history names the export, shortened: listing all its exhibits under
    each of them would make the report grow with the square of the case."""
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(120):
        (folder / f"f{n:03d}.txt").write_text(f"file {n}\n")
    case.import_files(
        sorted(folder.iterdir()), handed_over_by="Front desk", examiner=EXAMINER, progress=False
    )
    result = case.disclosure.export(
        tmp_path / "all.zip", authorization="DA-9", recipient="Court", examiner=EXAMINER
    )
    html = _report(case, verify=False)
    full = result.event.summary()
    assert len(full) > 600 and html.count(full) == 1  # in the custody timeline
    for label in ("E0001", "E0120"):
        block = _block(html, label)
        assert "shortened; in full in the custody timeline" in block
        assert "<td>Court</td><td>DA-9</td><td>all.zip</td>" in block  # Exported in
