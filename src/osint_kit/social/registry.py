"""Finding collectors: the ``osint_kit.collectors`` entry-point group.

An outside package adds a platform by declaring, in its pyproject.toml::

    [project.entry-points."osint_kit.collectors"]
    myplatform = "my_package.collector:COLLECTOR"

where ``COLLECTOR`` satisfies ``osint_kit.social.base.Collector``. The built-in
collectors are declared the same way in osint-kit's own pyproject.toml.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from ..errors import InvalidTarget, PluginError
from .base import Collector, Target

GROUP = "osint_kit.collectors"


def collectors() -> dict[str, Collector]:
    """Every registered collector by platform name (read afresh: plugins may be installed later)."""
    found: dict[str, Collector] = {}
    for ep in entry_points(group=GROUP):
        obj = ep.load()
        collector = obj() if isinstance(obj, type) else obj
        if not isinstance(collector, Collector):
            raise PluginError(f"{ep.name} = {ep.value}", "it is not a collector")
        found[collector.platform] = collector
    if not found:
        raise PluginError(
            GROUP,
            "no collectors are registered: osint-kit is not installed as a package "
            "(run make setup, or pip install -e .)",
        )
    return found


def resolve(spec: str) -> tuple[Collector, Target]:
    """``telegram:CHANNEL`` → its collector and parsed target; InvalidTarget if not possible."""
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidTarget(str(spec), "it is empty")
    text = spec.strip()
    platform, sep, rest = text.partition(":")
    known = collectors()
    if not sep or platform.lower() not in known:
        names = ", ".join(sorted(known))
        raise InvalidTarget(
            text,
            f"unknown platform {platform!r}; write PLATFORM:WHAT with one of: {names} "
            "(web pages are captured with: osint-kit capture CASE URL)",
        )
    collector = known[platform.lower()]
    if not rest.strip():
        raise InvalidTarget(text, f"nothing follows {platform}:")
    return collector, collector.parse_target(rest.strip())
