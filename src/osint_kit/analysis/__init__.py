"""The analysis API: what a case holds as tables, networks, timelines, search hits and
repeated pictures (``case.analysis`` returns these; docs/analysis.md, docs/tables.md).

Import from here (``from osint_kit.analysis import POSTS_SCHEMA, most_targeted``); the
modules of this package are its parts.
"""

from osint_kit.analysis.images import (
    CLUSTERS_SCHEMA,
    IMAGE_HASHES_SCHEMA,
    ImageHashList,
    RepeatedImages,
)
from osint_kit.analysis.network import (
    KINDS as NETWORK_KINDS,
)
from osint_kit.analysis.network import (
    groups,
    interactive,
    kinds_count,
    most_active,
    most_targeted,
    targeting,
    timeline_of,
)
from osint_kit.analysis.patterns import PATTERNS as SEARCH_PATTERNS
from osint_kit.analysis.posts import (
    ACCOUNTS_SCHEMA,
    INTERACTIONS_SCHEMA,
    POSTS_SCHEMA,
    AccountList,
    InteractionList,
    PostList,
)
from osint_kit.analysis.search import SEARCH_SCHEMA, SearchHits
from osint_kit.analysis.tables import FACT_FIELDS, MEDIA_FACTS_SCHEMA, MEDIA_SCHEMA, MediaList
from osint_kit.analysis.timeline import TIMELINE_SCHEMA, TimelineList, activity
from osint_kit.formats.media_summary import describe_difference

__all__ = [
    "ACCOUNTS_SCHEMA",
    "CLUSTERS_SCHEMA",
    "FACT_FIELDS",
    "IMAGE_HASHES_SCHEMA",
    "INTERACTIONS_SCHEMA",
    "MEDIA_FACTS_SCHEMA",
    "MEDIA_SCHEMA",
    "NETWORK_KINDS",
    "POSTS_SCHEMA",
    "SEARCH_PATTERNS",
    "SEARCH_SCHEMA",
    "TIMELINE_SCHEMA",
    "AccountList",
    "ImageHashList",
    "InteractionList",
    "MediaList",
    "PostList",
    "RepeatedImages",
    "SearchHits",
    "TimelineList",
    "activity",
    "describe_difference",
    "groups",
    "interactive",
    "kinds_count",
    "most_active",
    "most_targeted",
    "targeting",
    "timeline_of",
]
