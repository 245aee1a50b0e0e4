"""``case.analysis``: what the case holds, as tables, a network, a timeline, search hits and
repeated pictures; and an analysis kept as a derived exhibit that names its inputs.

Reading never changes the record; the ``export_*`` methods store their output as a
derived exhibit (an ``analysis.derived`` event) naming the exhibits it rests on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from osint_kit.analysis.derive import exhibit_file, record_derived
from osint_kit.analysis.images import ImageHashList, RepeatedImages, clusters_json
from osint_kit.analysis.images import image_hashes as hash_images
from osint_kit.analysis.images import repeated_images as find_repeated_images
from osint_kit.analysis.media_facts import media_facts, with_facts
from osint_kit.analysis.network import EXPORTS as NETWORK_EXPORTS
from osint_kit.analysis.network import KINDS as NETWORK_KINDS
from osint_kit.analysis.network import (
    build_network,
    check_kinds,
    interactive,
    to_gexf,
    to_graphml,
    to_png,
)
from osint_kit.analysis.posts import (
    AccountList,
    InteractionList,
    PostList,
    accounts_from_posts,
    interactions_from_posts,
    posts_from_events,
)
from osint_kit.analysis.search import SearchHits
from osint_kit.analysis.search import search as search_texts
from osint_kit.analysis.tables import CaseTables, MediaList
from osint_kit.analysis.timeline import TimelineList, activity, activity_png, timeline_rows
from osint_kit.base.display import THUMBNAIL_BYTES
from osint_kit.errors import InvalidOption
from osint_kit.record.examiner import Examiner, resolve_examiner
from osint_kit.record.exhibits import Exhibit

if TYPE_CHECKING:
    from osint_kit.folder.write import CaseWriter


class CaseAnalysis:
    """The analyses of one case (``case.analysis``)."""

    def __init__(self, writer: CaseWriter) -> None:
        self._writer = writer

    def posts(self, target: str | None = None) -> PostList:
        """Collected posts, the latest version of each, newest first.

        ``.to_frame()`` gives pandas (Arrow-backed dtypes), ``.to_arrow()`` a
        ``pyarrow.Table``; the columns are ``POSTS_SCHEMA`` (docs/tables.md) whatever
        the data. The whole case's table is kept in ``derived/tables/posts.parquet``
        and made again only when the log has moved on. ``target``
        (``telegram:CHANNEL``…) narrows to one collection target; ``deleted`` says a
        later run found the post gone by the platform's word, ``listed`` false that a
        later run no longer listed it.
        """
        w = self._writer
        if target is None:
            posts = PostList.from_arrow(self._tables().table("posts"))
        else:
            posts = posts_from_events(w.log.events(), w.read_blob, target)
        posts.pictures = self._pictures()
        return posts

    def accounts(self, target: str | None = None) -> AccountList:
        """Every account that wrote or was mentioned in the collected posts, by key
        (``mastodon:@user@host``, ``bluesky:did:…``, ``telegram:@channel``): handle,
        names, ids, how many posts, first and last, how often mentioned
        (``ACCOUNTS_SCHEMA``)."""
        w = self._writer
        if target is None:
            return AccountList.from_arrow(self._tables().table("accounts"))
        return accounts_from_posts(posts_from_events(w.log.events(), w.read_blob, target))

    def interactions(self, target: str | None = None) -> InteractionList:
        """One row per reply, mention, repost and quote whose target account is known:
        ``kind``, ``source`` and ``target`` account keys, the post's exhibit and id, the
        post replied to, reposted or quoted, and the time (``INTERACTIONS_SCHEMA``)."""
        if target is None:
            return InteractionList.from_arrow(self._tables().table("interactions"))
        return interactions_from_posts(self.posts(target))

    def media(self, *, facts: bool = True) -> MediaList:
        """Every picture, video and sound exhibit, whatever its source, with the posts that
        carry its bytes, their accounts and platforms, and when it was first posted
        (``MEDIA_SCHEMA``); with ``facts`` also its technical metadata (``FACT_FIELDS``:
        duration, size in pixels, frame rate, codecs, the time and place it says it was
        taken, the device, problems), as its acquisition recorded them or read from the
        blob once and kept in ``derived/tables/media_facts.json``: ``MEDIA_FACTS_SCHEMA``)."""
        table = self._tables().table("media")
        if facts:
            shas = table.column("sha256").to_pylist()
            kinds = table.column("media_type").to_pylist()
            pairs = zip(shas, kinds, strict=True)
            table = with_facts(table, media_facts(self._writer, self._writer.views, pairs))
        media = MediaList.from_arrow(table)
        media.pictures = self._pictures()
        return media

    def timeline(self) -> TimelineList:
        """One time axis, oldest first: posts written and edited, pages captured,
        collection runs, handed-over files last modified and imported, notes
        (``TIMELINE_SCHEMA``; ``kind`` says which time a row is)."""
        return timeline_rows(self._writer.log.events(), self.posts())

    def network(
        self, kinds: Iterable[str] = NETWORK_KINDS, *, target: str | None = None
    ) -> nx.MultiDiGraph:
        """The accounts as a ``networkx.MultiDiGraph``: one node per account key, one edge
        per interaction of the chosen kinds (``reply``, ``mention``, ``repost``,
        ``quote``) with its kind, post exhibit, post id and time. ``osint_kit.analysis``
        has the analyses: ``targeting``, ``most_targeted``, ``most_active``, ``groups``,
        ``timeline_of``."""
        return build_network(
            self.interactions(target).to_arrow(), self.accounts(target).to_arrow(), kinds
        )

    def network_view(
        self, kinds: Iterable[str] = NETWORK_KINDS, *, target: str | None = None
    ) -> Any:
        """The network to pan, zoom, search, filter and click in JupyterLab (an ipysigma
        widget, the ``lab`` extra; without it, the drawn picture): node size by
        interactions received, colour by group, labels by handle. Reads only."""
        return interactive(self.network(kinds, target=target))

    def search(
        self,
        query: str | None = None,
        *,
        pattern: str | None = None,
        regex: str | None = None,
        kinds: Iterable[str] | None = None,
        limit: int = 100,
    ) -> SearchHits:
        """Full-text search over post texts (latest versions), captured page texts,
        imported text files and notes (``kinds``: ``post``, ``page``, ``file``, ``note``).

        ``query`` is SQLite FTS5's language: words, ``"a phrase"``, ``OR``, ``NOT``,
        ``prefix*``; ``pattern`` one of ``phone``, ``email``, ``url``, ``plate``,
        ``coordinates``; ``regex`` your own regular expression. A rows table
        (``SEARCH_SCHEMA``): the kind, exhibit (or note's seq), platform, account,
        source, time and a snippet with the match marked «so». Bad syntax raises
        ``InvalidOption``. See docs/analysis.md#search.
        """
        return search_texts(
            self._writer,
            self._writer.views,
            query, pattern=pattern, regex=regex, kinds=kinds, limit=limit
        )

    def image_hashes(self) -> ImageHashList:
        """pHash and dHash (16 hex digits) of every picture exhibit (``image/*``), with its
        width and height, or why it was skipped (corrupt, truncated, too large). Cached
        by SHA-256 in ``derived/tables/image_hashes.parquet``; only new bytes are hashed."""
        return hash_images(self._writer, self._writer.views)

    def repeated_images(self, threshold: int = 10) -> RepeatedImages:
        """Clusters of the same picture, even resized or re-compressed: image exhibits
        whose pHashes differ in at most ``threshold`` of 64 bits, joined transitively.
        One row per cluster of 2+ exhibits (or byte strings, or posts): its exhibits,
        SHA-256s, accounts, platforms, and first appearance (``CLUSTERS_SCHEMA``).
        ``.skipped`` names the pictures that could not be hashed, with why."""
        _check_threshold(threshold)
        return find_repeated_images(self._writer, self._writer.views, threshold)[0]

    # -- analyses kept as derived exhibits ----------------------------------

    def export_network(
        self,
        format: str = "graphml",
        *,
        kinds: Iterable[str] = NETWORK_KINDS,
        target: str | None = None,
        examiner: Examiner | None = None,
    ) -> Exhibit:
        """The network as GraphML, GEXF (Gephi) or a drawn PNG, stored as a derived
        exhibit that names the post exhibits it rests on and the log head it was
        computed at (an ``analysis.derived`` event). Returns the exhibit; ``file(exhibit)``
        is a copy named ``E0042-network-reply.graphml`` to open in Gephi."""
        if format not in NETWORK_EXPORTS:
            raise InvalidOption("format", f"{format!r}: choose from {', '.join(NETWORK_EXPORTS)}")
        chosen = check_kinds(kinds)
        graph = self.network(chosen, target=target)
        media_type, suffix = NETWORK_EXPORTS[format]
        if format == "png":
            title = f"{self._writer.id}: {', '.join(chosen)} ({len(graph)} accounts)"
            data = to_png(graph, title=title)
        else:
            data = to_graphml(graph) if format == "graphml" else to_gexf(graph)
        inputs = sorted({d["post_exhibit"] for _, _, d in graph.edges(data=True)})
        return record_derived(
            self._writer,
            data,
            media_type=media_type,
            name=f"network-{'-'.join(chosen)}.{suffix}",
            method=f"network.{format}",
            inputs=inputs,
            parameters={"kinds": list(chosen), "target": target, "nodes": len(graph)},
            actor=resolve_examiner(examiner).actor(),
        )

    def file(self, exhibit: Exhibit | str) -> Path:
        """A copy of an exhibit (or its label) under its recorded name, with its extension,
        in ``derived/files/`` (``E0042-network-reply.graphml``): for programs that go by
        the extension, such as Gephi. ``exhibit.path`` is the stored blob, named by its
        hash; the copy is a view, made again when missing or changed."""
        found = self._writer.exhibit(exhibit if isinstance(exhibit, str) else exhibit.label)
        if not isinstance(exhibit, str) and exhibit.sha256 != found.sha256:
            raise InvalidOption("exhibit", f"{exhibit.label} of another case: give its label")
        return exhibit_file(self._writer.views, found)

    def export_activity(
        self,
        freq: str = "D",
        *,
        target: str | None = None,
        examiner: Examiner | None = None,
    ) -> Exhibit:
        """Posts per account per hour (``"h"``) or day (``"D"``) drawn, stored as a
        derived exhibit naming the post exhibits counted and the log head."""
        if freq not in ("h", "D", "W"):
            raise InvalidOption("freq", f"{freq!r}: choose h (hour), D (day) or W (week)")
        posts = self.posts(target)
        counts = activity(posts, freq)
        what = dict(h="hour", D="day", W="week")[freq]
        return record_derived(
            self._writer,
            activity_png(counts, title=f"{self._writer.id}: posts per account per {what}"),
            media_type="image/png",
            name=f"activity-{freq}.png",
            method="timeline.activity",
            inputs=[str(p["exhibit"]) for p in posts],
            parameters={"freq": freq, "target": target, "accounts": int(counts.shape[1])},
            actor=resolve_examiner(examiner).actor(),
        )

    def export_repeated_images(
        self, threshold: int = 10, *, examiner: Examiner | None = None
    ) -> Exhibit:
        """The cluster list (``repeated_images``) as JSON, stored as a derived exhibit naming
        every picture exhibit it was computed from and the log head."""
        _check_threshold(threshold)
        clusters, hashes = find_repeated_images(self._writer, self._writer.views, threshold)
        return record_derived(
            self._writer,
            clusters_json(clusters, case_id=self._writer.id, threshold=threshold),
            media_type="application/json",
            name=f"repeated-images-t{threshold}.json",
            method="images.repeated",
            inputs=[str(h["exhibit"]) for h in hashes],
            parameters={"threshold": threshold, "hash": "phash", "clusters": len(clusters)},
            actor=resolve_examiner(examiner).actor(),
        )

    # -- helpers ---------------------------------------------------------------

    def _tables(self) -> CaseTables:
        return CaseTables(self._writer, self._writer.views)

    def _pictures(self) -> Callable[[str], str | None]:
        """sha256 -> a thumbnail (``data:`` URI) of the picture exhibit with those bytes,
        read from the store only when a display asks."""
        by_sha = {e.sha256: e for e in self._writer.exhibits()}

        def picture(sha256: str) -> str | None:
            found = by_sha.get(sha256)
            return found.picture_uri(THUMBNAIL_BYTES) if found is not None else None

        return picture

    def __repr__(self) -> str:
        return f"<analysis of case {self._writer.id}>"


def _check_threshold(threshold: int) -> None:
    if not 0 <= threshold <= 64:
        raise InvalidOption("threshold", f"{threshold!r}: bits of 64, from 0 to 64")
