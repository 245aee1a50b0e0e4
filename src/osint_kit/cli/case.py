"""``osint-kit case new|list|show``: making a case and seeing what it is and holds.

It also makes the ``case`` and ``cases`` parents, under which other groups add their
actions (records: ``case close``, ``case hold``, ``cases due``...).
"""

from __future__ import annotations

import argparse

from osint_kit import CATEGORIES, Authority, Case, Exhibit, cases_root, list_cases
from osint_kit.cli.common import Commands, echo, given_examiner, open_case
from osint_kit.cli.exhibits import print_capture_head, print_exhibits
from osint_kit.record import shown


def cmd_case_new(args: argparse.Namespace) -> int:
    case = Case.create(
        args.case,
        title=args.title,
        category=args.category,
        authority=Authority.of(args.authority, args.approved_by, args.approved_at),
        description=args.description,
        root=args.root,
        examiner=given_examiner(args),
        require_signatures={"required": True, "optional": False}.get(args.signatures),
    )
    echo(f"created case {case.id} at {case.path}")
    echo(f"signatures: {case.identity['signatures']}")
    echo(f"custody log: {case.log.path}")
    return 0


def cmd_case_list(args: argparse.Namespace) -> int:
    cases = list_cases(args.root)
    if not cases:
        echo(f"no cases under {cases_root(args.root).resolve()}")
    for c in cases:
        if c.problem:
            echo(f"{shown(c.id):<24} UNREADABLE: {shown(c.problem)}")
        else:
            echo(
                f"{shown(c.id):<24} {shown(c.category):<15} {shown(c.created_at)}  {shown(c.title)}"
            )
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    case = open_case(args)
    seq, head = case.log.head()
    a = case.authority
    by = case.created_by
    echo(f"case       {case.id}: {shown(case.title)}")
    echo(f"category   {shown(case.category)}")
    echo(
        f"authority  {shown(a.reference)}, approved by {shown(a.approved_by)} on "
        f"{shown(a.approved_at)}"
    )
    echo(
        f"created    {shown(case.created_at)} by {shown(by['name'])} ({shown(by['id'])}, "
        f"{shown(by['agency'])})"
    )
    if case.description:
        echo(f"about      {shown(case.description)}")
    echo(f"folder     {shown(case.path)}")
    echo(f"custody    {seq} events, head {head}")
    echo(f"signatures {case.identity.get('signatures', 'optional')}")
    exhibits = case.exhibits()
    echo(f"exhibits   {len(exhibits)}")
    acquired: dict[int, list[Exhibit]] = {}
    for ex in exhibits:
        acquired.setdefault(ex.seq, []).append(ex)
    events = {e.seq: e for e in case.events() if e.seq in acquired}
    for seq, group in acquired.items():
        event = events.get(seq)
        facts = event.capture_facts if event is not None else None
        if event is None or facts is None:
            echo(f"  event {seq} {shown(event.action) if event else ''}".rstrip())
        else:
            print_capture_head(facts, "  ", event=event)
        print_exhibits(group, "    ", facts.target if facts and facts.is_web else None)
    return 0


def register(cli: Commands) -> None:
    cli.parent(
        "case", help="create, list and show cases", description="Create, list and show cases."
    )
    p = cli.add(
        "new", cmd_case_new, "create a case folder (an authority is required)", under="case"
    )
    p.add_argument("case", metavar="CASE", help="case id: letters, digits, '-' and '_'")
    p.add_argument("--title", required=True)
    p.add_argument("--category", required=True, choices=CATEGORIES)
    p.add_argument(
        "--authority", required=True, metavar="REF", help="reference of the written approval"
    )
    p.add_argument("--approved-by", required=True, metavar="NAME")
    p.add_argument(
        "--approved-at", required=True, metavar="DATE", help="ISO 8601 date or date-time with zone"
    )
    p.add_argument("--description", default="")
    p.add_argument(
        "--signatures",
        choices=("required", "optional"),
        help="whether every event must be signed (recorded for good; default: required when "
        "you have a signing key or a trust store is configured)",
    )
    cli.add("list", cmd_case_list, "list the cases under the root", under="case")
    p = cli.add(
        "show", cmd_case_show, "show a case's identity, authority and exhibits", under="case"
    )
    p.add_argument("case", metavar="CASE")
    cli.parent(
        "cases", help="work across cases", description="Work across the cases under the root."
    )
