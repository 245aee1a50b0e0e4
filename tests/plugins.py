"""A plugin package installed the way pip leaves one: its module and a dist-info folder
declaring its entry points, in a folder on sys.path (tests only; nothing is copied
into the environment)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def install(
    site: Path, module: str, source: str, entry_points: Mapping[str, Mapping[str, str]]
) -> Path:
    """Write ``module.py`` (``source``) and its dist-info with ``entry_points`` (group ->
    name -> ``module:OBJECT``) into ``site``; put ``site`` on sys.path yourself."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(source, encoding="utf-8")
    dist = module.replace("_", "-")
    info = site / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in entries.items())
            for group, entries in entry_points.items()
        )
    )
    return site
