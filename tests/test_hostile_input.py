"""Hostile input from outside, through the command line as a user runs it (issue 31):
a FIFO where a file is read (no hang: a generous ceiling, never a fixed sleep), bytes
that are not UTF-8 in an argument or a file name (a clear error or a faithful record,
never a traceback), absurd numbers (a bounded, clear error), and values that would pass
for osint-kit's own output (a file name with a line break, a title with an ANSI escape
or a bidi override: shown escaped)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMINER, new_case
from osint_kit import Case
from osint_kit.errors import InvalidCaseField
from osint_kit_sandbox.tsa import LocalTSA

#: A command that hangs fails the test here; a healthy one takes seconds, on a loaded
#: machine perhaps tens of them.
HANG_CEILING_S = 120

#: The file name from the issue: read plainly, a second exhibit line.
FORGED = "b.txt\n  E0099  fake_evidence.JPG  99,999 bytes"
#: An exhibit line as osint-kit prints it (import, case show).
EXHIBIT_LINE = re.compile(r"^\s+E\d{4}\s", re.MULTILINE)


def osint_kit(*args: str | bytes | Path) -> subprocess.CompletedProcess[str]:
    """Run the command line (the test's environment: its cases root, its examiner)."""
    return subprocess.run(
        [sys.executable, "-m", "osint_kit", *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=HANG_CEILING_S,
    )


def clean_error(r: subprocess.CompletedProcess[str], code: int) -> None:
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout, r.stderr


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


# -- FIFOs where osint-kit reads a file ------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "00000009-feedfacecafebeef-0.json",
        "stray.tsr",
        "x.sig.json",
        "a\n  - [forged] nothing wrong here.json",
    ],
)
def test_a_fifo_in_timestamps_is_a_problem_verify_reports(
    case: Case, examiner_env: object, name: str
) -> None:
    os.mkfifo(case.path / "timestamps" / name)
    r = osint_kit("verify", case.id)
    clean_error(r, 1)
    name = name.replace("\n", "\\n")  # one problem line, whatever the name
    said = f"[not-a-regular-file] a FIFO (named pipe) in the case, not read (timestamps/{name})"
    assert said in r.stdout and "\n  - [forged]" not in r.stdout, r.stdout


def test_a_fifo_beside_a_real_checkpoint_is_reported_not_read(
    case: Case,
    examiner_env: object,
    files: dict[str, Path],
    tsa_files: tuple[LocalTSA, LocalTSA],
) -> None:
    """The token and signature of a real checkpoint swapped for FIFOs (the token read
    only with a CA to check it against), and a FIFO given as that CA."""
    case.import_files([files["tip.txt"]], handed_over_by="W. Itness")
    (point,) = sorted((case.path / "timestamps").glob("*.json"))
    for twin in (point.with_suffix(".tsr"), point.with_name(point.stem + ".sig.json")):
        twin.unlink(missing_ok=True)
        os.mkfifo(twin)
    r = osint_kit("verify", case.id, "--tsa-ca", tsa_files[0].ca_pem)
    clean_error(r, 1)
    assert r.stdout.count("[not-a-regular-file]") == 2, r.stdout


def test_case_close_with_a_fifo_as_its_schedule_is_refused(
    case: Case, examiner_env: object, fifo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = case.log.path.read_bytes()
    close = ["case", "close", case.id, "--reason", "done", "--approved-by", "Sgt. K"]
    r = osint_kit(*close, "--schedule", fifo)
    clean_error(r, 2)
    assert f"retention schedule {fifo}" in r.stderr and "FIFO" in r.stderr
    monkeypatch.setenv("OSINT_KIT_RETENTION", str(fifo))  # the department's, configured
    clean_error(osint_kit(*close), 2)
    assert case.log.path.read_bytes() == before
    monkeypatch.delenv("OSINT_KIT_RETENTION")
    assert osint_kit(*close).returncode == 0  # the FIFO was the only problem


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["cases", "due", "--schedule", "{fifo}"], 2, "FIFO"),
        (["verify", "{case}", "--trust", "{fifo}"], 6, "not a regular file"),
        (["verify", "{case}", "--bundle", "{fifo}"], 1, "bundle-unreadable"),
        (["bundle", "verify", "{fifo}"], 1, "is not a file"),
        (["import", "{case}", "{fifo}", "--handed-over-by", "W"], 5, "FIFO"),
    ],
)
def test_other_entry_points_refuse_a_fifo_without_hanging(
    case: Case, examiner_env: object, fifo: Path, args: list[str], code: int, said: str
) -> None:
    r = osint_kit(*(a.format(fifo=fifo, case=case.id) for a in args))
    clean_error(r, code)
    assert said in r.stdout + r.stderr


