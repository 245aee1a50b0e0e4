"""Case folders: create, open, list; the ``Case`` object notebooks and the CLI use."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .custody import CustodyLog
from .errors import (
    CaseExists,
    CaseNotFound,
    CorruptCaseFile,
    InvalidCaseField,
    InvalidCaseId,
    UnknownExhibit,
    UnsupportedFormatVersion,
)
from .events import Event, EventDraft, Subject, utc_now
from .examiner import Examiner, resolve_examiner
from .exhibits import Capture, Exhibit, ExhibitList, exhibits_from_events
from .fsio import atomic_write, fsync_dir
from .store import BlobStore

if TYPE_CHECKING:
    from .bundle.build import ExportResult
    from .checkpoint import Checkpoint
    from .provenance import ProvenanceReport
    from .repair import RepairReport
    from .report import VerificationReport
    from .social.base import CollectSettings
    from .social.views import PostList
    from .timestamp import TsaConfig
    from .web.capture import CaptureOptions

FORMAT_NAME = "osint-kit-case"
FORMAT_VERSION = 1
CATEGORIES = ("missing-person", "wanted-person", "online-crime", "crime-footage", "other")
ENV_CASES = "OSINT_KIT_CASES"
SUBDIRS = ("blobs", "examiners", "timestamps", "derived", "exports")

_CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def validate_case_id(case_id: object) -> str:
    if not isinstance(case_id, str) or not case_id:
        raise InvalidCaseId(str(case_id), "it is empty")
    if _CASE_ID.fullmatch(case_id) is None:
        bad = sorted({c for c in case_id if not (c.isascii() and (c.isalnum() or c in "-_"))})
        if bad:
            reason = "it contains " + ", ".join(repr(c) for c in bad)
        elif len(case_id) > 64:
            reason = f"it is {len(case_id)} characters long"
        else:
            reason = "it starts with '-' or '_'"
        raise InvalidCaseId(case_id, reason)
    return case_id


def default_root() -> Path:
    return Path(os.environ.get(ENV_CASES) or "cases")


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
        return cls(reference.strip(), approved_by.strip(), _normalise_when(approved_at))

    def to_json(self) -> dict[str, str]:
        return {
            "reference": self.reference,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
        }


def _normalise_when(value: str | date | datetime) -> str:
    """A date stays a date; a date-time becomes RFC 3339 UTC. Anything else is refused."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidCaseField("authority approved_at", "a date-time needs a time zone")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidCaseField(
            "authority approved_at",
            f"{text!r} is not an ISO 8601 date (2026-11-20) or date-time with zone",
        ) from None
    return _normalise_when(moment)


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

    def __init__(self, path: Path, identity: dict[str, Any]) -> None:
        self.path = path
        self.identity = identity
        self.id: str = identity["id"]
        self.title: str = identity["title"]
        self.category: str = identity["category"]
        self.authority = Authority(**identity["authority"])
        self.created_at: str = identity["created_at"]
        self.created_by: dict[str, str] = identity["created_by"]
        self.description: str = identity.get("description", "")
        self.store = BlobStore(path / "blobs")
        self.log = CustodyLog(path / "custody.jsonl", self.id)

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
    ) -> Case:
        """Make a new case folder, its identity and its first custody event, atomically."""
        validate_case_id(case_id)
        if not isinstance(title, str) or not title.strip():
            raise InvalidCaseField("title", "is required")
        if category not in CATEGORIES:
            raise InvalidCaseField(
                "category", f"{category!r} is not one of {', '.join(CATEGORIES)}"
            )
        if not isinstance(authority, Authority):
            raise InvalidCaseField("authority", "use Authority.of(reference, approved_by, when)")
        who = resolve_examiner(examiner)
        base = Path(root) if root is not None else default_root()
        final = base / case_id
        if final.exists():
            raise CaseExists(case_id, final)
        base.mkdir(parents=True, exist_ok=True)
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
        }
        # Build beside the final place, then rename: no half-made case is ever visible.
        work = base / f".{case_id}.creating-{uuid.uuid4().hex}"
        try:
            work.mkdir()
            for sub in SUBDIRS:
                (work / sub).mkdir()
            atomic_write(work / "case.json", json.dumps(identity, indent=2).encode() + b"\n")
            case = cls(work, identity)
            case.log.create()
            case.log.append(EventDraft("case.created", details=dict(identity)), who.actor())
            fsync_dir(work)
            if final.exists():
                raise CaseExists(case_id, final)
            os.rename(work, final)
            fsync_dir(base)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return cls.open(case_id, root=base)

    @classmethod
    def open(cls, case_id: str, *, root: Path | str | None = None) -> Case:
        validate_case_id(case_id)
        base = Path(root) if root is not None else default_root()
        path = base / case_id
        if not (path / "case.json").is_file():
            raise CaseNotFound(case_id, base.resolve())
        identity = read_identity(path / "case.json")
        if identity["id"] != case_id:
            raise CorruptCaseFile(
                path / "case.json", f"it names case {identity['id']!r}, not {case_id!r}"
            )
        return cls(path, identity)

    # -- writing -----------------------------------------------------------

    def import_files(
        self,
        paths: Iterable[Path | str],
        *,
        handed_over_by: str,
        note: str = "",
        examiner: Examiner | None = None,
        progress: bool = True,
    ) -> list[Capture]:
        """Import files handed over (witness footage, tips) as exhibits; one capture each."""
        from .importer import import_files

        return import_files(
            self,
            [Path(p) for p in paths],
            handed_over_by=handed_over_by,
            note=note,
            examiner=resolve_examiner(examiner),
            progress=progress,
        )

    def import_file(self, path: Path | str, **kwargs: Any) -> Capture:
        return self.import_files([path], **kwargs)[0]

    def capture_urls(
        self,
        urls: Iterable[str],
        *,
        examiner: Examiner | None = None,
        options: CaptureOptions | None = None,
        parallel: int = 2,
        progress: bool = True,
    ) -> list[Capture]:
        """Render each URL in headless Chromium and keep screenshot, DOM, text, MHTML, WARC.

        Each URL is one capture, ``complete``, ``partial`` (with the reason) or
        ``failed`` (recorded as ``collection.failed``). Malformed URLs and schemes
        other than http and https are refused before anything starts.
        """
        from .web.capture import capture_urls

        return capture_urls(
            self,
            list(urls),
            examiner=resolve_examiner(examiner),
            options=options,
            parallel=parallel,
            progress=progress,
        )

    def capture_url(self, url: str, **kwargs: Any) -> Capture:
        return self.capture_urls([url], **kwargs)[0]

    def collect(
        self,
        target: str,
        *,
        since: datetime | None = None,
        limit: int | None = None,
        settings: CollectSettings | None = None,
        examiner: Examiner | None = None,
        progress: bool = True,
    ) -> Capture:
        """Collect public posts: ``telegram:CHANNEL``, ``mastodon:@user@host``,
        ``mastodon:#tag@host``, ``mastodon:https://host/@user/ID``, ``bluesky:HANDLE``,
        ``bluesky:https://bsky.app/profile/HANDLE/post/ID``.

        One capture per run: the WARC of every response, the profile, each new or
        changed post and its media as exhibits; what is new, changed and deleted since
        the last run against the same target is in the capture record. Raises
        InvalidTarget before anything starts, and a CollectionFailed kind (already on
        the record, as ``collection.failed``) when nothing usable came back.
        """
        from .social.collect import collect

        return collect(
            self,
            target,
            examiner=resolve_examiner(examiner),
            since=since,
            limit=limit,
            settings=settings,
            progress=progress,
        )

    def stamp(
        self, *, tsa: TsaConfig | None = None, examiner: Examiner | None = None
    ) -> Checkpoint:
        """Checkpoint the log head: signed by the examiner, stamped by the TSA if one is
        configured (``tsa=`` or ``OSINT_KIT_TSA_URL`` + ``OSINT_KIT_TSA_CA``), recorded
        as a ``log.checkpoint`` event. Later verification catches a log cut short."""
        from .checkpoint import make_checkpoint, tsa_from_env

        return make_checkpoint(self, resolve_examiner(examiner), tsa or tsa_from_env())

    def report(self, *, verify: bool = True) -> ProvenanceReport:
        """The provenance report of the whole case (HTML; shows inline in a notebook).

        ``.save(path)`` writes it; ``osint-kit report CASE`` does both.
        """
        from .provenance import render

        verification = None
        problems: dict[str, list[str]] = {}
        if verify:
            checked = self.verify()
            verification = (checked.ok, checked.text())
            for p in checked.problems:
                if p.exhibit:
                    for label in p.exhibit.split(", "):
                        problems.setdefault(label, []).append(f"{p.kind}: {p.message}")
        exhibits = list(self.exhibits())
        return render(
            self.identity, self.events(), exhibits, verification=verification, problems=problems
        )

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
    ) -> ExportResult:
        """Export exhibits (all if none named) as a BagIt 1.0 bundle zip at ``dest``.

        Refused without an authorisation reference and a recipient, onto an existing
        path, or for an unknown exhibit. Recorded as an ``export.created`` event with
        the bundle's SHA-256. ``osint-kit bundle verify`` checks it without the case.
        With ``encrypt_to`` (age public keys), the bundle is ``*.zip.age``, readable
        only with one of those recipients' keys.
        """
        from .bundle.build import export_bundle

        return export_bundle(
            self,
            Path(dest),
            exhibits=list(exhibits) if exhibits is not None else None,
            authorization=authorization,
            recipient=recipient,
            purpose=purpose,
            examiner=resolve_examiner(examiner),
            encrypt_to=list(encrypt_to),
            tsa=tsa,
        )

    def add_note(
        self, text: str, *, exhibits: Iterable[str] = (), examiner: Examiner | None = None
    ) -> Event:
        """Put an examiner's note on the record, optionally about some exhibits."""
        if not text.strip():
            raise InvalidCaseField("note", "is empty")
        subjects = []
        for label in exhibits:
            ex = self.exhibit(label)
            subjects.append(Subject(ex.sha256, ex.size, "subject", ex.label, ex.media_type))
        who = resolve_examiner(examiner)
        event = self.log.append(
            EventDraft("note.added", details={"text": text}, subjects=subjects), who.actor()
        )
        self._refresh_index()
        return event

    def repair(self, *, examiner: Examiner | None = None) -> RepairReport:
        """Repair what a crash left (torn last line, interrupted imports), on the record."""
        from .repair import repair_case

        return repair_case(self, resolve_examiner(examiner))

    # -- reading -----------------------------------------------------------

    def events(self) -> list[Event]:
        return list(self.log.events())

    def exhibits(self) -> ExhibitList:
        return ExhibitList(exhibits_from_events(self.log.events(), self.store.path_for))

    def exhibit(self, label: str) -> Exhibit:
        for ex in exhibits_from_events(self.log.events(), self.store.path_for):
            if ex.label == label:
                return ex
        raise UnknownExhibit(label, self.id)

    def posts(self, target: str | None = None) -> PostList:
        """Collected posts, the latest version of each, newest first (``.to_frame()``: pandas).

        ``target`` (``telegram:CHANNEL``…) narrows to one collection target; a
        ``deleted`` column says whether a later run found the post gone.
        """
        from .social.views import posts_from_events

        def read(sha256: str) -> bytes:
            return self.store.path_for(sha256).read_bytes()

        return posts_from_events(self.log.events(), read, target)

    def captures(self) -> list[Capture]:
        return [c for e in self.log.events() if (c := Capture.from_event(e)) is not None]

    def verify(
        self, *, raise_on_error: bool = False, against: Iterable[Path | str] = ()
    ) -> VerificationReport:
        """Check every blob, event and link; report every problem, or raise with all of them.

        ``against``: bundles cut from this case; the log must still hold each one's head.
        """
        from .verify import verify_case

        report = verify_case(self, [Path(p) for p in against])
        if raise_on_error:
            report.raise_for_problems()
        return report

    def is_valid(self) -> bool:
        return self.verify().ok

    def reindex(self) -> Path:
        """Rebuild ``derived/index.sqlite`` from the log and the blobs, from scratch."""
        from .index import rebuild_index

        return rebuild_index(self)

    def _refresh_index(self) -> None:
        from .index import refresh_index

        refresh_index(self)

    def _repr_html_(self) -> str:
        seq, _ = self.log.head()
        rows = (
            ("case", self.id),
            ("title", self.title),
            ("category", self.category),
            (
                "authority",
                f"{self.authority.reference}, approved by "
                f"{self.authority.approved_by} on {self.authority.approved_at}",
            ),
            ("created", f"{self.created_at} by {self.created_by.get('name')}"),
            ("folder", str(self.path)),
            ("custody events", str(seq)),
        )
        body = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<table>{body}</table>"

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.title!r} at {self.path}>"


def read_identity(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CorruptCaseFile(path, str(exc)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise CorruptCaseFile(path, f"its 'format' is not {FORMAT_NAME!r}")
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CorruptCaseFile(path, f"its format_version {version!r} is not a positive integer")
    if version > FORMAT_VERSION:
        raise UnsupportedFormatVersion(path, version, FORMAT_VERSION)
    for key in ("id", "title", "category", "authority", "created_at", "created_by"):
        if key not in data:
            raise CorruptCaseFile(path, f"it has no {key!r}")
    auth = data["authority"]
    if not isinstance(auth, dict) or set(auth) != {"reference", "approved_by", "approved_at"}:
        raise CorruptCaseFile(path, "its authority is not {reference, approved_by, approved_at}")
    return data


def create_case(case_id: str, **kwargs: Any) -> Case:
    return Case.create(case_id, **kwargs)


def open_case(case_id: str, *, root: Path | str | None = None) -> Case:
    return Case.open(case_id, root=root)


def list_cases(root: Path | str | None = None) -> list[CaseSummary]:
    """Every case folder under ``root``; an unreadable one is listed with its problem."""
    base = Path(root) if root is not None else default_root()
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
