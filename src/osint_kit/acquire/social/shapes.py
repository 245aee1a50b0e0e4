"""The platform answers the collectors read, as pydantic models, checked before use.

Every JSON answer a collector reads (Mastodon's REST API, Bluesky's XRPC) is
validated against the model of its endpoint before any field of it is used. The
models are lenient where platforms legitimately vary (keys they add are ignored,
fields older servers leave out are optional) and strict on what the collectors
use (ids are strings, times parse, a mention names its account). A mismatch is
an ``UnexpectedResponse`` whose reason names the URL and the field's path
(``descendants[3].account.acct: field required``): the run records a
parse-error, never a traceback.

Lists inside an answer (a page of statuses, a thread's replies) are checked item
by item through an :class:`Answer`, so the items that fit are still used and the
first that does not is named when the answer has been read.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    ValidationError,
    model_validator,
)

from osint_kit.base.dates import parse_time
from osint_kit.errors import UnexpectedResponse

M = TypeVar("M", bound=BaseModel)


def _time(value: str) -> str:
    parse_time(value, what="time")  # InvalidTime is a ValueError: pydantic reports it
    return value


#: An ISO 8601 time as the platforms write them.
Timestamp = Annotated[str, AfterValidator(_time)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
#: Mastodon's ``acct``: ``user`` for an account local to the instance answering, else
#: ``user@host``.
Acct = Annotated[str, StringConstraints(pattern=r"^[^@\s/]+(@[^@\s/]+)?$")]
Did = Annotated[str, StringConstraints(pattern=r"^did:[a-z]+:[A-Za-z0-9._:%-]+$")]
AtPostUri = Annotated[
    str, StringConstraints(pattern=r"^at://[^/\s]+/app\.bsky\.feed\.post/[^/\s]+$")
]


class Shape(BaseModel):
    """Keys a platform adds are ignored; the fields declared are checked."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Items(RootModel[list[Any]]):
    """A JSON list whose items are checked one by one."""


# -- Mastodon (REST API v1) -------------------------------------------------------


class MastodonInstance(Shape):
    """``/api/v1/instance``: the version, and (``uri``) the domain of local handles."""

    version: str
    uri: str | None = None


class MastodonAccount(Shape):
    id: NonEmpty
    acct: Acct
    username: str | None = None
    display_name: str | None = None
    url: str | None = None
    uri: str | None = None


class MastodonMention(Shape):
    id: NonEmpty
    acct: Acct
    url: str | None = None


class MastodonTag(Shape):
    name: str


class MastodonAttachment(Shape):
    id: NonEmpty
    type: str = "unknown"
    url: str | None = None
    remote_url: str | None = None
    description: str | None = None


class MastodonCard(Shape):
    url: str | None = None


class MastodonQuote(Shape):
    """A quote (Mastodon 4.4+): ``quoted_status`` in full, or only ``quoted_status_id``
    (a quote nested in a quote); both empty while it is pending, revoked, deleted…"""

    state: str | None = None
    quoted_status: MastodonStatus | None = None
    quoted_status_id: str | None = None


class MastodonStatus(Shape):
    id: NonEmpty
    uri: NonEmpty
    url: str | None = None
    created_at: Timestamp
    edited_at: Timestamp | None = None
    content: str | None = None
    language: str | None = None
    in_reply_to_id: str | None = None
    in_reply_to_account_id: str | None = None
    account: MastodonAccount
    reblog: MastodonStatus | None = None
    quote: MastodonQuote | None = None
    mentions: list[MastodonMention] | None = None
    tags: list[MastodonTag] | None = None
    media_attachments: list[MastodonAttachment] | None = None
    card: MastodonCard | None = None
    replies_count: int | None = None
    reblogs_count: int | None = None
    favourites_count: int | None = None
    quotes_count: int | None = None


class MastodonContext(Shape):
    """``/api/v1/statuses/:id/context``; each status in it is checked on its own."""

    ancestors: list[Any]
    descendants: list[Any]


# -- Bluesky (AppView XRPC) -------------------------------------------------------


class BlueskyProfile(Shape):
    """``app.bsky.actor.getProfile``, and every profileView(Basic) in a post."""

    did: Did
    handle: NonEmpty
    displayName: str | None = None


