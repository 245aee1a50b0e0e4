"""``osint-kit``: a thin command line over the library, a module per command group.
Errors become exit codes in program.py only.

It imports nothing but the public API (the ``__all__`` of ``osint_kit`` and of the
packages it names), so whatever it does, a notebook can do with the same calls; a
test holds it to that.
"""

from osint_kit.cli.program import build_parser, main

__all__ = ["build_parser", "main"]
