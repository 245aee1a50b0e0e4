"""Disposition (issue 22): refused when it must be, three steps on the record, blobs gone
by decision and verify still checking everything else, a SIGKILL finished by repair,
and the certificate for the records officer."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case, Event
from osint_kit.analysis.derive import record_derived
from osint_kit.errors import (
    ExportRefused,
    OutputExists,
    RecordsRefused,
    UnderLegalHold,
    UnknownExhibit,
)
from osint_kit.lifecycle.certificate import DispositionReport, disposition_report
from osint_kit.lifecycle.closing import lift_hold, place_hold
from osint_kit.lifecycle.dispose import dispose, plan_disposal
from osint_kit.record.builtin_actions import DISPOSAL_COMPLETED, DISPOSAL_STARTED
from osint_kit.record.disposals import INCOMPLETE, INTERRUPTED
from osint_kit.record.findings import CRASH_RESIDUE
from retention_helpers import close_long_ago

AUTH = "RM-2026-044"
OFFICER = "R. Okafor, records officer"


def _close(case: Case) -> None:
    close_long_ago(case)  # its retention date has come: disposal is not early


def _import(case: Case, files: dict[str, Path], tmp_path: Path) -> None:
    """E0001 tip.txt, E0002 photo.jpg, E0003 clip.mp4, E0004 the photo again (same bytes,
    another witness), E0005 derived from E0003, E0006 derived from E0005."""
    again = tmp_path / "again"
    again.mkdir()
    copy = again / "photo-from-neighbour.jpg"
    copy.write_bytes(files["photo.jpg"].read_bytes())
    case.import_files(
        [files["tip.txt"], files["photo.jpg"], files["clip.mp4"]],
        handed_over_by="Witness A",
        examiner=EXAMINER,
        progress=False,
    )
    case.import_files([copy], handed_over_by="Witness B", examiner=EXAMINER, progress=False)
    actor = EXAMINER.actor()
    record_derived(
        case.writer,
        b"notes on the clip: a red hatchback\n",
        media_type="text/plain",
        name="clip-notes.txt",
        method="test.notes",
        inputs=["E0003"],
        parameters={},
        actor=actor,
    )
    record_derived(
        case.writer,
        b"summary of the notes\n",
        media_type="text/plain",
        name="summary.txt",
        method="test.summary",
        inputs=["E0005"],
        parameters={},
        actor=actor,
    )
    assert [e.label for e in case.exhibits()] == [f"E000{n}" for n in range(1, 7)]


def _blobs(case: Case) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in (case.path / "blobs" / "sha256").rglob("*") if p.is_file()
    }


def _snapshot(case: Case) -> tuple[bytes, dict[str, bytes]]:
    return (case.path / "custody.jsonl").read_bytes(), _blobs(case)


def _dispose(case: Case, exhibits: list[str] | None, **given: str) -> DispositionReport:
    kwargs = {"authorization": AUTH, "approved_by": OFFICER, "reason": "retention period over"}
    kwargs.update(given)
    return dispose(case.writer, exhibits=exhibits, examiner=EXAMINER, **kwargs)


@pytest.fixture
def stocked(case: Case, files: dict[str, Path], tmp_path: Path) -> Case:
    _import(case, files, tmp_path)
    return case


# -- refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "exhibits", "given", "error", "said"),
    [
        ("open", ["E0001"], {}, RecordsRefused, "the case is open"),
        ("open", None, {}, RecordsRefused, "the case is open"),
        ("held", ["E0001"], {}, UnderLegalHold, "legal hold"),
        ("held", None, {}, UnderLegalHold, "legal hold"),
        ("held-open", None, {}, UnderLegalHold, "legal hold"),
        ("closed", ["E0099"], {}, UnknownExhibit, "E0099"),
        ("closed", ["E0001"], {"authorization": ""}, RecordsRefused, "authorization"),
        ("closed", None, {"authorization": "  "}, RecordsRefused, "authorization"),
        ("closed", ["E0001"], {"approved_by": ""}, RecordsRefused, "who approved"),
        ("closed", ["E0001"], {"reason": " "}, RecordsRefused, "reason"),
        ("closed", [], {}, RecordsRefused, "no exhibit"),
    ],
)
def test_refusals_change_nothing(
    stocked: Case,
    setup: str,
    exhibits: list[str] | None,
    given: dict[str, str],
    error: type[Exception],
    said: str,
) -> None:
    if setup in ("held", "held-open"):
        place_hold(
            stocked.writer, authority="Court order 26-117", reason="civil suit", examiner=EXAMINER
        )
    if setup in ("held", "closed"):
        _close(stocked)
    before = _snapshot(stocked)
    with pytest.raises(error, match=said):
        _dispose(stocked, exhibits, **given)
    assert _snapshot(stocked) == before
    assert stocked.verify(progress=False).ok


def test_an_exhibit_disposed_already_is_refused(stocked: Case) -> None:
    _close(stocked)
    _dispose(stocked, ["E0001"])
    before = _snapshot(stocked)
    with pytest.raises(RecordsRefused, match="E0001 was disposed already"):
        _dispose(stocked, ["E0001", "E0002"])
    assert _snapshot(stocked) == before


# -- disposing of some exhibits ---------------------------------------------------


def test_disposing_exhibits_takes_their_derived_ones_and_keeps_shared_bytes(stocked: Case) -> None:
    _close(stocked)
    sha = {ex.label: ex.sha256 for ex in stocked.exhibits()}
    assert sha["E0002"] == sha["E0004"]
    assert len(stocked.analysis.search("station")) == 1  # the tip, in the full-text index
    plan = plan_disposal(
        stocked.writer, ["E0001", "E0002", "E0003"], reason="retention period over"
    )
    log_before = (stocked.path / "custody.jsonl").read_bytes()

    report = _dispose(stocked, ["E0001", "E0002", "E0003"])

    assert plan.exhibits == report.disposed
    assert [x.label for x in report.disposed] == ["E0001", "E0002", "E0003", "E0005", "E0006"]
    derived = {x.label: x.derived_from for x in report.disposed}
    assert derived["E0005"] == ("E0003",) and derived["E0006"] == ("E0005",)
    assert [(x.label, x.kept_for) for x in report.kept] == [("E0002", ("E0004",))]
    events = stocked.events()
    started, completed = events[report.started_seq - 1], events[report.completed_seq - 1]
    assert (started.action, completed.action) == (DISPOSAL_STARTED, DISPOSAL_COMPLETED)
    assert started.details["authorization"] == AUTH and started.details["approved_by"] == OFFICER
    assert completed.details["started"] == started.seq
    assert completed.details["completed_by_repair"] is False
    listed = {x["exhibit"]: x for x in started.details["exhibits"]}
    assert listed["E0003"]["sha256"] == sha["E0003"] and listed["E0003"]["reason"]
    gone = {sha[label] for label in ("E0001", "E0003", "E0005", "E0006")}
    assert {b["sha256"] for b in started.details["blobs"]} == gone
    assert set(completed.details["deleted"]) == gone
    assert report.bytes_deleted == sum(ex.size for ex in stocked.exhibits() if ex.sha256 in gone)
    # The blobs are gone, the shared one stays, the log only grew.
    left = _blobs(stocked)
    assert not gone & set(left) and sha["E0002"] in left
    assert (stocked.path / "custody.jsonl").read_bytes().startswith(log_before)
    # Every exhibit is still listed (the log names them); the index no longer has the text.
    assert [e.label for e in stocked.exhibits()] == [f"E000{n}" for n in range(1, 7)]
    assert len(stocked.analysis.search("station")) == 0
    assert (stocked.path / "derived" / "index.sqlite").is_file()
    report_v = stocked.verify(progress=False)
    assert report_v.ok, report_v.text()
    assert any(
        f"5 exhibit(s) disposed at seq {report.started_seq} under {AUTH}" in n
        for n in report_v.notes
    ), report_v.notes


def test_a_blob_missing_that_was_not_disposed_is_still_caught(stocked: Case) -> None:
    _close(stocked)
    report = _dispose(stocked, ["E0001"])
    assert stocked.verify(progress=False).ok
    clip = stocked.exhibit("E0003").path
    os.chmod(clip, 0o600)
    clip.unlink()
    found = stocked.verify(progress=False)
    assert [(p.kind, p.exhibit) for p in found.problems] == [("blob-missing", "E0003")]
    # ...and a disposed blob put back is a disposal that did not hold.
    tip = stocked.exhibit("E0001")
    tip.path.parent.mkdir(parents=True, exist_ok=True)
    tip.path.write_bytes(b"Seen near the station at 21:40.\n")
    os.chmod(tip.path, 0o444)
    found = stocked.verify(progress=False)
    assert sorted(p.kind for p in found.problems) == ["blob-missing", INCOMPLETE]
    incomplete = next(p for p in found.problems if p.kind == INCOMPLETE)
    assert incomplete.seq == report.started_seq and incomplete.exhibit == "E0001"


def test_the_same_bytes_handed_over_again_after_disposal_must_be_there(
    stocked: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    _close(stocked)
    _dispose(stocked, ["E0001"])
    again = tmp_path / "later"
    again.mkdir()
    (again / "tip-again.txt").write_bytes(files["tip.txt"].read_bytes())
    stocked.import_files(
        [again / "tip-again.txt"], handed_over_by="W", examiner=EXAMINER, progress=False
    )
    new = stocked.exhibits()[-1]
    assert new.sha256 == stocked.exhibit("E0001").sha256 and new.path.is_file()
    assert stocked.verify(progress=False).ok  # present again, and not "disposal-incomplete"
    os.chmod(new.path, 0o600)
    new.path.unlink()
    assert stocked.verify(progress=False).kinds() == {"blob-missing"}


def test_export_of_a_disposed_exhibit_is_refused(stocked: Case, tmp_path: Path) -> None:
    _close(stocked)
    _dispose(stocked, ["E0001"])
    with pytest.raises(ExportRefused, match="E0001"):
        stocked.disclosure.export(
            tmp_path / "x.zip", authorization="DA-1", recipient="DA", exhibits=["E0001"],
            examiner=EXAMINER, progress=False,
        )  # fmt: skip


# -- a SIGKILL in the middle ----------------------------------------------------------

CHILD = """
import os, sys, time
from osint_kit import Case, Examiner
from osint_kit.lifecycle.dispose import dispose

