"""The decode check: is the media really there to its end, without decoding it all?

Separate from ``probe`` because it is its own measurement, with its own bounds and
blind spots (below), and ``probe`` only decides whether to run it. ffprobe trusts
the index: an MP4 whose moov atom sits first and whose data was cut, or a Matroska
file cut short, reports its full duration. A full decode answers for certain
but costs the whole video's decoding time. Bounded instead, two ffprobe runs on
the tail of the first video stream (or the first audio stream when there is no
video):

1. demux only the last ``TAIL_S`` seconds (from the keyframe before them in
   indexed containers): where the packets end, of every stream and of that
   stream, is compared with the duration the file declares; data ending more
   than ``TOLERANCE_S`` early means the file is cut short;
2. decode that stream from its last keyframe at least ``DECODE_S`` seconds
   before the end: no frame, or frames stopping short of the last packet,
   means it does not decode to the end.

Cost: two ffprobe starts, demuxing the last ~5 s and decoding from one keyframe
to the end, whatever the video's length. Measured on this project's 2-core
machine: 0.25 s for a 60 s 640x360 H.264 file with 10 s GOPs (a full decode:
0.9 s), 0.4 s at 1920x1080 (full decode: 2.4 s); a full decode grows with the
length, this check does not.

What it cannot see: damage in the middle of a file whose end is intact, and a
cut in a format that declares no duration (MPEG-TS, raw streams: their duration
is estimated from the data that is there). In a file without an index whose last
5 s hold no keyframe, decoding is not checked (a ``warning:``). A picture is
decoded in full; any decoding error in it is a ``decode:`` problem.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from osint_kit.formats.media_facts import Stream
from osint_kit.formats.media_tools import MAX_PROBLEM, ToolRun, clean_error, media_input, run_tool
from osint_kit.formats.untrusted_values import as_float, as_int, as_mapping

TAIL_S = 5.0
DECODE_S = 3.0
TOLERANCE_S = 0.5


def _json_list(run: ToolRun, key: str) -> list[Mapping[str, Any]]:
    try:
        data = json.loads(run.stdout) if run.stdout.strip() else {}
    except ValueError:
        return []
    found = as_mapping(data).get(key)
    return [item for item in found if isinstance(item, Mapping)] if isinstance(found, list) else []


def check_decoding(
    exe: str,
    path: Path,
    picture: bool,
    stream: Stream | None,
    fmt: Mapping[str, Any],
    timeout_s: float,
) -> list[str]:
    """See the module's docstring. Returns problems (``decode:`` blocking, ``warning:`` not)."""
    src = media_input(path)
    if stream is None:
        return []
    frames_of = [exe, "-v", "error", "-select_streams", str(stream.index)]
    frames_of += ["-show_entries", "frame=best_effort_timestamp_time", "-of", "json"]
    if picture:
        run = run_tool([*frames_of, "-pattern_type", "none", src], timeout_s)
        # A still has no later frame to recover in: any decoding error (a truncated
        # JPEG's "overread") means a damaged picture.
        if run.timed_out or run.returncode != 0 or not _json_list(run, "frames"):
            return [f"decode: the picture does not decode: {clean_error(run.stderr, path)}"]
        if run.stderr.strip():
            return [f"decode: the picture is damaged: {clean_error(run.stderr, path)}"]
        return []
    start = as_float(fmt.get("start_time"), negative=True) or 0.0
    duration = as_float(fmt.get("duration"))
    if not duration:
        return ["warning: decode: not checked, the file declares no duration"]
    end = start + duration
    tail_from = max(start, end - TAIL_S)
    run = run_tool(
        [
            *(exe, "-v", "error", "-read_intervals", f"{tail_from:.6f}%"),
            *("-show_entries", "packet=stream_index,pts_time,dts_time,duration_time,flags"),
            *("-of", "json", src),
        ],
        timeout_s,
    )
    if run.timed_out or run.returncode != 0:
        return [f"decode: reading the end of the file failed: {clean_error(run.stderr, path)}"]
    packets = []
    for p in _json_list(run, "packets"):
        at = as_float(p.get("pts_time"), negative=True)
        at = as_float(p.get("dts_time"), negative=True) if at is None else at
        if at is not None:
            length = as_float(p.get("duration_time")) or 0.0
            flags = p.get("flags")
            packets.append((as_int(p.get("stream_index")), at, at + length, str(flags or "")))
    errors = clean_error(run.stderr, path) if run.stderr.strip() else ""
    ours = [p for p in packets if p[0] == stream.index]
    data_end = max((p[2] for p in packets), default=None)
    declared = [(end, "the file")]
    if stream.duration_s and stream.start_s is not None:
        declared.append((stream.start_s + stream.duration_s, f"its {stream.kind} stream"))
    for expected, whose in declared:
        got = data_end if whose == "the file" else max((p[2] for p in ours), default=None)
        if got is None or got < expected - TOLERANCE_S:
            ends = "no data" if got is None else f"data ends at {got - start:.2f} s"
            return [
                f"decode: cut short: {ends} of the {expected - start:.2f} s {whose} declares"
                + (f" ({errors})" if errors else "")
            ]
    keys = sorted(p[1] for p in ours if "K" in p[3])
    if not keys:
        return [f"warning: decode: not checked, no keyframe in the last {TAIL_S:g} s"]
    before = [k for k in keys if k <= end - DECODE_S]
    decode_from = before[-1] if before else keys[0]
    run = run_tool([*frames_of, "-read_intervals", f"{decode_from:.6f}%", src], timeout_s)
    frames = [
        t
        for f in _json_list(run, "frames")
        if (t := as_float(f.get("best_effort_timestamp_time"), negative=True)) is not None
    ]
    last_packet = max(p[1] for p in ours)
    decoded = clean_error(run.stderr, path) if run.stderr.strip() else ""
    if run.timed_out or run.returncode != 0 or not frames:
        return [f"decode: the end of the {stream.kind} does not decode: {decoded or 'no frame'}"]
    if max(frames) < last_packet - TOLERANCE_S:
        return [
            f"decode: decoding stops at {max(frames) - start:.2f} s of "
            f"{last_packet - start:.2f} s" + (f" ({decoded})" if decoded else "")
        ]
    found = [e for e in (errors, decoded) if e]
    return [f"warning: decode: {'; '.join(found)}"[:MAX_PROBLEM]] if found else []
