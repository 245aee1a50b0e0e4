"""``derived/`` is written by one writer (folder/views.py), never by the read-only folder:
a reader that caches goes through it, a view that cannot be kept is still returned, a
view that fails never fails an append, and nothing outside ``derived/`` changes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.errors import StorageError
from osint_kit.folder.read import CaseFolder
from osint_kit.folder.views import Appended, DerivedViews
from osint_kit.record import EventDraft


def _files(case: Case) -> dict[str, int]:
    return {
        str(p.relative_to(case.path)): p.stat().st_mtime_ns
        for p in case.path.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def noted(case: Case, files: dict[str, Path]) -> Case:
    case.import_files(list(files.values()), handed_over_by="W", examiner=EXAMINER, progress=False)
    case.add_note("seen near the station", examiner=EXAMINER)
    return case


def test_reading_tables_writes_under_derived_only(noted: Case, root: Path) -> None:
    reopened = Case.open(noted.id, root=root)
    before = _files(reopened)
    assert len(reopened.analysis.media()) == 2  # the photo and the clip
    reopened.analysis.posts()
    reopened.analysis.image_hashes()
    after = _files(reopened)
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed and all(p.startswith("derived/") for p in changed), changed
    assert {p for p in before if p not in after} == set()


def test_a_folder_cannot_write_its_views() -> None:
    assert not hasattr(CaseFolder, "derived")
    assert not hasattr(CaseFolder, "views")


def test_a_view_that_cannot_be_kept_is_still_returned(noted: Case) -> None:
    views = noted.writer.views
    views.remove_all()
    views.root.rmdir()
    views.root.write_text("not a folder")  # no view can be kept under it
    assert len(noted.analysis.media()) == 2
    assert noted.analysis.posts().to_arrow().num_rows == 0
    with pytest.raises(StorageError, match="the search index cannot be made here"):
        noted.analysis.search("station")
    assert views.root.read_text() == "not a folder"


class Failing:
    name = "failing"

    def refresh(self, folder: CaseFolder, views: DerivedViews, appended: Appended | None) -> None:
        raise OSError("disk full")

    def rebuild(self, folder: CaseFolder, views: DerivedViews) -> Path:
        raise OSError("disk full")


def test_a_view_that_fails_never_fails_an_append(
    case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    case.writer.views.kept = (*case.writer.views.kept, Failing())
    with caplog.at_level(logging.WARNING, logger="osint_kit"):
        note = EventDraft("note.added", details={"text": "x"})
        event = case.writer.append(note, EXAMINER.actor())
    assert event.seq == case.log.head()[0]
    assert "derived view failing" in caplog.text and "run reindex" in caplog.text
    assert len(case.analysis.search("x")) == 1  # the index, registered first, was kept


@pytest.mark.parametrize("parts", [(), ("..",), ("tables", ".."), ("a/b",), ("",), (".",)])
def test_a_view_lives_under_derived(case: Case, parts: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="not a view's name"):
        case.writer.views.path(*parts)


def test_removing_the_views_does_not_follow_a_link(case: Case, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the case's")
    views = case.writer.views
    for entry in views.root.iterdir():
        entry.unlink()
    views.root.rmdir()
    views.root.symlink_to(outside)
    assert views.remove_all() == []
    assert (outside / "keep.txt").read_text() == "not the case's"


def test_reindex_makes_the_index_again(noted: Case) -> None:
    index = noted.writer.views.path("index.sqlite")
    index.unlink()
    assert noted.reindex() == index and index.is_file()
    assert len(noted.analysis.search("station")) == 2  # the note and the tip
