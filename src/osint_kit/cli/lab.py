"""``osint-kit lab``: JupyterLab for the notebooks (``osint_kit.workbench.run_lab``).

Its own group because it opens no case: it starts the workbench over them all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from osint_kit.cli.common import Commands, whole
from osint_kit.workbench import run_lab


def cmd_lab(args: argparse.Namespace) -> int:
    return run_lab(args.directory, cases=args.cases, port=args.port, token=args.token)


def register(cli: Commands) -> None:
    p = cli.add(
        "lab",
        cmd_lab,
        "start JupyterLab on 127.0.0.1 with a token, the notebooks and the case folders",
    )
    p.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIRECTORY",
        help="the folder it opens (default the project's notebooks/, else the current one)",
    )
    p.add_argument("--cases", type=Path, metavar="DIR", help="the case root ($OSINT_KIT_CASES)")
    p.add_argument("--port", type=whole(65_535), metavar="N", help="the port (default a free one)")
    p.add_argument("--token", metavar="TOKEN", help="the token (default a fresh random one)")
