"""Social collection: osint-kit against bare snscrape, over the same fake t.me, in one run.

The fake platforms run in a child process (so they do not share our GIL) and
serve one synthetic channel of N posts. Contenders, each timed ``repeat`` times
after a warm-up, order alternating:

- **bare snscrape**: ``TelegramChannelScraper`` with a minimal adapter that only
  routes ``t.me`` to the fake (the routing osint-kit does too), reading the
  channel card and every post; nothing is kept;
- **osint-kit**: ``case.collect("telegram:NAME")`` into a fresh case, media off:
  the same requests, plus the WARC of every response, a post record per post,
  hashing, batch staging, one custody event with N+2 exhibits, the index;
- **osint-kit, again, unchanged**: a second run into the same case (change
  detection; nothing new is stored), reported without a goal;
- **osint-kit, case in RAM**: the first run again with the case folder on tmpfs
  (``/dev/shm``), to tell osint-kit's own cost from the disk's: creating 2,000
  small files costs 0.03 s on tmpfs and 0.2-0.6 s on the test VM's ext4.

An instrumented run (timers wrapped around osint-kit's phases in this process
only) says where osint-kit's extra time goes.
"""

from __future__ import annotations

import functools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from workloads import Scratch

import osint_kit.acquire.social.run as collect_module
import osint_kit.acquire.social.telegram as telegram_module
from osint_kit import CollectSettings
from osint_kit.acquire.social.snscrape_compat import snscrape_module

CHANNEL = "bench_channel"
GOAL = 1.15  # issue 15: osint-kit collect at most 1.15x bare snscrape

_SERVER = """
import json, sys
from osint_kit_sandbox.platforms import FakePlatforms, synthetic_telegram_channel
fake = FakePlatforms()
synthetic_telegram_channel(fake, %r, %d, seed=1)
print(json.dumps({"url": fake.url, "connect_to": fake.connect_to}), flush=True)
sys.stdin.read()
fake.close()
"""


class _Route(requests.adapters.HTTPAdapter):
    """Send every request to the fake, keeping the URL and Host header: routing only."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.netloc = urlsplit(base).netloc

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        routed = request.copy()
        routed.url = urlunsplit(("http", self.netloc, parts.path, parts.query, ""))
        routed.headers["Host"] = parts.netloc
        response = super().send(routed, **kwargs)
        response.url = request.url or ""
        return response


def bare_snscrape(base: str, posts: int) -> float:
    t0 = time.perf_counter()
    scraper = snscrape_module("telegram").TelegramChannelScraper(CHANNEL, retries=0)
    scraper._session.mount("https://", _Route(base))
    scraper._session.mount("http://", _Route(base))
    assert scraper.entity is not None
    count = sum(1 for _ in scraper.get_items())
    seconds = time.perf_counter() - t0
    assert count == posts, f"bare snscrape read {count} posts, not {posts}"
    return seconds


def _settings(server: dict[str, Any]) -> CollectSettings:
    return CollectSettings(
        connect_to={**server["connect_to"], "*": server["url"]}, retries=0, media=False
    )


def osint_kit_run(
    scratch: Scratch, server: dict[str, Any], posts: int, case: Any = None
) -> tuple[float, Any]:
    case = case or scratch.new_case()
    t0 = time.perf_counter()
    cap = case.collect(
        f"telegram:{CHANNEL}", settings=_settings(server), examiner=scratch.examiner, progress=False
    )
    seconds = time.perf_counter() - t0
    assert cap.status == "complete" and cap.record["collected"] == posts, cap.reason
    return seconds, case


def _in_ram(
    scratch: Scratch,
    server: dict[str, Any],
    posts: int,
    repeat: int,
    progress: Callable[[str, float], None],
) -> list[float]:
    """The same collection into a case on tmpfs: osint-kit's own cost without the disk's."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        return []
    ram = Scratch(
        Path(tempfile.mkdtemp(prefix="osint-kit-bench-", dir=shm)), scratch.examiner, False
    )
    try:
        runs = []
        for _ in range(repeat):
            runs.append(osint_kit_run(ram, server, posts)[0])
            progress("osint-kit collect, case in RAM", runs[-1])
        return runs
    finally:
        shutil.rmtree(ram.root, ignore_errors=True)