class BlueskyAuthorRef(Shape):
    """An author as an embedded record shows it (a blocked one has no handle)."""

    did: Did
    handle: str | None = None
    displayName: str | None = None


class BlueskyRef(Shape):
    uri: NonEmpty


class BlueskyReplyRef(Shape):
    parent: BlueskyRef
    root: BlueskyRef | None = None


class BlueskyFeature(Shape):
    type: str = Field("", alias="$type")
    did: Did | None = None
    tag: str | None = None
    uri: str | None = None

    @model_validator(mode="after")
    def _has_its_value(self) -> BlueskyFeature:
        kind = self.type.rsplit("#", 1)[-1]
        needed = {"mention": self.did, "tag": self.tag, "link": self.uri}
        if kind in needed and needed[kind] is None:
            field = {"mention": "did", "tag": "tag", "link": "uri"}[kind]
            raise ValueError(f"a {kind} facet needs its {field}")
        return self


class BlueskyByteSlice(Shape):
    byteStart: int = 0
    byteEnd: int = 0


class BlueskyFacet(Shape):
    index: BlueskyByteSlice
    features: list[BlueskyFeature]


class BlueskyPostRecord(Shape):
    """An ``app.bsky.feed.post`` record."""

    text: str = ""
    createdAt: Timestamp | None = None
    facets: list[BlueskyFacet] | None = None
    langs: list[str] | None = None
    reply: BlueskyReplyRef | None = None


class BlueskyImage(Shape):
    fullsize: NonEmpty
    alt: str | None = None


class BlueskyExternal(Shape):
    uri: str | None = None


class BlueskyRecordView(Shape):
    """What a record embed shows: a quoted post (``#viewRecord``), or one not found,
    blocked, detached, or a feed, list or starter pack; in ``recordWithMedia`` it is
    wrapped once more (``record.record``)."""

    type: str = Field("", alias="$type")
    uri: str | None = None
    author: BlueskyAuthorRef | None = None
    value: BlueskyPostRecord | None = None
    embeds: list[BlueskyEmbed] | None = None
    indexedAt: Timestamp | None = None
    record: BlueskyRecordView | None = None
    replyCount: int | None = None
    repostCount: int | None = None
    likeCount: int | None = None
    quoteCount: int | None = None

    @model_validator(mode="after")
    def _a_post_in_full(self) -> BlueskyRecordView:
        if self.type.endswith("#viewRecord"):
            if not self.uri or self.author is None or self.value is None:
                raise ValueError("a quoted record (#viewRecord) needs uri, author and value")
            if not self.author.handle:
                raise ValueError("a quoted record's author needs a handle")
            if self.value.createdAt is None and self.indexedAt is None:
                raise ValueError("a quoted record needs value.createdAt or indexedAt")
        return self


class BlueskyEmbed(Shape):
    type: str = Field("", alias="$type")
    images: list[BlueskyImage] | None = None
    playlist: str | None = None
    alt: str | None = None
    external: BlueskyExternal | None = None
    record: BlueskyRecordView | None = None
    media: BlueskyEmbed | None = None

    @model_validator(mode="after")
    def _has_its_parts(self) -> BlueskyEmbed:
        kind = self.type
        if kind.startswith("app.bsky.embed.images") and self.images is None:
            raise ValueError("an images embed needs images")
        if kind.startswith("app.bsky.embed.video") and not self.playlist:
            raise ValueError("a video embed needs its playlist")
        if kind.startswith("app.bsky.embed.record") and self.record is None:
            raise ValueError("a record embed needs its record")
        return self


class BlueskyPostView(Shape):
    uri: AtPostUri
    author: BlueskyProfile
    record: BlueskyPostRecord
    embed: BlueskyEmbed | None = None
    indexedAt: Timestamp | None = None
    replyCount: int | None = None
    repostCount: int | None = None
    likeCount: int | None = None
    quoteCount: int | None = None

    @model_validator(mode="after")
    def _has_a_time(self) -> BlueskyPostView:
        if self.record.createdAt is None and self.indexedAt is None:
            raise ValueError("a post needs record.createdAt or indexedAt")
        return self


