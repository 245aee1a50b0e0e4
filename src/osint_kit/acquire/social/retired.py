"""Platforms whose snscrape modules no longer work against the live sites.

They stay registered so that ``twitter:someone`` gets a clear answer and a
``collection.failed`` event on the record, instead of a crash or silence.
Their pages can still be captured in the browser (``osint-kit capture``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from osint_kit.acquire.social.base import CollectionRun, CollectorOption, Target
from osint_kit.errors import InvalidTarget
from osint_kit.record.post import Post


@dataclass(frozen=True)
class RetiredCollector:
    platform: str
    site: str
    why: str
    options: tuple[CollectorOption, ...] = ()

    @property
    def retired(self) -> str:
        return (
            f"collecting from {self.platform} no longer works ({self.why}); "
            f"capture its pages in the browser instead: osint-kit capture CASE {self.site}/…"
        )

    def parse_target(self, text: str) -> Target:
        if not text.strip():
            raise InvalidTarget(f"{self.platform}:", "nothing to collect")
        return Target(
            self.platform, "account", text.strip(), None, f"{self.platform}:{text.strip()}"
        )

    def method(self, target: Target) -> str:
        return f"social.{self.platform}"

    def collect(self, run: CollectionRun) -> Iterator[Post]:
        raise AssertionError("a retired collector is never run")
        yield  # pragma: no cover


TWITTER = RetiredCollector(
    "twitter", "https://x.com", "the site closed the access snscrape used in 2023"
)
REDDIT = RetiredCollector(
    "reddit", "https://www.reddit.com", "the Pushshift archive it read closed"
)
FACEBOOK = RetiredCollector("facebook", "https://www.facebook.com", "the site blocks its scraper")
INSTAGRAM = RetiredCollector(
    "instagram", "https://www.instagram.com", "the site blocks its scraper"
)
VKONTAKTE = RetiredCollector("vk", "https://vk.com", "the site blocks its scraper")
