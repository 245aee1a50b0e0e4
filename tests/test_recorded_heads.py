"""Heads put on the record (checkpoints, exports, recorded verifications, derived
exhibits) are compared with the chain: a log rewritten after them no longer passes,
and a checkpoint file and its event must go together (issue 17, "recorded heads")."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import EXAMINER
from forgeries import events_of, reseal, write_events
from osint_kit import Case


@pytest.fixture
def busy(case: Case, files: dict[str, Path], tmp_path: Path) -> Case:
    """Imports, a note, a checkpoint, a recorded verification and an export."""
    case.import_files(
        list(files.values()), handed_over_by="Witness", examiner=EXAMINER, progress=False
    )
    case.add_note("Checked with the school.", examiner=EXAMINER)
    case.stamp(examiner=EXAMINER)
    case.verify(record=True, examiner=EXAMINER)
    case.disclosure.export(
        tmp_path / "out.zip",
        authorization="DA-1",
        recipient="DA",
        exhibits=["E0001"],
        examiner=EXAMINER,
    )
    case.add_note("After the export.", examiner=EXAMINER)
    return case


def _rewrite(case: Case, seq: int, change: dict[str, object]) -> None:
    """An insider's rewrite: change event ``seq``, recompute every digest and link after
    it, drop the signatures (they would no longer verify)."""
    events = events_of(case)
    for event in events:
        if event["seq"] == seq:
            event["details"] = {**event["details"], **change}
    write_events(case, reseal(events, renumber=False))


def test_a_busy_case_records_heads_that_all_match(busy: Case) -> None:
    report = busy.verify()
    assert report.ok, report.text()
    actions = [e.action for e in busy.events()]
    assert {"log.checkpoint", "case.verified", "export.created"} <= set(actions)


def test_a_log_rewritten_after_its_checkpoint_and_export_is_caught(busy: Case) -> None:
    note = next(e for e in busy.events() if e.action == "note.added")
    _rewrite(busy, note.seq, {"text": "Nothing to report."})
    report = busy.verify()
    kinds = report.kinds()
    assert "recorded-head-mismatch" in kinds
    mismatched = {p.seq for p in report.problems if p.kind == "recorded-head-mismatch"}
    recorders = {
        e.seq
        for e in busy.events()
        if e.action in ("log.checkpoint", "case.verified", "export.created") and e.seq > note.seq
    }
    assert mismatched == recorders  # every event that recorded a head after the change
    assert "event-altered" not in kinds and "chain-broken" not in kinds  # the chain itself holds


def test_a_checkpoint_file_and_its_event_go_together(busy: Case) -> None:
    point = next(e for e in busy.events() if e.action == "log.checkpoint")
    path = busy.path / point.details["file"]
    data = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(data.replace(b'"seq":', b'"seq": ', 1))
    assert busy.verify().kinds() >= {"checkpoint-altered"}
    path.unlink()
    assert "checkpoint-missing" in busy.verify().kinds()
    stray = busy.path / "timestamps" / "00000099-ffffffffffffffff.json"
    stray.write_text(json.dumps({"seq": 1, "hash": busy.events()[0].hash}))
    assert "checkpoint-unrecorded" in busy.verify().kinds()


def test_a_head_recorded_at_or_after_its_own_event_is_impossible(busy: Case) -> None:
    export = next(e for e in busy.events() if e.action == "export.created")
    head = dict(export.details["head"])
    head["seq"] = export.seq
    _rewrite(busy, export.seq, {"head": head})
    assert "recorded-head-impossible" in busy.verify().kinds()


def test_the_checkpoint_event_names_its_file_hash(busy: Case) -> None:
    point = next(e for e in busy.events() if e.action == "log.checkpoint")
    data = (busy.path / point.details["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == point.details["checkpoint_sha256"]
