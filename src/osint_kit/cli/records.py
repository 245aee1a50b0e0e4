"""A case's life after collection: ``case close|reopen|hold|lift-hold|review|records``,
``cases due``, and disposal with its certificate (``dispose``, ``disposition``); the
calls go to ``case.records`` (docs/records.md, docs/disposition.md).

Its own group because records managers, not investigators, read it; its actions sit
under the ``case`` and ``cases`` parents that the case group makes.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from osint_kit import DispositionReport, Event, RetentionSchedule, cases_due
from osint_kit.cli.common import (
    Commands,
    echo,
    given_examiner,
    open_case,
    progress_bars,
    whole,
)
from osint_kit.errors import InvalidOption, OutputExists
from osint_kit.record import shown


def _actor_args(args: argparse.Namespace) -> dict[str, Any]:
    return {"examiner": given_examiner(args)}


def cmd_case_close(args: argparse.Namespace) -> int:
    case = open_case(args)
    event = case.records.close(
        reason=args.reason,
        approved_by=args.approved_by,
        schedule=args.schedule,
        no_schedule=args.no_schedule,
        **_actor_args(args),
    )
    return _recorded(case.id, event)


def _recorded(case_id: str, event: Event) -> int:
    """A records step's one line: what the log now says, and at which seq."""
    echo(f"{case_id}: {shown(event.summary())} (event {event.seq})")
    return 0


def cmd_case_reopen(args: argparse.Namespace) -> int:
    case = open_case(args)
    event = case.records.reopen(
        reason=args.reason, approved_by=args.approved_by, **_actor_args(args)
    )
    return _recorded(case.id, event)


def cmd_case_hold(args: argparse.Namespace) -> int:
    case = open_case(args)
    event = case.records.place_hold(
        authority=args.authority, reason=args.reason, **_actor_args(args)
    )
    return _recorded(case.id, event)


def cmd_case_lift_hold(args: argparse.Namespace) -> int:
    case = open_case(args)
    event = case.records.lift_hold(
        args.hold, authority=args.authority, reason=args.reason, **_actor_args(args)
    )
    return _recorded(case.id, event)


def cmd_case_review(args: argparse.Namespace) -> int:
    case = open_case(args)
    event = case.records.review(
        reason=args.reason,
        approved_by=args.approved_by,
        keep=args.keep,
        extend_until=args.extend_until,
        extend_by=args.extend_by,
        **_actor_args(args),
    )
    return _recorded(case.id, event)


def cmd_case_records(args: argparse.Namespace) -> int:
    case = open_case(args)
    state = case.records.state()
    echo(f"{case.id}: {state.status}" + ("; wholly disposed of" if state.disposed else ""))
    if state.closed_at:
        echo(f"  closed {state.closed_at} (event {state.closed_seq}): {shown(state.close_reason)}")
    if state.due is not None:
        since = f" (review decision, event {state.reviewed_seq})" if state.review else ""
        echo(f"  {shown(state.due[1])} due on {shown(state.due[0])}{since}")
    for hold in state.holds:
        echo(
            f"  LEGAL HOLD {shown(hold.id)} under {shown(hold.authority)} since "
            f"{shown(hold.placed_at)}: {shown(hold.reason)}"
        )
    for seq, action, line in state.history:
        echo(f"  {seq:>5}  {shown(action):<14} {shown(line)}")
    return 0


def cmd_cases_due(args: argparse.Namespace) -> int:
    schedule = RetentionSchedule.load(args.schedule) if args.schedule else None
    try:
        today = date.fromisoformat(args.today) if args.today else None
    except ValueError:
        raise InvalidOption("--today", f"{args.today!r} is not a date (YYYY-MM-DD)") from None
    found = cases_due(args.root, schedule, today=today, within_days=args.within)
    for due in found:
        if due.state == "problem":
            echo(f"{shown(due.case_id):<24} UNREADABLE: {shown(due.problem)}")
            continue
        holds = f"  HELD ({', '.join(h.id for h in due.holds)})" if due.holds else ""
        echo(
            f"{due.case_id:<24} {due.state:<6} {due.action or '':<8} {due.due_on}  "
            f"{shown(due.category or ''):<15} closed {due.closed_at}  "
            f"{shown(due.title or '')}{holds}"
        )
    if not found:
        echo("no case is due")
    return 0


