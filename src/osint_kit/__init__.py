"""osint-kit: an evidence workbench for investigators.

Notebooks and the CLI use only what ``__all__`` lists.
"""

__version__ = "0.1.0"

from .case import CATEGORIES, Authority, Case, CaseSummary, create_case, list_cases, open_case
from .chain import canonical_json, event_digest, link_hash
from .errors import (
    AccountNotFound,
    BrowserUnavailable,
    CaseExists,
    CaseNotFound,
    CollectionFailed,
    CorruptCaseFile,
    CorruptLog,
    ExaminerNotConfigured,
    ImportSourceError,
    InvalidCaseField,
    InvalidCaseId,
    InvalidExaminer,
    InvalidTarget,
    InvalidURL,
    LogNeedsRepair,
    OsintKitError,
    PlatformError,
    PlatformRetired,
    PlatformUnreachable,
    RateLimited,
    SourceChanged,
    StorageError,
    UnexpectedResponse,
    UnknownExhibit,
    UnsupportedFormatVersion,
    VerificationFailed,
)
from .events import Event, EventDraft, NewExhibit, Subject
from .examiner import Examiner, resolve_examiner, save_examiner
from .exhibits import Capture, Exhibit, ExhibitList
from .repair import RepairReport
from .report import Problem, VerificationReport
from .social.base import CollectionRun, Collector, CollectSettings, Target
from .social.post import Author, Media, Post
from .web.capture import CaptureOptions

__all__ = [
    "CATEGORIES",
    "AccountNotFound",
    "Author",
    "Authority",
    "BrowserUnavailable",
    "Capture",
    "CaptureOptions",
    "Case",
    "CaseExists",
    "CaseNotFound",
    "CaseSummary",
    "CollectSettings",
    "CollectionFailed",
    "CollectionRun",
    "Collector",
    "CorruptCaseFile",
    "CorruptLog",
    "Event",
    "EventDraft",
    "Examiner",
    "ExaminerNotConfigured",
    "Exhibit",
    "ExhibitList",
    "ImportSourceError",
    "InvalidCaseField",
    "InvalidCaseId",
    "InvalidExaminer",
    "InvalidTarget",
    "InvalidURL",
    "LogNeedsRepair",
    "Media",
    "NewExhibit",
    "OsintKitError",
    "PlatformError",
    "PlatformRetired",
    "PlatformUnreachable",
    "Post",
    "Problem",
    "RateLimited",
    "RepairReport",
    "SourceChanged",
    "StorageError",
    "Subject",
    "Target",
    "UnexpectedResponse",
    "UnknownExhibit",
    "UnsupportedFormatVersion",
    "VerificationFailed",
    "VerificationReport",
    "__version__",
    "canonical_json",
    "create_case",
    "event_digest",
    "link_hash",
    "list_cases",
    "open_case",
    "resolve_examiner",
    "save_examiner",
]
