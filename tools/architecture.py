"""The layers of osint-kit, the import graph read from the source, and the rules between them.

One home for the layer table: ``tests/test_architecture.py`` enforces it and
``tools/gendocs.py`` writes it into docs/architecture.md. Imports are read with ``ast``:
every import counts (module level, inside a function, under ``TYPE_CHECKING``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGES = ("osint_kit", "osint_kit_sandbox")


@dataclass(frozen=True)
class Layer:
    name: str
    #: What the layer knows, one sentence (the doc's table).
    knows: str
    #: Its units: package prefixes (a module belongs to the longest prefix that names it).
    units: tuple[str, ...]
    #: Units of this layer may not import each other (the jobs: one job never another).
    separate_units: bool = False


#: Top to bottom: a module imports its own unit and the layers below its own, never above.
LAYERS = (
    Layer(
        "command line",
        "argument parsing and printing, one module per command group; only public APIs",
        ("osint_kit.cli", "osint_kit.__main__"),
    ),
    Layer(
        "public surface",
        "`import osint_kit` (the case, its results, the errors) and the plugin API",
        ("osint_kit", "osint_kit.plugin"),
    ),
    Layer(
        "workbench",
        "the detective's JupyterLab: forms, the lab server, errors shown readably",
        ("osint_kit.workbench",),
    ),
    Layer(
        "facade",
        "`Case` and its areas: resolves the examiner and options, hands a `CaseWriter` "
        "to the job, checkpoints after a run; the only place that uses several jobs",
        ("osint_kit.case",),
    ),
    Layer(
        "jobs",
        "one job each; writers take a `CaseWriter`, readers a `CaseFolder`, none sees "
        "`Case`, and no job imports another",
        (
            "osint_kit.acquire",
            "osint_kit.acquire.handover",
            "osint_kit.acquire.web",
            "osint_kit.acquire.social",
            "osint_kit.acquire.media",
            "osint_kit.analysis",
            "osint_kit.lifecycle",
            "osint_kit.disclosure",
            "osint_kit.integrity",
        ),
        separate_units=True,
    ),
    Layer(
        "case folder",
        "a case folder read-only (`CaseFolder`), the one way to write it (`CaseWriter`) "
        "and its derived views, and what every job shares to reach the record",
        ("osint_kit.folder",),
    ),
    Layer(
        "record",
        "the record's formats and rules: events and their types, the chain, the log, "
        "the blob store, exhibits, keys, trust, the head ledger, RFC 3161",
        ("osint_kit.record",),
    ),
    Layer(
        "formats",
        "standard formats and the outside programs that read or make them, knowing "
        "nothing of cases",
        ("osint_kit.formats",),
    ),
    Layer(
        "base",
        "what every layer stands on: errors and exit statuses, dates, atomic files, "
        "HTML parts, text read defensively",
        ("osint_kit.base", "osint_kit.errors", "osint_kit.version"),
    ),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in sorted((SRC / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    #: Inside a function (counted like any other; the rules may still refuse it).
    local: bool


def imports_of(name: str, path: Path, known: dict[str, Path]) -> Iterator[Import]:
    """Every import in the file that names one of ours."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    local = {
        id(node)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
        if isinstance(node, ast.Import | ast.ImportFrom)
    }
    for node in ast.walk(tree):
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
                yield Import(name, hit, node.lineno, id(node) in local)


def import_list() -> list[Import]:
    known = modules()
    return [i for name, path in known.items() for i in imports_of(name, path, known)]


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in modules()}
    for i in import_list():
        edges[i.source].add(i.target)
    return edges


def place(module: str) -> tuple[int, str] | None:
    """(layer index, unit) of an ``osint_kit`` module, or None when no layer names it."""
    best: tuple[int, str] | None = None
    for index, layer in enumerate(LAYERS):
        for unit in layer.units:
            named = module == unit or (unit != "osint_kit" and module.startswith(unit + "."))
            if named and (best is None or len(unit) > len(best[1])):
                best = (index, unit)
    return best


def violations(imports: list[Import] | None = None) -> list[str]:
    """Every import (of the source tree, or those given) that goes up a layer, or from one
    job to another."""
    found = []
    for i in import_list() if imports is None else imports:
        if not i.source.startswith("osint_kit") or i.source.startswith("osint_kit_"):
            continue
        here, there = place(i.source), place(i.target)
        if here is None or there is None:
            continue  # unplaced modules are their own failure
        where = f"{i.source}:{i.line} -> {i.target}"
        if there[0] < here[0]:
            found.append(f"{where}: {LAYERS[here[0]].name} imports {LAYERS[there[0]].name}")
        elif there[0] == here[0] and LAYERS[here[0]].separate_units and there[1] != here[1]:
            found.append(f"{where}: the job {here[1]} imports the job {there[1]}")
    return found


def unplaced() -> list[str]:
    return [m for m in modules(("osint_kit",)) if place(m) is None]


def local_imports() -> list[str]:
    """Imports of the package's own modules inside functions (they hid cycles before)."""
    return [
        f"{i.source}:{i.line} -> {i.target}"
        for i in import_list()
        if i.local and i.source.startswith("osint_kit.")
    ]


def docstring_line(path: Path) -> str:
    """The first sentence of a module's docstring, on one line."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    para = " ".join(doc.split("\n\n", 1)[0].split())
    return para


def markdown() -> str:
    """The layers and every package and module in them, for docs/architecture.md."""
    known = modules(("osint_kit",))
    out = [
        "| layer | what it knows | packages |",
        "|---|---|---|",
    ]
    for layer in LAYERS:
        units = ", ".join(f"`{u}`" for u in layer.units)
        out.append(f"| {layer.name} | {layer.knows} | {units} |")
    for index, layer in enumerate(LAYERS):
        out += ["", f"### {layer.name}", ""]
        out += ["| module | what it does |", "|---|---|"]
        for name, path in known.items():
            placed = place(name)
            if placed is None or placed[0] != index:
                continue
            rel = path.relative_to(SRC / "osint_kit").as_posix()
            line = docstring_line(path).replace("|", "\\|")
            out.append(f"| `{rel}` | {line} |")
    return "\n".join(out) + "\n"
