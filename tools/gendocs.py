"""Write the generated parts of the docs from the code, or check they are up to date.

    python tools/gendocs.py          # rewrite them (make docs)
    python tools/gendocs.py --check  # exit 1 and name the stale ones

Generated parts sit between ``<!-- BEGIN name -->`` and ``<!-- END name -->`` markers;
the text around them is written by hand. Two today: the layers and modules of
docs/architecture.md (from ``tools/architecture.py``) and the custody event types of
docs/format.md (from ``osint_kit.record.builtin_actions``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import architecture

from osint_kit.record.action_type import ActionType
from osint_kit.record.builtin_actions import BUILTIN

DOCS = architecture.ROOT / "docs"


def event_types_markdown(types: tuple[ActionType, ...] = BUILTIN) -> str:
    out = []
    for t in types:
        out += [f"#### `{t.name}`", "", t.meaning, ""]
        out.append(f"- written by: {t.written_by}")
        if t.first_only:
            out.append("- only ever the first event of the log")
        if t.subjects:
            out.append(f"- subjects: {t.subjects}")
        for key, what in t.details.items():
            shown = "every member" if key == "*" else ", ".join(f"`{k}`" for k in key.split(", "))
            out.append(f"- details {shown}: {what}")
        out.append(f"- in an evidence bundle, in full: {t.disclosure.describe()}")
        out.append("")
    return "\n".join(out)


def moved_markdown() -> str:
    """The names that left ``osint_kit.__all__`` and the ``Case`` methods that went to an
    area, with where each is now."""
    import osint_kit
    from osint_kit.case.core import MOVED

    out = ["| was | is now |", "|---|---|"]
    for old, (area, new) in sorted(MOVED.items()):
        out.append(f"| `case.{old}()` | `case.{area}.{new}()` |")
    out.append("| `case.records()` | `case.records.state()` |")
    out.append("| `case.media()` | `case.analysis.media()` |")
    for name, where in sorted(osint_kit.MOVED_TO.items(), key=lambda kv: (kv[1], kv[0])):
        out.append(f"| `osint_kit.{name}` | `{where}.{name}` |")
    return "\n".join(out) + "\n"


PARTS: dict[tuple[str, str], Callable[[], str]] = {
    ("api.md", "moved names"): moved_markdown,
    ("architecture.md", "modules"): architecture.markdown,
    ("format.md", "event types"): event_types_markdown,
}


def block(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- BEGIN {re.escape(name)}[^>]*-->\n)(.*?)(<!-- END {re.escape(name)} -->)", re.S
    )


def stale() -> list[str]:
    """The generated parts that differ from what the code says now."""
    found = []
    for (doc, name), make in PARTS.items():
        text = (DOCS / doc).read_text(encoding="utf-8")
        match = block(name).search(text)
        if match is None:
            found.append(f"docs/{doc} has no '{name}' block")
        elif match.group(2) != make():
            found.append(f"docs/{doc}: the '{name}' block is out of date")
    return found


def _between(made: str) -> Callable[[re.Match[str]], str]:
    """The block's markers kept, ``made`` between them."""
    return lambda m: m.group(1) + made + m.group(3)


def write() -> None:
    for (doc, name), make in PARTS.items():
        path = DOCS / doc
        text = path.read_text(encoding="utf-8")
        new, n = block(name).subn(_between(make()), text)
        if n != 1:
            raise SystemExit(f"docs/{doc} needs exactly one '{name}' block (found {n})")
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"wrote docs/{doc} ({name})")


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        problems = stale()
        print("\n".join(problems) or "the generated docs are up to date")
        sys.exit(1 if problems else 0)
    write()
