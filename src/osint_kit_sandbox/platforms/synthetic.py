"""Deterministic bulk content for the demo and benchmarks: a community noticeboard.

The same ``seed`` always gives the same posts (text, times, media names), so runs
compare. Everything is invented: a neighbourhood looking for a lost dog, Biscuit,
and its everyday notices. No real people, places or links (``example.org`` only).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .common import LinkCard

if TYPE_CHECKING:
    from .bluesky import Actor, Post
    from .mastodon import Account, Status
    from .server import FakePlatforms
    from .telegram import Channel

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)

_OPENINGS = [
    "Update on Biscuit, the little brown terrier missing since Saturday:",
    "Thank you all for sharing the poster for Biscuit.",
    "Noticeboard for Elm Street and around:",
    "Reminder for everyone on the east side of the park:",
    "Volunteers for this evening's search walk:",
    "Lost and found corner:",
    "Good news from the bakery on Mill Lane:",
    "A quick note from the community centre:",
]
_BODIES = [
    "Someone saw a small dog near the allotments around 7 am. Please check sheds and garages.",
    "We will meet at the bus shelter at 6 pm with torches and treats. Bring a warm coat.",
    "The vet on Station Road has Biscuit's microchip number, so any vet can check a found dog.",
    "Posters are free to print at the library; ask at the front desk.",
    "A grey cat is waiting at the shelter for its owner, with a blue collar and a bell.",
    "Please do not chase a frightened dog; sit down, stay calm and call the number on the poster.",
    "The footpath by the river is closed for repairs until Friday, use the bridge instead.",
    "Lost: a red child's glove near the swings. Found: a set of keys on a green ring.",
]
_TAGS = ["#FindBiscuit", "#LostDog", "#Noticeboard", "#ElmStreet", "#Volunteers", "#LostAndFound"]
_LINKS = [
    "https://example.org/biscuit",
    "https://example.org/noticeboard/map",
    "https://example.org/volunteer",
]


def _text(rng: random.Random, index: int) -> str:
    parts = [rng.choice(_OPENINGS), rng.choice(_BODIES)]
    if index % 3 == 0:
        parts.append(rng.choice(_LINKS))
    parts.append(" ".join(rng.sample(_TAGS, 2)))
    return f"{parts[0]}\n{' '.join(parts[1:])}"


def _times(rng: random.Random, n: int, start: datetime) -> list[datetime]:
    out, moment = [], start
    for _ in range(n):
        moment += timedelta(minutes=rng.randint(7, 300), seconds=rng.randint(0, 59))
        out.append(moment)
    return out


def synthetic_telegram_channel(
    fake: FakePlatforms,
    name: str,
    n_posts: int,
    seed: int,
    media_every: int = 0,
    *,
    start: datetime = START,
) -> Channel:
    """A channel of ``n_posts`` posts (ids 1..n); every ``media_every``-th post has a photo
    (and every fifth of those a video instead); some carry link previews or are forwards."""
    rng = random.Random(seed)
    channel = fake.telegram.add_channel(
        name,
        title="Elm Street Noticeboard",
        description="News from the neighbourhood. Lost pets, found keys, road works.\n"
        "Contact: @elm_street_admin",
        subscribers=1000 + rng.randint(0, 9000),
    )
    for index, date in enumerate(_times(rng, n_posts, start), start=1):
        text = _text(rng, index)
        photos: list[str] = []
        video = None
        if media_every and index % media_every == 0:
            if (index // media_every) % 5 == 0:
                video = f"{name}-{index}.mp4"
            else:
                photos = [f"{name}-{index}.jpg"]
        preview = None
        if "https://example.org" in text and index % 2 == 0:
            url = next(link for link in _LINKS if link in text)
            preview = LinkCard(
                url, "Elm Street Noticeboard", "Maps and posters.", "example.org", "board-card.jpg"
            )
        channel.add_post(
            id=index,
            date=date,
            text=text,
            photos=photos,
            video=video,
            views=50 + rng.randint(0, 5000),
            forwarded_from="elm_street_admin/" + str(index) if index % 17 == 0 else None,
            link_preview=preview,
        )
    return channel


def synthetic_mastodon_account(
    fake: FakePlatforms,
    host: str,
    username: str,
    n_statuses: int,
    seed: int,
    media_every: int = 0,
    *,
    version: str = "4.2.10",
    start: datetime = START,
) -> Account:
    """An account with ``n_statuses`` statuses on ``host`` (made at ``version`` if new);
    every seventh is a reply to the one before (a thread), media as for Telegram."""
    rng = random.Random(seed)
    instance = fake.mastodon.get(host) or fake.mastodon.add_instance(host, version=version)
    account = instance.add_account(
        username,
        display_name="Elm Street Noticeboard",
        note_html="<p>News from the neighbourhood. Lost pets, found keys, road works.</p>",
        followers_count=100 + rng.randint(0, 900),
        following_count=rng.randint(0, 100),
    )
    previous: Status | None = None
    for index, date in enumerate(_times(rng, n_statuses, start), start=1):
        media: list[tuple[str, str] | tuple[str, str, str]] = []
        if media_every and index % media_every == 0:
            media = [("image", f"{username}-{index}.png", "A poster of a small brown terrier")]
        previous = instance.add_status(
            account,
            created_at=date,
            text=_text(rng, index).replace("\n", "\n\n"),
            media=media,
            in_reply_to=previous if index % 7 == 0 else None,
            favourites_count=rng.randint(0, 40),
        )
    return account


def synthetic_bluesky_actor(
    fake: FakePlatforms,
    handle: str,
    n_posts: int,
    seed: int,
    media_every: int = 0,
    *,
    start: datetime = START,
) -> Actor:
    """An actor with ``n_posts`` posts; every seventh replies to the one before, and every
    ``media_every``-th carries an image (facets for links and tags are found in the text)."""
    rng = random.Random(seed)
    actor = fake.bluesky.add_actor(
        handle,
        display_name="Elm Street Noticeboard",
        description="News from the neighbourhood. Lost pets, found keys, road works.",
        followers_count=100 + rng.randint(0, 900),
        follows_count=rng.randint(0, 100),
    )
    previous: Post | None = None
    for index, date in enumerate(_times(rng, n_posts, start), start=1):
        images: list[str | tuple[str, str]] = []
        if media_every and index % media_every == 0:
            images = [(f"{handle.split('.')[0]}-{index}.jpg", "A poster of a small brown terrier")]
        previous = fake.bluesky.add_post(
            actor,
            text=_text(rng, index),
            created_at=date,
            images=images,
            reply_to=previous if index % 7 == 0 else None,
            like_count=rng.randint(0, 60),
        )
    return actor
