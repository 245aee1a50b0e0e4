"""Names that moved keep working for one release, saying where they went.

The warning is a ``DeprecationWarning`` (a notebook shows it for the cell that used the
old name); the test suite turns ``Moved`` into an error, so nothing of osint-kit's own
(code, notebooks, docs' examples) still uses an old name.
"""

from __future__ import annotations

import warnings


class Moved(DeprecationWarning):
    """A name of osint-kit's API moved; the message says to where."""


def moved(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` is now ``new`` (both as a user writes them)."""
    warnings.warn(
        f"{old} is now {new}; the old name goes in the next release", Moved, stacklevel=stacklevel
    )
