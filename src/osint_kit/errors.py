"""One exception base, specific subclasses that carry fields and read well.

The CLI turns these into exit codes in one place (``cli.EXIT_CODES``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import VerificationReport


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
    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


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
            f"(saved in {config_path}), or export OSINT_KIT_EXAMINER_NAME, "
            "OSINT_KIT_EXAMINER_ID and OSINT_KIT_EXAMINER_AGENCY, "
            "or pass examiner=Examiner(...) in Python."
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


class StorageError(OsintKitError):
    """Writing to the case folder failed (disk full, permissions, I/O error)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"could not write {path}: {reason}; nothing was recorded")


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
    def __init__(self, report: VerificationReport) -> None:
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


class TimestampError(OsintKitError):
    """The TSA could not be reached, refused, or answered with a token that does not verify."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"no trusted time stamp: {reason}")
