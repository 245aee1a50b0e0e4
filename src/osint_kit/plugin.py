"""What a plugin needs, in one import: a collector, or event types of its own.

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
writes to the case. ``collectors()`` and ``broken_collectors()`` say what is installed.

A plugin that writes events of a type of its own declares each type once as an
``ActionType`` (its meaning, who writes it, its details, its one-line summary, when a
bundle carries it in full) under the ``osint_kit.actions`` entry points
(``ACTIONS_ENTRY_POINT_GROUP``); docs/collectors.md#event-types shows one.
"""

from osint_kit.acquire.social.base import CollectionRun, Collector, CollectorOption, Target
from osint_kit.acquire.social.failures import for_status, from_exception, json_body
from osint_kit.acquire.social.http import PlatformHTTP
from osint_kit.acquire.social.registry import GROUP as ENTRY_POINT_GROUP
from osint_kit.acquire.social.registry import broken_collectors, collectors
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
from osint_kit.record.action_type import ActionType, Described, Disclosure
from osint_kit.record.actions import GROUP as ACTIONS_ENTRY_POINT_GROUP
from osint_kit.record.actions import registry as action_types
from osint_kit.record.post import Author, Media, Post

__all__ = [
    "ACTIONS_ENTRY_POINT_GROUP",
    "ENTRY_POINT_GROUP",
    "AccountNotFound",
    "ActionType",
    "Author",
    "CollectSettings",
    "CollectionFailed",
    "CollectionRun",
    "Collector",
    "CollectorOption",
    "Described",
    "Disclosure",
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
    "action_types",
    "broken_collectors",
    "collectors",
    "for_status",
    "format_seconds",
    "from_exception",
    "json_body",
    "parse_time",
]
