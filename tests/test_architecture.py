"""The shape of the code beyond its layers (tests/test_layers.py): no cycles, the sandbox
apart, jobs that see a writer or a folder and never the facade, one door to the record
and one to the derived views, a command line made of the public API only.

Read from the source with ``ast`` (tools/architecture.py): every import counts, at
module level, inside a function or under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import architecture
from architecture import SRC, graph, modules, place

#: The public API: what notebooks, plugins and the command line import (docs/api.md).
PUBLIC_MODULES = (
    "osint_kit",
    "osint_kit.analysis",
    "osint_kit.record",
    "osint_kit.lifecycle",
    "osint_kit.errors",
    "osint_kit.plugin",
    "osint_kit.workbench",
)
#: The writing methods of the custody log and the blob store: only the case folder and
#: the record layers call them (``CaseWriter`` is the door everyone else uses).
LOG_WRITES = {"append", "append_batch", "cut_torn_tail", "create"}
STORE_WRITES = {
    "stage",
    "stage_bytes",
    "stage_many",
    "stage_files",
    "open_batch",
    "publish",
    "publish_many",
    "downloads",
    "adopt",
    "discard",
}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_of_src_has_no_cycle() -> None:
    edges = graph()
    assert len(edges) > 100, "the source tree was not found"
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_evidence_package_never_imports_the_sandbox() -> None:
    bad = {
        (m, t)
        for m, ts in graph().items()
        if m.startswith("osint_kit.") or m == "osint_kit"
        for t in ts
        if t.startswith("osint_kit_sandbox")
    }
    assert not bad


def layer_name(module: str) -> str:
    placed = place(module)
    assert placed is not None, module
    return architecture.LAYERS[placed[0]].name


def test_only_the_public_surface_and_the_workbench_see_the_case_facade() -> None:
    users = {
        m
        for m, ts in graph().items()
        if m.startswith("osint_kit")
        and not m.startswith("osint_kit.case")
        and any(t == "osint_kit.case" or t.startswith("osint_kit.case.") for t in ts)
    }
    assert users == {"osint_kit", "osint_kit.workbench.forms"}, users


def functions_taking_a_case() -> list[tuple[str, str, str]]:
    """(module, function, annotation) for every parameter named ``case`` in the jobs, the
    case folder and the record layers."""
    found = []
    for name, path in modules(("osint_kit",)).items():
        if layer_name(name) not in ("jobs", "case folder", "record"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for a in node.args.args + node.args.kwonlyargs:
                    if a.arg == "case" and a.annotation is not None:
                        found.append((name, node.name, ast.unparse(a.annotation)))
    return found


def test_jobs_take_a_writer_or_a_folder_never_the_facade() -> None:
    found = functions_taking_a_case()
    assert len({m for m, _, _ in found}) > 20, "no job takes a case: the scan found nothing"
    wrong = [f"{m}.{f}: {a}" for m, f, a in found if a not in ("CaseWriter", "CaseFolder")]
    assert wrong == []


def calls_of(methods: set[str], on: str) -> list[str]:
    """``X.on.method(...)`` calls outside the case folder and record layers."""
    offenders = []
    for name, path in modules(("osint_kit",)).items():
        if layer_name(name) in ("case folder", "record"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in methods
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == on
            ):
                offenders.append(f"{name}:{node.lineno} .{on}.{node.attr}")
    return offenders


def test_only_the_writer_writes_the_log() -> None:
    """Sealing, signing, the ledger and the views happen in ``CaseWriter.append``; a job
    that called the log itself could skip them."""
    assert calls_of(LOG_WRITES, "log") == []


def test_only_the_writer_stages_and_publishes_blobs() -> None:
    assert calls_of(STORE_WRITES, "store") == []


def test_the_scan_for_writes_sees_one() -> None:
    tree = ast.parse("case.log.append(draft, actor)\ncase.store.stage_bytes(b'')\n")
    seen = [
        (n.value.attr, n.attr)  # type: ignore[attr-defined]
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Attribute)
    ]
    assert ("log", "append") in seen and ("store", "stage_bytes") in seen


def paths_into_derived() -> list[str]:
    """Places that build a path with a ``"derived"`` component (``x / "derived"``,
    ``joinpath("derived")``), outside the derived-view writer."""
    found = []
    for name, path in modules(("osint_kit",)).items():
        if name == "osint_kit.folder.views":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            parts: list[ast.expr] = []
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                parts = [node.left, node.right]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "joinpath":
                parts = list(node.args)
            if any(isinstance(p, ast.Constant) and p.value == "derived" for p in parts):
                found.append(f"{name}:{node.lineno}")
    return found


def test_only_the_derived_view_writer_makes_paths_into_derived() -> None:
    assert paths_into_derived() == []


def test_nothing_calls_a_private_member_of_case_from_outside() -> None:
    private = {
        n.name
        for n in ast.walk(ast.parse((SRC / "osint_kit" / "case" / "core.py").read_text()))
        if isinstance(n, ast.FunctionDef) and n.name.startswith("_") and not n.name.endswith("__")
    } - {"_repr_html_"}
    for name, path in modules().items():
        if name == "osint_kit.case.core":
            continue
        text = path.read_text(encoding="utf-8")
        assert not [p for p in private if f".{p}(" in text], name


def public_names(module: str) -> set[str]:
    names: set[str] = set(importlib.import_module(module).__all__)
    return names


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_module_lists_its_names(module: str) -> None:
    assert public_names(module)


def test_the_cli_uses_only_the_public_api() -> None:
    """Everything the CLI can do, a notebook can do with the same calls: every module of
    the cli package imports our code only from the public modules (names in their
    ``__all__``), absolutely, or from the cli package's own modules."""
    cli = {
        name: path
        for name, path in modules().items()
        if name == "osint_kit.cli" or name.startswith("osint_kit.cli.")
    }
    assert len(cli) > 2, cli
    for path in cli.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(SRC)} line {getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Import):
                ours = [a.name for a in node.names if a.name.split(".")[0] == "osint_kit"]
                assert set(ours) <= set(cli), (
                    f"{where}: import {ours}, not names from the public modules"
                )
            if not isinstance(node, ast.ImportFrom):
                continue
            assert node.level == 0, f"{where}: a relative import"
            module = node.module or ""
            if module.split(".")[0] != "osint_kit" or module in cli:
                continue
            assert module in PUBLIC_MODULES, f"{where} imports from {module!r}, not public"
            unlisted = {a.name for a in node.names} - public_names(module)
            assert not unlisted, f"{where}: {sorted(unlisted)} not public in {module}"
