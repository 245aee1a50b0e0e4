"""Exhibit labels (``E0001``) written the short way: consecutive numbers as runs."""

from __future__ import annotations

from collections.abc import Iterable


def label_runs(labels: Iterable[str], most: int | None = None) -> str:
    """``E0003..E0005, E0009``: exhibit labels with consecutive numbers folded into runs,
    so a printed range never takes in exhibits of another kind; past ``most`` runs,
    the rest is counted."""
    numbered = sorted({(label[:1], int(label[1:])) for label in labels if label[1:].isdigit()})
    runs: list[tuple[str, int, int]] = []
    for prefix, n in numbered:
        if runs and runs[-1][0] == prefix and runs[-1][2] == n - 1:
            runs[-1] = (prefix, runs[-1][1], n)
        else:
            runs.append((prefix, n, n))
    width = max((len(label) - 1 for label in labels), default=4)
    parts = [
        f"{p}{a:0{width}d}" if a == b else f"{p}{a:0{width}d}..{p}{b:0{width}d}" for p, a, b in runs
    ]
    if most is not None and len(parts) > most:
        parts = [*parts[:most], f"… {len(parts) - most} more"]
    return ", ".join(parts)
