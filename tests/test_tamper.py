"""The tamper matrix: each way of breaking a case is found, named, and located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.errors import VerificationFailed
from tampers import TAMPERS, Tamper, fill, truncate_mid_line


@pytest.fixture
def evidence(case: Case, files: dict[str, Path]) -> Case:
    fill(case, files, EXAMINER)
    assert case.verify().ok
    return case


@pytest.mark.parametrize("tamper", TAMPERS, ids=[t.name for t in TAMPERS])
def test_each_tamper_is_detected(evidence: Case, tamper: Tamper) -> None:
    tamper.apply(evidence)
    report = evidence.verify()
    assert not report.ok and not evidence.is_valid()
    assert report.kinds() == tamper.kinds, report.text()
    assert tamper.message in report.text()
    for problem in report.problems:  # each one says where
        assert problem.where(), problem
    with pytest.raises(VerificationFailed) as err:
        evidence.verify(raise_on_error=True)
    assert err.value.report.kinds() == tamper.kinds


def test_several_tampers_are_all_reported_at_once(evidence: Case) -> None:
    chosen = [
        t
        for t in TAMPERS
        if t.name
        in {
            "flip a byte in a blob",
            "add a blob never recorded",
            "edit an event",
            "duplicate an event",
        }
    ]
    for tamper in chosen:
        tamper.apply(evidence)
    truncate_mid_line(evidence)
    report = evidence.verify()
    expected = set().union(*(t.kinds for t in chosen)) | {"torn-line", "log-truncated"}
    assert report.kinds() == expected, report.text()
    assert len(report.problems) >= len(expected)


def test_problems_carry_their_location(evidence: Case) -> None:
    TAMPERS[0].apply(evidence)  # flip a byte in E0002
    [problem] = evidence.verify().problems
    assert problem.exhibit == "E0002"
    assert problem.path is not None and problem.path.startswith("blobs/sha256/")


def test_removing_the_last_event_cleanly_is_caught_by_the_head_ledger(
    evidence: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = evidence.path / "custody.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))  # the last note: it brought no blob
    report = evidence.verify()
    assert report.kinds() == {"log-truncated"}, report.text()
    assert "cut off the end" in report.text()
    # On another machine (no ledger of this case) the cut does not show: docs/format.md
    # says so, and names --expect-head and checkpoints as the remedies.
    monkeypatch.setenv("OSINT_KIT_DATA_DIR", str(tmp_path / "elsewhere"))
    elsewhere = evidence.verify()
    assert elsewhere.ok, elsewhere.text()
    assert any("head ledger has no write to this case" in n for n in elsewhere.notes)
    full = json.loads(lines[-1])
    held = evidence.verify(expect_head=[f"{full['seq']}:{full['hash'][:16]}"])
    assert held.kinds() == {"log-truncated"}
