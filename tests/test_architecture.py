"""The shape of the code: imports run one way, writers never see the facade, the CLI is thin.

Read from the source with ``ast`` (every import counts: module level, inside a
function, or under ``TYPE_CHECKING``), so a cycle hidden in a function body or a
type-only import fails here as surely as one Python would trip over.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGES = ("osint_kit", "osint_kit_sandbox")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((SRC / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in the file that names one of ours."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [f"{target}.{alias.name}" for alias in node.names]
            # `from .pkg import mod` imports the module; `from .mod import name` the module.
            hits = [c for c in candidates if c in known] or ([target] if target in known else [])
        elif isinstance(node, ast.Import):
            hits = [alias.name for alias in node.names if alias.name in known]
        else:
            continue
        for hit in hits:
            if hit != name:
                yield hit, node.lineno


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {t for t, _ in imports_of(name, path, known)} for name, path in known.items()}


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
    assert len(edges) > 60, "the source tree was not found"
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_evidence_package_never_imports_the_sandbox() -> None:
    edges = graph()
    bad = {
        (m, t)
        for m, ts in edges.items()
        if m.startswith("osint_kit.")
        for t in ts
        if t.startswith("osint_kit_sandbox")
    }
    assert not bad


WRITERS = (
    "osint_kit.folder.acquisition",
    "osint_kit.lifecycle.closing",
    "osint_kit.lifecycle.dispose",
    "osint_kit.acquire.handover.intake",
    "osint_kit.acquire.media.collect",
    "osint_kit.acquire.web.capture",
    "osint_kit.acquire.web.capture_record",
    "osint_kit.acquire.social.run",
    "osint_kit.disclosure.bundle.build",
    "osint_kit.folder.checkpoint",
    "osint_kit.integrity.repair",
    "osint_kit.analysis.index",
    "osint_kit.integrity.verify",
    "osint_kit.integrity.store_check",
    "osint_kit.integrity.anchors",
    "osint_kit.integrity.crash_residue",
)


def test_only_the_package_and_the_cli_see_the_case_facade() -> None:
    edges = graph()
    users = {m for m, ts in edges.items() if "osint_kit.case.core" in ts}
    assert users == {"osint_kit"}, users  # cli.py reaches Case through the package
    for writer in WRITERS:
        assert writer in edges, writer


@pytest.mark.parametrize("name", WRITERS)
def test_writers_and_readers_take_the_writer_layer_not_case(name: str) -> None:
    path = modules()[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    annotations = [
        ast.unparse(a.annotation)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for a in node.args.args + node.args.kwonlyargs
        if a.annotation is not None and a.arg == "case"
    ]
    assert annotations, f"{name} takes no case"
    assert set(annotations) <= {"CaseWriter", "CaseFolder"}, annotations


def test_only_the_writer_layer_appends_to_the_log() -> None:
    """``log.append`` (custody.py) is called by writer.py alone: one path to the record."""
    offenders = []
    for name, path in modules().items():
        if name in ("osint_kit.folder.write", "osint_kit.record.custody"):
            continue
        if name.startswith("osint_kit_"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("append", "append_batch")
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "log"
            ):
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, offenders


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


#: The modules the CLI may import from, each through its ``__all__``.
PUBLIC_MODULES = (
    "osint_kit",
    "osint_kit.analysis",
    "osint_kit.record",
    "osint_kit.lifecycle",
    "osint_kit.errors",
    "osint_kit.plugin",
    "osint_kit.workbench",
)


def public_names(module: str) -> set[str]:
    """The module's ``__all__``; for one without it (osint_kit.errors), the public names
    it defines itself (not those it imports)."""
    loaded = importlib.import_module(module)
    if hasattr(loaded, "__all__"):
        return set(loaded.__all__)
    names = set()
    for node in ast.parse(Path(str(loaded.__file__)).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for n in targets if isinstance(n, ast.Name)}
    return {n for n in names if not n.startswith("_")}


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
