"""One exception base, specific subclasses that carry fields and read well.

Every class has its own exit status in ``EXIT_STATUS`` at the end of this
module (a test fails for a class without one); the CLI turns errors into exit
statuses through ``exit_status`` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol


class Findings(Protocol):
    """What ``VerificationFailed`` carries: a verification report (verification.py)."""

    @property
    def target(self) -> str: ...
    @property
    def problems(self) -> Sequence[object]: ...


class OsintKitError(Exception):
    """Base of every error osint-kit raises on purpose."""


class InvalidCaseId(OsintKitError, ValueError):
    def __init__(self, case_id: str, reason: str) -> None:
        self.case_id = case_id
        self.reason = reason
        super().__init__(
            f"invalid case id {case_id!r}: {reason} "
            "(use letters, digits, '-' and '_' only, starting with a letter or digit, "
            "at most 64 characters)"
        )


class InvalidCaseField(OsintKitError, ValueError):
    """A field of the case itself (title, category, authority, a note) is not usable."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class InvalidOption(OsintKitError, ValueError):
    """An option of a call or command (``limit``, ``--tsa-ca``, a destination) is not usable."""

    def __init__(self, option: str, reason: str) -> None:
        self.option = option
        self.reason = reason
        super().__init__(f"{option}: {reason}")


class InvalidTime(OsintKitError, ValueError):
    """A date or time that cannot be read (ISO 8601 / RFC 3339 is expected)."""

    def __init__(self, what: str, value: str, reason: str) -> None:
        self.what = what
        self.value = value
        self.reason = reason
        super().__init__(f"{what}: {value!r}: {reason}")


class InvalidKey(OsintKitError, ValueError):
    """A public key given by the user (an age recipient) that is not one."""

    def __init__(self, what: str, key: str, reason: str) -> None:
        self.what = what
        self.key = key
        self.reason = reason
        super().__init__(f"{what} {key!r}: {reason}")


class OutputExists(OsintKitError, FileExistsError):
    """A file the command would write is already there; nothing was replaced."""

    def __init__(self, path: Path, hint: str = "") -> None:
        self.path = path
        self.hint = hint
        super().__init__(
            f"{path} already exists; nothing was written or recorded"
            + (f" ({hint})" if hint else "")
        )


class CaseNotFound(OsintKitError, LookupError):
    def __init__(self, case_id: str, root: Path) -> None:
        self.case_id = case_id
        self.root = root
        super().__init__(f"no case {case_id!r} under {root} (list cases with: osint-kit case list)")


class CaseExists(OsintKitError):
    def __init__(self, case_id: str, path: Path) -> None:
        self.case_id = case_id
        self.path = path
        super().__init__(f"case {case_id!r} already exists at {path}; nothing was changed")


class CorruptCaseFile(OsintKitError):
    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path} is not a readable case file: {reason}")


class UnsupportedFormatVersion(OsintKitError):
    def __init__(self, path: Path, found: object, supported: int) -> None:
        self.path = path
        self.found = found
        self.supported = supported
        super().__init__(
            f"{path} has case format version {found!r}; this osint-kit reads version "
            f"{supported} and older. Upgrade osint-kit to open it; the case was not touched."
        )


class ExaminerNotConfigured(OsintKitError):
    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        super().__init__(
            "no examiner is set, and writing to a case needs one (who collected what is part "
            "of the record). Set it once with\n"
            "  osint-kit examiner set --name 'Jane Doe' --id 'B-1234' --agency 'Example PD'\n"
            f"(saved in {config_path}), or export OSINT_KIT_EXAMINER_NAME, OSINT_KIT_EXAMINER_ID "
            "and OSINT_KIT_EXAMINER_AGENCY, or pass examiner=Examiner(...) in Python."
        )


class InvalidExaminer(OsintKitError, ValueError):
    def __init__(self, reason: str, source: str) -> None:
        self.reason = reason
        self.source = source
        super().__init__(f"examiner from {source} is not usable: {reason}")