def test_a_fifo_given_as_an_exhibits_blob_is_not_read(
    case: Case, examiner_env: object, files: dict[str, Path]
) -> None:
    """Library side: a blob swapped for a FIFO raises at once (an OSError a caller can
    turn into its own error), here read in a child process so a hang fails the test."""
    case.import_files([files["tip.txt"]], handed_over_by="W")
    (ex,) = case.exhibits()
    ex.path.parent.chmod(0o755)
    ex.path.unlink()
    os.mkfifo(ex.path)
    code = (
        "import sys; from osint_kit import Case; from osint_kit.errors import NotARegularFile\n"
        f"ex = Case.open({case.id!r}, root={str(case.path.parent)!r}).exhibits()[0]\n"
        "try:\n    ex.read_bytes()\nexcept NotARegularFile as exc:\n    print(exc.kind)\n"
        "    sys.exit(0)\nsys.exit(3)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=HANG_CEILING_S
    )
    assert r.returncode == 0 and "a FIFO" in r.stdout, r.stderr


# -- arguments that are not UTF-8 ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([b"note", b"{case}", b"seen at \xff\xfe the station"], "TEXT"),
        ([b"import", b"{case}", b"{file}", b"--handed-over-by", b"W. \xe9t"], "--handed-over-by"),
        ([b"import", b"{case}", b"{file}", b"--handed-over-by", b"W", b"--note", b"\x80"], "--note"),  # noqa: E501
        (
            [b"case", b"new", b"NEW-1", b"--title", b"Missing \xc3(", b"--category", b"other",
             b"--authority", b"A-1", b"--approved-by", b"Lt. R",
             b"--approved-at", b"2026-11-20"],
            "--title",
        ),
        ([b"trust", b"add", b"{file}", b"--examiner", b"B-1", b"--name", b"J\xf6rg"], "--name"),
        # two commands, one dest: each named as its own command has it
        ([b"review", b"{case}", b"E\xff"], "EXHIBIT"),
        ([b"export", b"{case}", b"--to", b"b.zip", b"--authorization", b"A-1",
          b"--recipient", b"R", b"--exhibit", b"E\xff"], "--exhibit"),
    ],
)  # fmt: skip
def test_text_that_is_not_utf8_is_refused_naming_the_argument(
    case: Case, examiner_env: object, files: dict[str, Path], args: list[bytes], named: str
) -> None:
    before = case.log.path.read_bytes()
    fill = {b"{case}": case.id.encode(), b"{file}": os.fsencode(files["tip.txt"])}
    r = osint_kit(*(fill.get(a, a) for a in args))
    clean_error(r, 2)
    assert f"error: {named}: " in r.stderr and "is not valid UTF-8" in r.stderr, r.stderr
    assert "\\x" in r.stderr  # the bytes shown as they are, not as invented characters
    assert case.log.path.read_bytes() == before
    assert not (case.path.parent / "NEW-1").exists()


def test_the_library_refuses_text_that_is_not_utf8_before_writing(
    case: Case, examiner_env: object
) -> None:
    """A notebook passing a surrogate-escaped string (os.listdir, sys.argv) gets the
    field named, as a ValueError too; nothing is written."""
    before = case.log.path.read_bytes()
    with pytest.raises(InvalidCaseField, match=r"event\.details\.text: .*not valid UTF-8"):
        case.add_note("seen at \udcff the station")
    assert case.log.path.read_bytes() == before


def test_a_file_name_that_is_not_utf8_is_imported_and_recorded_faithfully(
    case: Case, examiner_env: object, tmp_path: Path
) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    raw = b"IMG_\xff\xfe.jpg"
    (folder / "a.txt").write_bytes(b"first")
    Path(os.fsdecode(os.fsencode(folder) + b"/" + raw)).write_bytes(b"not utf-8 named")
    r = osint_kit("import", case.id, "--from", folder, "--handed-over-by", "W. Itness")
    assert r.returncode == 0, r.stderr
    assert "IMG_\\xff\\xfe.jpg" in r.stdout and len(EXHIBIT_LINE.findall(r.stdout)) == 2
    (event,) = [e for e in case.events() if e.action == "evidence.acquired"]
    files = {f["relative_path"]: f for f in event.details["capture"]["files"]}
    entry = files["IMG_\\xff\\xfe.jpg"]
    assert bytes.fromhex(entry["relative_path_hex"]) == raw
    assert bytes.fromhex(entry["original_name_hex"]) == raw
    assert bytes.fromhex(entry["original_path_hex"]).endswith(b"/usb/" + raw)
    assert "relative_path_hex" not in files["a.txt"]
    by_source = {ex.source: ex for ex in case.exhibits()}
    assert by_source["IMG_\\xff\\xfe.jpg"].read_bytes() == b"not utf-8 named"
    assert osint_kit("verify", case.id).returncode == 0


