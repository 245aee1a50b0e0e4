"""Tables and networks at scale: 1,000,000 posts and 3,000,000 interactions.

    .venv/bin/python bench/tables.py                 # 1,000,000 posts, 3,000,000 interactions
    .venv/bin/python bench/tables.py --posts 100000  # smaller

Measures, in one run on the same files:

1. ``case.analysis.posts().to_frame()`` of a case whose ``derived/tables/posts.parquet`` holds N
   synthetic posts, against ``pandas.read_parquet`` of the same file (the peer), both
   with numpy dtypes and with ``dtype_backend="pyarrow"``; the issue's goal is at most
   1.2x the first;
2. building the account network (``osint_kit.analysis.network.build_network``) from 3N
   interactions read from ``interactions.parquet``: seconds and the process's peak
   memory (run in a child process each, so peaks do not mix).

The synthetic tables are written straight as Parquet with the real schemas and a
manifest naming the case's log head, exactly as ``CaseTables`` leaves them, so
what is timed is reading them back, not collecting a million posts.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from osint_kit import Authority, Case, Examiner
from osint_kit.analysis.posts import ACCOUNTS_SCHEMA, INTERACTIONS_SCHEMA, POSTS_SCHEMA
from osint_kit.analysis.tables import FORMAT, MEDIA_SCHEMA

OUT = Path(__file__).resolve().parent / "out"
EXAMINER = Examiner(name="Bench Runner", id="BENCH-0001", agency="osint-kit benchmark")
GOAL = 1.2


def synthetic_posts(n: int, accounts: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    start = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
    times = start + np.sort(rng.integers(0, 300 * 86_400 * 1_000_000, n))[::-1]
    authors = rng.integers(0, accounts, n)
    keys = np.array([f"mastodon:@user{i}@social.example" for i in range(accounts)], dtype=object)
    ids = np.arange(n).astype(str).astype(object)
    replying = rng.random(n) < 0.4
    reply_to = np.where(replying, (np.arange(n) + 1).astype(str), None).astype(object)
    reply_acc = np.where(replying, keys[rng.integers(0, accounts, n)], None).astype(object)
    mention_lists = [
        [keys[a]] if m else []
        for a, m in zip(rng.integers(0, accounts, n), rng.random(n) < 0.5, strict=True)
    ]
    columns: dict[str, Any] = {
        "exhibit": [f"E{i + 1:07d}" for i in range(n)],
        "capture": ["C0001"] * n,
        "platform": ["mastodon"] * n,
        "id": ids,
        "url": [f"https://social.example/@u/{i}" for i in range(n)],
        "created_at": pa.array(times, type=pa.timestamp("us", tz="UTC")),
        "edited_at": pa.nulls(n, type=pa.timestamp("us", tz="UTC")),
        "author_key": keys[authors],
        "author_handle": [k.removeprefix("mastodon:") for k in keys[authors]],
        "author_name": None,
        "text": [f"post {i} about the harbour #tag{i % 50}" for i in range(n)],
        "language": ["en"] * n,
        "reply_to": reply_to,
        "reply_to_account": reply_acc,
        "quoted": None,
        "quoted_account": None,
        "reposted": None,
        "reposted_account": None,
        "mentions": mention_lists,
        "hashtags": [[f"tag{i % 50}"] for i in range(n)],
        "outlinks": [[] for _ in range(n)],
        "media": [[] for _ in range(n)],
        "replies": rng.integers(0, 20, n),
        "reposts": rng.integers(0, 20, n),
        "likes": rng.integers(0, 50, n),
        "quotes": None,
        "views": None,
        "versions": np.ones(n, dtype=np.int32),
        "deleted": np.zeros(n, dtype=bool),
        "listed": np.ones(n, dtype=bool),
    }
    arrays = []
    for field in POSTS_SCHEMA:
        value = columns[field.name]
        if value is None:
            arrays.append(pa.nulls(n, type=field.type))
        elif isinstance(value, pa.Array):
            arrays.append(value)
        else:
            arrays.append(pa.array(value, type=field.type))
    return pa.Table.from_arrays(arrays, schema=POSTS_SCHEMA)


def synthetic_interactions(m: int, accounts: int, seed: int = 2) -> pa.Table:
    rng = np.random.default_rng(seed)
    keys = np.array([f"mastodon:@user{i}@social.example" for i in range(accounts)], dtype=object)
    kinds = np.array(["reply", "mention", "repost", "quote"], dtype=object)
    start = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
    data = {
        "kind": kinds[rng.integers(0, 4, m)],
        "platform": ["mastodon"] * m,
        "source": keys[rng.integers(0, accounts, m)],
        "target": keys[rng.integers(0, accounts, m)],
        "post_exhibit": [f"E{i % 1_000_000 + 1:07d}" for i in range(m)],
        "post_id": (np.arange(m) % 1_000_000).astype(str).astype(object),
        "target_post": pa.nulls(m, type=pa.string()),
        "time": pa.array(start + rng.integers(0, 10**13, m), type=pa.timestamp("us", tz="UTC")),
    }
    arrays = [
        v if isinstance(v, pa.Array) else pa.array(v, type=f.type)
        for f, v in zip(INTERACTIONS_SCHEMA, data.values(), strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=INTERACTIONS_SCHEMA)


def make_case(root: Path, posts: pa.Table, interactions: pa.Table) -> Case:
    case = Case.create(
        "BENCH-TABLES",
        title="tables benchmark",
        category="other",
        authority=Authority.of("BENCH", "bench", "2026-11-29"),
        root=root,
        examiner=EXAMINER,
    )
    folder = case.path / "derived" / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "posts": posts,
        "accounts": ACCOUNTS_SCHEMA.empty_table(),
        "interactions": interactions,
        "media": MEDIA_SCHEMA.empty_table(),
    }
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
    seq, head = case.log.head()
    manifest = {"format": FORMAT, "case": case.id, "head": {"seq": seq, "hash": head}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return case


def time_it(fn: Any, repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return runs


_NETWORK = """
import resource, sys, time
import pyarrow.parquet as pq
from osint_kit.analysis.network import build_network
t0 = time.perf_counter()
table = pq.read_table(sys.argv[1])
t1 = time.perf_counter()
graph = build_network(table)
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(t1 - t0, t2 - t1, peak, graph.number_of_nodes(), graph.number_of_edges())
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    import os

    import pandas as pd

    os.environ.setdefault("OSINT_KIT_CONFIG_DIR", tempfile.mkdtemp(prefix="bench-config-"))
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT, prefix="tables-") as tmp:
        t0 = time.perf_counter()
        posts = synthetic_posts(args.posts, args.accounts)
        interactions = synthetic_interactions(3 * args.posts, args.accounts)
        case = make_case(Path(tmp), posts, interactions)
        made = time.perf_counter() - t0
        path = case.path / "derived" / "tables" / "posts.parquet"
        assert len(case.analysis.posts()) == args.posts
        ours = time_it(lambda: case.analysis.posts().to_frame(), args.repeat)
        peer = time_it(lambda: pd.read_parquet(path), args.repeat)
        peer_arrow = time_it(lambda: pd.read_parquet(path, dtype_backend="pyarrow"), args.repeat)
        child = subprocess.run(
            [sys.executable, "-c", _NETWORK, str(path.with_name("interactions.parquet"))],
            capture_output=True,
            text=True,
            check=True,
        )
        read_s, build_s, peak_kib, nodes, edges = child.stdout.split()
    result = {
        "posts": args.posts,
        "interactions": 3 * args.posts,
        "synthesis_s": made,
        "posts_to_frame_s": ours,
        "read_parquet_s": peer,
        "read_parquet_pyarrow_s": peer_arrow,
        "ratio_vs_read_parquet": statistics.median(ours) / statistics.median(peer),
        "ratio_vs_read_parquet_pyarrow": statistics.median(ours) / statistics.median(peer_arrow),
        "network": {
            "read_rows_s": float(read_s),
            "build_s": float(build_s),
            "peak_rss_mib": int(peak_kib) / 1024,
            "nodes": int(nodes),
            "edges": int(edges),
        },
        "goal": GOAL,
        "bench_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    (OUT / "results-tables.json").write_text(json.dumps(result, indent=2))
    med = statistics.median
    print(f"{args.posts:,} posts, {3 * args.posts:,} interactions (synthesised in {made:.1f} s)")
    print(f"  case.analysis.posts().to_frame()                 {med(ours):.3f} s  {ours}")
    print(f"  pandas.read_parquet (numpy dtypes)      {med(peer):.3f} s")
    print(f"  pandas.read_parquet (pyarrow dtypes)    {med(peer_arrow):.3f} s")
    ratio = result["ratio_vs_read_parquet"]
    verdict = "met" if ratio <= GOAL else "MISSED"
    print(
        f"  ratio vs read_parquet {ratio:.2f}x (goal <= {GOAL}: {verdict}); "
        f"vs pyarrow dtypes {result['ratio_vs_read_parquet_pyarrow']:.2f}x"
    )
    net = result["network"]
    print(
        f"  network: {net['edges']:,} edges, {net['nodes']:,} accounts; rows read "
        f"{net['read_rows_s']:.1f} s, graph built {net['build_s']:.1f} s, "
        f"peak {net['peak_rss_mib']:,.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
