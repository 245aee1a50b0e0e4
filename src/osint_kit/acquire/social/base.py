"""The collector protocol: what a platform collector is given, what it declares, what it yields.

Built-in collectors are registered as entry points in the ``osint_kit.collectors``
group, exactly as an outside plugin would register its own (see registry.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from osint_kit.acquire.social.http import PlatformHTTP
from osint_kit.acquire.social.settings import CollectSettings
from osint_kit.errors import InvalidOption
from osint_kit.record.post import Post


@dataclass(frozen=True)
class Target:
    """What to collect: ``platform``, a ``kind`` (channel, account, tag, post…), a name, a host."""

    platform: str
    kind: str
    name: str
    host: str | None = None
    #: The text the examiner gave, normalised (``mastodon:@alice@social.example``).
    spec: str = ""

    def __str__(self) -> str:
        return self.spec or f"{self.platform}:{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "kind": self.kind, "name": self.name, "host": self.host}


@dataclass(frozen=True)
class CollectorOption:
    """An option a collector declares for itself (``appview`` for Bluesky, ``via`` for
    Mastodon). Its value comes from ``options=`` (``-o NAME=VALUE`` on the command line),
    else ``$OSINT_KIT_<PLATFORM>_<NAME>``, else ``default``; it is recorded with the run."""

    name: str
    help: str
    default: str | int | bool | None = None
    choices: tuple[str, ...] = ()
    kind: type = str

    def env_var(self, platform: str) -> str:
        return f"OSINT_KIT_{platform.upper()}_{self.name.upper()}".replace("-", "_")

    def convert(self, platform: str, value: object) -> str | int | bool | None:
        """``value`` as this option's kind; InvalidOption when it is not one."""
        label = f"{platform} option {self.name}"
        if value is None:
            return None
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise InvalidOption(label, f"{value!r} is not yes or no")
            return text in ("1", "true", "yes", "on")
        if self.kind is int:
            try:
                return int(str(value).strip())
            except ValueError:
                raise InvalidOption(label, f"{value!r} is not a whole number") from None
        text = str(value).strip()
        if self.choices and text not in self.choices:
            raise InvalidOption(label, f"{text!r} is not one of {', '.join(self.choices)}")
        return text


def resolve_options(
    platform: str, declared: Sequence[CollectorOption], given: Mapping[str, object]
) -> dict[str, Any]:
    """Every declared option's value for one run: given, else environment, else default."""
    known = {o.name: o for o in declared}
    unknown = sorted(set(given) - set(known))
    if unknown:
        takes = ", ".join(sorted(known)) or "no options"
        raise InvalidOption(
            f"{platform} option {unknown[0]}",
            f"{platform} takes {takes} (osint-kit collectors lists every option)",
        )
    values: dict[str, Any] = {}
    for name, option in known.items():
        if name in given and given[name] is not None:
            raw: object = given[name]
        else:
            raw = os.environ.get(option.env_var(platform)) or option.default
        values[name] = option.convert(platform, raw)
    return values


@dataclass
class CollectionRun:
    """One run against one target: what the collector needs, and where it leaves facts."""

    target: Target
    settings: CollectSettings
    http: PlatformHTTP
    since: datetime | None = None
    limit: int | None = None
    #: The account or channel as the platform described it (stored as an exhibit).
    profile: dict[str, Any] | None = None
    #: Collector facts for the capture record (instance version, API used…).
    notes: dict[str, Any] = field(default_factory=dict)
    #: The values of the collector's own options (see ``Collector.options``).
    options: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Collector(Protocol):
    """A platform collector. ``retired`` is the reason when the platform no longer works."""

    platform: str
    retired: str | None
    #: The options this collector takes (may be empty); never another platform's.
    options: Sequence[CollectorOption]

    def parse_target(self, text: str) -> Target:
        """``text`` is what follows ``platform:``; raise InvalidTarget when malformed."""
        ...

    def method(self, target: Target) -> str:
        """The acquisition method on the record, e.g. ``social.telegram``."""
        ...

    def collect(self, run: CollectionRun) -> Iterator[Post]:
        """Posts, newest first where the platform allows; raise CollectionFailed kinds."""
        ...
