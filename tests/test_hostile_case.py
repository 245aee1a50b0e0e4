"""A case folder someone made hostile: nothing in it may raise a traceback or hang.

Each defect of issue 18 (case side) as a regression test, against real files and the
real CLI: a log line nested thousands deep, a torn last line at export, a directory or
a FIFO in ``blobs/.incoming``, a planted key temporary, a writable blob, a log that is
a link. Readers say ``CorruptLog`` (exit 7); verify reports; repair leaves alone what
no import wrote.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.errors import CorruptLog, LogNeedsRepair
from osint_kit.record.signing import generate_key, key_path

CLI = str(Path(sys.executable).parent / "osint-kit")
WHO = ["--examiner-name", EXAMINER.name, "--examiner-id", EXAMINER.id]
WHO += ["--examiner-agency", EXAMINER.agency]

#: Past any stack: json.loads overflowed on these; orjson refuses them (beyond 1,024).
TOO_DEEP = {
    "objects-5000": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "lists-1100": b"[" * 1100 + b"]" * 1100,
}


def _event_with_deep_id(case: Case, depth: int = 1000) -> bytes:
    """An event-shaped line whose ``id`` is a list nested ``depth`` deep: within orjson's
    limit, but ``str()`` of it overflows the stack (``Event.from_json`` calls it)."""
    seq, head = case.log.head()
    deep = "[" * depth + "]" * depth
    return (
        f'{{"seq":{seq + 1},"id":{deep},"time":"2026-11-29T00:00:00Z","case":"{case.id}",'
        f'"actor":{{}},"action":"note.added","subjects":[],"details":{{}},"tool":{{}},'
        f'"digest":"{"0" * 64}","prev":"{head}","hash":"{"1" * 64}"}}'
    ).encode()


HOSTILE = {**TOO_DEEP, "event-id-1000": None}


def _plant(case: Case, which: str) -> None:
    line = TOO_DEEP.get(which) or _event_with_deep_id(case)
    with open(case.log.path, "ab") as f:
        f.write(line + b"\n")


def _run(*args: str, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args, "--root", str(root)], capture_output=True, text=True, timeout=120
    )


def _assert_refused_on_cli(done: subprocess.CompletedProcess[str], expect: str) -> None:
    assert done.returncode == 7, (done.returncode, done.stdout, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert expect in done.stderr, done.stderr[-2000:]


# -- 1. a log line nested too deep ------------------------------------------------


@pytest.mark.parametrize("which", HOSTILE)
def test_deep_line_is_corrupt_log_for_every_reader(
    case: Case, files: dict[str, Path], root: Path, tmp_path: Path, which: str
) -> None:
    case.import_files(
        [files["tip.txt"]], handed_over_by="a witness", examiner=EXAMINER, progress=False
    )
    _plant(case, which)
    size = case.log.path.stat().st_size
    opened = Case.open(case.id, root=root)
    with pytest.raises(CorruptLog):
        opened.events()
    with pytest.raises(CorruptLog):
        Case.open(case.id, root=root).add_note("appended after a hostile line?", examiner=EXAMINER)
    with pytest.raises(CorruptLog):
        Case.open(case.id, root=root).repair(examiner=EXAMINER)
    with pytest.raises(CorruptLog):
        Case.open(case.id, root=root).reindex()
    with pytest.raises(CorruptLog):
        Case.open(case.id, root=root).disclosure.export(
            tmp_path / "out.zip", authorization="W-1", recipient="DA", examiner=EXAMINER
        )
    assert case.log.path.stat().st_size == size, "something was appended"
    assert not (tmp_path / "out.zip").exists()
    report = Case.open(case.id, root=root).verify()
    kinds = {p.kind for p in report.problems}
    assert kinds & {"event-unreadable", "event-malformed"}, report.text()


@pytest.mark.parametrize("which", HOSTILE)
def test_deep_line_on_the_cli_exits_7_without_a_traceback(
    case: Case, root: Path, which: str
) -> None:
    _plant(case, which)
    size = case.log.path.stat().st_size
    _assert_refused_on_cli(_run("log", case.id, root=root), "custody.jsonl, line 2:")
    _assert_refused_on_cli(_run("case", "show", case.id, root=root), "custody.jsonl, line 2:")
    _assert_refused_on_cli(
        _run("note", case.id, "hello", *WHO, root=root), "custody.jsonl, line 2:"
    )
    assert case.log.path.stat().st_size == size
    done = _run("verify", case.id, root=root)
    assert done.returncode == 1, (done.stdout, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    assert "event-unreadable" in done.stdout or "event-malformed" in done.stdout, done.stdout


# -- 2. export of a log with a torn last line ---------------------------------------


def test_export_of_a_torn_log_is_refused(
    case: Case, files: dict[str, Path], root: Path, tmp_path: Path
) -> None:
    case.import_files([files["tip.txt"]], handed_over_by="a witness", examiner=EXAMINER)
    with open(case.log.path, "ab") as f:
        f.write(b'{"seq":2,"id":"half an ev')
    with pytest.raises((LogNeedsRepair, CorruptLog)):
        case.disclosure.export(
            tmp_path / "a.zip", authorization="W-1", recipient="DA", examiner=EXAMINER
        )
    done = _run(
        "export",
        case.id,
        "--to",
        str(tmp_path / "b.zip"),
        "--authorization",
        "W-1",
        "--recipient",
        "DA",
        *WHO,
        root=root,
    )
    _assert_refused_on_cli(done, "torn line")
    assert not (tmp_path / "a.zip").exists() and not (tmp_path / "b.zip").exists()


# -- 3. a directory and a FIFO in blobs/.incoming ------------------------------------


@pytest.mark.timeout(20)
def test_repair_and_verify_leave_a_directory_and_a_fifo_alone(case: Case, root: Path) -> None:
    incoming = case.store.incoming_dir
    incoming.mkdir(parents=True, exist_ok=True)
    (incoming / "dir.part").mkdir()
    os.mkfifo(incoming / "fifo.part")
    os.mkfifo(incoming / "abc.0.part")  # a batch part whose lock would be abc.lock
    (incoming / "leftover.part").write_bytes(b"a copy a crash stopped")

    report = case.verify()
    notes = "\n".join(report.notes)
    for name in ("dir.part", "fifo.part", "abc.0.part"):
        assert f"blobs/.incoming/{name} is" in notes, notes
        assert not any(p.path and name in p.path for p in report.problems), report.text()
    assert "a FIFO" in notes and "a directory" in notes

    repaired = case.repair(examiner=EXAMINER)
    alone = {a["name"]: a["reason"] for a in repaired.left_alone}
    assert alone == {
        "blobs/.incoming/abc.0.part": "not a regular file: a FIFO",
        "blobs/.incoming/dir.part": "not a regular file: a directory",
        "blobs/.incoming/fifo.part": "not a regular file: a FIFO",
    }
    assert [d["name"] for d in repaired.discarded] == ["leftover.part"]
    assert repaired.event is not None
    assert repaired.event.details["left_alone"] == repaired.left_alone
    assert "left alone: blobs/.incoming/fifo.part (not a regular file: a FIFO)" in repaired.text()
    assert (incoming / "dir.part").is_dir()
    assert stat.S_ISFIFO(os.lstat(incoming / "fifo.part").st_mode)

    done = _run("repair", case.id, *WHO, root=root)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "nothing to repair" in done.stdout
    assert "left alone: blobs/.incoming/dir.part" in done.stdout


@pytest.mark.timeout(20)
def test_a_fifo_named_as_a_blob_is_reported_not_read(case: Case, files: dict[str, Path]) -> None:
    case.import_files(
        [files["tip.txt"]], handed_over_by="a witness", examiner=EXAMINER, progress=False
    )
    blob = case.exhibit("E0001").path
    os.chmod(blob, 0o644)
    blob.unlink()
    os.mkfifo(blob)
    kinds = {p.kind for p in case.verify().problems}
    assert {"blob-misplaced", "blob-missing"} <= kinds, kinds


# -- 4. the private key's mode --------------------------------------------------------


def test_a_planted_world_writable_temporary_does_not_decide_the_key_mode(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    path = key_path(config, EXAMINER.id)
    path.parent.mkdir(parents=True, mode=0o700)
    planted = path.with_name(f".{path.name}.tmp")
    planted.write_bytes(b"planted")
    os.chmod(planted, 0o666)
    old = os.umask(0)
    try:
        generate_key(config, EXAMINER.id, None, force=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert planted.read_bytes() == b"planted", "the planted file became the key"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp") and p != planted]


def test_a_planted_link_as_temporary_is_not_followed(tmp_path: Path) -> None:
    config = tmp_path / "config"
    path = key_path(config, EXAMINER.id)
    path.parent.mkdir(parents=True, mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    path.with_name(f".{path.name}.tmp").symlink_to(elsewhere)
    generate_key(config, EXAMINER.id, None, force=False)
    assert not elsewhere.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- 5. a writable blob; a log that is not a regular file -----------------------------


def test_a_writable_blob_is_reported(case: Case, files: dict[str, Path]) -> None:
    case.import_files(
        [files["tip.txt"]], handed_over_by="a witness", examiner=EXAMINER, progress=False
    )
    blob = case.exhibit("E0001").path
    assert case.verify().ok
    os.chmod(blob, 0o644)
    report = case.verify()
    assert [(p.kind, p.exhibit) for p in report.problems] == [("blob-writable", "E0001")]
    blob.write_bytes(b"changed")
    kinds = [p.kind for p in case.verify().problems]
    assert kinds == ["blob-altered"], kinds  # a changed blob is altered; that says it


@pytest.mark.timeout(30)
def test_a_log_that_is_a_link_or_a_fifo_is_reported_and_refused(
    case: Case, files: dict[str, Path], root: Path, tmp_path: Path
) -> None:
    case.import_files(
        [files["tip.txt"]], handed_over_by="a witness", examiner=EXAMINER, progress=False
    )
    copy = tmp_path / "copy.jsonl"
    shutil.copyfile(case.log.path, copy)
    case.log.path.unlink()
    case.log.path.symlink_to(copy)
    report = Case.open(case.id, root=root).verify()
    assert [p.kind for p in report.problems] == ["log-not-regular"], report.text()
    with pytest.raises(CorruptLog, match="symbolic link"):
        Case.open(case.id, root=root).add_note("through the link?", examiner=EXAMINER)
    assert copy.read_bytes().count(b"\n") == len(copy.read_bytes().splitlines())
    _assert_refused_on_cli(_run("log", case.id, root=root), "symbolic link")

    case.log.path.unlink()
    os.mkfifo(case.log.path)
    report = Case.open(case.id, root=root).verify()
    assert "log-not-regular" in {p.kind for p in report.problems}, report.text()
    with pytest.raises(CorruptLog, match="not a regular file"):
        Case.open(case.id, root=root).events()
    done = _run("note", case.id, "into a FIFO?", *WHO, root=root)
    _assert_refused_on_cli(done, "not a regular file")


def _plant_event(case: Case, details: str, extra: str = "") -> None:
    """A well-shaped event (wrong digest) with ``details`` as given, appended raw."""
    seq, head = case.log.head()
    line = (
        f'{{"seq":{seq + 1},"id":"x","time":"2026-11-29T00:00:00Z","case":"{case.id}",'
        f'"actor":{{}},"action":"note.added","subjects":[],"details":{details},"tool":{{}},'
        f'"digest":"{"0" * 64}","prev":"{head}","hash":"{"1" * 64}"{extra}}}\n'
    )
    with open(case.log.path, "ab") as f:
        f.write(line.encode())


DEEP_DETAILS = '{"x":' + "[" * 1000 + "]" * 1000 + "}"


def test_verify_of_details_nested_past_orjson_dumps_limit(case: Case, root: Path) -> None:
    _plant_event(case, DEEP_DETAILS)
    done = _run("verify", case.id, root=root)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 1 and "event-malformed" in done.stdout


def test_log_json_of_details_nested_deep(case: Case, root: Path) -> None:
    _plant_event(case, DEEP_DETAILS)
    done = _run("log", "--json", case.id, root=root)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode in (0, 7)


def test_log_json_of_a_signature_that_is_not_an_object(case: Case, root: Path) -> None:
    _plant_event(case, "{}", ',"signature":"xy"')
    done = _run("log", "--json", case.id, root=root)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode in (0, 7)


def test_one_string_where_a_list_is_expected_is_refused(case: Case, tmp_path: Path) -> None:
    """("ok.txt" would be six files, "E0001" five exhibits, a URL one per character.)"""
    from osint_kit.errors import InvalidOption

    size = case.log.path.stat().st_size
    calls = [
        lambda: case.import_files("ok.txt", handed_over_by="W", examiner=EXAMINER),
        lambda: case.import_files(Path("ok.txt"), handed_over_by="W", examiner=EXAMINER),
        lambda: case.capture_urls("http://127.0.0.1:9/", examiner=EXAMINER),
        lambda: case.disclosure.plan(exhibits="E0001"),
        lambda: case.disclosure.export(
            tmp_path / "b.zip", authorization="A", recipient="R", exhibits="E0001",
            examiner=EXAMINER,
        ),
        lambda: case.add_note("a note", exhibits="E0001", examiner=EXAMINER),
    ]  # fmt: skip
    for call in calls:
        with pytest.raises(InvalidOption, match="give a list, not one"):
            call()
    assert case.log.path.stat().st_size == size and not (tmp_path / "b.zip").exists()
