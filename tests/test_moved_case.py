"""A case that moves: copied (``cp -a``, ``shutil.copytree``) or moved (``mv``) to
another folder, it verifies exactly as before; a copy written to does not make the
original fail, while a log cut in the original's own folder still does; and a link
anywhere under the case is a problem, never a way round the store's checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Capture, Case

PLACES = ("cp -a", "copytree", "mv")


def _copy_cp_a(src: Path, dst: Path) -> None:
    subprocess.run(["cp", "-a", str(src), str(dst)], check=True)


def _copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, symlinks=True)


def _move(src: Path, dst: Path) -> None:
    subprocess.run(["mv", str(src), str(dst)], check=True)


HOW: dict[str, Callable[[Path, Path], None]] = {
    "cp -a": _copy_cp_a,
    "copytree": _copy_tree,
    "mv": _move,
}


@pytest.fixture
def exported(case: Case, files: dict[str, Path], tmp_path: Path) -> Case:
    """A case with two bundles in its own exports/ (one given by a relative path) and
    one outside it."""
    case.import_files(
        list(files.values()), handed_over_by="witness", examiner=EXAMINER, progress=False
    )
    case.add_note("exported below", examiner=EXAMINER)
    exports = case.path / "exports"
    exports.mkdir(exist_ok=True)
    common = dict(authorization="AUTH-1", recipient="DA office", examiner=EXAMINER)
    case.disclosure.export(exports / "all.zip", progress=False, **common)
    here = Path.cwd()
    os.chdir(case.path)  # a destination as the user typed it, relative to where they are
    try:
        case.disclosure.export(
            Path("exports/one.zip"), exhibits=["E0001"], progress=False, **common
        )
    finally:
        os.chdir(here)
    outside = tmp_path / "outbox"
    outside.mkdir()
    case.disclosure.export(outside / "away.zip", exhibits=["E0002"], progress=False, **common)
    return case


def _tip(case: Case, files: dict[str, Path]) -> Capture:
    return case.import_files(
        [files["tip.txt"]], handed_over_by="witness", examiner=EXAMINER, progress=False
    )


def _events(case: Case, action: str) -> list[dict]:
    lines = case.log.path.read_bytes().splitlines()
    return [e for e in map(json.loads, lines) if e["action"] == action]


@pytest.mark.parametrize("how", PLACES)
def test_a_copied_or_moved_case_with_bundles_verifies_as_before(
    exported: Case, tmp_path: Path, how: str
) -> None:
    before = exported.verify(progress=False)
    assert before.ok, before.text()
    elsewhere = tmp_path / "evidence-server"
    elsewhere.mkdir()
    HOW[how](exported.path, elsewhere / exported.id)
    moved = Case.open(exported.id, root=elsewhere)
    after = moved.verify(progress=False)
    assert after.ok, after.text()
    assert after.kinds() == before.kinds() == set()
    assert (after.events, after.head_hash) == (before.events, before.head_hash)


def test_export_events_record_no_machine_path(exported: Case, tmp_path: Path) -> None:
    """Inside the case: the path relative to it; outside: no path, only name and hash
    (where the examiner's own folders are is no part of the record)."""
    bundles = [e["details"]["bundle"] for e in _events(exported, "export.created")]
    assert [b.get("path") for b in bundles] == ["exports/all.zip", "exports/one.zip", None]
    assert bundles[2]["name"] == "away.zip" and len(bundles[2]["sha256"]) == 64
    assert str(tmp_path) not in json.dumps(_events(exported, "export.created"))


def test_an_old_export_event_with_an_absolute_path_still_matches_its_bundle(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    """Logs written before paths were relative hold the bundle's absolute path: a
    bundle in exports/ under that name and size is the one recorded, wherever the case
    is now; a file of another size under the name is not."""
    from osint_kit.record.events import EventDraft

    _tip(case, files)
    exports = case.path / "exports"
    exports.mkdir(exist_ok=True)
    bundle = exports / "old.zip"
    bundle.write_bytes(b"PK\x05\x06" + bytes(18))
    old = {
        "name": "old.zip",
        "path": "/srv/some/other/machine/cases/MP-2026-001/exports/old.zip",
        "sha256": "0" * 64,
        "size": bundle.stat().st_size,
    }
    case.writer.append(
        EventDraft("export.created", details={"bundle": old, "recipient": "x"}),
        EXAMINER.actor(),
    )
    assert case.verify(progress=False).ok
    moved = tmp_path / "restored"
    moved.mkdir()
    shutil.copytree(case.path, moved / case.id, symlinks=True)
    assert Case.open(case.id, root=moved).verify(progress=False).ok
    os.chmod(bundle, 0o644)
    bundle.write_bytes(bundle.read_bytes() + b"more")
    report = case.verify(progress=False)
    assert report.kinds() == {"export-unrecorded"}, report.text()


def test_writing_to_a_copy_does_not_make_the_original_fail(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    _tip(case, files)
    training = tmp_path / "training"
    training.mkdir()
    shutil.copytree(case.path, training / case.id, symlinks=True)
    copy = Case.open(case.id, root=training)
    copy.add_note("a trainee's note", examiner=EXAMINER)
    copy.add_note("another", examiner=EXAMINER)

    original = case.verify(progress=False)
    assert original.ok, original.text()
    notes = "\n".join(original.notes)
    assert "another copy of this case" in notes
    assert f"../../training/{case.id}" in notes  # relative to the original, no machine path
    assert str(tmp_path) not in notes
    assert copy.verify(progress=False).ok

    # The cut-tail check of the original's own folder is as strict as ever.
    case.add_note("the original's last word", examiner=EXAMINER)
    lines = case.log.path.read_bytes().splitlines(keepends=True)
    case.log.path.write_bytes(b"".join(lines[:-1]))
    cut = case.verify(progress=False)
    assert cut.kinds() == {"log-truncated"}, cut.text()


def test_a_case_moved_on_the_same_machine_keeps_its_ledger(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    """``mv`` keeps the folder (its inode): the ledger follows it, and a cut after the
    move is still caught."""
    _tip(case, files)
    case.add_note("last", examiner=EXAMINER)
    there = tmp_path / "moved"
    there.mkdir()
    _move(case.path, there / case.id)
    moved = Case.open(case.id, root=there)
    report = moved.verify(progress=False)
    assert report.ok, report.text()
    assert not any("another copy" in n for n in report.notes), report.notes
    lines = moved.log.path.read_bytes().splitlines(keepends=True)
    moved.log.path.write_bytes(b"".join(lines[:-1]))
    assert moved.verify(progress=False).kinds() == {"log-truncated"}


def test_a_copy_whose_original_is_gone_is_held_to_the_original_heads(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    """A case moved across file systems is copied, then deleted: the copy is the case
    now, and a cut is still a cut."""
    _tip(case, files)
    case.add_note("last", examiner=EXAMINER)
    there = tmp_path / "other-disk"
    there.mkdir()
    shutil.copytree(case.path, there / case.id, symlinks=True)
    shutil.rmtree(case.path)
    moved = Case.open(case.id, root=there)
    assert moved.verify(progress=False).ok
    lines = moved.log.path.read_bytes().splitlines(keepends=True)
    moved.log.path.write_bytes(b"".join(lines[:-1]))
    assert moved.verify(progress=False).kinds() == {"log-truncated"}


def test_verification_records_no_machine_path(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    _tip(case, files)
    report = case.verify(record=True, examiner=EXAMINER, progress=False)
    assert report.ok
    assert any("head ledger" in n for n in report.notes)
    [event] = _events(case, "case.verified")
    assert str(tmp_path) not in json.dumps(event)


def test_a_trust_store_is_recorded_by_what_it_holds_not_where_it_is(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    from osint_kit.record import TrustStore, create_signing_key

    _tip(case, files)
    store = TrustStore(tmp_path / "department-trust")
    store.add(create_signing_key(EXAMINER).public_key, EXAMINER.id)
    report = case.verify(record=True, examiner=EXAMINER, trust=store.path, progress=False)
    assert str(store.path) in report.text()  # shown to the user, as given
    [event] = _events(case, "case.verified")
    assert str(tmp_path) not in json.dumps(event)
    held = event["details"]["signatures"]["trust_store"]
    assert held["keys"] == 1 and len(held["sha256"]) == 64


@pytest.mark.parametrize(
    "where", ["blobs/sha256/{xx}", "blobs/sha256", "blobs", "exports", "derived/elsewhere"]
)
def test_a_link_anywhere_under_the_case_is_a_problem(
    case: Case, files: dict[str, Path], tmp_path: Path, where: str
) -> None:
    """A blob folder replaced by a link to a copy outside the case (intact bytes) fails,
    as a single linked blob does; any link is reported with its path."""
    ex = case.exhibit(_tip(case, files).exhibits[0])
    (case.path / "exports").mkdir(exist_ok=True)
    (case.path / "derived").mkdir(exist_ok=True)
    rel = where.format(xx=ex.sha256[:2])
    inside = case.path / rel
    outside = tmp_path / "outside-copy"
    if inside.exists():
        shutil.copytree(inside, outside, symlinks=True)
        os.chmod(inside, 0o755)
        for p in [inside, *inside.rglob("*")]:
            os.chmod(p, 0o755)
        shutil.rmtree(inside)
    else:
        outside.mkdir()
    inside.symlink_to(outside, target_is_directory=True)
    report = case.verify(progress=False)
    assert not report.ok
    assert "link-in-case" in report.kinds(), report.text()
    assert any(p.path == rel for p in report.problems if p.kind == "link-in-case")
    # the case's own folder, relative names only
    assert str(tmp_path) not in report.text().replace(str(case.path), "")


def test_a_linked_file_anywhere_is_a_problem(case: Case, files: dict[str, Path]) -> None:
    _tip(case, files)
    (case.path / "notes.txt").symlink_to(files["photo.jpg"])
    report = case.verify(progress=False)
    assert "link-in-case" in report.kinds(), report.text()