def cmd_dispose(args: argparse.Namespace) -> int:
    case = open_case(args)
    chosen = args.exhibit or None
    early = {"early_authority": args.early, "early_reason": args.early_reason}
    given = {"authorization": args.authorization, "approved_by": args.approved_by}
    if args.dry_run:
        plan = case.records.disposal_plan(chosen, reason=args.reason, **given, **early)
        echo(f"dry run: {plan.text()}")
        echo("dry run: nothing was deleted or recorded")
        if plan.refusal is not None:  # the status a real run would end with
            raise type(plan.refusal)(f"dry run: a real run would be refused: {plan.refused}")
        return 0
    if args.certificate is not None and not args.force:  # refused before anything is deleted
        for target in [args.certificate, *([args.certificate.with_suffix(".pdf")] * args.pdf)]:
            if target.exists():
                raise OutputExists(target, "use --force to replace it")
    report = case.records.dispose(
        chosen, reason=args.reason, examiner=given_examiner(args), **given, **early
    )
    echo(report.text())
    if args.certificate is not None:
        _write_certificate(report, args)
    return 0


def cmd_disposition(args: argparse.Namespace) -> int:
    case = open_case(args)
    report = case.records.disposition(args.seq)
    echo(report.text())
    if args.certificate is not None:
        _write_certificate(report, args)
    return 0


def _write_certificate(report: DispositionReport, args: argparse.Namespace) -> None:
    path = report.write_certificate(
        args.certificate, pdf=args.pdf, force=args.force, progress=progress_bars(args)
    )
    echo(f"disposition certificate: {path}")
    if args.pdf:
        echo(f"printed (PDF):           {path.with_suffix('.pdf')}")


def _certificate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--certificate", type=Path, metavar="FILE.html", help="write the certificate (HTML)"
    )
    p.add_argument("--pdf", action="store_true", help="also print it to PDF beside the HTML")
    p.add_argument("--force", action="store_true", help="replace an existing certificate")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def register(cli: Commands) -> None:
    p = cli.add("close", cmd_case_close, "close a case, with its retention date", under="case")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.add_argument("--approved-by", required=True, metavar="NAME")
    p.add_argument(
        "--schedule",
        type=Path,
        metavar="PATH",
        help="the retention schedule (default $OSINT_KIT_RETENTION, else the shipped example)",
    )
    p.add_argument("--no-schedule", action="store_true", help="record no retention date")
    p = cli.add("reopen", cmd_case_reopen, "reopen a closed case", under="case")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.add_argument("--approved-by", required=True, metavar="NAME")
    p = cli.add(
        "hold", cmd_case_hold, "place a legal hold: nothing can be disposed of", under="case"
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--authority", required=True, metavar="REF")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = cli.add("lift-hold", cmd_case_lift_hold, "lift a legal hold", under="case")
    p.add_argument("case", metavar="CASE")
    p.add_argument("hold", metavar="HOLD", help="the hold's id (H001)")
    p.add_argument("--authority", required=True, metavar="REF")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = cli.add(
        "review",
        cmd_case_review,
        "record a review decision on a closed case: keep or extend, with its next review date",
        under="case",
    )
    p.add_argument("case", metavar="CASE")
    decision = p.add_mutually_exclusive_group(required=True)
    decision.add_argument(
        "--keep", action="store_true", help="keep it for another period of its rule, from today"
    )
    decision.add_argument("--extend-until", metavar="DATE", help="next review on DATE (YYYY-MM-DD)")
    decision.add_argument(
        "--extend-by", metavar="PERIOD", help="next review after PERIOD from today (P2Y, P18M)"
    )
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.add_argument("--approved-by", required=True, metavar="NAME")
    p = cli.add(
        "records", cmd_case_records, "show a case's status, retention and legal holds", under="case"
    )
    p.add_argument("case", metavar="CASE")

    p = cli.add("due", cmd_cases_due, "list closed cases due for review or disposal", under="cases")
    p.add_argument(
        "--within", type=whole(36_500, 0), default=0, metavar="DAYS", help="due within DAYS too"
    )
    p.add_argument("--schedule", type=Path, metavar="PATH", help="for cases closed without one")
    p.add_argument("--today", metavar="DATE", help="as if today were DATE (ISO 8601)")

    p = cli.add(
        "dispose",
        cmd_dispose,
        "delete a closed case's evidence (or chosen exhibits) under a written authorization, "
        "on the record; the custody log stays",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument(
        "--exhibit",
        action="append",
        metavar="E0001",
        help="an exhibit to dispose of, with those derived from it (default: the whole case)",
    )
    p.add_argument("--authorization", required=True, metavar="REF", help="its reference")
    p.add_argument("--approved-by", required=True, metavar="NAME", help="who approved it")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (the retention rule)")
    p.add_argument(
        "--early",
        metavar="REF",
        help="the authority for disposing before the retention date (its reference)",
    )
    p.add_argument("--early-reason", metavar="TEXT", help="why before the date (with --early)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="say what a real run would do (delete, or be refused and why), and stop",
    )
    _certificate_options(p)

    p = cli.add(
        "disposition",
        cmd_disposition,
        "show a disposal of the case (the latest by default) and write its certificate",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument(
        "--seq", type=whole(2**53 - 1), metavar="SEQ", help="the disposition.started event's seq"
    )
    _certificate_options(p)
