"""Perceptual hashing and clustering of pictures: how fast, against the physical bound.

    .venv/bin/python bench/images.py                      # 500 JPEGs 1600x1200, 50,000 hashes
    .venv/bin/python bench/images.py --images 100 --hashes 10000

Measures, in one run on the same pictures:

1. ``osint_kit.analysis.images.hash_bytes`` (pHash and dHash) on N photo-like JPEGs
   (1600x1200, quality 85) and N PNGs (800x600): pictures per second;
2. the peer: what a hashing library does before its own arithmetic, Pillow's
   decode, greyscale and resize to 32x32 alone (``imagehash.phash`` is exactly
   that plus scipy's DCT; imagehash is not a dependency, so this is its lower
   bound): once at full decode, as imagehash does, once with the JPEG draft
   mode that ``hash_bytes`` uses. The ratio says what our hashing costs on top;
3. clustering M hashes (a tenth of them near copies of others) with
   ``clusters_of`` (every pair compared, vectorised in blocks), and a BK-tree on
   the first 5,000 of them, the approach measured and not taken;
4. ``case.analysis.repeated_images()`` on a case of N imported pictures: first call
   (hashes every picture) and again after a new note (the log moved, the hashes
   come from the cache).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from osint_kit import Authority, Case, Examiner
from osint_kit.analysis.images import clusters_of
from osint_kit.formats.picture_hash import hash_bytes

OUT = Path(__file__).resolve().parent / "out"
EXAMINER = Examiner(name="Bench Runner", id="BENCH-0001", agency="osint-kit benchmark")


def picture(seed: int, size: tuple[int, int]) -> Image.Image:
    """Photo-like: a smooth random colour field with fine grain on top."""
    rng = np.random.default_rng(seed)
    field = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8))
    smooth = np.asarray(field.resize(size, Image.Resampling.BICUBIC), dtype=np.int16)
    grain = rng.integers(-12, 13, smooth.shape, dtype=np.int16)
    return Image.fromarray(np.clip(smooth + grain, 0, 255).astype(np.uint8))


def encode(img: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def pillow_alone(data: bytes, *, draft: bool) -> Any:
    with Image.open(io.BytesIO(data)) as img:
        if draft:
            img.draft("RGB", (256, 256))
        return img.convert("L").resize((32, 32), Image.Resampling.LANCZOS)


def rate(fn: Callable[[bytes], Any], items: list[bytes], repeat: int = 3) -> float:
    """Pictures per second, best of ``repeat``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for data in items:
            fn(data)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def hashing(n: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    sets = {
        "jpeg 1600x1200": [encode(picture(s, (1600, 1200)), "JPEG", quality=85) for s in range(n)],
        "png 800x600": [encode(picture(s, (800, 600)), "PNG") for s in range(n)],
    }
    for name, items in sets.items():
        ours = rate(hash_bytes, items)
        full = rate(lambda d: pillow_alone(d, draft=False), items)
        drafted = rate(lambda d: pillow_alone(d, draft=True), items)
        results[name] = {
            "pictures": len(items),
            "mean_bytes": int(statistics.mean(len(d) for d in items)),
            "hash_bytes_per_s": round(ours, 1),
            "pillow_decode_resize_per_s": round(full, 1),
            "pillow_draft_decode_resize_per_s": round(drafted, 1),
            "ratio_vs_pillow_full": round(ours / full, 2),
            "ratio_vs_pillow_draft": round(ours / drafted, 2),
        }
        print(name, results[name], flush=True)
    return results


def bk_tree_pairs(hashes: list[int], threshold: int) -> int:
    """Pairs within ``threshold`` found with a BK-tree (the approach clusters_of does not take)."""
    root: tuple[int, dict[int, Any]] | None = None
    found = 0
    for h in hashes:
        if root is None:
            root = (h, {})
            continue
        stack = [root]
        while stack:
            value, children = stack.pop()
            d = (h ^ value).bit_count()
            found += d <= threshold
            stack.extend(c for k, c in children.items() if d - threshold <= k <= d + threshold)
        node = root
        while True:
            d = (h ^ node[0]).bit_count()
            if d == 0:
                break
            if d not in node[1]:
                node[1][d] = (h, {})
                break
            node = node[1][d]
    return found


def clustering(m: int, bk: int) -> dict[str, Any]:
    rng = np.random.default_rng(3)
    base = [int(x) for x in rng.integers(0, 2**64, m - m // 10, dtype=np.uint64)]
    copies = []
    for h in base[: m // 10]:
        flips = rng.choice(64, size=int(rng.integers(1, 8)), replace=False)
        copies.append(h ^ sum(1 << int(b) for b in flips))
    hashes = base + copies
    rng.shuffle(hashes)  # copies anywhere, also among the BK-tree's first hashes
    start = time.perf_counter()
    groups = clusters_of(hashes, 10)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    bk_pairs = bk_tree_pairs(hashes[:bk], 10)
    bk_s = time.perf_counter() - start
    start = time.perf_counter()
    clusters_of(hashes[:bk], 10)
    ours_small_s = time.perf_counter() - start
    result = {
        "hashes": m,
        "threshold": 10,
        "clusters_of_2_plus": sum(1 for g in groups if len(g) > 1),
        "clusters_of_s": round(ours_s, 3),
        "pairs_per_s": round(m * (m - 1) / 2 / ours_s),
        "bk_tree_hashes": bk,
        "bk_tree_s": round(bk_s, 3),
        "bk_tree_pairs_found": bk_pairs,
        "clusters_of_same_hashes_s": round(ours_small_s, 4),
    }
    print("clustering", result, flush=True)
    return result


def in_a_case(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = root / "in"
        files.mkdir()
        paths = []
        for s in range(n):
            img = picture(s % max(n // 2, 1), (1600, 1200))  # every picture twice
            path = files / f"p{s:05d}.jpg"
            path.write_bytes(encode(img, "JPEG", quality=85 if s < n // 2 else 50))
            paths.append(path)
        case = Case.create(
            "BENCH-IMG",
            title="bench",
            category="other",
            authority=Authority.of("BENCH", "bench", "2026-11-01"),
            root=root / "cases",
            examiner=EXAMINER,
        )
        case.import_files(paths, handed_over_by="bench", examiner=EXAMINER, progress=False)
        case.analysis.media()  # the tables first, so only the pictures are timed
        start = time.perf_counter()
        first = case.analysis.repeated_images()
        first_s = time.perf_counter() - start
        case.add_note("moved on", examiner=EXAMINER)
        case.analysis.media()
        start = time.perf_counter()
        case.analysis.repeated_images()
        cached_s = time.perf_counter() - start
    result = {
        "pictures": n,
        "clusters": len(first),
        "first_call_s": round(first_s, 2),
        "cached_call_s": round(cached_s, 3),
    }
    print("case", result, flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--hashes", type=int, default=50_000)
    parser.add_argument("--case-images", type=int, default=400)
    parser.add_argument("--bk-tree", type=int, default=5_000, help="hashes for the BK-tree run")
    args = parser.parse_args(argv)
    results = {
        "python": sys.version.split()[0],
        "pillow": Image.__version__,
        "numpy": np.__version__,
        "hashing": hashing(args.images),
        "clustering": clustering(args.hashes, args.bk_tree),
        "case": in_a_case(args.case_images),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "results-images.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
