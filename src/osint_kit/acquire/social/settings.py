"""How collection reaches the platforms, whatever the platform; recorded with every run.

Platform-specific settings are not here: each collector declares its own
options (``Collector.options``, base.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from osint_kit.errors import InvalidOption
from osint_kit.version import __version__

ENV_CONNECT_TO = "OSINT_KIT_CONNECT_TO"


def parse_routes(text: str) -> dict[str, str]:
    """``host=http(s)://address[:port],…`` (``*`` for every other host) as a mapping."""
    routes = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        host, sep, base = item.partition("=")
        if not sep or not host.strip() or not base.strip().startswith(("http://", "https://")):
            raise InvalidOption(
                ENV_CONNECT_TO, f"{item!r}: write host=http(s)://address[:port], comma-separated"
            )
        routes[host.strip().lower()] = base.strip().rstrip("/")
    return routes


@dataclass(frozen=True)
class CollectSettings:
    """How collection reaches the platforms; recorded with every collection run."""

    #: Host name -> base URL to connect to instead (like curl's --connect-to): the
    #: request keeps its URL and Host header, the connection goes elsewhere. For a
    #: mirror or gateway, and for the sandbox's fake platforms on 127.0.0.1. The host
    #: ``*`` stands for every host not named. Every host actually rerouted is
    #: recorded in the capture (``rerouted``) and shown by log, verify and the report.
    connect_to: Mapping[str, str] = field(default_factory=dict)
    timeout_s: int = 20
    #: Retries after a connection error (0 in tests: no back-off sleeps).
    retries: int = 2
    #: How often a 429 is retried, and the longest Retry-After honoured (seconds).
    rate_limit_retries: int = 3
    max_retry_after_s: int = 60
    #: Download the media of new and changed posts as exhibits.
    media: bool = True
    max_media_bytes: int = 200 * 2**20
    user_agent: str = f"osint-kit/{__version__} (read-only evidence collection)"
    #: Collector options by platform (``{"bluesky": {"appview": URL}}``), for every
    #: run these settings serve; ``Case.collect(options=...)`` adds to them per run.
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: Any) -> CollectSettings:
        """From ``OSINT_KIT_CONNECT_TO``, then ``overrides``."""
        values: dict[str, Any] = {}
        if routes := os.environ.get(ENV_CONNECT_TO):
            values["connect_to"] = parse_routes(routes)
        values.update(overrides)
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {
            "connect_to": dict(self.connect_to),
            "timeout_s": self.timeout_s,
            "retries": self.retries,
            "rate_limit_retries": self.rate_limit_retries,
            "max_retry_after_s": self.max_retry_after_s,
            "media": self.media,
            "max_media_bytes": self.max_media_bytes,
            "user_agent": self.user_agent,
        }
