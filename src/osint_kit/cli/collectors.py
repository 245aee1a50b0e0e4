"""``osint-kit collectors``: the collector plugins installed, their options, and those
that cannot be loaded.

Apart from ``collect`` because it opens no case: it reads the plugin registry.
"""

from __future__ import annotations

import argparse

from osint_kit.cli.common import Commands, echo
from osint_kit.plugin import broken_collectors, collectors


def cmd_collectors(args: argparse.Namespace) -> int:
    for name, collector in sorted(collectors().items()):
        about = (type(collector).__doc__ or "").strip().splitlines()
        state = about[0] if about else ""
        if collector.retired:
            state = f"retired: {collector.retired}"
        echo(f"{name:<10} {state}")
        for option in collector.options:
            default = f" (default {option.default})" if option.default not in (None, "") else ""
            choices = f" [{'|'.join(option.choices)}]" if option.choices else ""
            echo(f"    -o {option.name}=VALUE{choices}  {option.help}{default}")
            echo(f"       or ${option.env_var(name)}")
    for name, reason in sorted(broken_collectors().items()):
        echo(f"{name:<10} UNUSABLE: {reason}")
    return 0


def register(cli: Commands) -> None:
    cli.add("collectors", cmd_collectors, "list the installed collectors and their options")
