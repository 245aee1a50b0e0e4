"""osint-kit benchmark: our code against plain tools on the same bytes, in one run.

    .venv/bin/python bench/run.py            # 1 GiB file, 100,000 events, 3 runs each
    .venv/bin/python bench/run.py --quick    # small sizes, a smoke run
    .venv/bin/python bench/run.py --web      # and web capture vs bare Playwright
    .venv/bin/python bench/run.py --web-only # web capture only
    .venv/bin/python bench/run.py --collect-only  # social collection vs bare snscrape
    .venv/bin/python bench/run.py --bundle-only   # evidence bundle export and verify

Measures (see docs/performance.md):

1. ``Case.import_files`` of one large random file vs ``cp`` and vs ``cp`` + ``sync FILE``;
2. ``case.verify()`` of a case holding that one blob vs ``openssl dgst -sha256``;
3. custody appends per second, one at a time (one fsync each) and in batches of 1,000;
4. ``case.verify()`` of a log of 100,000 events;
5. with ``--web``: ``case.capture_urls`` of local fixture pages vs bare Playwright (bench/web.py);
6. with ``--collect``: ``case.collect`` of a 2,000-post fake Telegram channel vs bare snscrape
   (bench/collect.py);
7. with ``--bundle``: export and verification of a 2 GiB bundle vs cp and openssl dgst
   (bench/bundle.py).

Prints a table and writes ``bench/out/results.json``. Every scratch file lives under
``bench/out/tmp`` (the same file system as the copies and the cases) and is deleted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bundle import bundle_table, measure_bundle
from collect import collect_table, measure_collect
from machine import machine_facts, machine_load
from timing import can_drop_caches, remove_tree, write_random_file
from web import DEFAULT_LAZY_PAGES, DEFAULT_PAGES, measure_web
from workloads import (
    MIB,
    Scratch,
    measure_appends,
    measure_blob_verify,
    measure_import,
    measure_log_verify,
)

from osint_kit import Examiner

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
EXAMINER = Examiner(name="Bench Runner", id="BENCH-0001", agency="osint-kit benchmark")
BATCH = 1000
#: --quick --web: each fixture page once.
WEB_QUICK_PAGES = 7
#: Posts in the fake channel for --collect (the issue's figure), and with --quick.
COLLECT_POSTS = 2000
COLLECT_QUICK = 200

#: (size MiB, events, single appends, batches of 1,000) for a full and a quick run.
FULL = (1024, 100_000, 2000, 10)
QUICK = (32, 5000, 200, 3)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mib", type=int, help=f"size of the imported file (default {FULL[0]})")
    p.add_argument("--events", type=int, help=f"events in the verified log (default {FULL[1]})")
    p.add_argument("--repeat", type=int, default=3, help="timed runs per contender (default 3)")
    p.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    p.add_argument(
        "--cold",
        action="store_true",
        help="drop the page cache before every timed run (needs root); default: warm cache",
    )
    p.add_argument("--web", action="store_true", help="also time web capture vs bare Playwright")
    p.add_argument("--web-only", action="store_true", help="time web capture only")
    p.add_argument(
        "--web-pages",
        type=int,
        help=f"captures per web run, cycling through the fixture pages (default {DEFAULT_PAGES})",
    )
    p.add_argument(
        "--web-lazy-pages",
        type=int,
        help=f"captures of the long lazy page per run (default {DEFAULT_LAZY_PAGES})",
    )
    p.add_argument(
        "--web-idle-s", type=int, default=10, help="CaptureOptions(idle_s=...) (default 10)"
    )
    p.add_argument(
        "--collect", action="store_true", help="also time social collection vs bare snscrape"
    )
    p.add_argument("--collect-only", action="store_true", help="time social collection only")
    p.add_argument("--bundle", action="store_true", help="also time evidence bundles")
    p.add_argument("--bundle-only", action="store_true", help="time evidence bundles only")
    p.add_argument(
        "--bundle-mib",
        type=int,
        help="size of the exported exhibit (default 2048, 64 with --quick)",
    )
    p.add_argument(
        "--collect-posts",
        type=int,
        help=f"posts in the fake channel (default {COLLECT_POSTS}, {COLLECT_QUICK} with --quick)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="results file (default bench/out/results.json, results-web.json with --web-only)",
    )
    args = p.parse_args(argv)
    if args.out is None:
        name = "results-web.json" if args.web_only else "results.json"
        name = "results-collect.json" if args.collect_only else name
        args.out = OUT_DIR / ("results-bundle.json" if args.bundle_only else name)
    for name in (
        "repeat",
        "size_mib",
        "events",
        "web_pages",
        "web_lazy_pages",
        "web_idle_s",
        "collect_posts",
    ):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.cold and not can_drop_caches():
        p.error("--cold needs write access to /proc/sys/vm/drop_caches (run as root)")
    return args


def settings(args: argparse.Namespace) -> dict[str, Any]:
    size_mib, events, singles, batches = QUICK if args.quick else FULL
    conf: dict[str, Any] = {
        "repeat": args.repeat,
        "quick": args.quick,
        "page_cache": "dropped before each timed run" if args.cold else "warm",
        "storage": not (args.web_only or args.collect_only or args.bundle_only),
        "web": args.web or args.web_only,
        "collect": args.collect or args.collect_only,
        "bundle": args.bundle or args.bundle_only,
    }
    if conf["storage"]:
        conf.update(
            {
                "size_mib": args.size_mib or size_mib,
                "events": args.events or events,
                "single_appends": singles,
                "batches": batches,
                "batch_size": BATCH,
            }
        )
    if conf["web"]:
        conf["web_pages"] = args.web_pages or (WEB_QUICK_PAGES if args.quick else DEFAULT_PAGES)
        conf["web_idle_s"] = args.web_idle_s
        conf["web_lazy_pages"] = args.web_lazy_pages or (1 if args.quick else DEFAULT_LAZY_PAGES)
    if conf["collect"]:
        conf["collect_posts"] = args.collect_posts or (
            COLLECT_QUICK if args.quick else COLLECT_POSTS
        )
    if conf["bundle"]:
        conf["bundle_mib"] = args.bundle_mib or (64 if args.quick else 2048)
    return conf


def progress(name: str, seconds: float) -> None:
    print(f"  {name:<32} {seconds:8.3f} s", file=sys.stderr, flush=True)


def run_all(scratch: Scratch, conf: dict[str, Any]) -> dict[str, Any]:
    results = run_storage(scratch, conf) if conf["storage"] else {}
    if conf["web"]:
        print(f"5. web capture of {conf['web_pages']} pages vs bare Playwright", file=sys.stderr)
        results["web"] = measure_web(
            scratch,
            conf["web_pages"],
            conf["web_idle_s"],
            conf["repeat"],
            progress,
            lazy_pages=conf["web_lazy_pages"],
        )
    if conf["collect"]:
        print(f"6. collecting {conf['collect_posts']:,} posts vs bare snscrape", file=sys.stderr)
        results["collect"] = measure_collect(
            scratch, conf["collect_posts"], conf["repeat"], progress
        )
    if conf["bundle"]:
        print(f"7. a {conf['bundle_mib']:,} MiB evidence bundle", file=sys.stderr)
        results["bundle"] = measure_bundle(scratch, conf["bundle_mib"], conf["repeat"], progress)
    return results


def run_storage(scratch: Scratch, conf: dict[str, Any]) -> dict[str, Any]:
    repeat = conf["repeat"]
    source = scratch.root / f"random-{conf['size_mib']}MiB.bin"
    print(f"writing {conf['size_mib']} MiB of random bytes to {source}", file=sys.stderr)
    sha256 = write_random_file(source, conf["size_mib"] * MIB)
    try:
        print("1. import vs cp", file=sys.stderr)
        imported = measure_import(scratch, source, sha256, repeat, progress)
        print("2. blob verification vs openssl dgst", file=sys.stderr)
        blob = measure_blob_verify(scratch, source, sha256, repeat, progress)
    finally:
        source.unlink()
    print("3. custody appends", file=sys.stderr)
    appends = measure_appends(scratch, conf["single_appends"], conf["batches"], BATCH)
    print(f"4. verification of a {conf['events']:,}-event log", file=sys.stderr)
    log = measure_log_verify(scratch, conf["events"], BATCH, repeat, progress)
    return {"import": imported, "verify_blob": blob, "appends": appends, "verify_log": log}


# -- the table -----------------------------------------------------------------


def _verdict(goal: dict[str, Any]) -> str:
    return f"goal <= {goal['limit']:.2f}: {'met' if goal['met'] else 'MISSED'}"


def _contender_rows(section: dict[str, Any]) -> list[str]:
    rows = []
    for name, c in section["contenders"].items():
        runs = " ".join(f"{s:.3f}" for s in c["runs_s"])
        rows.append(
            f"  {name:<24} {c['median_s']:9.3f} s {c['mib_per_s']:9.0f} MiB/s   runs: {runs}"
        )
    return rows


def table(results: dict[str, Any]) -> str:
    conf, m = results["settings"], results["machine"]
    fs = m["filesystem"]
    lines = [
        f"machine: {m['nproc']} CPUs, {m['cpu_model']}, {m['python']}, "
        f"{m['openssl'].split(' (')[0]}, "
        f"{fs.get('type', '?')} on {fs.get('source', '?')}",
        f"at start: {m['load_at_start']}; at end: {m['load_at_end']}",
        f"medians of {conf['repeat']} runs after one warm-up run each, order rotated each "
        f"round, page cache {conf['page_cache']}",
    ]
    if conf["storage"]:
        lines += ["", *storage_table(results)]
    if conf["web"]:
        lines += ["", *web_table(results["measurements"]["web"])]
    if conf["collect"]:
        lines += ["", *collect_table(results["measurements"]["collect"], _verdict)]
    if conf["bundle"]:
        lines += ["", *bundle_table(results["measurements"]["bundle"], _verdict)]
    return "\n".join(lines)


def web_table(web: dict[str, Any]) -> list[str]:
    lines = [
        f"5. web capture of {web['pages']} pages ({', '.join(web['paths'])}, cycled), "
        f"Chromium {web['chromium']}, Playwright {web['playwright']}",
        f"  {'contender':<36} {'median':>9} {'per page':>9} {'pages/min':>9} {'CPU':>7}   runs",
    ]

    def rows(contenders: dict[str, Any]) -> None:
        for name, c in contenders.items():
            runs = " ".join(f"{s:.2f}" for s in c["runs_s"])
            lines.append(
                f"  {name:<36} {c['median_s']:7.2f} s {c['s_per_page']:7.3f} s "
                f"{c['pages_per_min']:9.1f} {c['cpu_median_s']:5.1f} s   {runs}"
            )

    def ratio_rows(ratios: dict[str, Any], goals: dict[str, Any]) -> None:
        for name, r in ratios.items():
            extra = f"   {_verdict(goals[name])}" if name in goals else ""
            lines.append(
                f"  osint-kit / bare, {name:<36} {r['of_medians']:5.2f} x "
                f"(rounds {r['min']:.2f}-{r['max']:.2f}){extra}"
            )

    rows(web["contenders"])
    ratio_rows(web["ratios"], web["goal"])
    lazy = web["lazy"]
    page = lazy["page"]
    lines.append(
        f"  long lazy page ({page['images']} images over {page['height_px']:,} px), "
        f"{page['captures_per_run']} captures a run, one at a time:"
    )
    rows(lazy["contenders"])
    for name, c in lazy["contenders"].items():
        shown = " ".join(f"{n:.0f}" for n in c["images_shown_per_page"])
        sent = " ".join(f"{n:.0f}" for n in c["images_sent_per_page"])
        lines.append(f"    {name:<34} images shown {shown}; sent {sent}")
    ratio_rows(lazy["ratios"], {})
    for name, run in web["breakdown"].items():
        lines.append(f"  instrumented {name}, ms per page ({run['seconds']:.2f} s in all):")
        for label, c in list(run["calls"].items())[:24]:
            lines.append(f"    {label:<52} {c['ms_per_page']:8.1f} ms  ({c['calls']} calls)")
    return lines


def storage_table(results: dict[str, Any]) -> list[str]:
    imp, blob = results["measurements"]["import"], results["measurements"]["verify_blob"]
    app, log = results["measurements"]["appends"], results["measurements"]["verify_log"]
    single, batched, build = app["single"], app["batched"], log["build"]
    return [
        f"1. import of {imp['bytes'] / MIB:,.0f} MiB       median",
        *_contender_rows(imp),
        f"  import / cp              {imp['ratios']['import/cp']:9.2f} x   {_verdict(imp['goal'])}",
        f"  import / (cp + sync)     {imp['ratios']['import/cp+sync']:9.2f} x",
        "",
        f"2. verification of one {blob['bytes'] / MIB:,.0f} MiB blob",
        *_contender_rows(blob),
        f"  verify / openssl         {blob['ratios']['verify/openssl']:9.2f} x   "
        f"{_verdict(blob['goal'])}",
        "",
        "3. custody appends",
        f"  single (fsync each)      {single['events_per_s']:9.0f} events/s   "
        f"({single['events']:,} appends, median {single['latency_median_ms']:.2f} ms, "
        f"p99 {single['latency_p99_ms']:.2f} ms)",
        f"  batched x {batched['batch_size']:,}          {batched['events_per_s']:9.0f} events/s   "
        f"({batched['fsyncs']} batches, median {batched['batch_median_ms']:.1f} ms a batch)",
        "",
        f"4. verification of a {log['events']:,}-event log ({log['log_bytes'] / MIB:.1f} MiB)",
        f"  osint-kit verify         {log['verify']['median_s']:9.3f} s "
        f"{log['verify']['events_per_s']:9.0f} events/s",
        f"  (building it: {build['seconds']:.1f} s, {build['events_per_s']:,.0f} events/s "
        f"in batches of {build['batch_size']:,})",
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    conf = settings(args)
    tmp_root = OUT_DIR / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    scratch = Scratch(Path(tempfile.mkdtemp(prefix="run-", dir=tmp_root)), EXAMINER, args.cold)
    try:
        machine = machine_facts(scratch.root, REPO)
        measurements = run_all(scratch, conf)
    finally:
        remove_tree(scratch.root)
        if not any(tmp_root.iterdir()):
            tmp_root.rmdir()
    machine["load_at_end"] = machine_load()
    results = {"settings": conf, "machine": machine, "measurements": measurements}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nresults written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