case = Case.open(sys.argv[1], root=sys.argv[2])
who = Examiner(name="Jane Doe", id="B-1234", agency="Example PD")
real, deleted = os.unlink, []

def slow(path, *args, **kwargs):  # the first blob goes; at the second, wait to be killed
    if "/blobs/sha256/" in str(path):
        if deleted:
            print("deleting", flush=True)
            time.sleep(120)
        deleted.append(path)
    return real(path, *args, **kwargs)

os.unlink = slow
dispose(case.writer, exhibits=None, authorization="RM-9", approved_by="R. Okafor",
        reason="retention period over", examiner=who)
print("done", flush=True)
"""


def _kill_midway(case: Case) -> Event:
    """Run a whole-case disposal in a child killed after its first blob: the started
    event, some blobs deleted, some not, no completion."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, case.id, str(case.path.parent)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line == "deleting\n", child.communicate(timeout=30)
    child.send_signal(signal.SIGKILL)
    _, err = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, err
    started = case.events()[-1]
    assert started.action == DISPOSAL_STARTED  # intent on the record, no completion
    listed = [b["sha256"] for b in started.details["blobs"]]
    assert 0 < sum(s in _blobs(case) for s in listed) < len(listed)  # killed halfway
    return started


@pytest.mark.timeout(120)
def test_a_disposal_killed_midway_is_crash_residue_that_repair_finishes(stocked: Case) -> None:
    _close(stocked)
    started = _kill_midway(stocked)
    listed = [b["sha256"] for b in started.details["blobs"]]
    found = stocked.verify(progress=False)
    assert found.kinds() == {INTERRUPTED}, found.text()
    assert found.problems[0].seq == started.seq
    with pytest.raises(RecordsRefused, match="interrupted"):
        _dispose(stocked, None)

    repaired = stocked.repair(examiner=EXAMINER)
    assert repaired.repaired and repaired.dispositions[0]["started"] == started.seq
    assert "finished the disposal" in repaired.text()
    done = stocked.events()[-1]
    assert done.action == DISPOSAL_COMPLETED and done.details["completed_by_repair"] is True
    assert done.details["started"] == started.seq
    assert not set(listed) & set(_blobs(stocked))
    after = stocked.verify(progress=False)
    assert after.ok, after.text()
    assert disposition_report(stocked.writer).completed_seq == done.seq
    assert not stocked.repair(examiner=EXAMINER).repaired


