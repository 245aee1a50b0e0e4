"""Import snscrape's platform modules on every Python osint-kit supports.

snscrape 0.7.0.20230622 (its last release) imports all its modules from
``snscrape/modules/__init__.py`` with ``importer.find_module(...).load_module(...)``,
an importlib API that Python 3.12 removed, so ``import snscrape.modules.telegram``
fails there. We do not patch site-packages: the ``snscrape.modules`` package is
created here as a plain namespace over the same directory (its ``__init__`` is not
run), and each module is then imported the ordinary way. Importing only the
modules we use also skips the dead ones (Twitter, Facebook…).
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import importlib.machinery
import importlib.util
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE = "snscrape.modules"


def snscrape_module(name: str) -> ModuleType:
    """``snscrape.modules.<name>``, imported without running the package's broken __init__."""
    if PACKAGE not in sys.modules:
        parent = importlib.import_module("snscrape")
        locations = list(getattr(parent, "__path__", []))
        if not locations:
            raise ImportError("snscrape is not installed as a package")
        directory = str(Path(locations[0]) / "modules")
        spec = importlib.machinery.ModuleSpec(PACKAGE, None, is_package=True)
        spec.submodule_search_locations = [directory]
        package = importlib.util.module_from_spec(spec)
        package.__path__ = [directory]
        package.__all__ = []  # type: ignore[attr-defined]
        sys.modules[PACKAGE] = package
        parent.modules = package  # type: ignore[attr-defined]
    return importlib.import_module(f"{PACKAGE}.{name}")


def item_json(value: Any) -> Any:
    """An snscrape item as plain JSON values: its dataclass fields, recursively.

    snscrape's own ``Item.json()`` also walks its deprecated properties, and
    crashes on a channel that shows no "videos" or "files" counter; this reads
    the fields only. Datetimes become ISO 8601, counts with a granularity
    (``1.2K``) keep it, enums their value.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: item_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        out["_type"] = f"{type(value).__module__}.{type(value).__qualname__}"
        return out
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return item_json(value.value)
    if isinstance(value, int) and hasattr(value, "granularity"):
        return {"value": int(value), "granularity": value.granularity}
    if isinstance(value, list | tuple):
        return [item_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): item_json(v) for k, v in value.items()}
    return value
