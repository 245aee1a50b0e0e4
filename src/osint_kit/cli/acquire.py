"""Taking evidence in: ``import`` (files handed over), ``capture`` (web pages in the
browser) and ``collect`` (public posts from a platform), each printed as what was
taken, what was flagged and what was not.

Its own group because what it prints (a hand-over's files, a run's changes since the
last) is read right after acquiring, to decide what to do next, and nowhere else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from osint_kit import CaptureOptions, CollectSettings
from osint_kit.analysis import describe_difference
from osint_kit.cli.common import (
    EXIT_CAPTURE_FAILED,
    Commands,
    echo,
    given_examiner,
    open_case,
    progress_bars,
    safe_text,
    whole,
)
from osint_kit.cli.exhibits import print_capture_head, print_exhibits
from osint_kit.errors import CollectionFailed, InvalidOption
from osint_kit.record import label_runs, parse_time, shown


def cmd_import(args: argparse.Namespace) -> int:
    case = open_case(args)
    shared = {
        "handed_over_by": args.handed_over_by,
        "note": args.note,
        "examiner": given_examiner(args),
        "progress": progress_bars(args),
    }
    if args.folder is not None:
        if args.files:
            raise InvalidOption("--from", "give a folder or files, not both")
        cap = case.import_folder(args.folder, **shared)
    elif args.files:
        cap = case.import_files(args.files, **shared)
    else:
        raise InvalidOption("FILE", "name the files to import, or a folder with --from DIR")
    _print_handover(cap, case.id)
    cap.raise_for_status()
    taken = len(cap.record.get("files") or [])
    echo(f"imported {taken} file(s) into {case.id} as {cap.id}")
    return EXIT_CAPTURE_FAILED if cap.status != "complete" else 0


def cmd_capture(args: argparse.Namespace) -> int:
    case = open_case(args)
    options = CaptureOptions(
        viewport=(args.width, args.height),
        timeout_s=args.timeout,
        idle_s=args.idle,
        ignore_tls_errors=args.ignore_tls_errors,
        scroll=not args.no_scroll,
        scroll_s=args.scroll_seconds,
        max_height_px=args.max_height,
        max_bytes=args.max_mb * 2**20,
    )
    captures = case.capture_urls(
        args.urls,
        examiner=given_examiner(args),
        options=options,
        parallel=args.parallel,
        progress=progress_bars(args),
    )
    events = {e.seq: e for e in case.events()}
    by_label = {ex.label: ex for ex in case.exhibits()}
    for cap in captures:
        event = events.get(cap.seq)
        facts = event.capture_facts if event is not None else None
        if event is None or facts is None:
            echo(f"{cap.id}  {shown(cap.target)}  [{cap.status}]")
            continue
        print_capture_head(facts, "", event=event)
        for line in facts.detail_lines(with_time=False) if facts.is_web else ():
            echo(f"    {line}")
        print_exhibits([by_label[label] for label in cap.exhibits], "    ", facts.target)
    failed = sum(c.status == "failed" for c in captures)
    echo(f"captured {len(captures) - failed} of {len(captures)} URL(s) into {case.id}")
    return EXIT_CAPTURE_FAILED if failed else 0


#: A day in seconds: the most any time limit of a command may be.
DAY = 86_400

#: A hand-over of more files than this prints its flagged files and the first
#: ``HANDOVER_SHOWN`` others, and counts the rest.
HANDOVER_ALL = 50
HANDOVER_SHOWN = 20


def _print_handover(cap: Any, case_id: str) -> None:
    record = cap.record
    source = record.get("source") or {}
    echo(
        f"{cap.id}  {shown(source.get('folder'))}: {source.get('files')} of "
        f"{source.get('listed')} file(s), {source.get('bytes', 0):,} bytes, handed over by "
        f"{shown(record.get('handed_over_by'))}  [{cap.status}]"
    )
    entries = record.get("files") or []
    plain = folded = 0  # files shown without a flag, and files left out
    for label, entry in zip(cap.exhibits, entries, strict=False):
        facts = entry.get("facts") or {}
        extra = []
        if facts.get("created"):
            extra.append(f"taken {shown(facts['created'])}")
        if facts.get("gps"):
            extra.append(f"GPS {', '.join(shown(x) for x in facts['gps'][:2])}")
        check = entry.get("time_check") or {}
        flagged = bool(check.get("differs") or facts.get("problems"))
        if check.get("differs"):
            apart = describe_difference(float(check["difference_s"]))
            extra.append(f"FILE TIME DIFFERS: {apart} than the picture's own time")
        if facts.get("problems"):
            extra.append(f"unreadable as media: {shown(facts['problems'][0])}")
        if len(entries) > HANDOVER_ALL and not flagged:
            if plain >= HANDOVER_SHOWN:
                folded += 1
                continue
            plain += 1
        echo(
            f"  {label}  {shown(entry.get('relative_path'))}  {entry.get('size', 0):,} bytes"
            + (f"  ({'; '.join(extra)})" if extra else "")
        )
    if folded > 0:
        echo(f"  … {folded:,} more file(s), each in the report (osint-kit report {case_id})")
    for skipped in record.get("skipped") or []:
        echo(f"  skipped {shown(skipped.get('path'))}: {shown(skipped.get('why'))}")
    for missed in record.get("not_taken") or []:
        echo(f"  NOT TAKEN {shown(missed.get('relative_path'))}: {shown(missed.get('why'))}")


def cmd_collect(args: argparse.Namespace) -> int:
    case = open_case(args)
    shared: dict[str, Any] = {"media": False} if args.no_media else {}
    if args.timeout is not None:
        shared["timeout_s"] = args.timeout
    if args.retries is not None:
        shared["retries"] = args.retries
    settings = CollectSettings.from_env(**shared)
    try:
        cap = case.collect(
            args.target,
            since=parse_time(args.since, what="--since") if args.since else None,
            limit=args.limit,
            settings=settings,
            options=_options(args.option or ()),
            examiner=given_examiner(args),
            progress=progress_bars(args),
        ).raise_for_status()  # a failed run is recorded; its error sets the exit status
    except CollectionFailed as exc:
        recorded = getattr(exc.capture, "id", None)
        if recorded:
            sys.stderr.write(
                safe_text(f"osint-kit: {exc.target}: recorded as {recorded} (collection.failed)")
                + "\n"
            )
        raise
    _print_collection(case, cap)
    return 0


def _options(pairs: Sequence[str]) -> dict[str, str]:
    """``-o NAME=VALUE`` pairs; the collector checks the names and values."""
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidOption("-o", f"{pair!r}: write NAME=VALUE (see osint-kit collectors)")
        options[name.strip()] = value
    return options


def _print_collection(case: Any, cap: Any) -> None:
    record = cap.record
    status = cap.status if cap.status == "complete" else f"{cap.status}: {shown(cap.reason)}"
    via = shown(record.get("via") or record.get("library") or "")
    echo(f"{cap.id}  {shown(cap.target)}  [{status}]" + (f"  via {via}" if via else ""))
    ch = record.get("changes", {})
    deleted, unlisted = ch.get("deleted", []), ch.get("no_longer_listed", [])
    reappeared, retried = ch.get("reappeared", []), ch.get("media_retried", [])
    echo(
        f"    {record.get('collected', 0)} post(s) seen: {ch.get('new', 0)} new, "
        f"{ch.get('changed', 0)} changed, {ch.get('unchanged', 0)} unchanged, "
        f"{len(reappeared)} reappeared; since the last run {len(deleted)} deleted "
        f"(the platform says so), {len(unlisted)} no longer listed"
    )
    if retried:
        echo(f"    media an earlier run missed: tried again for {len(retried)} post(s)")
    roles: dict[str, list[str]] = {}
    by_label = {ex.label: ex for ex in case.exhibits()}
    for label in cap.exhibits:
        roles.setdefault(by_label[label].role, []).append(label)
    for role, labels in roles.items():
        echo(f"    {shown(role):<8} {len(labels):>5}  {label_runs(labels, most=6)}")
    for word, gone in (("deleted", deleted), ("unlisted", unlisted)):
        for post in gone[:10]:
            echo(f"    {word:<8} {shown(post['url'])}  (posted {shown(post['created_at'])})")
        if len(gone) > 10:
            echo(f"    … and {len(gone) - 10} more {word} (osint-kit log {case.id} --json)")
    http = record.get("http", {})
    failed = http.get("failures") or []
    timed_out = sum(bool(f.get("timed_out")) for f in failed)
    echo(
        f"    {http.get('requests', 0)} HTTP answer(s), {http.get('bytes_received', 0):,} bytes, "
        "all in the WARC"
        + (
            f"; {len(failed)} request(s) got no answer ({timed_out} timed out), "
            "listed in the capture record"
            if failed
            else ""
        )
    )


def register(cli: Commands) -> None:
    p = cli.add(
        "import", cmd_import, "import files handed over (witness footage, tips) as exhibits"
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("files", nargs="*", type=Path, metavar="FILE")
    p.add_argument(
        "--from",
        dest="folder",
        type=Path,
        metavar="DIR",
        help="a whole folder (a camera roll, a USB stick) as one hand-over, paths kept",
    )
    p.add_argument(
        "--handed-over-by", required=True, metavar="WHO", help="who handed the files over"
    )
    p.add_argument("--note", default="", help="free-text provenance note")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = cli.add(
        "capture",
        cmd_capture,
        "capture web pages in headless Chromium (screenshot, DOM, text, MHTML, WARC)",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("urls", nargs="+", metavar="URL", help="http: or https: URLs")
    p.add_argument(
        "--timeout",
        type=whole(DAY),
        default=30,
        metavar="S",
        help="seconds for the whole page: loading, quiet, scrolling (default 30); "
        "stopping it and taking the snapshot get at most 20 s more",
    )
    p.add_argument(
        "--idle",
        type=whole(DAY),
        default=10,
        metavar="S",
        help="seconds to wait for the network to go quiet (default 10)",
    )
    p.add_argument(
        "--width", type=whole(100_000), default=1280, help="viewport width (default 1280)"
    )
    p.add_argument(
        "--height", type=whole(100_000), default=800, help="viewport height (default 800)"
    )
    p.add_argument(
        "--parallel",
        type=whole(64),
        default=2,
        metavar="N",
        help="pages captured at once (default 2)",
    )
    p.add_argument("--no-scroll", action="store_true", help="do not scroll for lazy content")
    p.add_argument(
        "--scroll-seconds",
        type=whole(DAY),
        default=15,
        metavar="S",
        help="stop scrolling after S seconds (default 15)",
    )
    p.add_argument(
        "--max-height",
        type=whole(10_000_000),
        default=30_000,
        metavar="PX",
        help="stop scrolling, and clip the screenshot, at PX pixels (default 30000)",
    )
    p.add_argument(
        "--max-mb",
        type=whole(1_000_000),
        default=200,
        metavar="MB",
        help="stop loading once the page has received MB MiB, every byte counted (default 200)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--ignore-tls-errors",
        action="store_true",
        help="capture despite TLS errors (recorded as such)",
    )

    p = cli.add(
        "collect",
        cmd_collect,
        "collect public posts: telegram:CHANNEL, mastodon:@user@host, mastodon:#tag@host, "
        "mastodon:https://host/@user/ID, bluesky:HANDLE, bluesky:https://bsky.app/profile/H/post/ID",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("target", metavar="TARGET", help="PLATFORM:WHAT, e.g. telegram:some_channel")
    p.add_argument(
        "--since", metavar="WHEN", help="only posts from this date or time on (UTC if no zone)"
    )
    p.add_argument("--limit", type=whole(10**9), metavar="N", help="at most N posts (newest first)")
    p.add_argument("--no-media", action="store_true", help="do not download pictures and videos")
    p.add_argument(
        "--timeout",
        type=whole(DAY),
        metavar="S",
        help="seconds to wait for each answer before it counts as timed out (default 20)",
    )
    p.add_argument(
        "--retries",
        type=whole(1_000),
        metavar="N",
        help="times a request is tried again after a connection error or time-out (default 2)",
    )
    p.add_argument(
        "-o",
        "--option",
        action="append",
        metavar="NAME=VALUE",
        help="an option of the target's collector, e.g. -o appview=URL (bluesky), "
        "-o via=api (mastodon); osint-kit collectors lists them (repeatable)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
