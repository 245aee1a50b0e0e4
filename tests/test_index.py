"""derived/index.sqlite: kept current after writes, and equal to a rebuild from scratch."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from conftest import CHECKPOINT, EXAMINER
from osint_kit import Case


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    try:
        return {
            t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("events", "subjects", "exhibits", "captures")
        }
    finally:
        db.close()


def test_index_follows_every_write_and_equals_a_rebuild(case: Case, files: dict[str, Path]) -> None:
    first, second, third = files.values()
    case.import_files([first, second], handed_over_by="W1", examiner=EXAMINER, progress=False)
    case.import_file(third, handed_over_by="W2", examiner=EXAMINER, progress=False)
    case.add_note("seen", exhibits=["E0002"], examiner=EXAMINER)
    index = case.path / "derived" / "index.sqlite"
    incremental = dump(index)
    # the case, two hand-overs each with its checkpoint, the note
    assert [(r[0], r[3]) for r in incremental["events"]] == [
        (1, "case.created"),
        (2, "evidence.acquired"),
        (3, CHECKPOINT),
        (4, "evidence.acquired"),
        (5, CHECKPOINT),
        (6, "note.added"),
    ]
    assert [r[0] for r in incremental["exhibits"]] == ["E0001", "E0002", "E0003"]
    assert [r[0] for r in incremental["captures"]] == ["C0001", "C0002"]
    # Followed write by write (not rebuilt): it ends where the log ends, at its head.
    db = sqlite3.connect(index)
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    db.close()
    assert int(meta["log_offset"]) == (case.path / "custody.jsonl").stat().st_size
    assert meta["head_hash"] == case.log.head()[1]
    assert case.reindex() == index
    assert dump(index) == incremental


def test_derived_can_be_deleted_and_rebuilt(case: Case, files: dict[str, Path]) -> None:
    case.import_files(files.values(), handed_over_by="W1", examiner=EXAMINER, progress=False)
    before = dump(case.path / "derived" / "index.sqlite")
    shutil.rmtree(case.path / "derived")
    assert case.verify().ok  # derived/ is not evidence
    (case.path / "derived").mkdir()
    assert dump(case.reindex()) == before


def test_an_index_from_another_history_is_rebuilt(case: Case, files: dict[str, Path]) -> None:
    case.import_file(files["tip.txt"], handed_over_by="W1", examiner=EXAMINER)
    index = case.path / "derived" / "index.sqlite"
    db = sqlite3.connect(index)
    db.execute("UPDATE meta SET value=? WHERE key='head_hash'", ("f" * 64,))
    db.commit()
    db.close()
    case.add_note("next", examiner=EXAMINER)  # the refresh sees a chain it did not index
    # the case, the import, its checkpoint, the note
    assert [(r[0], r[3]) for r in dump(index)["events"]] == [
        (1, "case.created"),
        (2, "evidence.acquired"),
        (3, CHECKPOINT),
        (4, "note.added"),
    ]
