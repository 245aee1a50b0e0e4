"""The CLI as a user runs it: real processes, real exit statuses, every command documented."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from osint_kit import errors
from osint_kit.cli import build_parser

ROOT = Path(__file__).parents[1]


def osint_kit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "osint_kit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


NEW = [
    "case",
    "new",
    "HB-2026-7",
    "--title",
    "Harassment of a student",
    "--category",
    "online-crime",
    "--authority",
    "APP-2026-0200",
    "--approved-by",
    "Sgt. M. Okafor",
    "--approved-at",
    "2026-11-21",
]


def test_first_case_from_the_command_line(tmp_path: Path) -> None:
    r = osint_kit(*NEW)
    assert r.returncode == 6 and "osint-kit examiner set" in r.stderr  # no examiner yet
    assert (
        osint_kit(
            "examiner", "set", "--name", "Jane Doe", "--id", "B-1234", "--agency", "Example PD"
        ).returncode
        == 0
    )
    assert "Jane Doe (B-1234, Example PD)" in osint_kit("examiner", "show").stdout
    r = osint_kit(*NEW)
    assert r.returncode == 0, r.stderr
    assert "created case HB-2026-7" in r.stdout
    shot = tmp_path / "screenshot.png"
    shot.write_bytes(b"\x89PNG fake but fine")
    r = osint_kit(
        "import",
        "HB-2026-7",
        str(shot),
        "--handed-over-by",
        "Student's parent",
        "--note",
        "sent by e-mail",
        "--quiet",
    )
    assert r.returncode == 0, r.stderr
    assert re.search(r"E0001\s+screenshot.png\s+18 bytes", r.stdout), r.stdout
    assert "imported 1 file(s) into HB-2026-7 as C0001" in r.stdout
    assert (
        osint_kit(
            "note", "HB-2026-7", "Parent confirmed the account name.", "--exhibit", "E0001"
        ).returncode
        == 0
    )
    log = osint_kit("log", "HB-2026-7")
    assert re.findall(r"  (\w+\.\w+)  ", log.stdout) == [
        "case.created",
        "evidence.acquired",
        "log.checkpoint",  # the import run ends with one
        "note.added",
    ]
    lines = osint_kit("log", "HB-2026-7", "--json").stdout.splitlines()
    assert [json.loads(ln)["seq"] for ln in lines] == [1, 2, 3, 4]
    show = osint_kit("case", "show", "HB-2026-7").stdout
    assert "APP-2026-0200, approved by Sgt. M. Okafor on 2026-11-21" in show
    assert "E0001" in show and "screenshot.png" in show
    assert "HB-2026-7" in osint_kit("case", "list").stdout
    r = osint_kit("verify", "HB-2026-7")
    assert r.returncode == 0 and "OK: no problems found" in r.stdout
    report = json.loads(osint_kit("verify", "HB-2026-7", "--json").stdout)
    assert report["ok"] is True and report["head"]["seq"] == 4  # the note, after the checkpoint
    r = osint_kit("verify", "HB-2026-7", "--record")
    assert r.returncode == 0 and "recorded as custody event seq 5" in r.stdout
    index = tmp_path / "cases" / "HB-2026-7" / "derived" / "index.sqlite"
    index.unlink()
    assert osint_kit("reindex", "HB-2026-7").returncode == 0 and index.exists()
    assert osint_kit("repair", "HB-2026-7").stdout.strip() == "nothing to repair"


def test_verify_exit_status_on_tampering(tmp_path: Path) -> None:
    env = {
        "OSINT_KIT_EXAMINER_NAME": "J",
        "OSINT_KIT_EXAMINER_ID": "1",
        "OSINT_KIT_EXAMINER_AGENCY": "PD",
    }
    assert osint_kit(*NEW, env=env).returncode == 0
    f = tmp_path / "a.txt"
    f.write_text("evidence")
    assert (
        osint_kit("import", "HB-2026-7", str(f), "--handed-over-by", "W", env=env).returncode == 0
    )
    blob = next((tmp_path / "cases" / "HB-2026-7" / "blobs" / "sha256").rglob("*/*"))
    os.chmod(blob, 0o644)
    blob.write_text("EVIDENCE")
    r = osint_kit("verify", "HB-2026-7")
    assert r.returncode == 1
    assert "FAILED: 1 problem(s)" in r.stdout and "[blob-altered]" in r.stdout


NEW_X = "case new X --title t --category other --authority A --approved-by B --approved-at".split()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["case", "show", "NOPE"], 3, "no case 'NOPE'"),
        (["case", "show", "../etc"], 2, "invalid case id"),
        (["log", "a b"], 2, "invalid case id"),
        (["import", "NOPE", "x", "--handed-over-by", "W"], 3, "no case"),
        ([*NEW_X, "yesterday"], 2, "ISO 8601"),
        ([*NEW_X, "2026-01-01", "--examiner-name", "N"], 2, "together"),
    ],
)
def test_errors_map_to_exit_codes(args: list[str], code: int, message: str) -> None:
    r = osint_kit(*args)
    assert r.returncode == code, r.stderr
    assert r.stderr.startswith("osint-kit: error: ") and message in r.stderr
    assert "Traceback" not in r.stderr


def test_import_refusal_exit_code(tmp_path: Path) -> None:
    env = {
        "OSINT_KIT_EXAMINER_NAME": "J",
        "OSINT_KIT_EXAMINER_ID": "1",
        "OSINT_KIT_EXAMINER_AGENCY": "PD",
    }
    osint_kit(*NEW, env=env)
    r = osint_kit("import", "HB-2026-7", str(tmp_path), "--handed-over-by", "W", env=env)
    assert r.returncode == 5 and "it is a directory" in r.stderr


def _error_classes(base: type = errors.OsintKitError) -> list[type]:
    """Every osint-kit error class, found by walking subclasses (not only errors.py)."""
    found = [base]
    for sub in base.__subclasses__():
        found += _error_classes(sub)
    return found


def test_every_error_class_has_its_own_exit_status() -> None:
    import osint_kit  # noqa: F401  (loads every module, so every subclass is known)

    missing = [c.__qualname__ for c in _error_classes() if c not in errors.EXIT_STATUS]
    assert not missing, f"error classes with no exit status of their own: {missing}"
    assert set(errors.EXIT_STATUS.values()) <= set(errors.EXIT_MEANING)
    assert errors.exit_status(errors.CaseNotFound("X", Path("."))) == 3
    assert errors.exit_status(errors.OutputExists(Path("x"))) == 4
    assert errors.EXIT_STATUS[errors.OsintKitError] == 10


def test_a_new_error_class_without_a_status_is_caught() -> None:
    class Unlisted(errors.OsintKitError):
        pass

    try:
        assert Unlisted in _error_classes() and Unlisted not in errors.EXIT_STATUS
    finally:
        del Unlisted


def commands() -> list[list[str]]:
    """Every leaf command of the parser, as the words that reach it."""
    found = []

    def walk(parser: object, words: list[str]) -> None:
        subs = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]  # type: ignore[attr-defined]
        if not subs:
            found.append(words)
        for action in subs:
            for name, child in action.choices.items():
                walk(child, [*words, name])

    walk(build_parser(), [])
    return found


@pytest.mark.parametrize("words", commands(), ids=lambda w: " ".join(w))
def test_every_command_has_help_and_is_documented(words: list[str]) -> None:
    r = osint_kit(*words, "--help")
    assert r.returncode == 0 and "usage: osint-kit " + " ".join(words) in r.stdout
    doc = (ROOT / "docs" / "cli.md").read_text()
    assert f"osint-kit {' '.join(words)}" in doc, f"docs/cli.md does not document {words}"


def test_case_list_names_the_root_it_looked_in(tmp_path: Path) -> None:
    elsewhere = tmp_path / "somewhere-else"
    r = osint_kit("case", "list", env={"OSINT_KIT_CASES": str(elsewhere)})
    assert r.returncode == 0 and f"no cases under {elsewhere}" in r.stdout
    r = osint_kit("case", "list", "--root", str(tmp_path / "given"))
    assert f"no cases under {tmp_path / 'given'}" in r.stdout


def test_help_lists_every_exit_status() -> None:
    lines = [" ".join(line.split()) for line in osint_kit("--help").stdout.splitlines()]
    for code, meaning in errors.EXIT_MEANING.items():
        assert f"{code} {meaning}" in lines
