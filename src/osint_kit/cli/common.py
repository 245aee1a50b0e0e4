"""What every command group shares: where a group adds its commands, the options all
commands take (the case root, the examiner), opening the case, progress bars, and
printing evidence text without letting its control characters reach the terminal.

Its own module so that no command group imports another: what two groups need lives
here (or in exhibits.py), once.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from osint_kit import Case, Examiner
from osint_kit.errors import InvalidExaminer
from osint_kit.record import shown

#: Some URL or collection target could not be captured at all, or a file handed over was
#: not taken (its failure is on the record).
EXIT_CAPTURE_FAILED = 11

#: What runs a command: its parsed arguments in, its exit status out.
Handler = Callable[[argparse.Namespace], int]


class SubParsers(Protocol):
    """A level of sub-commands (argparse's ``add_subparsers()``), as the groups use it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


@dataclass(frozen=True)
class Commands:
    """What a command group's ``register`` is given: it adds its commands at the top
    level or under a parent (``case``, ``cases``, ...) that an earlier group made, so
    that groups share a parent without knowing each other. Help lists the commands in
    the order they are added."""

    #: The options every command takes (--root, --examiner-*).
    common: argparse.ArgumentParser
    top: SubParsers
    parents: dict[str, SubParsers] = field(default_factory=dict)

    def add(
        self, name: str, func: Handler, help: str, under: str | None = None
    ) -> argparse.ArgumentParser:
        """A command (``under`` a parent, else at the top), ``help`` as its description too."""
        where = self.top if under is None else self.parents[under]
        p = where.add_parser(name, help=help, description=help, parents=[self.common])
        p.set_defaults(func=func)
        return p

    def parent(self, name: str, help: str, description: str) -> None:
        """A command that only holds actions (``osint-kit case new``): their ``under``."""
        p = self.top.add_parser(name, help=help, description=description)
        self.parents[name] = p.add_subparsers(
            dest=f"{name}_command", required=True, metavar="ACTION"
        )


def given_examiner(args: argparse.Namespace) -> Examiner | None:
    """The examiner named by --examiner-name, --examiner-id and --examiner-agency, if any."""
    given = (args.examiner_name, args.examiner_id, args.examiner_agency)
    if not any(given):
        return None
    if not all(given):
        raise InvalidExaminer(
            "give --examiner-name, --examiner-id and --examiner-agency together", "arguments"
        )
    return Examiner(name=args.examiner_name, id=args.examiner_id, agency=args.examiner_agency)


def open_case(args: argparse.Namespace) -> Case:
    return Case.open(args.case, root=args.root)


def echo(text: str) -> None:
    sys.stdout.write(safe_text(text) + "\n")  # evidence (names, titles, posts) may hold escapes


def safe_text(text: str) -> str:
    """No terminal control characters from evidence reach the screen: each is shown as
    its escape (``\x1b``), line breaks kept (for a text osint-kit composed of several
    lines; a value from outside goes through ``shown`` first, its line breaks escaped)."""
    if text.isprintable():
        return text
    return "\n".join(shown(line) for line in text.split("\n"))


def whole(most: int, least: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: a whole number of at most ``most`` (and at least ``least``).

    The bound keeps an absurd number (``--within 99999999999999999999``) from reaching
    a date or a buffer as an overflow; what is too small is left to the library, which
    says why, unless ``least`` is given."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # also a number of more than 4,300 digits
            raise argparse.ArgumentTypeError(f"{_cut(text)!r} is not a whole number") from None
        if value > most or (least is not None and value < least):
            low = f"from {least:,} " if least is not None else ""
            raise argparse.ArgumentTypeError(
                f"{_cut(text)} is out of range: give a whole number {low}up to {most:,}"
            )
        return value

    return parse


def number(most: float, least: float | None = None) -> Callable[[str], float]:
    """An argparse ``type``: a finite number of at most ``most`` (and at least ``least``);
    ``nan`` and ``inf`` are refused (a time limit of ``inf`` never ends)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{_cut(text)!r} is not a number") from None
        if not math.isfinite(value) or value > most or (least is not None and value < least):
            low = f"from {least:g} " if least is not None else ""
            raise argparse.ArgumentTypeError(
                f"{_cut(text)} is out of range: give a number {low}up to {most:g}"
            )
        return value

    return parse


def _cut(text: str) -> str:
    """An argument as an error shows it: escaped, and at most 40 characters."""
    return shown(text if len(text) <= 40 else text[:40] + "…")


def progress_bars(args: argparse.Namespace) -> bool:
    """Progress bars (import, capture, collect, media, verify, export, report, bundle
    verify): on a terminal only (a script's or CI's log keeps the report alone), and
    never with --quiet."""
    return not args.quiet and sys.stderr.isatty()


def add_trust_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--trust",
        type=Path,
        metavar="PATH",
        help="the trust store: a folder of examiners' public keys or one keyring file "
        "(default $OSINT_KIT_TRUST, then the examiner config's [trust] path)",
    )
