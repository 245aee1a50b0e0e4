"""osint-kit: an evidence workbench for investigators.

Notebooks and the CLI use only what ``__all__`` lists.
"""

__version__ = "0.1.0"

from .case import CATEGORIES, Authority, Case, CaseSummary, create_case, list_cases, open_case
from .chain import canonical_json, event_digest, link_hash
from .errors import (
    BrowserUnavailable,
    CaseExists,
    CaseNotFound,
    CorruptCaseFile,
    CorruptLog,
    ExaminerNotConfigured,
    ImportSourceError,
    InvalidCaseField,
    InvalidCaseId,
    InvalidExaminer,
    InvalidURL,
    LogNeedsRepair,
    OsintKitError,
    SourceChanged,
    StorageError,
    UnknownExhibit,
    UnsupportedFormatVersion,
    VerificationFailed,
)
from .events import Event, EventDraft, NewExhibit, Subject
from .examiner import Examiner, resolve_examiner, save_examiner
from .exhibits import Capture, Exhibit, ExhibitList
from .repair import RepairReport
from .report import Problem, VerificationReport
from .web.capture import CaptureOptions

__all__ = [
    "CATEGORIES",
    "Authority",
    "BrowserUnavailable",
    "Capture",
    "CaptureOptions",
    "Case",
    "CaseExists",
    "CaseNotFound",
    "CaseSummary",
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
    "InvalidURL",
    "LogNeedsRepair",
    "NewExhibit",
    "OsintKitError",
    "Problem",
    "RepairReport",
    "SourceChanged",
    "StorageError",
    "Subject",
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