@pytest.mark.timeout(120)
def test_a_hold_placed_before_repair_cancels_the_rest_of_an_interrupted_disposal(
    stocked: Case,
) -> None:
    _close(stocked)
    started = _kill_midway(stocked)
    listed = [b["sha256"] for b in started.details["blobs"]]
    gone = [s for s in listed if s not in _blobs(stocked)]
    place_hold(stocked.writer, authority="ORD-5", reason="appeal lodged", examiner=EXAMINER)

    repaired = stocked.repair(examiner=EXAMINER)
    assert "cancelled the disposal" in repaired.text() and "legal hold" in repaired.text()
    done = stocked.events()[-1]
    assert done.action == DISPOSAL_COMPLETED and "legal hold" in done.details["cancelled"]
    assert done.details["already_gone"] == gone and done.details["deleted"] == []
    assert set(_blobs(stocked)) == set(listed) - set(gone)  # nothing more was deleted
    found = stocked.verify(progress=False)
    assert found.ok, found.text()
    assert any("was cancelled" in n for n in found.notes)
    assert "CANCELLED" in disposition_report(stocked.writer).text()


def test_a_hold_placed_after_the_intent_stops_the_deletion(
    stocked: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone places a hold between the disposition.started event and the deletion."""
    import osint_kit.lifecycle.dispose as module

    _close(stocked)
    real = module.carry_out

    def hold_first(*args: object, **kwargs: object) -> Event:
        place_hold(stocked.writer, authority="ORD-6", reason="new claim", examiner=EXAMINER)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "carry_out", hold_first)
    before = _blobs(stocked)
    with pytest.raises(UnderLegalHold):
        _dispose(stocked, ["E0001"])
    assert _blobs(stocked) == before
    *_, started, hold, done = stocked.events()
    actions = (started.action, hold.action, done.action)
    assert actions == (DISPOSAL_STARTED, "hold.placed", DISPOSAL_COMPLETED)
    assert done.details["cancelled"] and done.details["deleted"] == []
    assert stocked.verify(progress=False).ok
    assert stocked.exhibit("E0001").path.is_file()


def test_an_interrupted_disposition_counts_as_crash_residue() -> None:
    assert INTERRUPTED in CRASH_RESIDUE


# -- the whole case, and the certificate -----------------------------------------------


def test_a_whole_case_disposal_keeps_the_log_and_verifies_and_certifies(
    stocked: Case, tmp_path: Path
) -> None:
    bundle = tmp_path / "to-da.zip"
    stocked.disclosure.export(
        bundle, authorization="DA-REQ-7", recipient="District Attorney <Unit 3>",
        exhibits=["E0001", "E0004"], examiner=EXAMINER, progress=False,
    )  # fmt: skip
    bundle_sha = hashlib.sha256(bundle.read_bytes()).hexdigest()
    _close(stocked)
    log_before = (stocked.path / "custody.jsonl").read_bytes()
    exhibits = list(stocked.exhibits())

    report = _dispose(stocked, None, reason="retention <over> & done")

    assert _blobs(stocked) == {}
    assert (stocked.path / "custody.jsonl").read_bytes().startswith(log_before)
    assert len(report.disposed) == 6 and report.remaining_exhibits == 0
    assert report.remaining_bytes == 0
    found = stocked.verify(progress=False)
    assert found.ok, found.text()
    with pytest.raises(RecordsRefused, match="no exhibit left"):
        _dispose(stocked, None)

    page = report.certificate_html()
    for ex in exhibits:
        assert ex.sha256 in page and ex.label in page
    assert "District Attorney &lt;Unit 3&gt;" in page and "<Unit 3>" not in page
    assert "retention &lt;over&gt; &amp; done" in page
    assert bundle_sha in page and "DA-REQ-7" in page and "to-da.zip" in page
    assert "copies outside the case, not disposed by this" in page.lower()
    assert AUTH in page and OFFICER in page and EXAMINER.name in page
    assert "APP-2026-0117" in page  # the case's own authority
    out = report.write_certificate(tmp_path / "certificate.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(OutputExists):
        report.write_certificate(out)
    assert disposition_report(stocked.writer).disposal == report.disposal
    assert report.exports[0].disposed == ("E0001", "E0004")
    # written outside the case: the record keeps no path of the examiner's machine for it
    assert report.exports[0].path == "" and not report.exports[0].present
    assert "written outside the case" in page
    report.write_certificate(out, pdf=True, force=True)
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_repair_never_puts_disposed_bytes_back(stocked: Case) -> None:
    """A part file left in blobs/.incoming with bytes that were disposed (an import a
    crash stopped) is removed by repair, not moved into the store."""
    _close(stocked)
    tip = stocked.exhibit("E0001")
    data = tip.path.read_bytes()
    _dispose(stocked, ["E0001"])
    part = stocked.path / "blobs" / ".incoming" / "0123456789abcdef.part"
    part.parent.mkdir(exist_ok=True)
    part.write_bytes(data)
    assert stocked.verify(progress=False).kinds() == {"interrupted-import"}
    repaired = stocked.repair(examiner=EXAMINER)
    assert [d["sha256"] for d in repaired.discarded] == [tip.sha256]
    assert not part.exists() and not tip.path.exists()
    assert stocked.verify(progress=False).ok


# -- the command line -------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "osint_kit", *args], capture_output=True, text=True, timeout=120
    )


def test_a_hold_blocks_disposal_from_the_command_line_too(
    stocked: Case, examiner_env: object, tmp_path: Path
) -> None:
    place_hold(stocked.writer, authority="ORD-77", reason="civil claim", examiner=EXAMINER)
    _close(stocked)
    before = _snapshot(stocked)
    given = ["--authorization", AUTH, "--approved-by", OFFICER, "--reason", "retention over"]
    certificate = tmp_path / "certificate.html"
    r = _cli("dispose", stocked.id, "--exhibit", "E0001", *given, "--certificate", str(certificate))
    assert r.returncode == 2 and "legal hold" in r.stderr, r.stderr
    assert _snapshot(stocked) == before and not certificate.exists()

    lift_hold(stocked.writer, "H001", authority="ORD-77/2", reason="settled", examiner=EXAMINER)
    r = _cli("dispose", stocked.id, "--exhibit", "E0001", "--dry-run", *given)
    assert r.returncode == 0 and "dry run" in r.stdout and "E0001" in r.stdout, r.stderr
    r = _cli("dispose", stocked.id, "--exhibit", "E0001", *given, "--certificate", str(certificate))
    assert r.returncode == 0, r.stderr
    tip = stocked.exhibit("E0001")
    assert tip.sha256 in certificate.read_text(encoding="utf-8") and not tip.path.exists()
    r = _cli("disposition", stocked.id)
    assert r.returncode == 0 and f"authorization {AUTH}" in r.stdout and "E0001" in r.stdout, (
        r.stderr
    )
    assert stocked.verify(progress=False).ok