class BlueskyReason(Shape):
    """Why a feed item is there: a repost (who, when) or a pin."""

    type: str = Field("", alias="$type")
    by: BlueskyProfile | None = None
    uri: str | None = None
    indexedAt: Timestamp | None = None

    @property
    def is_repost(self) -> bool:
        return self.type.endswith("#reasonRepost")

    @model_validator(mode="after")
    def _repost_says_who(self) -> BlueskyReason:
        if self.is_repost and (self.by is None or self.indexedAt is None):
            raise ValueError("a repost reason needs by and indexedAt")
        return self


class BlueskyFeedItem(Shape):
    post: BlueskyPostView
    reason: BlueskyReason | None = None


class BlueskyFeed(Shape):
    """``app.bsky.feed.getAuthorFeed``; each item is checked on its own."""

    feed: list[Any]
    cursor: str | None = None


class BlueskyThreadAnswer(Shape):
    """``app.bsky.feed.getPostThread``."""

    thread: dict[str, Any]


class BlueskyThreadRoot(Shape):
    """The thread's own post: it must be there (a missing one is a 400 NotFound)."""

    post: dict[str, Any]
    parent: dict[str, Any] | None = None
    replies: list[Any] | None = None


class BlueskyThreadNode(Shape):
    """A parent or reply: a threadViewPost, or a notFoundPost / blockedPost without ``post``."""

    type: str = Field("", alias="$type")
    post: dict[str, Any] | None = None
    parent: dict[str, Any] | None = None
    replies: list[Any] | None = None


for _model in (MastodonQuote, MastodonStatus, BlueskyRecordView, BlueskyEmbed):
    _model.model_rebuild()


# -- checking -----------------------------------------------------------------------


def field_path(at: str, loc: tuple[int | str, ...]) -> str:
    """``descendants[3]`` + ``("account", "acct")`` → ``descendants[3].account.acct``."""
    out = at
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "the answer"


_JSON_TYPES = {
    type(None): "null",
    bool: "true/false",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
}

_SAID = {
    "missing": "field required",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "dict_type": "expected an object",
    "list_type": "expected a list",
    "string_type": "expected a string",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
}


def describe(exc: ValidationError, at: str = "") -> list[str]:
    """Each problem as ``path: what is wrong (got …)``."""
    out = []
    for error in exc.errors(include_url=False):
        kind = str(error.get("type", ""))
        said = _SAID.get(kind)
        if said is None:
            said = str(error.get("msg", kind)).removeprefix("Value error, ")
            said = said[:1].lower() + said[1:]
        if kind.endswith(("_type", "_parsing")):
            got = _JSON_TYPES.get(type(error.get("input")), "something else")
            said += f" (got {got})"
        out.append(f"{field_path(at, tuple(error.get('loc', ())))}: {said}")
    return out


class Answer:
    """One platform answer, checked against the models of its parts.

    ``require`` checks a part the rest depends on (the envelope, a thread's own post)
    and raises at once. ``check`` checks one item of a list: None when it does not
    fit, and the problem is kept; ``close`` raises for the first kept problem once the
    items that fit have been used.
    """

    def __init__(self, target: str, url: str) -> None:
        self.target = target
        self.url = url
        self.problems: list[str] = []

    def require(self, model: type[M], data: Any, at: str = "") -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.problems[:0] = describe(exc, at)[:1]
            raise self.failure() from None

    def check(self, model: type[M], data: Any, at: str = "") -> M | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.problems.extend(describe(exc, at)[:1])
            return None

    def note(self, problem: str) -> None:
        """A problem found outside a model (an snscrape item, say)."""
        self.problems.append(problem)

    def failure(self) -> UnexpectedResponse:
        first = self.problems[0] if self.problems else "the answer"
        more = len(self.problems) - 1
        also = f"; {more} more item(s) did not fit either" if more > 0 else ""
        return UnexpectedResponse(
            self.target,
            f"{self.url} answered in a shape osint-kit does not expect: {first}{also}",
            url=self.url,
        )

    def close(self) -> None:
        if self.problems:
            raise self.failure()
