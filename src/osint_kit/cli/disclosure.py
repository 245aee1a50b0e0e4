"""What leaves the case and what the reader relies on: ``export`` (an authorised bundle),
``report`` (the provenance report), ``bundle verify`` (a bundle checked without the
case), and ``stamp`` (a checkpoint with trusted time, which both carry); the calls go
to ``case.disclosure`` and ``verify_bundle`` (docs/bundles.md).

Its own group because its reader is outside the case: a prosecutor, a court, a
colleague who gets the bundle.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from osint_kit import verify_bundle
from osint_kit.cli.common import (
    Commands,
    add_trust_option,
    echo,
    given_examiner,
    open_case,
    progress_bars,
)
from osint_kit.record import resolve_trust, tsa_config


def cmd_export(args: argparse.Namespace) -> int:
    case = open_case(args)
    if args.dry_run:
        echo(case.disclosure.plan(exhibits=args.exhibit or None).text())
        echo("dry run: nothing was written")
        return 0
    result = case.disclosure.export(
        args.to,
        authorization=args.authorization,
        recipient=args.recipient,
        purpose=args.purpose or "",
        exhibits=args.exhibit or None,
        examiner=given_examiner(args),
        encrypt_to=args.encrypt_to or (),
        progress=progress_bars(args),
    )
    echo(f"exported {', '.join(result.exhibits)} from {case.id} to {result.path}")
    echo(f"    sha256:{result.sha256}  {result.size:,} bytes")
    echo(f"    custody head seq {result.head_seq} hash {result.head_hash}")
    echo(f"    recorded as event {result.event.seq} (export.created)")
    echo(f"    verify with: osint-kit bundle verify {result.path}")
    return 0


def cmd_stamp(args: argparse.Namespace) -> int:
    tsa = tsa_config(args.tsa, args.tsa_ca)
    case = open_case(args)
    point = case.stamp(tsa=tsa, examiner=given_examiner(args))
    echo(f"checkpoint of {case.id} at seq {point.seq} hash {point.hash}: {point.path}")
    if point.stamped:
        echo(f"    trusted time from {tsa.url if tsa else ''}: {point.gen_time}")
    else:
        echo(
            "    no trusted time: no TSA configured (--tsa URL --tsa-ca CA, or $OSINT_KIT_TSA_URL)"
        )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    case = open_case(args)
    out = case.disclosure.write_report(
        args.out,
        force=args.force,
        pdf=args.pdf,
        tsa_ca=args.tsa_ca,
        trust=args.trust,
        progress=progress_bars(args),
    )
    echo(f"provenance report of {case.id}: {out}")
    if args.pdf:
        echo(f"printed (PDF):  {out.with_suffix('.pdf')}")
    return 0


def cmd_bundle_verify(args: argparse.Namespace) -> int:
    report = verify_bundle(
        args.bundle,
        identities=args.identity or (),
        tsa_ca=args.tsa_ca,
        trust=resolve_trust(args.trust),
        progress=progress_bars(args),
    )
    echo(json.dumps(report.to_json(), indent=2) if args.json else report.text())
    return 0 if report.ok else 1


def register(cli: Commands) -> None:
    p = cli.add(
        "export",
        cmd_export,
        "export exhibits as an authorised evidence bundle (BagIt 1.0 zip), on the record",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--to", required=True, type=Path, metavar="PATH", help="the bundle, *.zip")
    p.add_argument(
        "--authorization", required=True, metavar="REF", help="the written authorisation"
    )
    p.add_argument("--recipient", required=True, metavar="NAME", help="who receives it")
    p.add_argument("--purpose", metavar="TEXT", help="why it is handed over")
    p.add_argument("--exhibit", action="append", metavar="E0001", help="an exhibit (default: all)")
    p.add_argument(
        "--encrypt-to",
        action="append",
        metavar="AGE1…",
        help="encrypt to this age public key (repeatable); the bundle is then *.zip.age",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would go out (exhibits, and the events carried in full) and stop",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = cli.add(
        "stamp",
        cmd_stamp,
        "checkpoint the log head: signed, and time-stamped by the configured RFC 3161 TSA",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--tsa", metavar="URL", help="the TSA (default $OSINT_KIT_TSA_URL)")
    p.add_argument(
        "--tsa-ca", type=Path, metavar="PEM", help="CA its tokens chain to ($OSINT_KIT_TSA_CA)"
    )

    p = cli.add(
        "report",
        cmd_report,
        "write the case's provenance report (HTML: timeline, each exhibit's provenance)",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument(
        "--out", type=Path, metavar="PATH", help="where (default CASE/derived/report.html)"
    )
    p.add_argument("--force", action="store_true", help="replace an existing file at --out")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print it to PDF beside the HTML (Chromium; A4, marking, page numbers)",
    )
    p.add_argument(
        "--tsa-ca",
        type=Path,
        metavar="PEM",
        help="CA the checkpoints' time stamps must chain to (default $OSINT_KIT_TSA_CA)",
    )
    add_trust_option(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    cli.parent(
        "bundle", help="work with evidence bundles", description="Work with evidence bundles."
    )
    p = cli.add(
        "verify",
        cmd_bundle_verify,
        "verify a bundle on its own, without the case (exit 0 only when clean)",
        under="bundle",
    )
    p.add_argument("bundle", type=Path, metavar="BUNDLE")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.add_argument(
        "--identity",
        action="append",
        type=Path,
        metavar="KEYFILE",
        help="age key file to open an encrypted bundle (repeatable)",
    )
    p.add_argument(
        "--tsa-ca",
        type=Path,
        metavar="PEM",
        help="CA the bundle's time stamp must chain to (default $OSINT_KIT_TSA_CA); given "
        "here, a bundle without a stamp fails",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_trust_option(p)
