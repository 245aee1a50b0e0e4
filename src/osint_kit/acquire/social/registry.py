"""Finding collectors: the ``osint_kit.collectors`` entry-point group.

An outside package adds a platform by declaring, in its pyproject.toml::

    [project.entry-points."osint_kit.collectors"]
    myplatform = "my_package.collector:COLLECTOR"

where ``COLLECTOR`` satisfies ``osint_kit.acquire.social.base.Collector``. The built-in
collectors are declared the same way in osint-kit's own pyproject.toml.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from osint_kit.acquire.social.base import Collector, Target
from osint_kit.errors import InvalidTarget, PluginError

GROUP = "osint_kit.collectors"


def _load() -> tuple[dict[str, Collector], dict[str, str]]:
    """Every registered collector by platform name, and the entry points that failed."""
    found: dict[str, Collector] = {}
    broken: dict[str, str] = {}
    for ep in entry_points(group=GROUP):
        try:
            obj = ep.load()
            collector = obj() if isinstance(obj, type) else obj
        except Exception as exc:  # a plugin's own bug must not take the others down
            broken[ep.name] = f"{ep.value} could not be loaded ({type(exc).__name__}: {exc})"
            continue
        if not isinstance(collector, Collector):
            broken[ep.name] = f"{ep.value} is not a collector (see osint_kit.plugin)"
            continue
        found[collector.platform] = collector
    return found, broken


def collectors() -> dict[str, Collector]:
    """Every usable collector by platform name (read afresh: plugins may be installed later).

    A plugin that cannot be loaded is left out (``broken_collectors`` says why);
    with none at all, PluginError.
    """
    found, _ = _load()
    if not found:
        raise PluginError(
            GROUP,
            "no collectors are registered: osint-kit is not installed as a package "
            "(run make setup, or pip install -e .)",
        )
    return found


def broken_collectors() -> dict[str, str]:
    """Entry points of the collector group that could not be used, with the reason."""
    return _load()[1]


def resolve(spec: str) -> tuple[Collector, Target]:
    """``telegram:CHANNEL`` → its collector and parsed target; InvalidTarget if not possible."""
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidTarget(str(spec), "it is empty")
    text = spec.strip()
    platform, sep, rest = text.partition(":")
    known = collectors()
    broken = broken_collectors()
    if sep and platform.lower() in broken and platform.lower() not in known:
        raise PluginError(platform.lower(), broken[platform.lower()])
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
