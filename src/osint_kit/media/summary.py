"""One line of technical metadata, as a reviewer reads it first."""

from __future__ import annotations

from .probe import MediaFacts


def facts_line(facts: MediaFacts) -> str:
    """``video 6.0 s, 320x240, 25 fps, h264/aac; taken 2026-11-20T21:40:00Z at 51.50070,
    -0.12460; Apple iPhone 15``: what a reviewer reads first."""
    parts = []
    what = []
    if facts.duration_s is not None and not facts.picture:
        what.append(f"{facts.duration_s:.1f} s")
    if facts.width and facts.height:
        what.append(f"{facts.width}x{facts.height}")
    if facts.fps and not facts.picture:
        what.append(f"{facts.fps:g} fps")
    codecs = "/".join(c for c in (facts.video_codec, facts.audio_codec) if c)
    if codecs:
        what.append(codecs)
    if what:
        parts.append(", ".join(what))
    if facts.created:
        parts.append(f"taken {facts.created}")
    if facts.gps:
        parts.append(f"at {facts.gps[0]:.5f}, {facts.gps[1]:.5f}")
    device = " ".join(x for x in (facts.make, facts.model) if x)
    if device:
        parts.append(device)
    if facts.problems:
        parts.append(f"PROBLEM: {facts.problems[0]}")
    return "; ".join(parts)
