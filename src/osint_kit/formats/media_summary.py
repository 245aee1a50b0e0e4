"""One line of technical metadata, as a reviewer reads it first."""

from __future__ import annotations

from osint_kit.formats.media_facts import MediaFacts


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


def describe_difference(seconds: float) -> str:
    """``5 h 31 min later`` / ``2 min earlier``: a file time against the picture's own."""
    way = "later" if seconds >= 0 else "earlier"
    s = int(abs(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min"]
    if not (days or hours) and secs:
        parts.append(f"{secs} s")
    return " ".join(p for p in parts if p and p != "0 min") + f" {way}" if s else "the same"
