"""The writer layer: one append that seals, publishes and refreshes, and what it does
when the append or the publishing after it fails."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.errors import LogNeedsRepair, OutputExists, RecordedNotPublished
from osint_kit.folder.acquisition import Artifact, record_acquisition


def _stage(case: Case, data: bytes) -> Artifact:
    return Artifact(case.store.stage_bytes(data), "original", "text/plain")


def _parts(case: Case) -> list[Path]:
    incoming = case.store.incoming_dir
    return (
        sorted(p for p in incoming.iterdir() if p.name.endswith(".part"))
        if incoming.is_dir()
        else []
    )


def _indexed_seqs(case: Case) -> list[int]:
    db = sqlite3.connect(case.path / "derived" / "index.sqlite")
    try:
        return [row[0] for row in db.execute("SELECT seq FROM events ORDER BY seq")]
    finally:
        db.close()


def test_an_append_that_fails_discards_its_staged_blobs(case: Case) -> None:
    with open(case.log.path, "ab") as log:
        log.write(b'{"seq": 2, "torn')  # a crash mid-line: appends are refused
    artifact = _stage(case, b"witness statement")
    with pytest.raises(LogNeedsRepair):
        record_acquisition(case.writer, [artifact], {"method": "test"}, EXAMINER.actor())
    assert _parts(case) == [] and not case.store.exists(artifact.staged.sha256)


def test_blobs_that_cannot_be_published_stay_for_repair(case: Case) -> None:
    artifact = _stage(case, b"dashcam still")
    sha = artifact.staged.sha256
    shard = case.store.path_for(sha).parent
    shard.parent.mkdir(parents=True, exist_ok=True)
    shard.write_bytes(b"")  # a file where the shard folder must go: publishing fails
    with pytest.raises(RecordedNotPublished, match="osint-kit repair") as failed:
        record_acquisition(case.writer, [artifact], {"method": "test"}, EXAMINER.actor())
    recorded = case.events()[-1]
    assert failed.value.seq == recorded.seq and recorded.action == "evidence.acquired"
    assert len(_parts(case)) == 1  # kept, not discarded: the log names it
    assert not case.verify().ok

    shard.unlink()
    report = case.repair(examiner=EXAMINER)
    assert [c["sha256"] for c in report.completed] == [sha]
    assert case.store.exists(sha) and case.verify().ok


def test_every_append_refreshes_the_derived_views(case: Case) -> None:
    note = case.add_note("Called the school.", examiner=EXAMINER)
    checked = case.verify(record=True, examiner=EXAMINER)
    assert checked.ok and checked.recorded_seq == note.seq + 1
    assert case.events()[-1].action == "case.verified"
    assert _indexed_seqs(case) == [e.seq for e in case.events()]


def test_write_report_replaces_its_own_view_but_not_a_users_file(
    case: Case, tmp_path: Path
) -> None:
    default = case.disclosure.write_report()
    assert default == case.path / "derived" / "report.html"
    default.write_text("stale")
    assert case.id in case.disclosure.write_report().read_text()
    mine = tmp_path / "mine.html"
    mine.write_text("keep")
    with pytest.raises(OutputExists):
        case.disclosure.write_report(mine)
    assert mine.read_text() == "keep"
    assert case.id in case.disclosure.write_report(mine, force=True).read_text()
