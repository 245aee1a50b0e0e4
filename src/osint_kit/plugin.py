"""What a collector plugin needs, in one import.

A platform is one module and one entry point (docs/collectors.md shows a whole
one). The module defines an object with ``platform``, ``retired``, ``options``,
``parse_target``, ``method`` and ``collect`` (the ``Collector`` protocol) and
declares it in its package's ``pyproject.toml``::

    [project.entry-points."osint_kit.collectors"]
    myplatform = "my_package.collector:COLLECTOR"

``collect(run)`` fetches through ``run.http`` (read-only, and every exchange
goes into the run's WARC), yields ``Post`` records, and raises the
``CollectionFailed`` kinds below; ``for_status``, ``from_exception`` and
``json_body`` turn what the wire said into the right one. osint-kit stores,
compares with earlier runs, downloads media and records; the plugin never
writes to the case.
"""

from osint_kit.acquire.social.base import CollectionRun, Collector, CollectorOption, Target
from osint_kit.acquire.social.failures import for_status, from_exception, json_body
from osint_kit.acquire.social.http import PlatformHTTP
from osint_kit.acquire.social.registry import GROUP as ENTRY_POINT_GROUP
from osint_kit.acquire.social.settings import CollectSettings
from osint_kit.base.dates import format_seconds, parse_time
from osint_kit.errors import (
    AccountNotFound,
    CollectionFailed,
    InvalidTarget,
    PlatformError,
    PlatformUnreachable,
    RateLimited,
    TimedOut,
    UnexpectedResponse,
)
from osint_kit.record.post import Author, Media, Post

__all__ = [
    "ENTRY_POINT_GROUP",
    "AccountNotFound",
    "Author",
    "CollectSettings",
    "CollectionFailed",
    "CollectionRun",
    "Collector",
    "CollectorOption",
    "InvalidTarget",
    "Media",
    "PlatformError",
    "PlatformHTTP",
    "PlatformUnreachable",
    "Post",
    "RateLimited",
    "Target",
    "TimedOut",
    "UnexpectedResponse",
    "for_status",
    "format_seconds",
    "from_exception",
    "json_body",
    "parse_time",
]
