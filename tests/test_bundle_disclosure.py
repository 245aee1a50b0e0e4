"""A bundle discloses only what was authorised (issue 18): events in full only for the
exported exhibits themselves, shown before the export (--dry-run) and recorded after;
and no evidence string reaches the terminal raw."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.errors import LogNeedsRepair

EXE = str(Path(sys.executable).parent / "osint-kit")


@pytest.fixture
def two_witnesses(case: Case, tmp_path: Path) -> Case:
    """The same photo from the mother (E0001) and from a second witness (E0002)."""
    first, second = tmp_path / "a" / "IMG_1.jpg", tmp_path / "b" / "bus-driver-copy.jpg"
    for f in (first, second):
        f.parent.mkdir()
        f.write_bytes(b"\xff\xd8the same photo\xff\xd9")
    case.import_files([first], handed_over_by="Mother", examiner=EXAMINER, progress=False)
    case.import_files(
        [second],
        handed_over_by="Second witness (bus driver)",
        note="USB stick handed over at the station",
        examiner=EXAMINER,
        progress=False,
    )
    case.add_note("E0001 shows the bus stop.", exhibits=["E0001"], examiner=EXAMINER)
    assert case.exhibit("E0001").sha256 == case.exhibit("E0002").sha256
    return case


def test_an_exhibit_with_the_same_bytes_from_someone_else_stays_out(
    two_witnesses: Case, tmp_path: Path
) -> None:
    plan = two_witnesses.disclosure.plan(exhibits=["E0001"])
    actions = [(action, what) for _, action, what in plan.in_full]
    assert [a for a, _ in actions] == ["case.created", "evidence.acquired", "note.added"]
    assert not any("bus driver" in what for _, what in actions)
    result = two_witnesses.disclosure.export(
        tmp_path / "out.zip",
        authorization="DA-1",
        recipient="DA",
        exhibits=["E0001"],
        examiner=EXAMINER,
    )
    with zipfile.ZipFile(result.path) as zf:
        everything = b"".join(zf.read(n) for n in zf.namelist())
    for secret in (b"Second witness", b"bus driver", b"USB stick", b"bus-driver-copy"):
        assert secret not in everything, secret
    assert result.event.details["events_in_full"] == [seq for seq, _, _ in plan.in_full]


def test_dry_run_shows_the_plan_and_writes_nothing(two_witnesses: Case, tmp_path: Path) -> None:
    log = two_witnesses.log.path.read_bytes()
    dest = tmp_path / "out.zip"
    r = subprocess.run(
        [EXE, "export", two_witnesses.id, "--root", str(two_witnesses.path.parent),
         "--to", str(dest), "--authorization", "DA-1", "--recipient", "DA",
         "--exhibit", "E0001", "--dry-run"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "3 event(s) in full" in r.stdout and "E0001" in r.stdout
    assert "dry run: nothing was written" in r.stdout
    assert not dest.exists() and two_witnesses.log.path.read_bytes() == log


def test_export_of_a_log_with_a_torn_last_line_is_refused(
    two_witnesses: Case, tmp_path: Path, examiner_env: object
) -> None:
    with open(two_witnesses.log.path, "ab") as f:
        f.write(b'{"seq": 99, "half an ev')
    with pytest.raises(LogNeedsRepair):
        two_witnesses.disclosure.export(
            tmp_path / "x.zip", authorization="DA-1", recipient="DA", examiner=EXAMINER
        )
    r = subprocess.run(
        [EXE, "export", two_witnesses.id, "--root", str(two_witnesses.path.parent),
         "--to", str(tmp_path / "y.zip"), "--authorization", "DA-1", "--recipient", "DA"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 7 and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "y.zip").exists()


def test_control_characters_from_evidence_never_reach_the_terminal(
    case: Case, tmp_path: Path
) -> None:
    hostile = tmp_path / "photo\x1b[2J\x1b]0;PWNED\x07.jpg"
    hostile.write_bytes(b"a photo")
    root = str(case.path.parent)
    env_args = ["--examiner-name", "J", "--examiner-id", "J-1", "--examiner-agency", "PD"]
    outputs = []
    for args in (
        ["import", case.id, str(hostile), "--handed-over-by", "W\x1b[31m", *env_args],
        ["case", "show", case.id],
        ["log", case.id],
    ):
        r = subprocess.run([EXE, *args, "--root", root], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        outputs.append(r.stdout + r.stderr)
    for out in outputs:
        assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;PWNED\\x07" in outputs[1]  # shown, escaped
    # --json keeps the exact name, JSON-escaped
    r = subprocess.run(
        [EXE, "log", case.id, "--json", "--root", root], capture_output=True, text=True
    )
    names = [
        s.get("source") or "" for e in map(json.loads, r.stdout.splitlines()) for s in e["subjects"]
    ]
    details = r.stdout
    assert "\x1b" not in details and ("\\u001b" in details or not any(names))
