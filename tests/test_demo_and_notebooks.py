"""What a new user runs first: the demo, and the notebooks, executed for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import last_event
from osint_kit import Case, list_cases
from osint_kit.disclosure.bundle.verify import verify_bundle

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_demo_builds_a_verified_case(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "osint_kit_sandbox.demo", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    [summary] = list_cases(tmp_path)
    case = Case.open(summary.id, root=tmp_path)
    assert case.verify().ok
    captures = case.captures()
    assert [c.method for c in captures] == ["file.import"] * 3 + ["web.browser"] * 2 + [
        "social.telegram",
        "social.mastodon",
        "social.bluesky",
        "social.telegram",
        "web.browser",  # the video page, captured before its video
        "media.ytdlp",
        "file.import",  # the witness's camera roll, one hand-over
    ]
    video, roll = captures[-2], captures[-1]
    assert video.record["page_capture"]["id"] == captures[-3].id
    assert len(roll.exhibits) == 5 and roll.record["times_differ"]
    aids = last_event(case, "analysis.derived").details["derived"]
    assert aids["method"] == "media.review" and len(aids["inputs"]) == 1
    assert all(c.status == "complete" for c in captures)
    assert case.exhibit("E0002").sha256 == case.exhibit("E0004").sha256
    again = captures[8].record["changes"]
    assert (again["new"], again["changed"], len(again["deleted"])) == (1, 1, 1)
    # pages are recorded as each is done, so in the order they finished
    poster, forum = sorted(captures[3:5], key=lambda c: "forum" in (c.target or ""))
    image = next(case.exhibit(x) for x in poster.exhibits if case.exhibit(x).role == "page-image")
    assert image.sha256 == case.exhibit("E0002").sha256  # the poster shows the witness photo
    assert [b["method"] for b in forum.record["blocked_requests"]] == ["POST"]
    assert f"case folder:   {case.path}" in r.stdout
    assert f"custody log:   {case.log.path}" in r.stdout
    assert "OK: no problems found" in r.stdout
    export = last_event(case, "export.created")
    assert export.action == "export.created" and export.exhibits == ("E0002", "E0005")
    assert export.details["bundle"]["path"] == f"exports/{case.id}-to-prosecutor.zip"
    bundle = case.path / export.details["bundle"]["path"]
    assert verify_bundle(bundle).ok
    assert f"bundle:        {bundle}" in r.stdout
    assert all(e.signature for e in case.events())  # the demo examiner signs
    assert "trusted time: seq" in r.stdout
    # The printed hint, run in a plain shell (no demo environment), shows signatures
    # trusted and trusted time verified.
    hint = next(line for line in r.stdout.splitlines() if line.startswith("next:"))
    command = hint.split("|")[-1].split()
    plain = {k: v for k, v in os.environ.items() if not k.startswith("OSINT_KIT_TSA")}
    plain.pop("OSINT_KIT_TRUST", None)
    plain["OSINT_KIT_CASES"] = str(tmp_path)
    shown = subprocess.run(
        [str(Path(sys.executable).parent / "osint-kit"), *command[1:]],
        capture_output=True,
        text=True,
        env=plain,
        cwd=Path(__file__).parent.parent,
    )
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "TRUSTED" in shown.stdout and "NOT TRUSTED" not in shown.stdout
    assert "trusted time: seq" in shown.stdout and "no TSA CA is configured" not in shown.stdout
    # So does the report its hint writes: signers trusted, each stamp verified.
    hint = next(line for line in r.stdout.splitlines() if line.startswith("report:"))
    command = hint.split()[1:]
    written = subprocess.run(
        [str(Path(sys.executable).parent / "osint-kit"), *command[1:]],
        capture_output=True,
        text=True,
        env=plain,
        cwd=Path(__file__).parent.parent,
    )
    assert written.returncode == 0, written.stdout + written.stderr
    page = (case.path / "derived" / "report.html").read_text()
    assert "Trusted time</h2>" in page and "verified against" in page
    assert ": TRUSTED" in page and "NOT TRUSTED" not in page and "no trust store" not in page
    assert (case.path / "derived" / "report.pdf").stat().st_size > 10_000
    # In a notebook: the verification's badge, the signer TRUSTED, trusted time per checkpoint.
    trust, ca = command[command.index("--trust") + 1], command[command.index("--tsa-ca") + 1]
    root = Path(__file__).parent.parent
    shown_html = case.verify(trust=root / trust, tsa_ca=root / ca)._repr_html_()
    assert "osint-kit-verified" in shown_html and ">TRUSTED<" in shown_html
    assert "Trusted time per checkpoint" in shown_html and ">verified<" in shown_html


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ should hold at least the first-case notebook"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    env_before = dict(os.environ)
    os.environ["OSINT_KIT_CASES"] = str(tmp_path / "cases")
    # The kernel runs in notebooks/, as in the lab: whatever a notebook writes belongs in
    # its case folder or a temporary folder, never beside the notebooks.
    before = _files(path.parent)
    try:
        NotebookClient(
            nb,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
        left = sorted(_files(path.parent) - before)
        for stray in left:
            (path.parent / stray).unlink(missing_ok=True)
    assert not left, f"{path.name} left {left} in notebooks/"
    cases = tmp_path / "cases"
    loose = [p.name for p in cases.iterdir() if not p.name.startswith(".") and not p.is_dir()]
    assert not loose, f"{path.name} left {loose} among the case folders"
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    # The kernel is not under pytest's warning filter: a name that moved only warns there.
    moved = [o for o in outputs if "the old name goes in the next release" in o.get("text", "")]
    assert not moved, moved
    last = [o for o in nb.cells[-1].get("outputs", []) if "text/html" in o.get("data", {})]
    assert last, "the notebook ends by showing a verification"
    assert "osint-kit-verified" in last[-1]["data"]["text/html"]  # and it is clean


def _files(folder: Path) -> set[str]:
    """Every file under ``folder``, but what Jupyter keeps of its own (checkpoints)."""
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
    }


def test_an_osint_kit_error_in_a_notebook_is_one_message_with_the_traceback_folded() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import osint_kit\nosint_kit.Case.open('NO-SUCH-CASE', root='/nonexistent')"
        ),
        nbformat.v4.new_code_cell("1 / 0"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    ours, theirs = nb.cells
    [shown] = [o for o in ours.outputs if o.output_type == "display_data"]
    page = shown["data"]["text/html"]
    assert "osint-kit: CaseNotFound" in page and "(exit status 3)" in page
    assert "no case &#x27;NO-SUCH-CASE&#x27;" in page
    assert "<details><summary>traceback</summary>" in page and "Traceback" in page
    assert not [o for o in ours.outputs if o.output_type == "error" and o.get("traceback")]
    # Anything else is IPython's as usual.
    [error] = [o for o in theirs.outputs if o.output_type == "error"]
    assert error["ename"] == "ZeroDivisionError" and error["traceback"]
