"""Footage, through ``case.media``: ``media`` (videos collected with yt-dlp) and the
review aids made from a video exhibit, ``review`` (thumbnail, keyframes, contact
sheet) and ``clip`` (a segment), each a derived exhibit (docs/media.md).

Apart from acquire because it needs ffmpeg and yt-dlp and works on video exhibits; one
group since the case keeps them as one area.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from osint_kit import MEDIA_FORMAT
from osint_kit.cli.common import (
    EXIT_CAPTURE_FAILED,
    Commands,
    echo,
    given_examiner,
    number,
    open_case,
    progress_bars,
    whole,
)
from osint_kit.cli.exhibits import print_exhibits
from osint_kit.record import shown


def cmd_media(args: argparse.Namespace) -> int:
    case = open_case(args)
    who = given_examiner(args)
    counts = {"complete": 0, "incomplete": 0, "failed": 0}
    for url in args.urls:
        cap = case.media.collect(
            url,
            examiner=who,
            max_mb=args.max_mb,
            limit=args.limit,
            timeout_s=args.timeout,
            cookies=args.cookies,
            format=args.format,
            capture_page=not args.no_page,
            progress=progress_bars(args),
        )
        why = f": {shown(cap.reason)}" if cap.reason else ""
        echo(f"{cap.id}  {shown(cap.target)}  [{cap.status}{why}]")
        page = cap.record.get("page_capture")
        if isinstance(page, dict):
            echo(f"    page captured in the browser as {page.get('id')} [{page.get('status')}]")
        found = cap.record.get("found") or {}
        if found.get("limited_to"):
            echo(f"    a playlist: the first {found['limited_to']} item(s) kept (--limit)")
        by_label = {ex.label: ex for ex in case.exhibits()}
        print_exhibits([by_label[label] for label in cap.exhibits], "    ", cap.target)
        outcome = "failed" if cap.failed else cap.status
        counts[outcome if outcome in counts else "incomplete"] += 1
    # A partial capture (a file cut short, stopped at --max-mb) is not a success: said
    # on the summary line, and in the exit status as a URL not (wholly) taken.
    echo(
        f"collected {counts['complete']} complete, {counts['incomplete']} incomplete, "
        f"{counts['failed']} failed of {len(args.urls)} URL(s) into {case.id}"
    )
    return EXIT_CAPTURE_FAILED if counts["incomplete"] or counts["failed"] else 0


def cmd_review(args: argparse.Namespace) -> int:
    case = open_case(args)
    made = case.media.review(
        args.exhibit,
        threshold=args.threshold,
        max_frames=args.max_frames,
        examiner=given_examiner(args),
    )
    echo(f"review aids of {args.exhibit} (derived exhibits):")
    print_exhibits(list(made), "    ", None)
    return 0


def cmd_clip(args: argparse.Namespace) -> int:
    case = open_case(args)
    made = case.media.clip(args.exhibit, args.start, args.end, examiner=given_examiner(args))
    echo(f"{made.label}  clip of {args.exhibit} from {args.start} s to {args.end} s")
    echo(f"    {made.size:,} bytes  sha256:{made.sha256}")
    return 0


def register(cli: Commands) -> None:
    p = cli.add(
        "media",
        cmd_media,
        "collect videos from video pages, playlists and media URLs (HLS, DASH) with yt-dlp",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("urls", nargs="+", metavar="URL", help="http: or https: URLs")
    p.add_argument(
        "--max-mb",
        type=number(10.0**7),
        default=4096,
        metavar="MB",
        help="stop past this (default 4096)",
    )
    p.add_argument(
        "--limit",
        type=whole(10**9),
        default=100,
        metavar="N",
        help="playlist items kept (default 100)",
    )
    p.add_argument(
        "--timeout",
        type=number(86_400.0),
        default=30,
        metavar="S",
        help="per request (default 30 s)",
    )
    p.add_argument(
        "--cookies",
        type=Path,
        metavar="FILE",
        help="a Netscape cookie file, only where a login is needed (recorded, not its content)",
    )
    p.add_argument(
        "--format",
        default=MEDIA_FORMAT,
        metavar="EXPR",
        help=f"yt-dlp format expression (default {MEDIA_FORMAT}: best video and audio, kept apart)",
    )
    p.add_argument("--no-page", action="store_true", help="no browser capture of the page")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = cli.add(
        "review",
        cmd_review,
        "review aids for a video exhibit: thumbnail, keyframes at scene changes, contact sheet",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("exhibit", metavar="EXHIBIT", help="a video exhibit (E0001)")
    p.add_argument(
        "--threshold",
        type=number(1.0, 0.0),
        default=0.3,
        metavar="T",
        help="scene change score, 0..1 (default 0.3; lower finds more)",
    )
    p.add_argument(
        "--max-frames",
        type=whole(100_000),
        default=100,
        metavar="N",
        help="at most N keyframes (100)",
    )

    p = cli.add("clip", cmd_clip, "cut a segment of a video exhibit as a derived exhibit")
    p.add_argument("case", metavar="CASE")
    p.add_argument("exhibit", metavar="EXHIBIT", help="a video exhibit (E0001)")
    p.add_argument(
        "--start", type=number(10.0**7), required=True, metavar="S", help="seconds from start"
    )
    p.add_argument(
        "--end", type=number(10.0**7), required=True, metavar="S", help="seconds from start"
    )
