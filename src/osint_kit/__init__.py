"""osint-kit: an evidence workbench for investigators.

Notebooks and the CLI use only what ``__all__`` lists.
"""

from .bundle.build import ExportPlan, ExportResult
from .bundle.verify import verify_bundle
from .case import Authority, Case, CaseSummary, create_case, list_cases, open_case
from .chain import canonical_json, event_digest, link_hash
from .checkpoint import Checkpoint
from .dates import parse_time
from .dispose import DispositionPlan, DispositionReport
from .errors import (
    EXIT_INTERRUPTED,
    EXIT_MEANING,
    EXIT_STATUS,
    AccountNotFound,
    BagFailed,
    BrowserUnavailable,
    CannotOpen,
    CaptureNotRecorded,
    CaseExists,
    CaseNotFound,
    CollectionFailed,
    CorruptCaseFile,
    CorruptLog,
    ExaminerNotConfigured,
    ExportRefused,
    ImportSourceError,
    InvalidCaseField,
    InvalidCaseId,
    InvalidExaminer,
    InvalidKey,
    InvalidOption,
    InvalidSchedule,
    InvalidTarget,
    InvalidTime,
    InvalidTrustStore,
    InvalidURL,
    KeyUnavailable,
    LogNeedsRepair,
    MediaUnreadable,
    OsintKitError,
    OutputExists,
    PlatformError,
    PlatformRetired,
    PlatformUnreachable,
    PluginError,
    RateLimited,
    RecordedNotPublished,
    RecordsRefused,
    SigningKeyRequired,
    SourceChanged,
    StorageError,
    TimedOut,
    TimestampError,
    ToolMissing,
    UnderLegalHold,
    UnexpectedResponse,
    UnknownExhibit,
    UnsafeBundle,
    UnsupportedFormatVersion,
    VerificationFailed,
    WriteRefused,
    exit_status,
)
from .events import Event, EventDraft, NewExhibit, Subject
from .examiner import Examiner, SigningKey, create_signing_key, resolve_examiner, save_examiner
from .examiner import config_path as examiner_config_path
from .exhibits import Capture, CaptureList, Exhibit, ExhibitList
from .folder import CATEGORIES
from .folder import resolve_root as cases_root
from .images import CLUSTERS_SCHEMA, IMAGE_HASHES_SCHEMA, ImageHashList, RepeatedImages
from .lab import main as run_lab
from .labels import label_runs
from .media.collect import FORMAT as MEDIA_FORMAT
from .media.summary import describe_difference
from .provenance import ProvenanceReport
from .records import Due, DueList, Hold, RecordsState, cases_due
from .repair import RepairReport
from .retention import RetentionRule, RetentionSchedule, default_schedule
from .search import PATTERNS as SEARCH_PATTERNS
from .search import SEARCH_SCHEMA, SearchHits
from .social.base import CollectionRun, Collector, CollectorOption, Target
from .social.post import Author, Media, Post
from .social.registry import broken_collectors, collectors
from .social.settings import CollectSettings
from .social.views import (
    ACCOUNTS_SCHEMA,
    INTERACTIONS_SCHEMA,
    POSTS_SCHEMA,
    AccountList,
    InteractionList,
    PostList,
)
from .timeline import TIMELINE_SCHEMA, TimelineList
from .timestamp import TsaConfig, tsa_config
from .trust import TrustedKey, TrustStore, resolve_trust, save_trust_path, trust_store_path
from .verification import KeyUse, Problem, VerificationReport
from .version import __version__
from .web.capture import CaptureOptions

__all__ = [
    "ACCOUNTS_SCHEMA",
    "CATEGORIES",
    "CLUSTERS_SCHEMA",
    "EXIT_INTERRUPTED",
    "EXIT_MEANING",
    "EXIT_STATUS",
    "IMAGE_HASHES_SCHEMA",
    "INTERACTIONS_SCHEMA",
    "MEDIA_FORMAT",
    "POSTS_SCHEMA",
    "SEARCH_PATTERNS",
    "SEARCH_SCHEMA",
    "TIMELINE_SCHEMA",
    "AccountList",
    "AccountNotFound",
    "Author",
    "Authority",
    "BagFailed",
    "BrowserUnavailable",
    "CannotOpen",
    "Capture",
    "CaptureList",
    "CaptureNotRecorded",
    "CaptureOptions",
    "Case",
    "CaseExists",
    "CaseNotFound",
    "CaseSummary",
    "Checkpoint",
    "CollectSettings",
    "CollectionFailed",
    "CollectionRun",
    "Collector",
    "CollectorOption",
    "CorruptCaseFile",
    "CorruptLog",
    "DispositionPlan",
    "DispositionReport",
    "Due",
    "DueList",
    "Event",
    "EventDraft",
    "Examiner",
    "ExaminerNotConfigured",
    "Exhibit",
    "ExhibitList",
    "ExportPlan",
    "ExportRefused",
    "ExportResult",
    "Hold",
    "ImageHashList",
    "ImportSourceError",
    "InteractionList",
    "InvalidCaseField",
    "InvalidCaseId",
    "InvalidExaminer",
    "InvalidKey",
    "InvalidOption",
    "InvalidSchedule",
    "InvalidTarget",
    "InvalidTime",
    "InvalidTrustStore",
    "InvalidURL",
    "KeyUnavailable",
    "KeyUse",
    "LogNeedsRepair",
    "Media",
    "MediaUnreadable",
    "NewExhibit",
    "OsintKitError",
    "OutputExists",
    "PlatformError",
    "PlatformRetired",
    "PlatformUnreachable",
    "PluginError",
    "Post",
    "PostList",
    "Problem",
    "ProvenanceReport",
    "RateLimited",
    "RecordedNotPublished",
    "RecordsRefused",
    "RecordsState",
    "RepairReport",
    "RepeatedImages",
    "RetentionRule",
    "RetentionSchedule",
    "SearchHits",
    "SigningKey",
    "SigningKeyRequired",
    "SourceChanged",
    "StorageError",
    "Subject",
    "Target",
    "TimedOut",
    "TimelineList",
    "TimestampError",
    "ToolMissing",
    "TrustStore",
    "TrustedKey",
    "TsaConfig",
    "UnderLegalHold",
    "UnexpectedResponse",
    "UnknownExhibit",
    "UnsafeBundle",
    "UnsupportedFormatVersion",
    "VerificationFailed",
    "VerificationReport",
    "WriteRefused",
    "__version__",
    "broken_collectors",
    "canonical_json",
    "cases_due",
    "cases_root",
    "collectors",
    "create_case",
    "create_signing_key",
    "default_schedule",
    "describe_difference",
    "event_digest",
    "examiner_config_path",
    "exit_status",
    "label_runs",
    "link_hash",
    "list_cases",
    "open_case",
    "parse_time",
    "resolve_examiner",
    "resolve_trust",
    "run_lab",
    "save_examiner",
    "save_trust_path",
    "trust_store_path",
    "tsa_config",
    "verify_bundle",
]

# In a notebook, an osint-kit error shows as one readable message (notebook.py).
from .notebook import install as _install_notebook_errors

_install_notebook_errors()
