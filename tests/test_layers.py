"""The packages are the layers: imports go down, jobs stay apart, modules stay small,
and docs/architecture.md says what the code is (tools/architecture.py holds the table)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import architecture
import gendocs
from architecture import Import

#: About 500 lines: past that, look for the seam (docs/architecture.md).
MOST_LINES = 500
#: Function-local imports of our own modules that are there on purpose, with why.
LAZY = {
    ("osint_kit.workbench", "osint_kit.workbench.forms"): "the forms need ipywidgets (the lab "
    "extra), so `import osint_kit` must not load them",
}


def test_every_module_of_the_package_has_a_layer() -> None:
    assert len(architecture.modules(("osint_kit",))) > 100, "the source tree was not found"
    assert architecture.unplaced() == []


def test_imports_go_down_and_no_job_imports_another() -> None:
    assert architecture.violations() == []


@pytest.mark.parametrize(
    ("source", "target", "why"),
    [
        ("osint_kit.record.events", "osint_kit.folder.write", "imports case folder"),
        ("osint_kit.folder.read", "osint_kit.analysis.index", "imports jobs"),
        ("osint_kit.base.dates", "osint_kit.formats.warc", "imports formats"),
        ("osint_kit.analysis.search", "osint_kit.lifecycle.due", "the job osint_kit.analysis"),
        ("osint_kit.acquire.web.capture", "osint_kit.acquire.social.run", "the job osint_kit"),
        ("osint_kit.case.core", "osint_kit.workbench.forms", "imports workbench"),
        ("osint_kit.workbench.lab", "osint_kit.cli", "imports command line"),
    ],
)
def test_the_rules_see_an_import_that_goes_the_wrong_way(
    source: str, target: str, why: str
) -> None:
    found = architecture.violations([Import(source, target, 1, local=False)])
    assert len(found) == 1 and why in found[0], found


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("osint_kit.case.core", "osint_kit.analysis.index"),  # the facade uses the jobs
        ("osint_kit.analysis.search", "osint_kit.analysis.index"),  # a job its own parts
        ("osint_kit.acquire.web.capture", "osint_kit.folder.acquisition"),  # what jobs share
        ("osint_kit.cli.main", "osint_kit"),  # the command line uses the public surface
        ("osint_kit.record.events", "osint_kit.record.actions"),  # within a layer
    ],
)
def test_the_rules_let_an_import_that_goes_down_pass(source: str, target: str) -> None:
    assert architecture.violations([Import(source, target, 1, local=False)]) == []


def test_no_function_hides_an_import_of_the_package() -> None:
    """Imports inside functions once hid cycles; the few lazy ones left say why."""
    found = {
        (i.source, i.target)
        for i in architecture.import_list()
        if i.local and i.source.startswith("osint_kit")
    }
    assert found <= set(LAZY), sorted(found - set(LAZY))


@pytest.mark.parametrize(
    "module", sorted(architecture.modules()), ids=lambda m: m.removeprefix("osint_kit.")
)
def test_no_module_is_much_over_500_lines(module: str) -> None:
    """The sandbox's too: it is code the next engineer reads."""
    path = architecture.modules()[module]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MOST_LINES + 30, f"{path.name}: {lines} lines; split it where it has two jobs"


def test_every_module_says_what_it_is_for() -> None:
    """The module table of docs/architecture.md is made of these first lines."""
    silent = [
        m
        for m, path in architecture.modules(("osint_kit",)).items()
        if not architecture.docstring_line(path)
    ]
    assert silent == []


def test_the_generated_docs_are_up_to_date() -> None:
    """docs/architecture.md (layers, modules) and docs/format.md (event types) are made from
    the code by `make docs`; edit the code, then run it."""
    assert gendocs.stale() == []
