"""The ``tool`` member of custody events: what software did the work, at which versions."""

from __future__ import annotations

import platform
from functools import cache
from importlib import metadata
from typing import Any

from osint_kit.version import __version__

#: Libraries whose versions go on the record. Collectors add theirs as they arrive.
RECORDED_LIBRARIES = ("rfc8785", "platformdirs")


@cache
def tool_info() -> dict[str, Any]:
    """Computed once per process: versions do not change under a running kernel."""
    libraries = {}
    for name in RECORDED_LIBRARIES:
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libraries[name] = "not installed"
    return {
        "name": "osint-kit",
        "version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "libraries": libraries,
    }