class ImportSourceError(OsintKitError):
    """A file handed over for import cannot be imported as it is."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot import {path}: {reason}; nothing was stored")


class SourceChanged(ImportSourceError):
    """The file changed while it was being copied, so its hash proves nothing."""


class NotARegularFile(OsintKitError, OSError):
    """A file to read is a FIFO, device, socket or folder: refused unread (it could hang)."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path, self.kind = path, kind
        super().__init__(f"{path} is {kind}, not a regular file; it was not read")
        self.strerror = f"it is {kind}, not a regular file"  # for callers that wrap OSError


class StorageError(OsintKitError):
    """Writing to the case folder failed (disk full, permissions, I/O error)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"could not write {path}: {reason}; no evidence was stored by it")


class RecordedNotPublished(StorageError):
    """The event is on the record, but its blobs could not be moved into place."""

    def __init__(self, seq: int, path: Path, reason: str) -> None:
        self.seq = seq
        self.path = path
        self.reason = reason
        OsintKitError.__init__(
            self,
            f"event {seq} is recorded, but its blobs could not be put in place ({path}: "
            f"{reason}); they are kept as staged parts: osint-kit repair CASE finishes them",
        )


class LogNeedsRepair(OsintKitError):
    """The custody log ends in a torn line; appends are refused until repaired."""

    def __init__(self, path: Path, torn_bytes: int) -> None:
        self.path = path
        self.torn_bytes = torn_bytes
        super().__init__(
            f"{path} ends with a torn line of {torn_bytes} bytes (an interrupted write). "
            "Nothing more is appended until it is repaired on the record: "
            "osint-kit repair CASE keeps the torn bytes as a blob and logs the repair."
        )


class CorruptLog(OsintKitError):
    def __init__(self, path: Path, line: int, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(
            f"{path}, line {line}: {reason}. Appends are refused; run osint-kit verify CASE "
            "for the full picture."
        )


class InvalidURL(OsintKitError, ValueError):
    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"cannot capture {url!r}: {reason}")


class BrowserUnavailable(OsintKitError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnknownExhibit(OsintKitError, LookupError):
    def __init__(self, exhibit: str, case_id: str) -> None:
        self.exhibit = exhibit
        self.case_id = case_id
        super().__init__(f"case {case_id!r} has no exhibit {exhibit!r}")


class VerificationFailed(OsintKitError):
    def __init__(self, report: Findings) -> None:
        self.report = report
        n = len(report.problems)
        lines = [f"verification of {report.target} found {n} problem{'s' if n != 1 else ''}:"]
        lines += [f"  - {p}" for p in report.problems]
        super().__init__("\n".join(lines))


class InvalidTarget(OsintKitError, ValueError):
    """A collection target that names no known platform, or a malformed handle."""

    def __init__(self, target: str, reason: str) -> None:
        self.target = target
        self.reason = reason
        super().__init__(f"cannot collect {target!r}: {reason}")


class CollectionFailed(OsintKitError):
    """A collection run got nothing usable; the failure is already on the record.

    ``capture`` is the recorded capture (status ``failed``), or None when even the
    failure could not be written.
    """

    kind = "failed"

    def __init__(self, target: str, reason: str, *, url: str | None = None) -> None:
        self.target = target
        self.reason = reason
        self.url = url
        self.capture: object | None = None
        super().__init__(f"collecting {target} failed: {reason}")


class PlatformRetired(CollectionFailed):
    """The platform's collector no longer works against the live site."""

    kind = "retired"


class AccountNotFound(CollectionFailed):
    kind = "not-found"


class PlatformUnreachable(CollectionFailed):
    kind = "unreachable"


class TimedOut(PlatformUnreachable):
    """The platform took longer to answer than the run's time-out."""

    kind = "timeout"


class RateLimited(CollectionFailed):
    kind = "rate-limited"


