"""Case folders: creation, opening, listing, and every way they can be refused."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from conftest import AUTHORITY, EXAMINER
from osint_kit import Authority, Case, list_cases
from osint_kit.errors import (
    CaseExists,
    CaseNotFound,
    CorruptCaseFile,
    ExaminerNotConfigured,
    InvalidCaseField,
    InvalidCaseId,
    UnsupportedFormatVersion,
)


def new(root: Path, case_id: str = "C-1", **kw: object) -> Case:
    args: dict = dict(
        title="A case", category="online-crime", authority=AUTHORITY, root=root, examiner=EXAMINER
    )
    args.update(kw)
    return Case.create(case_id, **args)


def test_create_lays_out_the_v1_folder(case: Case) -> None:
    for sub in ("blobs", "examiners", "timestamps", "derived", "exports"):
        assert (case.path / sub).is_dir()
    identity = json.loads((case.path / "case.json").read_text())
    assert identity["format"] == "osint-kit-case" and identity["format_version"] == 1
    assert identity["authority"] == {
        "reference": "APP-2026-0117",
        "approved_by": "Lt. A. Ray",
        "approved_at": "2026-11-20",
    }
    assert identity["created_by"] == EXAMINER.to_json()
    assert not stat.S_IMODE(os.stat(case.path / "case.json").st_mode) & 0o222  # read-only
    [event] = case.events()
    assert event.seq == 1 and event.action == "case.created"
    assert event.details == identity  # what verify compares case.json against
    assert event.actor["name"] == "Jane Doe" and event.actor["os_user"] and event.actor["host"]
    assert case.verify().ok


def test_open_and_list(case: Case, root: Path) -> None:
    again = Case.open("MP-2026-001", root=root)
    assert (again.title, again.category) == (case.title, "missing-person")
    new(root, "C-2")
    assert [c.id for c in list_cases(root)] == ["C-2", "MP-2026-001"]


def test_default_root_comes_from_environment(examiner_env: object, tmp_path: Path) -> None:
    c = Case.create("ENV-1", title="t", category="other", authority=AUTHORITY)
    assert c.path == tmp_path / "cases" / "ENV-1"


@pytest.mark.parametrize(
    "bad",
    ["", "a/b", "..", "../x", "a b", "-rf", "_x", "a.b", "café", "x" * 65, "a\nb", "/abs"],
)
def test_bad_case_ids_are_refused(root: Path, bad: str) -> None:
    with pytest.raises(InvalidCaseId) as err:
        new(root, bad)
    assert "letters, digits" in str(err.value)
    assert not root.exists() or not any(root.iterdir())


def test_existing_case_is_not_touched(case: Case, root: Path) -> None:
    before = (case.path / "custody.jsonl").read_bytes()
    with pytest.raises(CaseExists, match="already exists"):
        new(root, "MP-2026-001")
    assert (case.path / "custody.jsonl").read_bytes() == before


def test_missing_case(root: Path) -> None:
    with pytest.raises(CaseNotFound, match="no case 'NOPE'"):
        Case.open("NOPE", root=root)


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("title", {"title": " "}),
        ("category", {"category": "burglary"}),
        ("authority", {"authority": "APP-1"}),
    ],
)
def test_required_fields(root: Path, field: str, kw: dict) -> None:
    with pytest.raises(InvalidCaseField, match=field):
        new(root, **kw)
    assert not root.exists() or not any(root.iterdir())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "Lt. Ray", "2026-11-20"), "reference"),
        (("APP-1", " ", "2026-11-20"), "approved_by"),
        (("APP-1", "Lt. Ray", "last week"), "ISO 8601"),
        (("APP-1", "Lt. Ray", "2026-11-20T10:00:00"), "time zone"),
    ],
)
def test_authority_is_checked(args: tuple[str, str, str], message: str) -> None:
    with pytest.raises(InvalidCaseField, match=message):
        Authority.of(*args)


def test_authority_datetime_is_normalised_to_utc() -> None:
    a = Authority.of("APP-1", "Lt. Ray", "2026-11-20T10:00:00+02:00")
    assert a.approved_at == "2026-11-20T08:00:00Z"


def test_no_examiner_no_case(root: Path) -> None:
    with pytest.raises(ExaminerNotConfigured) as err:
        Case.create("C-1", title="t", category="other", authority=AUTHORITY, root=root)
    assert "osint-kit examiner set" in str(err.value)
    assert "OSINT_KIT_EXAMINER_NAME" in str(err.value)
    assert not (root / "C-1").exists()


def _rewrite_identity(case: Case, change: object) -> None:
    path = case.path / "case.json"
    os.chmod(path, 0o644)
    if callable(change):
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))
    else:
        path.write_bytes(change)  # type: ignore[arg-type]


def test_newer_format_version_is_refused_untouched(case: Case, root: Path) -> None:
    _rewrite_identity(case, lambda d: d.update(format_version=2))
    before = sorted(p.name for p in case.path.rglob("*"))
    with pytest.raises(UnsupportedFormatVersion, match="version 2") as err:
        Case.open(case.id, root=root)
    assert "Upgrade osint-kit" in str(err.value)
    assert sorted(p.name for p in case.path.rglob("*")) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (b"{not json", "Expecting property name"),
        (b"", "Expecting value"),
        (b"[]", "format"),
        (lambda d: d.pop("authority"), "authority"),
        (lambda d: d.update(format_version="1"), "positive integer"),
        (lambda d: d.update(id="OTHER"), "names case 'OTHER'"),
    ],
)
def test_corrupt_case_json(case: Case, root: Path, change: object, message: str) -> None:
    _rewrite_identity(case, change)
    with pytest.raises(CorruptCaseFile, match=message):
        Case.open(case.id, root=root)
    listed = {c.id: c for c in list_cases(root)}
    assert listed[case.id].problem is not None  # listing survives an unreadable case


def test_edited_identity_is_caught_by_verify(case: Case) -> None:
    _rewrite_identity(case, lambda d: d.update(title="Something else"))
    report = case.verify()
    assert report.kinds() == {"case-file"}
    assert "differs from the identity recorded" in str(report.problems[0])


def test_notebook_views(case: Case) -> None:
    html = case._repr_html_()
    assert "MP-2026-001" in html and "APP-2026-0117" in html
    assert "case.created" in case.log._repr_html_()
    frame = case.log.to_frame()
    assert list(frame["action"]) == ["case.created"]
