"""The examiner's own work on what a case holds: ``search`` its texts (``case.analysis``)
and put a ``note`` on the record.

Its own group because it reads what was collected and annotates it; nothing is
acquired or sent out.
"""

from __future__ import annotations

import argparse
import json

from osint_kit.analysis import SEARCH_PATTERNS
from osint_kit.cli.common import Commands, echo, given_examiner, open_case, whole
from osint_kit.record import shown


def cmd_note(args: argparse.Namespace) -> int:
    case = open_case(args)
    event = case.add_note(args.text, exhibits=args.exhibit, examiner=given_examiner(args))
    echo(f"note recorded as custody event seq {event.seq}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    case = open_case(args)
    hits = case.analysis.search(
        args.query,
        pattern=args.pattern,
        regex=args.regex,
        kinds=args.kind or None,
        limit=args.limit,
    )
    for hit in hits:
        when = hit["time"].isoformat().replace("+00:00", "Z") if hit["time"] else None
        if args.json:
            echo(json.dumps({**hit, "time": when}, ensure_ascii=False))
            continue
        where = hit["exhibit"] or f"seq {hit['seq']}"
        who = hit["account"] or hit["source"] or ""
        echo(f"{shown(where):<8} {hit['kind']:<5} {when or '-':<25} {shown(who)}")
        echo(f"    {shown(hit['snippet'])}")
    if not args.json:
        full = " (--limit reached)" if len(hits) == args.limit else ""
        echo(f"{len(hits)} hit(s) in {case.id}{full}")
    return 0


def register(cli: Commands) -> None:
    p = cli.add("note", cmd_note, "add an examiner's note to the custody log")
    p.add_argument("case", metavar="CASE")
    p.add_argument("text")
    p.add_argument("--exhibit", action="append", default=[], metavar="E0001")

    p = cli.add(
        "search",
        cmd_search,
        "full-text search over posts, captured pages, imported text files and notes",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument(
        "query",
        nargs="?",
        metavar="QUERY",
        help='SQLite FTS5 query: words, "a phrase", OR, NOT, prefix*',
    )
    p.add_argument(
        "--pattern",
        choices=sorted(SEARCH_PATTERNS),
        help="find phone numbers, e-mail addresses, URLs, vehicle plates or coordinates",
    )
    p.add_argument("--regex", metavar="RE", help="your own regular expression (Python syntax)")
    p.add_argument(
        "--kind",
        action="append",
        choices=("post", "page", "file", "note"),
        help="only these kinds of text (repeatable; default all)",
    )
    p.add_argument(
        "--limit", type=whole(10**9), default=100, metavar="N", help="at most N hits (default 100)"
    )
    p.add_argument("--json", action="store_true", help="the hits as JSON lines")