class PlatformError(CollectionFailed):
    """The platform answered with an error status (5xx, or a 4xx that is not 'not found')."""

    kind = "http-error"


class UnexpectedResponse(CollectionFailed):
    """HTML or JSON that changed shape: the parser could not read it."""

    kind = "parse-error"


class ExportRefused(OsintKitError):
    """An export that cannot be made as asked; nothing was written or recorded."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"export refused: {reason}")


class WriteRefused(OsintKitError):
    """A library tried to send something other than a read; it never left the machine."""

    def __init__(self, method: str, url: str) -> None:
        self.method = method
        self.url = url
        super().__init__(f"refused {method} {url}: collection is read-only")


class CaptureNotRecorded(OsintKitError):
    """A capture failed, and even its failure could not be written to the log."""

    def __init__(self, target: str, reason: str) -> None:
        self.target = target
        self.reason = reason
        super().__init__(f"capture of {target} failed and could not be recorded: {reason}")


class PluginError(OsintKitError):
    """A collector plugin that cannot be used (not a collector, or none installed)."""

    def __init__(self, plugin: str, reason: str) -> None:
        self.plugin = plugin
        self.reason = reason
        super().__init__(f"collector plugin {plugin}: {reason}")


class UndeclaredAction(OsintKitError):
    """An event of a type no installed package declares (or one only the log itself
    writes) was to be appended; nothing was written."""

    def __init__(self, action: str, reason: str) -> None:
        self.action = action
        self.reason = reason
        super().__init__(f"event type {action!r}: {reason}")


class BagFailed(OsintKitError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"could not make the bag: {reason}")


class UnsafeBundle(OsintKitError):
    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path} cannot be opened safely: {reason}")


class CannotOpen(OsintKitError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class KeyUnavailable(OsintKitError):
    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot use the signing key {path}: {reason}")


class SigningKeyRequired(KeyUnavailable):
    """Writing as an examiner whose key this machine does not hold, or unsigned to a case
    whose events must be signed."""

    def __init__(self, examiner_id: str, reason: str) -> None:
        self.examiner_id = examiner_id
        self.reason = reason
        OsintKitError.__init__(self, f"cannot write as examiner {examiner_id}: {reason}")


class InvalidTrustStore(OsintKitError):
    """The configured trust store (the examiners' keys the department vouches for) is
    missing or holds something that is not an examiner's Ed25519 public key."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"trust store {path}: {reason}")


class TimestampError(OsintKitError):
    """The TSA could not be reached, refused, or answered with a token that does not verify."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"no trusted time stamp: {reason}")


class ToolMissing(OsintKitError):
    """An outside program osint-kit needs (ffprobe, ffmpeg, exiftool) is not installed."""

    def __init__(self, tool: str, package: str) -> None:
        self.tool = tool
        self.package = package
        super().__init__(
            f"{tool} is not installed: install the Debian package {package} "
            "(make setup does), then try again"
        )


class MediaUnreadable(OsintKitError):
    """A video or picture the tools cannot read (truncated, corrupt, not media): the
    original is kept as it came; what needs its content is skipped, with this reason."""

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"{what} cannot be read as media: {reason}")


class RecordsRefused(OsintKitError):
    """A records-management step that cannot be taken as asked (closing a closed case,
    disposing of an open one, no authorisation); nothing was changed or recorded."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class UnderLegalHold(RecordsRefused):
    """Disposal refused: a legal hold stands on the case."""


class InvalidSchedule(OsintKitError, ValueError):
    """A retention schedule that cannot be used (unknown category, bad period, bad file)."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"retention schedule {path}: {reason}")


#: What each exit status means; ``osint-kit --help`` prints this table.
EXIT_MEANING: dict[int, str] = {
    0: "ok",
    1: "verification found problems",
    2: "bad input (a case id, field, option, time, URL, target, key, or FIFO to read)",
    3: "not found (case or exhibit)",
    4: "already exists (a case, or a file the command would write)",
    5: "a file cannot be imported, or read as media",
    6: "no examiner set, their signing key cannot be used, or the trust store is unreadable",
    7: "case folder unreadable or in need of repair",
    8: "could not write",
    9: "no browser, or a tool it needs (ffprobe, ffmpeg, exiftool) is missing",
    10: "other error (a broken plugin, a refused write)",
    11: "a URL, collection target or handed-over file could not be taken (the failure is recorded)",
    12: "no trusted time: the time-stamping authority failed",
}

#: The exit status of every error class, each listed explicitly (subclasses too).
EXIT_STATUS: dict[type[OsintKitError], int] = {
    OsintKitError: 10,
    VerificationFailed: 1,
    UnsafeBundle: 1,
    InvalidCaseId: 2,
    InvalidCaseField: 2,
    InvalidOption: 2,
    InvalidTime: 2,
    InvalidKey: 2,
    InvalidExaminer: 2,
    NotARegularFile: 2,
    InvalidURL: 2,
    InvalidTarget: 2,
    ExportRefused: 2,
    RecordsRefused: 2,
    UnderLegalHold: 2,
    InvalidSchedule: 2,
    CannotOpen: 2,
    CaseNotFound: 3,
    UnknownExhibit: 3,
    CaseExists: 4,
    OutputExists: 4,
    ImportSourceError: 5,
    SourceChanged: 5,
    ExaminerNotConfigured: 6,
    KeyUnavailable: 6,
    SigningKeyRequired: 6,
    InvalidTrustStore: 6,
    CorruptCaseFile: 7,
    UnsupportedFormatVersion: 7,
    CorruptLog: 7,
    LogNeedsRepair: 7,
    StorageError: 8,
    RecordedNotPublished: 8,
    CaptureNotRecorded: 8,
    BagFailed: 8,
    BrowserUnavailable: 9,
    ToolMissing: 9,
    MediaUnreadable: 5,
    PluginError: 10,
    UndeclaredAction: 10,
    WriteRefused: 10,
    CollectionFailed: 11, PlatformRetired: 11, AccountNotFound: 11, PlatformUnreachable: 11,
    TimedOut: 11, RateLimited: 11, PlatformError: 11, UnexpectedResponse: 11,
    TimestampError: 12,
}

EXIT_INTERRUPTED = 130


def exit_status(exc: OsintKitError) -> int:
    """The exit status for ``exc``: its class's, else its nearest listed ancestor's."""
    for cls in type(exc).__mro__:
        if cls in EXIT_STATUS:
            return EXIT_STATUS[cls]
    return EXIT_STATUS[OsintKitError]

__all__ = [  # sorted: constants, classes, functions
    "EXIT_INTERRUPTED", "EXIT_MEANING", "EXIT_STATUS", "AccountNotFound", "BagFailed",
    "BrowserUnavailable", "CannotOpen", "CaptureNotRecorded", "CaseExists", "CaseNotFound",
    "CollectionFailed", "CorruptCaseFile", "CorruptLog", "ExaminerNotConfigured", "ExportRefused",
    "ImportSourceError", "InvalidCaseField", "InvalidCaseId", "InvalidExaminer", "InvalidKey",
    "InvalidOption", "InvalidSchedule", "InvalidTarget", "InvalidTime", "InvalidTrustStore",
    "InvalidURL", "KeyUnavailable", "LogNeedsRepair", "MediaUnreadable", "NotARegularFile",
    "OsintKitError", "OutputExists", "PlatformError", "PlatformRetired", "PlatformUnreachable",
    "PluginError", "RateLimited", "RecordedNotPublished", "RecordsRefused", "SigningKeyRequired",
    "SourceChanged", "StorageError", "TimedOut", "TimestampError", "ToolMissing",
    "UndeclaredAction", "UnderLegalHold", "UnexpectedResponse", "UnknownExhibit", "UnsafeBundle",
    "UnsupportedFormatVersion", "VerificationFailed", "WriteRefused", "exit_status",
]
