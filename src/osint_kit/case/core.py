"""The ``Case`` facade that notebooks and the CLI use: create, open, list, and every job.

``Case`` sits on top of the writer layer: it resolves the examiner, then hands
its ``CaseWriter`` to the module that does the job (import, web capture, social
collection, export, checkpoint, repair, verification, reports). Those modules
never see ``Case``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import networkx as nx

from osint_kit.acquire.handover.intake import import_files, import_folder
from osint_kit.acquire.media.collect import FORMAT as MEDIA_FORMAT
from osint_kit.acquire.media.collect import MediaOptions, collect_media
from osint_kit.acquire.social.run import collect
from osint_kit.acquire.social.settings import CollectSettings
from osint_kit.acquire.web.capture import capture_urls
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit.analysis.derive import record_derived
from osint_kit.analysis.images import ImageHashList, RepeatedImages, clusters_json
from osint_kit.analysis.images import image_hashes as hash_images
from osint_kit.analysis.images import repeated_images as find_repeated_images
from osint_kit.analysis.media_facts import media_facts, with_facts
from osint_kit.analysis.network import EXPORTS as NETWORK_EXPORTS
from osint_kit.analysis.network import KINDS as NETWORK_KINDS
from osint_kit.analysis.network import build_network, check_kinds, to_gexf, to_graphml, to_png
from osint_kit.analysis.posts import (
    AccountList,
    InteractionList,
    PostList,
    accounts_from_posts,
    interactions_from_posts,
    posts_from_events,
)
from osint_kit.analysis.review_aids import clip as cut_clip
from osint_kit.analysis.review_aids import review_copy, review_video
from osint_kit.analysis.search import SearchHits
from osint_kit.analysis.search import search as search_texts
from osint_kit.analysis.tables import CaseTables, MediaList
from osint_kit.analysis.timeline import TimelineList, activity, activity_png, timeline_rows
from osint_kit.base.dates import normalise_date_or_time, parse_time, utc_now
from osint_kit.base.display import THUMBNAIL_BYTES
from osint_kit.base.marking import MARKING
from osint_kit.case.summary import case_summary_html
from osint_kit.disclosure.bundle.build import ExportPlan, ExportResult, export_bundle, plan_export
from osint_kit.disclosure.provenance import ProvenanceReport, is_report_of, render
from osint_kit.errors import (
    CorruptCaseFile,
    InvalidCaseField,
    InvalidOption,
    InvalidTime,
    OsintKitError,
    OutputExists,
    TimestampError,
    UnsupportedFormatVersion,
)
from osint_kit.folder.checkpoint import Checkpoint, make_checkpoint
from osint_kit.folder.read import (
    CATEGORIES,
    FORMAT_NAME,
    FORMAT_VERSION,
    CaseFolder,
    read_identity,
    resolve_root,
)
from osint_kit.folder.write import CaseWriter, create_folder
from osint_kit.formats.pdf import print_pdf
from osint_kit.integrity.repair import RepairReport, repair_case
from osint_kit.integrity.verify import verify_case
from osint_kit.lifecycle.certificate import DispositionReport, disposition_report
from osint_kit.lifecycle.closing import close_case, lift_hold, place_hold, reopen_case
from osint_kit.lifecycle.dispose import DispositionPlan, plan_disposal
from osint_kit.lifecycle.dispose import dispose as dispose_of
from osint_kit.lifecycle.retention import RetentionSchedule, default_schedule
from osint_kit.record.case_state import RecordsState
from osint_kit.record.events import Event, EventDraft, Subject
from osint_kit.record.examiner import Examiner, resolve_examiner
from osint_kit.record.exhibits import Capture, CaptureList, Exhibit, ExhibitList
from osint_kit.record.findings import VerificationReport
from osint_kit.record.ledger import Head
from osint_kit.record.timestamp import TsaConfig, tsa_config
from osint_kit.record.trust import resolve_trust

log = logging.getLogger("osint_kit")


@dataclass(frozen=True)
class Authority:
    """The written permission behind the case: reference, who approved it, when."""

    reference: str
    approved_by: str
    approved_at: str

    @classmethod
    def of(cls, reference: str, approved_by: str, approved_at: str | date | datetime) -> Authority:
        for name, value in (("reference", reference), ("approved_by", approved_by)):
            if not isinstance(value, str) or not value.strip():
                raise InvalidCaseField(f"authority {name}", "is required (the written approval)")
        try:
            when = normalise_date_or_time(approved_at, what="authority approved_at")
        except InvalidTime as exc:
            raise InvalidCaseField(
                "authority approved_at", f"{exc.value!r}: {exc.reason}"
            ) from None
        return cls(reference.strip(), approved_by.strip(), when)

    def to_json(self) -> dict[str, str]:
        return {
            "reference": self.reference,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
        }


@dataclass(frozen=True)
class CaseSummary:
    id: str
    path: Path
    title: str | None
    category: str | None
    created_at: str | None
    problem: str | None = None


class Case:
    """An open case folder. Create with ``Case.create``, open with ``Case.open``."""

    def __init__(self, writer: CaseWriter) -> None:
        self.writer = writer
        identity = writer.identity
        self.path = writer.path
        self.identity = identity
        self.id: str = writer.id
        self.title: str = identity["title"]
        self.category: str = identity["category"]
        self.authority = Authority(**identity["authority"])
        self.created_at: str = identity["created_at"]
        self.created_by: dict[str, str] = identity["created_by"]
        self.description: str = identity.get("description", "")
        self.store = writer.store
        self.log = writer.log
        #: The last ``verify()`` of this case in this session (the display's badge).
        self.last_verification: VerificationReport | None = None

    # -- life cycle --------------------------------------------------------

    @classmethod
    def create(
        cls,
        case_id: str,
        *,
        title: str,
        category: str,
        authority: Authority,
        description: str = "",
        root: Path | str | None = None,
        examiner: Examiner | None = None,
        require_signatures: bool | None = None,
    ) -> Case:
        """Make a new case folder, its identity and its first custody event, atomically.

        ``require_signatures`` (recorded for good): every event must then be signed by a
        key registered for its examiner. By default it is on when the creating examiner
        has a signing key or a trust store is configured.
        """
        if not isinstance(title, str) or not title.strip():
            raise InvalidCaseField("title", "is required")
        if category not in CATEGORIES:
            raise InvalidCaseField(
                "category", f"{category!r} is not one of {', '.join(CATEGORIES)}"
            )
        if not isinstance(authority, Authority):
            raise InvalidCaseField("authority", "use Authority.of(reference, approved_by, when)")
        who = resolve_examiner(examiner)
        actor = who.actor()
        if require_signatures is None:
            require_signatures = actor.signer is not None or resolve_trust() is not None
        identity = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "id": case_id,
            "title": title.strip(),
            "category": category,
            "description": description,
            "authority": authority.to_json(),
            "created_at": utc_now(),
            "created_by": who.to_json(),
            "signatures": "required" if require_signatures else "optional",
        }
        return cls(create_folder(root, identity, actor))

    @classmethod
    def open(cls, case_id: str, *, root: Path | str | None = None) -> Case:
        folder = CaseFolder.locate(case_id, root)
        return cls(CaseWriter(folder.path, folder.identity))

    # -- writing -----------------------------------------------------------

    def import_files(
        self,
        paths: Iterable[Path | str],
        *,
        handed_over_by: str,
        note: str = "",
        examiner: Examiner | None = None,
        progress: bool = True,
    ) -> Capture:
        """Import files handed over (witness footage, tips) as one acquisition: every
        file an exhibit, with its path, original name, file times and hash in the one
        event; pictures and videos with their technical metadata. Anything but a
        regular file is refused before a byte is copied; a file that cannot be read or
        changes while it is copied is listed as not taken (the capture is ``partial``,
        or ``failed`` when none was taken: ``raise_for_status()``). A checkpoint
        follows (as after every acquisition run and export)."""
        _many("paths", paths)
        who = resolve_examiner(examiner)
        with self._checkpointed(who):
            return import_files(
                self.writer,
                [Path(p) for p in paths],
                handed_over_by=handed_over_by,
                note=note,
                examiner=who,
                progress=progress,
            )

    def import_folder(
        self,
        folder: Path | str,
        *,
        handed_over_by: str,
        note: str = "",
        examiner: Examiner | None = None,
        progress: bool = True,
    ) -> Capture:
        """Import a whole folder handed over (a camera roll, a copied USB stick) as one
        acquisition, as ``import_files`` does: every regular file under it, named by its
        path relative to the folder. Links and special files are listed as skipped,
        never read."""
        who = resolve_examiner(examiner)
        with self._checkpointed(who):
            return import_folder(
                self.writer,
                Path(folder),
                handed_over_by=handed_over_by,
                note=note,
                examiner=who,
                progress=progress,
            )

    def import_file(self, path: Path | str, **kwargs: Any) -> Capture:
        """One file handed over (``import_files`` of one)."""
        return self.import_files([path], **kwargs)

    def capture_urls(
        self,
        urls: Iterable[str],
        *,
        examiner: Examiner | None = None,
        options: CaptureOptions | None = None,
        parallel: int = 2,
        progress: bool = True,
    ) -> CaptureList:
        """Render each URL in headless Chromium and keep screenshot, DOM, text, MHTML, WARC.

        Each URL is one capture, ``complete``, ``partial`` (with the reason) or
        ``failed`` (recorded as ``collection.failed``; ``raise_for_status()`` raises).
        Malformed URLs and schemes other than http and https are refused before
        anything starts.
        """
        who = resolve_examiner(examiner)
        with self._checkpointed(who):
            return CaptureList(
                capture_urls(
                    self.writer,
                    list(_many("urls", urls)),
                    examiner=who,
                    options=options,
                    parallel=parallel,
                    progress=progress,
                )
            )

    def capture_url(self, url: str, **kwargs: Any) -> Capture:
        found: Capture = self.capture_urls([url], **kwargs)[0]
        return found

    def collect(
        self,
        target: str,
        *,
        since: datetime | str | None = None,
        limit: int | None = None,
        settings: CollectSettings | None = None,
        options: Mapping[str, Any] | None = None,
        examiner: Examiner | None = None,
        progress: bool = True,
    ) -> Capture:
        """Collect public posts: ``telegram:CHANNEL``, ``mastodon:@user@host``,
        ``mastodon:#tag@host``, ``mastodon:https://host/@user/ID``, ``bluesky:HANDLE``,
        ``bluesky:https://bsky.app/profile/HANDLE/post/ID``.

        One capture per run: the WARC of every response, the profile, each new or
        changed post and its media as exhibits; what is new, changed and deleted since
        the last run against the same target is in the capture record. ``since`` is a
        datetime or ISO 8601 text (UTC when it names no zone). ``options`` are the
        target's collector's own (``appview`` for Bluesky, ``via`` for Mastodon; see
        ``collectors()``). Raises InvalidTarget, InvalidOption or PlatformRetired
        when it cannot start. A run that got nothing usable (no such account, the
        platform unreachable…) returns its capture with status ``failed`` and the
        reason, on the record as ``collection.failed``; ``raise_for_status()`` raises
        the CollectionFailed kind it amounts to.
        """
        who = resolve_examiner(examiner)
        when = parse_time(since, what="since") if since is not None else None
        with self._checkpointed(who):
            return collect(
                self.writer,
                target,
                examiner=who,
                since=when,
                limit=limit,
                settings=settings,
                options=options,
                progress=progress,
            )

    def collect_media(
        self,
        url: str,
        *,
        examiner: Examiner | None = None,
        max_mb: float | None = 4096,
        limit: int = 100,
        timeout_s: float = 30,
        cookies: Path | str | None = None,
        format: str = MEDIA_FORMAT,
        capture_page: bool = True,
        progress: bool = True,
    ) -> Capture:
        """Collect the video(s) at ``url`` (a video page, a playlist, a direct media URL,
        HLS or DASH) with yt-dlp: the files as they came (video and audio apart when the
        site serves them apart), the manifest, yt-dlp's info JSON, the format choice and
        each file's technical metadata; a page is captured in the browser first. One
        capture, ``complete``, ``partial`` (a file cut at ``max_mb``, a download broken
        off; kept, with the reason) or ``failed`` (recorded; ``raise_for_status()``).
        ``limit`` bounds a playlist; ``cookies`` (a Netscape cookie file) only when the
        examiner must, and then recorded. See docs/media.md.
        """
        who = resolve_examiner(examiner)
        opts = MediaOptions(
            max_bytes=int(max_mb * 2**20) if max_mb is not None else None,
            limit=limit,
            timeout_s=timeout_s,
            cookies=Path(cookies) if cookies is not None else None,
            format=format,
            capture_page=capture_page,
        )

        def page(url: str) -> Capture:
            found: Capture = capture_urls(
                self.writer, [url], examiner=who, parallel=1, progress=False
            )[0]
            return found

        with self._checkpointed(who):
            cap = collect_media(
                self.writer, url, examiner=who, options=opts, capture_page=page, progress=progress
            )
            self._review_copies(cap, who)
            return cap

    def _review_copies(self, cap: Capture, who: Examiner) -> None:
        """For each item a site served as separate video and audio, a copy to watch with
        sound (derived; the originals stay apart). One that cannot be made is logged."""
        by_label = {label: role for label, role in cap.roles}
        items: dict[object, dict[str, str]] = {}
        labels = iter(label for label, role in cap.roles if role in ("video", "audio", "media"))
        for entry in cap.record.get("files") or []:
            if (
                isinstance(entry, Mapping)
                and entry.get("sha256")
                and entry.get("role")
                in (
                    "video",
                    "audio",
                    "media",
                )
            ):
                label = next(labels, None)
                if label is not None and by_label.get(label) == entry.get("role"):
                    items.setdefault(entry.get("item"), {})[str(entry["role"])] = label
        for parts in items.values():
            if "video" in parts and "audio" in parts:
                try:
                    review_copy(
                        self.writer,
                        self.exhibit(parts["video"]),
                        self.exhibit(parts["audio"]),
                        actor=who.actor(),
                    )
                except OsintKitError as exc:
                    log.warning("no review copy of %s: %s", cap.id, exc)

    # -- records management -------------------------------------------------

    def records(self) -> RecordsState:
        """Open or closed, the retention recorded at closing, the legal holds standing,
        and the history of each (docs/records.md)."""
        return RecordsState.of(self.events())

    def close(
        self,
        *,
        reason: str,
        approved_by: str,
        schedule: RetentionSchedule | Path | str | None = None,
        no_schedule: bool = False,
        examiner: Examiner | None = None,
    ) -> Event:
        """Close the case (``case.closed``), with the review or disposal date its category
        gets from the retention schedule (``schedule``, else ``$OSINT_KIT_RETENTION``, else
        the shipped example); ``no_schedule`` records none. Closing a closed case is
        refused (``RecordsRefused``)."""
        if no_schedule and schedule is not None:
            raise InvalidOption("schedule", "give a schedule or no_schedule, not both")
        chosen: RetentionSchedule | None
        if no_schedule:
            chosen = None
        elif isinstance(schedule, RetentionSchedule):
            chosen = schedule
        elif schedule is not None:
            chosen = RetentionSchedule.load(Path(schedule))
        else:
            chosen = default_schedule()
        who = resolve_examiner(examiner)
        with self._checkpointed(who):
            return close_case(
                self.writer, reason=reason, approved_by=approved_by, examiner=who, schedule=chosen
            )

    def reopen(self, *, reason: str, approved_by: str, examiner: Examiner | None = None) -> Event:
        """Reopen a closed case (``case.reopened``); its retention date no longer runs."""
        who = resolve_examiner(examiner)
        with self._checkpointed(who):
            return reopen_case(self.writer, reason=reason, approved_by=approved_by, examiner=who)

    def place_hold(self, *, authority: str, reason: str, examiner: Examiner | None = None) -> Event:
        """Place a legal hold (``hold.placed``, ids H001…): while one stands, nothing in
        the case can be disposed of."""
        who = resolve_examiner(examiner)
        with self._checkpointed(who):
            return place_hold(self.writer, authority=authority, reason=reason, examiner=who)

    def lift_hold(
        self, hold_id: str, *, authority: str, reason: str, examiner: Examiner | None = None
    ) -> Event:
        """Lift a standing legal hold (``hold.lifted``)."""
        who = resolve_examiner(examiner)
        with self._checkpointed(who):
            return lift_hold(self.writer, hold_id, authority=authority, reason=reason, examiner=who)

    def dispose(
        self,
        exhibits: Iterable[str] | None = None,
        *,
        authorization: str,
        approved_by: str,
        reason: str,
        examiner: Examiner | None = None,
    ) -> DispositionReport:
        """Delete the blobs of ``exhibits`` (the whole case when None), of every exhibit
        derived from them, and the derived views; the custody log stays, and records it
        in three steps (``disposition.started``, the deletion, ``disposition.completed``).
        Refused, with nothing deleted, for an open or held case, without an authorization,
        approver or reason, for an unknown or already disposed exhibit (docs/disposition.md).
        ``report.write_certificate(path, pdf=True)`` for the records officer."""
        chosen = list(_many("exhibits", exhibits)) if exhibits is not None else None
        who = resolve_examiner(examiner)
        with self._checkpointed(who):
            return dispose_of(
                self.writer,
                exhibits=chosen,
                authorization=authorization,
                approved_by=approved_by,
                reason=reason,
                examiner=who,
            )

    def disposal_plan(
        self, exhibits: Iterable[str] | None = None, *, reason: str = ""
    ) -> DispositionPlan:
        """What ``dispose`` would delete (exhibits, derived ones, blobs kept), without doing it."""
        chosen = list(_many("exhibits", exhibits)) if exhibits is not None else None
        return plan_disposal(self.writer, chosen, reason=reason)

    def disposition(self, seq: int | None = None) -> DispositionReport:
        """The disposal started at ``seq`` (the latest by default), read from the log,
        with what remains and the bundles exported before it (``certificate_html``)."""
        return disposition_report(self.writer, seq)

    def stamp(
        self, *, tsa: TsaConfig | None = None, examiner: Examiner | None = None
    ) -> Checkpoint:
        """Checkpoint the log head: signed by the examiner, stamped by the TSA if one is
        configured (``tsa=``, see ``tsa_config``, or ``OSINT_KIT_TSA_URL`` +
        ``OSINT_KIT_TSA_CA``), recorded as a ``log.checkpoint`` event. Later
        verification catches a log cut short."""
        return make_checkpoint(self.writer, resolve_examiner(examiner), tsa or tsa_config())

    def export_bundle(
        self,
        dest: Path | str,
        *,
        authorization: str,
        recipient: str,
        purpose: str = "",
        exhibits: Iterable[str] | None = None,
        examiner: Examiner | None = None,
        encrypt_to: Iterable[str] = (),
        tsa: TsaConfig | None = None,
        progress: bool = True,
    ) -> ExportResult:
        """Export exhibits (all if none named) as a BagIt 1.0 bundle zip at ``dest``.

        Refused without an authorisation reference and a recipient, onto an existing
        path (``OutputExists``), or for an unknown exhibit. Recorded as an
        ``export.created`` event with the bundle's SHA-256. ``verify_bundle`` (``osint-kit
        bundle verify``) checks it without the case. With ``encrypt_to`` (age public
        keys), the bundle is ``*.zip.age``, readable only with one of those recipients'
        keys.
        """
        who = resolve_examiner(examiner)
        with self._checkpointed(who, tsa):
            return export_bundle(
                self.writer,
                Path(dest),
                exhibits=list(_many("exhibits", exhibits)) if exhibits is not None else None,
                authorization=authorization,
                recipient=recipient,
                purpose=purpose,
                examiner=who,
                encrypt_to=list(_many("encrypt_to", encrypt_to)),
                tsa=tsa or tsa_config(),
                progress=progress,
            )

    def export_plan(self, *, exhibits: Iterable[str] | None = None) -> ExportPlan:
        """What ``export_bundle`` with these exhibits would send out, before it does:
        the exhibits, and every event carried in full (what they say goes out too);
        the other events go as seq and digest only."""
        chosen = list(_many("exhibits", exhibits)) if exhibits is not None else None
        return plan_export(self.writer, chosen)

    @contextmanager
    def _checkpointed(self, who: Examiner, tsa: TsaConfig | None = None) -> Iterator[None]:
        """Checkpoint after a run that wrote to the log, even one that failed on the
        record (a CollectionFailed): each run's end is then signed, and stamped when a
        TSA is configured. A TSA that fails leaves the checkpoint unstamped (logged)."""
        before = self.writer.log.head()
        try:
            yield
        except (OsintKitError, KeyboardInterrupt):  # an interrupted run recorded what it did
            self._checkpoint_if_moved(before, who, tsa)
            raise
        self._checkpoint_if_moved(before, who, tsa)

    def _checkpoint_if_moved(
        self, before: tuple[int, str], who: Examiner, tsa: TsaConfig | None
    ) -> None:
        if self.writer.log.head() == before:
            return
        config = tsa or tsa_config()
        try:
            make_checkpoint(self.writer, who, config)
        except TimestampError as exc:
            log.warning("checkpoint left without a trusted time: %s", exc)
            make_checkpoint(self.writer, who, None)

    def add_note(
        self, text: str, *, exhibits: Iterable[str] = (), examiner: Examiner | None = None
    ) -> Event:
        """Put an examiner's note on the record, optionally about some exhibits."""
        if not text.strip():
            raise InvalidCaseField("note", "is empty")
        subjects = []
        for label in _many("exhibits", exhibits):
            ex = self.exhibit(label)
            subjects.append(Subject(ex.sha256, ex.size, "subject", ex.label, ex.media_type))
        who = resolve_examiner(examiner)
        return self.writer.append(
            EventDraft("note.added", details={"text": text}, subjects=subjects), who.actor()
        )

    def repair(self, *, examiner: Examiner | None = None) -> RepairReport:
        """Repair what a crash left (torn last line, interrupted imports), on the record."""
        return repair_case(self.writer, resolve_examiner(examiner))

    # -- reading -----------------------------------------------------------

    def events(self) -> list[Event]:
        return self.writer.events()

    def exhibits(self) -> ExhibitList:
        return self.writer.exhibits()

    def exhibit(self, label: str) -> Exhibit:
        return self.writer.exhibit(label)

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
        if target is None:
            posts = PostList.from_arrow(self._tables().table("posts"))
        else:
            posts = posts_from_events(self.log.events(), self.writer.read_blob, target)
        posts.pictures = self._pictures()
        return posts

    def accounts(self, target: str | None = None) -> AccountList:
        """Every account that wrote or was mentioned in the collected posts, by key
        (``mastodon:@user@host``, ``bluesky:did:…``, ``telegram:@channel``): handle,
        names, ids, how many posts, first and last, how often mentioned
        (``ACCOUNTS_SCHEMA``)."""
        if target is None:
            return AccountList.from_arrow(self._tables().table("accounts"))
        return accounts_from_posts(
            posts_from_events(self.log.events(), self.writer.read_blob, target)
        )

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
            table = with_facts(table, media_facts(self.writer, zip(shas, kinds, strict=True)))
        media = MediaList.from_arrow(table)
        media.pictures = self._pictures()
        return media

    def _pictures(self) -> Callable[[str], str | None]:
        """sha256 -> a thumbnail (``data:`` URI) of the picture exhibit with those bytes,
        read from the store only when a display asks."""
        by_sha = {e.sha256: e for e in self.exhibits()}

        def picture(sha256: str) -> str | None:
            found = by_sha.get(sha256)
            return found.picture_uri(THUMBNAIL_BYTES) if found is not None else None

        return picture

    def network(
        self, kinds: Iterable[str] = NETWORK_KINDS, *, target: str | None = None
    ) -> nx.MultiDiGraph:
        """The accounts as a ``networkx.MultiDiGraph``: one node per account key, one edge
        per interaction of the chosen kinds (``reply``, ``mention``, ``repost``,
        ``quote``) with its kind, post exhibit, post id and time. ``osint_kit.analysis.network``
        has the analyses: ``targeting``, ``most_targeted``, ``most_active``, ``groups``,
        ``timeline_of``."""
        return build_network(
            self.interactions(target).to_arrow(), self.accounts(target).to_arrow(), kinds
        )

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
        computed at (an ``analysis.derived`` event). Returns the exhibit; its ``path``
        is the read-only file."""
        if format not in NETWORK_EXPORTS:
            raise InvalidOption("format", f"{format!r}: choose from {', '.join(NETWORK_EXPORTS)}")
        chosen = check_kinds(kinds)
        graph = self.network(chosen, target=target)
        media_type, suffix = NETWORK_EXPORTS[format]
        if format == "png":
            title = f"{self.id}: {', '.join(chosen)} ({len(graph)} accounts)"
            data = to_png(graph, title=title)
        else:
            data = to_graphml(graph) if format == "graphml" else to_gexf(graph)
        inputs = sorted({d["post_exhibit"] for _, _, d in graph.edges(data=True)})
        return record_derived(
            self.writer,
            data,
            media_type=media_type,
            name=f"network-{'-'.join(chosen)}.{suffix}",
            method=f"network.{format}",
            inputs=inputs,
            parameters={"kinds": list(chosen), "target": target, "nodes": len(graph)},
            actor=resolve_examiner(examiner).actor(),
        )

    def timeline(self) -> TimelineList:
        """One time axis, oldest first: posts written and edited, pages captured,
        collection runs, handed-over files last modified and imported, notes
        (``TIMELINE_SCHEMA``; ``kind`` says which time a row is)."""
        return timeline_rows(self.log.events(), self.posts())

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
        title = f"{self.id}: posts per account per {dict(h='hour', D='day', W='week')[freq]}"
        return record_derived(
            self.writer,
            activity_png(counts, title=title),
            media_type="image/png",
            name=f"activity-{freq}.png",
            method="timeline.activity",
            inputs=[str(p["exhibit"]) for p in posts],
            parameters={"freq": freq, "target": target, "accounts": int(counts.shape[1])},
            actor=resolve_examiner(examiner).actor(),
        )

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
            self.writer, query, pattern=pattern, regex=regex, kinds=kinds, limit=limit
        )

    def image_hashes(self) -> ImageHashList:
        """pHash and dHash (16 hex digits) of every picture exhibit (``image/*``), with its
        width and height, or why it was skipped (corrupt, truncated, too large). Cached
        by SHA-256 in ``derived/tables/image_hashes.parquet``; only new bytes are hashed."""
        return hash_images(self.writer)

    def repeated_images(self, threshold: int = 10) -> RepeatedImages:
        """Clusters of the same picture, even resized or re-compressed: image exhibits
        whose pHashes differ in at most ``threshold`` of 64 bits, joined transitively.
        One row per cluster of 2+ exhibits (or byte strings, or posts): its exhibits,
        SHA-256s, accounts, platforms, and first appearance (``CLUSTERS_SCHEMA``).
        ``.skipped`` names the pictures that could not be hashed, with why."""
        if not 0 <= threshold <= 64:
            raise InvalidOption("threshold", f"{threshold!r}: bits of 64, from 0 to 64")
        return find_repeated_images(self.writer, threshold)[0]

    def review_video(
        self,
        exhibit: str,
        *,
        threshold: float = 0.3,
        max_frames: int = 100,
        examiner: Examiner | None = None,
    ) -> ExhibitList:
        """Review aids for a video exhibit, as derived exhibits naming it: a thumbnail,
        the keyframes at scene changes (with times and perceptual hashes; they join the
        repeated-image analysis) and a contact sheet. ``threshold`` is ffmpeg's scene
        score (0..1, lower finds more changes). A video that cannot be decoded raises
        ``MediaUnreadable`` with the reason, and nothing is recorded."""
        who = resolve_examiner(examiner)
        made = review_video(
            self.writer,
            self.exhibit(exhibit),
            actor=who.actor(),
            threshold=threshold,
            max_frames=max_frames,
        )
        return ExhibitList(made)

    def clip(
        self, exhibit: str, start_s: float, end_s: float, *, examiner: Examiner | None = None
    ) -> Exhibit:
        """The segment ``start_s``..``end_s`` (seconds) of a video exhibit as a derived
        exhibit (MP4, re-encoded to start exactly there), with the offsets cut."""
        who = resolve_examiner(examiner)
        return cut_clip(self.writer, self.exhibit(exhibit), start_s, end_s, actor=who.actor())

    def export_repeated_images(
        self, threshold: int = 10, *, examiner: Examiner | None = None
    ) -> Exhibit:
        """The cluster list (``repeated_images``) as JSON, stored as a derived exhibit naming
        every picture exhibit it was computed from and the log head."""
        if not 0 <= threshold <= 64:
            raise InvalidOption("threshold", f"{threshold!r}: bits of 64, from 0 to 64")
        clusters, hashes = find_repeated_images(self.writer, threshold)
        return record_derived(
            self.writer,
            clusters_json(clusters, case=self.id, threshold=threshold),
            media_type="application/json",
            name=f"repeated-images-t{threshold}.json",
            method="images.repeated",
            inputs=[str(h["exhibit"]) for h in hashes],
            parameters={"threshold": threshold, "hash": "phash", "clusters": len(clusters)},
            actor=resolve_examiner(examiner).actor(),
        )

    def _tables(self) -> CaseTables:
        return CaseTables(self.writer)

    def captures(self) -> list[Capture]:
        return self.writer.captures()

    def verify(
        self,
        *,
        raise_on_error: bool = False,
        against: Iterable[Path | str] = (),
        record: bool = False,
        examiner: Examiner | None = None,
        trust: Path | str | None = None,
        expect_head: Iterable[str] = (),
        tsa_ca: Path | str | None = None,
        progress: bool = True,
    ) -> VerificationReport:
        """Check every blob, event, link, signature and key; report every problem, or raise
        with all of them.

        ``against``: bundles cut from this case; the log must still hold each one's head.
        ``record``: put the result on the log as a ``case.verified`` event (its seq is
        then ``report.recorded_seq``), whatever it found. ``trust``: the trust store (else
        ``$OSINT_KIT_TRUST``, else the examiner config's). ``expect_head``: heads held from
        elsewhere, as ``"SEQ:HASH"``; this machine's head ledger is always compared.
        ``tsa_ca``: the CA the checkpoints' time stamps must chain to (else
        ``$OSINT_KIT_TSA_CA``).
        """
        report = verify_case(
            self.writer,
            [Path(p) for p in against],
            trust=resolve_trust(trust),
            expect=[Head.parse(h) for h in expect_head],
            tsa_ca=Path(tsa_ca) if tsa_ca is not None else None,
            progress=progress,
        )
        if record:
            who = resolve_examiner(examiner)
            event = self.writer.append(
                EventDraft("case.verified", details=report.to_json()), who.actor()
            )
            report.recorded_seq = event.seq
        self.last_verification = report
        if raise_on_error:
            report.raise_for_problems()
        return report

    def is_valid(self) -> bool:
        return self.verify().ok

    def report(
        self,
        *,
        verify: bool = True,
        tsa_ca: Path | str | None = None,
        trust: Path | str | None = None,
        progress: bool = True,
    ) -> ProvenanceReport:
        """The provenance report of the whole case (HTML; shows inline in a notebook).

        ``.save(path)`` writes it; ``write_report`` (``osint-kit report CASE``) both.
        ``tsa_ca``: the CA the checkpoints' time stamps must chain to (else
        ``$OSINT_KIT_TSA_CA``); each checkpoint's trusted time is in its own section.
        ``trust``: the trust store the signers are checked against (as ``verify``).
        """
        stamps = None
        verification = None
        problems: dict[str, list[str]] = {}
        signers: dict[str, str] = {}
        bad: set[int] = set()
        if verify:
            checked = self.verify(tsa_ca=tsa_ca, trust=trust, progress=progress)
            stamps = checked.stamps
            verification = (checked.ok, checked.text())
            for p in checked.problems:
                if p.exhibit:
                    for label in p.exhibit.split(", "):
                        problems.setdefault(label, []).append(f"{p.kind}: {p.message}")
                if p.kind == "signature-bad" and p.seq is not None:
                    bad.add(p.seq)
            for k in checked.keys:
                said = {None: "no trust store", True: "TRUSTED", False: "NOT TRUSTED"}
                signers[k.key_id] = f"{k.examiner}, {said[k.trusted]}"
        exhibits = list(self.exhibits())
        known = media_facts(self.writer, [(e.sha256, e.media_type) for e in exhibits])
        return render(
            self.identity,
            self.events(),
            exhibits,
            media=known,
            verification=verification,
            problems=problems,
            signers=signers,
            bad_signatures=bad,
            marking=MARKING,
            stamps=stamps,
            progress=progress,
        )

    def write_report(
        self,
        out: Path | str | None = None,
        *,
        force: bool = False,
        pdf: bool = False,
        tsa_ca: Path | str | None = None,
        trust: Path | str | None = None,
        progress: bool = True,
    ) -> Path:
        """Write the provenance report to ``out`` (default ``derived/report.html``), and with
        ``pdf`` also printed by Chromium beside it (same name, ``.pdf``: A4, the marking on
        every page, "page N of M").

        The report is a view derived from the case: the default file, and an earlier
        report of this case wherever it was written, are replaced (its PDF with it); any
        other existing file only with ``force`` (else ``OutputExists``). Written atomically.
        """
        path = Path(out) if out is not None else self.writer.derived / "report.html"
        if path.is_dir():
            raise InvalidOption("report path", f"{path} is a folder; name the file to write")
        ours = out is None or (path.exists() and is_report_of(path, self.id))
        if path.exists() and not force and not ours:
            raise OutputExists(path, "it is not a report of this case; use --force / force=True")
        printed = path.with_suffix(".pdf")
        if pdf and printed.exists() and not force and not ours:
            raise OutputExists(printed, "it is not this case's report; use --force / force=True")
        path.parent.mkdir(parents=True, exist_ok=True)
        report = self.report(tsa_ca=tsa_ca, trust=trust, progress=progress)
        report.save(path)
        if pdf:
            print_pdf(report.html, printed, case_id=self.id, marking=MARKING, progress=progress)
        return path

    def reindex(self) -> Path:
        """Rebuild the derived views (``derived/index.sqlite``) from the log and the blobs."""
        return self.writer.rebuild()

    def _repr_html_(self) -> str:
        """Who, under what authority, what the case holds, and the badge of the last
        verification in this session (or a prompt to run one)."""
        return case_summary_html(
            self.identity,
            self.path,
            self.events(),
            self.last_verification,
        )

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.title!r} at {self.path}>"


def _many(name: str, values: Any) -> Any:
    """A list where one is expected: one string (or path) there would be iterated
    character by character ("ok.txt" as six files), so it is refused."""
    if isinstance(values, str | bytes | Path):
        raise InvalidOption(name, f"give a list, not one {type(values).__name__} ({values!r})")
    return values


def create_case(case_id: str, **kwargs: Any) -> Case:
    return Case.create(case_id, **kwargs)


def open_case(case_id: str, *, root: Path | str | None = None) -> Case:
    return Case.open(case_id, root=root)


def list_cases(root: Path | str | None = None) -> list[CaseSummary]:
    """Every case folder under ``root``; an unreadable one is listed with its problem."""
    base = resolve_root(root)
    if not base.is_dir():
        return []
    found = []
    for entry in sorted(base.iterdir()):
        if entry.name.startswith(".") or not (entry / "case.json").is_file():
            continue
        try:
            data = read_identity(entry / "case.json")
        except (CorruptCaseFile, UnsupportedFormatVersion) as exc:
            found.append(CaseSummary(entry.name, entry, None, None, None, problem=str(exc)))
            continue
        if data["id"] != entry.name:
            problem = f"case.json names case {data['id']!r}, not the folder's name"
            found.append(CaseSummary(entry.name, entry, None, None, None, problem=problem))
            continue
        found.append(
            CaseSummary(data["id"], entry, data["title"], data["category"], data["created_at"])
        )
    return found
