"""osint-kit: an evidence workbench for investigators.

Notebooks and the CLI use only what ``__all__`` lists.
"""

from osint_kit.acquire.media.collect import FORMAT as MEDIA_FORMAT
from osint_kit.acquire.social.base import CollectionRun, Collector, CollectorOption, Target
from osint_kit.acquire.social.registry import broken_collectors, collectors
from osint_kit.acquire.social.settings import CollectSettings
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit.analysis.images import (
    CLUSTERS_SCHEMA,
    IMAGE_HASHES_SCHEMA,
    ImageHashList,
    RepeatedImages,
)
from osint_kit.analysis.posts import (
    ACCOUNTS_SCHEMA,
    INTERACTIONS_SCHEMA,
    POSTS_SCHEMA,
    AccountList,
    InteractionList,
    PostList,
)
from osint_kit.analysis.search import PATTERNS as SEARCH_PATTERNS
from osint_kit.analysis.search import SEARCH_SCHEMA, SearchHits
from osint_kit.analysis.timeline import TIMELINE_SCHEMA, TimelineList
from osint_kit.base.dates import parse_time
from osint_kit.base.labels import label_runs
from osint_kit.case.core import Authority, Case, CaseSummary, create_case, list_cases, open_case
from osint_kit.disclosure.bundle.build import ExportPlan, ExportResult
from osint_kit.disclosure.bundle.verify import verify_bundle
from osint_kit.disclosure.provenance import ProvenanceReport
from osint_kit.errors import (
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
from osint_kit.folder.checkpoint import Checkpoint
from osint_kit.folder.read import CATEGORIES
from osint_kit.folder.read import resolve_root as cases_root
from osint_kit.formats.media_summary import describe_difference
from osint_kit.integrity.repair import RepairReport
from osint_kit.lifecycle.certificate import DispositionReport
from osint_kit.lifecycle.dispose import DispositionPlan
from osint_kit.lifecycle.due import Due, DueList, cases_due
from osint_kit.lifecycle.retention import RetentionRule, RetentionSchedule, default_schedule
from osint_kit.record.case_state import Hold, RecordsState
from osint_kit.record.chain import canonical_json, event_digest, link_hash
from osint_kit.record.events import Event, EventDraft, NewExhibit, Subject
from osint_kit.record.examiner import (
    Examiner,
    SigningKey,
    create_signing_key,
    resolve_examiner,
    save_examiner,
)
from osint_kit.record.examiner import config_path as examiner_config_path
from osint_kit.record.exhibits import Capture, CaptureList, Exhibit, ExhibitList
from osint_kit.record.findings import KeyUse, Problem, VerificationReport
from osint_kit.record.post import Author, Media, Post
from osint_kit.record.timestamp import TsaConfig, tsa_config
from osint_kit.record.trust import (
    TrustedKey,
    TrustStore,
    resolve_trust,
    save_trust_path,
    trust_store_path,
)
from osint_kit.version import __version__
from osint_kit.workbench.lab import main as run_lab

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
from osint_kit.workbench.notebook import install as _install_notebook_errors

_install_notebook_errors()
