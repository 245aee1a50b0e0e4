"""The ``osint-kit`` program: the parser built from the command groups, and ``main``,
the one place that turns errors into exit statuses (and SIGTERM, Ctrl-C and a closed
pipe into theirs).

A new command group is a module with a ``register`` and a line in ``GROUPS``; nothing
here knows a command.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from osint_kit import OsintKitError, __version__, exit_status
from osint_kit.cli import (
    acquire,
    analysis,
    case,
    collectors,
    disclosure,
    examiners,
    footage,
    integrity,
    lab,
    records,
)
from osint_kit.cli.common import Commands, SubParsers, safe_text
from osint_kit.errors import EXIT_INTERRUPTED, EXIT_MEANING, InvalidOption

#: The command groups, in the order help lists their commands. A group that adds under
#: a parent comes after the group that makes it (records adds under case's ``case``
#: and ``cases``).
GROUPS: tuple[Callable[[Commands], None], ...] = (
    case.register,
    acquire.register,
    footage.register,
    collectors.register,
    disclosure.register,
    lab.register,
    integrity.register,
    records.register,
    analysis.register,
    examiners.register,
)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root",
        metavar="DIR",
        help="folder that holds the cases (default: $OSINT_KIT_CASES or ./cases)",
    )
    common.add_argument(
        "--examiner-name", metavar="NAME", help="examiner for this command (with the next two)"
    )
    common.add_argument("--examiner-id", metavar="ID", help="examiner's id or badge number")
    common.add_argument("--examiner-agency", metavar="AGENCY", help="examiner's agency")

    parser = argparse.ArgumentParser(
        prog="osint-kit",
        description="Evidence workbench: case folders with a tamper-evident custody log.",
        epilog="exit status:\n"
        + "".join(f"  {code:>3}  {meaning}\n" for code, meaning in EXIT_MEANING.items())
        + f"  {EXIT_INTERRUPTED}  interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"osint-kit {__version__}")
    top: SubParsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli = Commands(common=common, top=top)
    for register in GROUPS:
        register(cli)
    return parser


#: Arguments that name files (their text is not recorded, only used to open them): a
#: name that is not UTF-8 is a real file's name, and is kept as it came.
PATH_METAVARS = frozenset({"DIR", "DIRECTORY", "PATH", "FILE", "FILE.html", "PEM", "ZIP"})


def _refuse_undecodable(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse a text argument that is not valid UTF-8, naming it, before anything runs.

    On POSIX an argument's bytes that are not UTF-8 arrive as lone surrogates
    (``'\\udcff'``); what goes on the record (a note, a title, a name) must be real
    text, and guessing an encoding would put invented characters on it. File names
    are kept (``PATH_METAVARS``, ``type=Path``): they are opened, not recorded as text.
    """
    names = _argument_names(parser, args)
    for dest, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str) or item.isascii():
                continue
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                name, is_path = names.get(dest, (dest, False))
                if not is_path:
                    raw = os.fsencode(item).decode("utf-8", "backslashreplace")
                    raise InvalidOption(
                        name,
                        f"'{raw}' is not valid UTF-8 text (each \\xNN shown is a byte that is "
                        "not); give it as UTF-8; nothing was done or recorded",
                    ) from None


def _argument_names(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> dict[str, tuple[str, bool]]:
    """Every argument of the command given: its dest -> (its name as typed, names a
    file). Only the subcommands chosen are read: two commands may use one dest for
    different arguments (``persona add NAME``, ``trust add --name``)."""
    found: dict[str, tuple[str, bool]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = getattr(args, action.dest, None) if action.dest != argparse.SUPPRESS else None
            subs = [action.choices[chosen]] if chosen in action.choices else action.choices.values()
            for sub in subs:
                found.update(_argument_names(sub, args))
            continue
        name = max(action.option_strings, key=len) if action.option_strings else None
        metavar = action.metavar if isinstance(action.metavar, str) else None
        is_path = metavar in PATH_METAVARS or action.type is Path
        found[action.dest] = (name or metavar or action.dest.upper(), is_path)
    return found


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM ends a command the way Ctrl-C does: what is under way is recorded first."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    try:
        _refuse_undecodable(parser, args)
        code: int = args.func(args)
        return code
    except OsintKitError as exc:
        sys.stderr.write(f"osint-kit: error: {safe_text(str(exc))}\n")
        return exit_status(exc)
    except KeyboardInterrupt:
        sys.stderr.write("osint-kit: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `osint-kit log CASE | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
