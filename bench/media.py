"""Video download and review (issue 21): ``case.collect_media`` against ``curl`` and bare
yt-dlp on the same URL in one run; metadata and keyframes per minute of video.

    .venv/bin/python bench/media.py                # 500 MiB, 3 runs each, a 60 s video
    .venv/bin/python bench/media.py --quick        # 32 MiB, 1 run each, a 10 s video
    .venv/bin/python bench/media.py --mb 200 --repeat 5

**Download.** The sandbox's video host (``osint_kit_sandbox.video``, 127.0.0.1)
serves ``/big.mp4?mb=N``: a video of exactly N MiB (its 6 s test clip with a ``free``
box of padding, one pseudo-random MiB repeated, before the moov, so ffprobe reads it as
a video), by ``sendfile``, with a Content-Length, as ``video/mp4``. Contenders, one
warm-up run each, then ``--repeat`` runs in rotated order (``bench/timing.py``'s
``race``), every file written under ``bench/out/tmp`` (the same file system as the
cases):

- ``curl -s -o FILE URL``, then ``sync FILE`` (coreutils: fsync of that file), since
  osint-kit makes what it keeps durable; the time before ``sync`` is reported too;
- bare yt-dlp: ``YoutubeDL({...}).extract_info(URL, download=True)`` to a file, as
  osint-kit drives it (``fixup: never``, no post-processors), then ``os.fsync`` of the
  file; the time before the fsync is reported too;
- osint-kit: ``case.media.collect(URL, examiner=..., progress=False)`` into a fresh
  case (created before and deleted after the timed region): yt-dlp, the recording
  of every request, adopting the file into the store (hash, fsync, rename), ffprobe,
  the info JSON, the custody event.

Each run's result is checked: the file's size and SHA-256 (curl, yt-dlp), the
capture's status and its exhibit's SHA-256 (osint-kit). One more osint-kit run is
instrumented: functions of ``osint_kit.acquire.media.collect``, ``.ytdlp``,
``osint_kit.formats.probe`` and the store are wrapped with timers from here (nothing in
``src/`` changes), which says where the time goes.

**Review.** A 60 s, 640x360, 25 fps H.264 + AAC video from ffmpeg's ``testsrc2`` whose
picture changes (hue turned, colours inverted) every 5 s, so scene detection has 11
cuts to find. Timed: ``osint_kit.formats.probe.probe(path)`` and
``osint_kit.formats.footage.keyframes(path, ...)``, and beside them bare ``ffprobe
-show_format -show_streams`` and a bare ffmpeg scene-change pass
(``select='eq(n,0)+gt(scene,0.3)'``: the first frame and every scene change,
as JPEGs; ``keyframes`` does that, plus a probe and a perceptual hash per frame);
reported as seconds per minute of video.

Writes ``bench/out/results-media.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import inspect
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter
from typing import Any

import yt_dlp
from machine import machine_facts, machine_load
from timing import Samples, race, remove_tree, run_command, settle
from workloads import MIB, Scratch

from osint_kit import Examiner
from osint_kit_sandbox.video import video_host

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
EXAMINER = Examiner(name="Bench Runner", id="BENCH-0001", agency="osint-kit benchmark")
#: issue 21: osint-kit's download at most 1.1x curl of the same URL, same run.
GOAL = 1.1
SCENE_EVERY_S = 5
REVIEW_SIZE = (640, 360)


def _progress(name: str, seconds: float) -> None:
    print(f"  {name:<36} {seconds:8.3f} s", file=sys.stderr, flush=True)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MIB):
            digest.update(chunk)
    return digest.hexdigest()


# -- the download contenders ------------------------------------------------------------


class Download:
    """The three contenders on one URL; each call times one run, checks it, cleans up."""

    def __init__(self, scratch: Scratch, url: str, size: int, sha256: str) -> None:
        self.scratch, self.url, self.size, self.sha256 = scratch, url, size, sha256
        #: seconds before the final sync/fsync, per contender, per run (warm-up first)
        self.before_sync: dict[str, list[float]] = {"curl": [], "yt-dlp": []}
        self.ytdlp_params = {
            "quiet": True,
            "no_warnings": True,
            "noprogress": True,
            "fixup": "never",
            "postprocessors": [],
            "retries": 3,
            "cachedir": False,
            "overwrites": True,
            "updatetime": False,
        }

    def _check(self, who: str, path: Path) -> None:
        size = path.stat().st_size
        if size != self.size or _file_sha256(path) != self.sha256:
            raise RuntimeError(f"{who} wrote {size} bytes that are not what was served")

    def curl(self) -> float:
        out = self.scratch.root / "curl.mp4"
        settle(self.scratch.cold)
        start = perf_counter()
        run_command("curl", "-s", "-o", out, self.url)
        self.before_sync["curl"].append(perf_counter() - start)
        run_command("sync", out)
        seconds = perf_counter() - start
        self._check("curl", out)
        out.unlink()
        return seconds

    def ytdlp(self) -> float:
        folder = self.scratch.root / "yt-dlp"
        folder.mkdir(exist_ok=True)
        params = {**self.ytdlp_params, "paths": {"home": str(folder)}, "outtmpl": "big.%(ext)s"}
        settle(self.scratch.cold)
        start = perf_counter()
        with yt_dlp.YoutubeDL(params) as ydl:
            ydl.extract_info(self.url, download=True)
        self.before_sync["yt-dlp"].append(perf_counter() - start)
        out = folder / "big.mp4"
        fd = os.open(out, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        seconds = perf_counter() - start
        self._check("yt-dlp", out)
        remove_tree(folder)
        return seconds

    def osint_kit(self) -> float:
        case = self.scratch.new_case()
        settle(self.scratch.cold)
        start = perf_counter()
        capture = case.media.collect(self.url, examiner=self.scratch.examiner, progress=False)
        seconds = perf_counter() - start
        files = capture.record.get("files", [])
        kept = [f for f in files if f.get("sha256") == self.sha256]
        if capture.status != "complete" or not kept:
            raise RuntimeError(
                f"osint-kit: capture {capture.status} ({capture.reason}), files {files}"
            )
        remove_tree(case.path)
        return seconds


def _timed(fn: Callable[..., Any], label: str, spent: dict[str, float]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + perf_counter() - t0

    return timed


@contextmanager
def _patched(patches: list[tuple[Any, str, str]], spent: dict[str, float]) -> Iterator[None]:
    saved = []
    for owner, name, label in patches:
        fn = getattr(owner, name, None)
        if fn is None:
            spent[label + " (not found)"] = spent.pop(label)
            continue
        saved.append((owner, name, owner.__dict__.get(name)))  # None: inherited
        setattr(owner, name, _timed(fn, label, spent))
    try:
        yield
    finally:
        for owner, name, own in saved:
            if own is None:
                delattr(owner, name)
            else:
                setattr(owner, name, own)


def _instrumented(download: Download) -> dict[str, float]:
    """One osint-kit run with timers around its phases (patched here only, then restored).
    Nested phases are indented; their time is also in the phase above them."""
    from yt_dlp.downloader.http import HttpFD

    import osint_kit.acquire.media.collect as collect
    import osint_kit.acquire.media.ytdlp as ytdlp
    import osint_kit.formats.probe as probe
    import osint_kit.record.store as store

    patches: list[tuple[Any, str, str]] = [
        (ytdlp.ReadOnlyYoutubeDL, "extract_info", "yt-dlp extract_info (finding formats)"),
        (ytdlp.ReadOnlyYoutubeDL, "process_ie_result", "yt-dlp process_ie_result"),
        (collect, "download_format", "download (download_format: ydl.dl)"),
        (HttpFD, "real_download", "  yt-dlp HttpFD.real_download"),
        (store.BlobStore, "adopt", "adopt into the store (move, hash, fsync)"),
        (os, "fsync", "  os.fsync (every caller)"),
        (collect, "_facts", "technical metadata (_facts: probe)"),
        (probe, "_ffprobe", "  ffprobe"),
        (probe, "read_exiftool", "  exiftool"),
        (probe, "check_decoding", "  decode check (two ffprobe runs)"),
        (collect, "_manifest", "manifest"),
        (collect, "_info_json", "info JSON"),
        (collect, "record_acquisition", "custody event (record_acquisition)"),
        (store.BlobStore, "downloads", "download area (open)"),
    ]
    spent: dict[str, float] = {label: 0.0 for _, _, label in patches}  # in this order
    with _patched(patches, spent):
        total = download.osint_kit()
    return {"total": total, **spent}


def measure_download(scratch: Scratch, mb: int, repeat: int) -> dict[str, Any]:
    with video_host(scratch.root / "host") as host:
        url = host.url(f"/big.mp4?mb={mb}")
        size, sha256 = host.served_sha256(f"/big.mp4?mb={mb}")
        download = Download(scratch, url, size, sha256)
        samples = race(
            {
                "curl + sync FILE": download.curl,
                "bare yt-dlp + fsync": download.ytdlp,
                "osint-kit collect_media": download.osint_kit,
            },
            repeat,
            _progress,
        )
        breakdown = _instrumented(download)
        _progress("osint-kit, instrumented", breakdown["total"])
        writes = host.writes()
    if writes:
        raise RuntimeError(f"the video host received writes: {writes}")
    curl_plain = Samples(tuple(download.before_sync["curl"][1:]))
    ytdlp_plain = Samples(tuple(download.before_sync["yt-dlp"][1:]))
    everyone = {
        **samples,
        "curl (before sync)": curl_plain,
        "bare yt-dlp (before fsync)": ytdlp_plain,
    }
    ours = samples["osint-kit collect_media"]
    curl_sync = samples["curl + sync FILE"]
    bare = samples["bare yt-dlp + fsync"]
    return {
        "mib": mb,
        "url": "/big.mp4?mb=N on 127.0.0.1 (sendfile)",
        "contenders": {
            name: {**s.to_json(), "mib_per_s": mb / s.median} for name, s in everyone.items()
        },
        "ratios": {
            "osint-kit / (curl + sync)": ours.median / curl_sync.median,
            "osint-kit / curl": ours.median / curl_plain.median,
            "osint-kit / (bare yt-dlp + fsync)": ours.median / bare.median,
            "(bare yt-dlp + fsync) / (curl + sync)": bare.median / curl_sync.median,
        },
        "goal": {
            "limit": GOAL,
            "ratio": ours.median / curl_sync.median,
            "met": ours.median / curl_sync.median <= GOAL,
        },
        "breakdown_s": breakdown,
        "yt_dlp": yt_dlp.version.__version__,
        "curl": run_command("curl", "--version").splitlines()[0],
    }


# -- metadata and keyframes ----------------------------------------------------------------


def make_review_video(path: Path, seconds: int) -> None:
    """``seconds`` of 640x360 testsrc2 whose look jumps every SCENE_EVERY_S seconds."""
    w, h = REVIEW_SIZE
    n = SCENE_EVERY_S
    look = f"hue=H=2*PI*floor(t/{n})/3,negate=enable='mod(floor(t/{n}),2)'"
    run_command(
        "ffmpeg", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate=25:duration={seconds},{look}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "250",
        "-c:a", "aac", "-b:a", "96k", "-shortest",
        "-metadata", "creation_time=2026-11-20T21:40:00Z", path,
    )  # fmt: skip


def _best_of(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    runs, result = [], None
    for _ in range(repeat):
        start = perf_counter()
        result = fn()
        runs.append(perf_counter() - start)
    return runs, result


def _keyframes_call(path: Path, out: Path) -> Callable[[], Any] | str:
    """A call of ``osint_kit.formats.footage.keyframes`` on ``path``, or why there is none."""
    try:
        from osint_kit.formats import footage as review
    except ImportError as exc:
        return f"osint_kit.formats.footage not importable: {exc}"
    fn = getattr(review, "keyframes", None)
    if fn is None:
        return "osint_kit.formats.footage.keyframes does not exist"
    params = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {}
    for name in ("out", "out_dir", "dest", "folder", "directory"):
        if name in params:
            kwargs[name] = out
            break
    return lambda: fn(path, **kwargs)


def measure_review(scratch: Scratch, seconds: int, repeat: int) -> dict[str, Any]:
    video = scratch.root / "review.mp4"
    make_review_video(video, seconds)
    minutes = seconds / 60
    results: dict[str, Any] = {
        "video": {
            "seconds": seconds,
            "size": f"{REVIEW_SIZE[0]}x{REVIEW_SIZE[1]}",
            "fps": 25,
            "scene_every_s": SCENE_EVERY_S,
            "bytes": video.stat().st_size,
        },
        "contenders": {},
    }

    def record(name: str, runs: list[float], extra: dict[str, Any] | None = None) -> None:
        median = statistics.median(runs)
        results["contenders"][name] = {
            "runs_s": runs,
            "median_s": median,
            "s_per_minute": median / minutes,
            **(extra or {}),
        }
        _progress(name, median)

    runs, _ = _best_of(
        lambda: run_command(
            "ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", video
        ),
        repeat,
    )
    record("bare ffprobe", runs)
    jpegs = scratch.root / "bare-scenes"

    def bare_scenes() -> int:
        remove_tree(jpegs)
        jpegs.mkdir()
        run_command(
            "ffmpeg", "-nostdin", "-v", "error", "-i", video,
            "-vf", "select='eq(n,0)+gt(scene,0.3)'", "-vsync", "vfr", jpegs / "%04d.jpg",
        )  # fmt: skip
        return len(list(jpegs.iterdir()))

    runs, found = _best_of(bare_scenes, repeat)
    record("bare ffmpeg scene pass (JPEGs)", runs, {"frames": found})
    try:
        from osint_kit.formats.probe import probe
    except ImportError as exc:
        results["probe"] = f"osint_kit.formats.probe not importable: {exc}"
    else:
        runs, _ = _best_of(lambda: probe(video), repeat)
        record("osint-kit probe(path)", runs)
    out = scratch.root / "keyframes"

    call = _keyframes_call(video, out)
    if isinstance(call, str):
        results["keyframes"] = call
    else:

        def once() -> Any:
            remove_tree(out)
            out.mkdir()
            return call()

        runs, found = _best_of(once, repeat)
        count = len(found) if hasattr(found, "__len__") else None
        record("osint-kit keyframes(path)", runs, {"frames": count})
    return results


# -- the table -----------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    m = results["machine"]
    fs = m["filesystem"]
    lines = [
        f"machine: {m['nproc']} CPUs, {m['cpu_model']}, {m['python']}, "
        f"{fs.get('type', '?')} on {fs.get('source', '?')}",
        f"at start: {m['load_at_start']}; at end: {m['load_at_end']}",
    ]
    d = results.get("download")
    if d:
        lines += [
            "",
            f"1. download of {d['mib']} MiB from 127.0.0.1, medians of {results['repeat']} "
            f"runs after a warm-up, order rotated; yt-dlp {d['yt_dlp']}",
        ]
        for name, c in d["contenders"].items():
            runs = " ".join(f"{s:.3f}" for s in c["runs_s"])
            lines.append(
                f"  {name:<30} {c['median_s']:8.3f} s {c['mib_per_s']:8.0f} MiB/s   runs: {runs}"
            )
        for name, ratio in d["ratios"].items():
            lines.append(f"  {name:<40} {ratio:6.2f} x")
        g = d["goal"]
        lines.append(
            f"  goal osint-kit <= {g['limit']:.2f}x curl + sync: {'met' if g['met'] else 'MISSED'}"
        )
        lines.append("  instrumented osint-kit run (nested phases indented):")
        for label, s in d["breakdown_s"].items():
            lines.append(f"    {label:<50} {s:8.3f} s")
    r = results.get("review")
    if r:
        v = r["video"]
        lines += [
            "",
            f"2. review of a {v['seconds']} s {v['size']} video ({v['bytes'] / MIB:.1f} MiB, "
            f"a scene change every {v['scene_every_s']} s)",
        ]
        for name, c in r["contenders"].items():
            extra = f"  ({c['frames']} frames)" if c.get("frames") is not None else ""
            lines.append(
                f"  {name:<34} {c['median_s']:8.3f} s = {c['s_per_minute']:7.3f} s per minute "
                f"of video{extra}"
            )
        for key in ("probe", "keyframes"):
            if key in r:
                lines.append(f"  {key}: {r[key]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--mb", type=int, help="MiB downloaded (default 500, 32 with --quick)")
    p.add_argument("--repeat", type=int, help="timed runs per contender (default 3)")
    p.add_argument("--video-s", type=int, help="seconds of the review video (default 60)")
    p.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    p.add_argument("--no-download", action="store_true", help="the review part only")
    p.add_argument("--no-review", action="store_true", help="the download part only")
    p.add_argument("--cold", action="store_true", help="drop the page cache before each run")
    p.add_argument("--out", type=Path, default=OUT_DIR / "results-media.json")
    args = p.parse_args(argv)
    mb = args.mb or (32 if args.quick else 500)
    repeat = args.repeat or (1 if args.quick else 3)
    video_s = args.video_s or (10 if args.quick else 60)
    for var in list(os.environ):  # everything here is on 127.0.0.1
        if var.lower().endswith("_proxy"):
            del os.environ[var]
    tmp_root = OUT_DIR / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="media-", dir=tmp_root))
    os.environ["OSINT_KIT_CONFIG_DIR"] = str(root / "config")
    os.environ["OSINT_KIT_DATA_DIR"] = str(root / "data")
    for var in ("OSINT_KIT_TRUST", "OSINT_KIT_TSA_URL", "OSINT_KIT_TSA_CA"):
        os.environ.pop(var, None)
    scratch = Scratch(root, EXAMINER, args.cold)
    results: dict[str, Any] = {"repeat": repeat}
    try:
        results["machine"] = machine_facts(root, REPO)
        results["machine"]["ffmpeg"] = run_command("ffmpeg", "-version").splitlines()[0]
        if not args.no_download:
            print(f"1. download of {mb} MiB: osint-kit, curl, bare yt-dlp", file=sys.stderr)
            results["download"] = measure_download(scratch, mb, repeat)
        if not args.no_review:
            print(f"2. metadata and keyframes of a {video_s} s video", file=sys.stderr)
            results["review"] = measure_review(scratch, video_s, repeat)
    finally:
        remove_tree(root)
    results["machine"]["load_at_end"] = machine_load()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nresults written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
