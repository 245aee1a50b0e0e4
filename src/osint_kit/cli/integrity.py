"""The custody log and its checks: ``log`` (print it), ``verify`` (every blob, event
and link), ``reindex`` (rebuild the derived index from it) and ``repair`` (what a crash
left, on the record).

Its own group because it is what a reviewer runs to trust the record; none of it
adds evidence.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from osint_kit.cli.common import (
    Commands,
    add_trust_option,
    echo,
    given_examiner,
    open_case,
    progress_bars,
)
from osint_kit.errors import CorruptLog
from osint_kit.record import shown


def cmd_log(args: argparse.Namespace) -> int:
    case = open_case(args)
    for event in case.log.events():
        if args.json:
            try:
                echo(json.dumps(event.to_json(), ensure_ascii=False))
            except (ValueError, TypeError, RecursionError) as exc:
                reason = f"event seq {event.seq} cannot be written as JSON ({str(exc)[:100]})"
                raise CorruptLog(case.log.path, 0, reason) from None
        else:
            who = f"{shown(event.actor.get('name'))} ({shown(event.actor.get('id'))})"
            echo(
                f"{event.seq:>5}  {shown(event.time)}  {who:<28} {shown(event.action):<18} "
                f"{shown(event.summary())}"
            )
            for line in event.detail_lines():
                echo(f"{'':>7}{shown(line)}")
    torn = case.log.torn_tail()
    if torn and not args.json:
        echo(f"  !  the log ends in a torn line of {len(torn)} bytes: run osint-kit verify")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    case = open_case(args)
    report = case.verify(
        against=args.bundle or (),
        record=args.record,
        examiner=given_examiner(args),
        trust=args.trust,
        expect_head=args.expect_head or (),
        tsa_ca=args.tsa_ca,
        progress=progress_bars(args),
    )
    echo(json.dumps(report.to_json(), indent=2) if args.json else report.text())
    if report.recorded_seq is not None and not args.json:
        echo(f"recorded as custody event seq {report.recorded_seq}")
    return 0 if report.ok else 1


def cmd_reindex(args: argparse.Namespace) -> int:
    case = open_case(args)
    path = case.reindex()
    echo(f"rebuilt {path}")
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    case = open_case(args)
    report = case.repair(examiner=given_examiner(args))
    echo(report.text())
    return 0


def register(cli: Commands) -> None:
    p = cli.add("log", cmd_log, "print the custody log, one event per line")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--json", action="store_true", help="the events as JSON lines")

    p = cli.add(
        "verify", cmd_verify, "verify every blob, event and link of a case (exit 0 only when clean)"
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.add_argument(
        "--tsa-ca",
        type=Path,
        metavar="PEM",
        help="CA the checkpoints' time stamps must chain to (default $OSINT_KIT_TSA_CA)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--record",
        action="store_true",
        help="append the result to the log as a case.verified event",
    )
    p.add_argument(
        "--bundle",
        action="append",
        type=Path,
        metavar="ZIP",
        help="a bundle cut from this case: the log must still hold its head (repeatable)",
    )
    p.add_argument(
        "--expect-head",
        action="append",
        metavar="SEQ:HASH",
        help="a head you hold from elsewhere (a bundle, a report, an e-mail; the hash in full "
        "or its first 16+ hex digits): the log must still hold it (repeatable)",
    )
    add_trust_option(p)

    p = cli.add("reindex", cmd_reindex, "rebuild derived/index.sqlite from the log")
    p.add_argument("case", metavar="CASE")

    p = cli.add(
        "repair",
        cmd_repair,
        "repair what a crash left (torn last line, interrupted imports), on the record",
    )
    p.add_argument("case", metavar="CASE")