def _summary(runs: list[float], posts: int) -> dict[str, Any]:
    median = statistics.median(runs)
    return {
        "runs_s": runs,
        "median_s": median,
        "min_s": min(runs),
        "posts_per_s": posts / median,
    }


def _instrumented(scratch: Scratch, server: dict[str, Any], posts: int) -> dict[str, float]:
    """One osint-kit run with timers around its phases (patched here only, then restored)."""
    spent: dict[str, float] = {}
    patches = [
        (collect_module, "_fetch", "fetch: snscrape + page extras + post records"),
        (telegram_module, "page_posts", "  of which: t.me page extras (lxml)"),
        (collect_module, "known_posts", "earlier runs (read the log)"),
        (collect_module, "write_warc", "WARC of every response"),
        (collect_module, "_stage", "post records + staging (incl. WARC)"),
        (collect_module, "record_acquisition", "custody event, publish, index"),
    ]
    saved = []
    for owner, name, label in patches:
        fn = getattr(owner, name)
        saved.append((owner, name, fn))
        setattr(owner, name, _timed(fn, label, spent))
    try:
        total, _ = osint_kit_run(scratch, server, posts)
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)
    return {"total": total, **spent}


def _timed(fn: Callable[..., Any], label: str, spent: dict[str, float]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - t0

    return timed


def measure_collect(
    scratch: Scratch, posts: int, repeat: int, progress: Callable[[str, float], None]
) -> dict[str, Any]:
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVER % (CHANNEL, posts)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        server = json.loads(child.stdout.readline())
        bare_snscrape(server["url"], posts)  # warm-up: imports, connections, the fake's caches
        osint_kit_run(scratch, server, posts)
        bare: list[float] = []
        ours: list[float] = []
        again: list[float] = []
        for round_ in range(repeat):
            order = ("bare", "ours") if round_ % 2 == 0 else ("ours", "bare")
            for who in order:
                if who == "bare":
                    bare.append(bare_snscrape(server["url"], posts))
                    progress("bare snscrape", bare[-1])
                else:
                    seconds, case = osint_kit_run(scratch, server, posts)
                    ours.append(seconds)
                    progress("osint-kit collect", seconds)
                    again.append(osint_kit_run(scratch, server, posts, case)[0])
                    progress("osint-kit collect, unchanged", again[-1])
        breakdown = _instrumented(scratch, server, posts)
        in_ram = _in_ram(scratch, server, posts, repeat, progress)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=30)
    ratio = statistics.median(ours) / statistics.median(bare)
    return {
        "posts": posts,
        "pages": -(-posts // 20),
        "contenders": {
            "bare snscrape": _summary(bare, posts),
            "osint-kit collect": _summary(ours, posts),
            "osint-kit collect, unchanged": _summary(again, posts),
            **({"osint-kit collect, case in RAM": _summary(in_ram, posts)} if in_ram else {}),
        },
        "ratios": {
            "osint-kit/bare": ratio,
            "unchanged/bare": statistics.median(again) / statistics.median(bare),
            **(
                {"case in RAM/bare": statistics.median(in_ram) / statistics.median(bare)}
                if in_ram
                else {}
            ),
        },
        "goal": {"limit": GOAL, "met": ratio <= GOAL},
        "breakdown_s": breakdown,
    }


def collect_table(section: dict[str, Any], verdict: Callable[[dict[str, Any]], str]) -> list[str]:
    lines = [
        f"6. collecting a Telegram channel of {section['posts']:,} posts "
        f"({section['pages']} pages) from the fake t.me, media off",
        f"  {'contender':<32} {'median':>9} {'min':>9} {'posts/s':>9}   runs",
    ]
    for name, c in section["contenders"].items():
        runs = " ".join(f"{s:.2f}" for s in c["runs_s"])
        lines.append(
            f"  {name:<32} {c['median_s']:7.2f} s {c['min_s']:7.2f} s "
            f"{c['posts_per_s']:9.0f}   {runs}"
        )
    for name, ratio in section["ratios"].items():
        extra = f"   {verdict(section['goal'])}" if name == "osint-kit/bare" else ""
        lines.append(f"  {name:<40} {ratio:6.2f} x{extra}")
    lines.append("  instrumented osint-kit run:")
    for label, seconds in section["breakdown_s"].items():
        lines.append(f"    {label:<48} {seconds:7.3f} s")
    return lines