# -- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["cases", "due", "--within", "99999999999999999999"], "--within"),
        (["cases", "due", "--within", "9" * 5000], "--within"),
        (["capture", "{case}", "http://127.0.0.1:9/", "--timeout", "9" * 20], "--timeout"),
        (["clip", "{case}", "E0001", "--start", "nan", "--end", "1"], "--start"),
        (["clip", "{case}", "E0001", "--start", "0", "--end", "inf"], "--end"),
        (["disposition", "{case}", "--seq", "99999999999999999999"], "--seq"),
    ],
)  # fmt: skip
def test_an_absurd_number_is_a_clear_error(
    case: Case, examiner_env: object, args: list[str], option: str
) -> None:
    before = case.log.path.read_bytes()
    r = osint_kit(*(a.format(case=case.id) for a in args))
    clean_error(r, 2)
    assert f"argument {option}: " in r.stderr, r.stderr
    assert len(r.stderr) < 2000  # the number is not echoed whole
    assert case.log.path.read_bytes() == before


def test_within_still_takes_a_real_horizon(root: Path, examiner_env: object) -> None:
    r = osint_kit("cases", "due", "--within", "36500")
    assert r.returncode == 0 and "no case is due" in r.stdout, r.stderr


# -- values that would pass for osint-kit's own output ---------------------------------


def test_a_file_name_with_a_line_break_cannot_forge_an_exhibit_line(
    case: Case, examiner_env: object, tmp_path: Path
) -> None:
    folder = tmp_path / "witness"
    folder.mkdir()
    (folder / FORGED).write_bytes(b"the real content")
    r = osint_kit("import", case.id, "--from", folder, "--handed-over-by", "W. Itness")
    assert r.returncode == 0, r.stderr
    shown = FORGED.replace("\n", "\\n")
    for out in (r.stdout, osint_kit("case", "show", case.id).stdout):
        assert len(EXHIBIT_LINE.findall(out)) == 1, out
        assert shown in out and "\n  E0099" not in out, out
    (event,) = [e for e in case.events() if e.action == "evidence.acquired"]
    (entry,) = event.details["capture"]["files"]
    assert entry["relative_path"] == FORGED  # the record keeps the name as it is


@pytest.mark.parametrize(
    ("title", "escaped"),
    [
        ("Stalking\ncategory   missing-person", "Stalking\\ncategory   missing-person"),
        ("Threats \x1b[2J\x1b[31mred", "Threats \\x1b[2J\\x1b[31mred"),
        ("Invoice \u202egpj.exe", "Invoice \\u202egpj.exe"),
        ("Zero\u200bwidth\rreturn\ttab", "Zero\\u200bwidth\\rreturn\\ttab"),
    ],
)
def test_a_title_is_shown_with_its_control_characters_escaped(
    root: Path, examiner_env: object, title: str, escaped: str
) -> None:
    new_case(root, "HB-2026-9", title=title, category="online-crime")
    show = osint_kit("case", "show", "HB-2026-9")
    listed = osint_kit("case", "list")
    for r in (show, listed):
        assert r.returncode == 0, r.stderr
        assert escaped in r.stdout, r.stdout
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u200b\u202a-\u202e\u2066-\u2069]", r.stdout)
    assert len(re.findall("^category ", show.stdout, re.MULTILINE)) == 1, show.stdout
    on_record = json.loads((root / "HB-2026-9" / "case.json").read_bytes())["title"]
    assert on_record == title  # escaped for the screen only


def test_the_report_and_the_notebook_show_a_bidi_override_not_obey_it(
    root: Path, examiner_env: object, tmp_path: Path
) -> None:
    """In HTML a line break cannot forge a row, but a right-to-left override still turns
    "Invoice \\u202egpj.exe" into "Invoice exe.jpg" on screen: written as its escape."""
    case = new_case(root, "HB-2026-8", title="Invoice \u202egpj.exe", category="online-crime")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "photo\u202egpj.exe").write_bytes(b"not a photo")
    case.import_folder(tmp_path / "in", handed_over_by="W\u2066. Itness", examiner=EXAMINER,
                       progress=False)  # fmt: skip
    for page in (case._repr_html_(), case.disclosure.report(progress=False).html):
        assert "\\u202e" in page and not re.search("[\u202a-\u202e\u2066-\u2069\u200b]", page)
    assert "photo\\u202egpj.exe" in case.disclosure.report(progress=False).html


def test_the_library_takes_any_horizon(root: Path) -> None:
    from osint_kit.lifecycle import cases_due

    assert list(cases_due(root, within_days=10**20)) == []  # past 9999-12-31: no overflow
