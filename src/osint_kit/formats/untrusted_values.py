"""Values read from untrusted JSON: a tool's output on a hostile file, or a case file.

What ffprobe and exiftool print about a crafted file, and what a case file holds,
can be any type; these turn a value into the type wanted or None, never an
exception, so every reader of such data treats a wrong value the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def as_float(value: Any, *, negative: bool = False) -> float | None:
    """A finite number (not below 0 unless ``negative``), else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or (number < 0 and not negative):
        return None
    return number


def as_int(value: Any) -> int | None:
    """A whole number from 0 below 2**63, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value >= 0 and value.is_integer() else None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**63 else None


def as_text(value: Any, limit: int = 200) -> str | None:
    """A scalar as text, NULs taken out, at most ``limit`` characters; empty is None."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\x00", "").strip()
    return text[:limit] if text else None


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A mapping as it is; anything else is an empty one."""
    return value if isinstance(value, Mapping) else {}
