"""The ``Case`` facade that notebooks and the CLI use: create, open, acquire, verify.

``Case`` sits on top of the writer layer: it resolves the examiner, then hands its
``CaseWriter`` to the module that does the job; those modules never see ``Case``.
``Case`` itself holds what concerns the record as a whole (identity, events,
exhibits, notes, verification, checkpoints, repair) and the acquisition verbs
(``import_files``, ``capture_urls``, ``collect``); everything else is in an area:
``case.analysis``, ``case.media`` (footage), ``case.records`` (closing, holds,
disposition) and ``case.disclosure`` (bundles, reports). A new kind of work adds an
area, not methods here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osint_kit.acquire.handover.intake import import_files, import_folder
from osint_kit.acquire.social.run import collect
from osint_kit.acquire.social.settings import CollectSettings
from osint_kit.acquire.web.capture import capture_urls
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit.analysis.index import INDEX
from osint_kit.base.dates import parse_time, utc_now
from osint_kit.base.deprecation import moved
from osint_kit.case.analysis import CaseAnalysis
from osint_kit.case.authority import Authority
from osint_kit.case.disclosure import CaseDisclosure
from osint_kit.case.media import CaseMedia
from osint_kit.case.records import CaseRecords
from osint_kit.case.runs import checkpointed, many
from osint_kit.case.summary import case_summary_html
from osint_kit.errors import (
    InvalidCaseField,
)
from osint_kit.folder.checkpoint import Checkpoint, make_checkpoint
from osint_kit.folder.read import (
    CATEGORIES,
    FORMAT_NAME,
    FORMAT_VERSION,
    CaseFolder,
)
from osint_kit.folder.views import DerivedViews
from osint_kit.folder.write import CaseWriter, create_folder
from osint_kit.integrity.repair import RepairReport, repair_case
from osint_kit.integrity.verify import verify_case
from osint_kit.record.builtin_actions import NOTE, VERIFIED
from osint_kit.record.events import Event, EventDraft, Subject
from osint_kit.record.examiner import Examiner, resolve_examiner
from osint_kit.record.exhibits import Capture, CaptureList, Exhibit, ExhibitList
from osint_kit.record.findings import VerificationReport
from osint_kit.record.ledger import Head
from osint_kit.record.timestamp import TsaConfig, tsa_config
from osint_kit.record.trust import resolve_trust

log = logging.getLogger("osint_kit")


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
        #: Tables, network, timeline, search, repeated pictures (``case/analysis.py``).
        self.analysis = CaseAnalysis(writer)
        #: Footage: collect videos, review aids, clips (``case/media.py``).
        self.media = CaseMedia(writer, self.analysis)
        #: Closing, legal holds, retention, disposition (``case/records.py``).
        self.records = CaseRecords(writer)
        #: Evidence bundles and the provenance report (``case/disclosure.py``).
        self.disclosure = CaseDisclosure(writer, self.verify)

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
        return cls(create_folder(root, identity, actor, views=kept_views))

    @classmethod
    def open(cls, case_id: str, *, root: Path | str | None = None) -> Case:
        folder = CaseFolder.locate(case_id, root)
        return cls(CaseWriter(folder.path, folder.identity, kept_views(folder.path)))

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
        many("paths", paths)
        who = resolve_examiner(examiner)
        with checkpointed(self.writer, who):
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
        with checkpointed(self.writer, who):
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
        with checkpointed(self.writer, who):
            return CaptureList(
                capture_urls(
                    self.writer,
                    list(many("urls", urls)),
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
        with checkpointed(self.writer, who):
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

    # -- the record --------------------------------------------------------

    def stamp(
        self, *, tsa: TsaConfig | None = None, examiner: Examiner | None = None
    ) -> Checkpoint:
        """Checkpoint the log head: signed by the examiner, stamped by the TSA if one is
        configured (``tsa=``, see ``tsa_config``, or ``OSINT_KIT_TSA_URL`` +
        ``OSINT_KIT_TSA_CA``), recorded as a ``log.checkpoint`` event. Later
        verification catches a log cut short."""
        return make_checkpoint(self.writer, resolve_examiner(examiner), tsa or tsa_config())


    def add_note(
        self, text: str, *, exhibits: Iterable[str] = (), examiner: Examiner | None = None
    ) -> Event:
        """Put an examiner's note on the record, optionally about some exhibits."""
        if not text.strip():
            raise InvalidCaseField("note", "is empty")
        subjects = []
        for label in many("exhibits", exhibits):
            ex = self.exhibit(label)
            subjects.append(Subject(ex.sha256, ex.size, "subject", ex.label, ex.media_type))
        who = resolve_examiner(examiner)
        return self.writer.append(
            EventDraft(NOTE, details={"text": text}, subjects=subjects), who.actor()
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
                EventDraft(VERIFIED, details=report.to_json()), who.actor()
            )
            report.recorded_seq = event.seq
        self.last_verification = report
        if raise_on_error:
            report.raise_for_problems()
        return report

    def is_valid(self) -> bool:
        return self.verify().ok


    def reindex(self) -> Path:
        """Rebuild the derived views kept up to date with the log (``derived/index.sqlite``)
        from the log and the blobs; the tables and caches are made again when next read."""
        return self.writer.rebuild()[0]

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

    if not TYPE_CHECKING:  # type checkers see only the new names

        def __getattr__(self, name: str) -> Any:
            """The methods that moved to an area, for one release (``MOVED``)."""
            if name.startswith("__") or name not in MOVED:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            area, new = MOVED[name]
            moved(f"case.{name}", f"case.{area}.{new}")
            return getattr(getattr(self, area), new)


#: Old ``Case`` method -> (area, its name there); ``case.records()`` and
#: ``case.media()`` are answered by the areas themselves.
MOVED: dict[str, tuple[str, str]] = {
    **{
        name: ("analysis", name)
        for name in (
            "posts",
            "accounts",
            "interactions",
            "timeline",
            "network",
            "search",
            "image_hashes",
            "repeated_images",
            "export_network",
            "export_activity",
            "export_repeated_images",
        )
    },
    "collect_media": ("media", "collect"),
    "review_video": ("media", "review"),
    "clip": ("media", "clip"),
    **{
        name: ("records", name)
        for name in (
            "close",
            "reopen",
            "place_hold",
            "lift_hold",
            "dispose",
            "disposal_plan",
            "disposition",
        )
    },
    "export_bundle": ("disclosure", "export"),
    "export_plan": ("disclosure", "plan"),
    "report": ("disclosure", "report"),
    "write_report": ("disclosure", "write_report"),
}


def kept_views(case_path: Path) -> DerivedViews:
    """The derived views every append refreshes: the index (search, the exhibits at a
    glance). Tables and caches are made by their readers when the head has moved on."""
    return DerivedViews(case_path, [INDEX])


def create_case(case_id: str, **kwargs: Any) -> Case:
    return Case.create(case_id, **kwargs)


def open_case(case_id: str, *, root: Path | str | None = None) -> Case:
    return Case.open(case_id, root=root)
