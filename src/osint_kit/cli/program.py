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
from osint_kit.errors import EXIT_INTERRUPTED, EXIT_MEANING

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


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM ends a command the way Ctrl-C does: what is under way is recorded first."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    try:
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
