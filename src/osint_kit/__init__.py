"""osint-kit: an evidence workbench for investigators.

``import osint_kit`` gives the case, its results and the base of every error; the rest
of the public API is in its own modules, each with an ``__all__``:

- ``osint_kit.analysis``: tables, networks, timelines, search, repeated pictures;
- ``osint_kit.record``: custody events, the format's hashing, examiners' keys, the
  trust store, time-stamping;
- ``osint_kit.lifecycle``: retention schedules, cases due, holds, disposition;
- ``osint_kit.errors``: every error, and the exit status of each;
- ``osint_kit.workbench``: JupyterLab, forms, errors shown readably in a notebook;
- ``osint_kit.plugin``: what a collector or an event-type plugin needs.

Names that were here before and moved still answer for one release, with a
``DeprecationWarning`` that says where they went.
"""

import importlib
from typing import Any

from osint_kit.acquire.media.ytdlp import FORMAT as MEDIA_FORMAT
from osint_kit.acquire.social.settings import CollectSettings
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit.base.deprecation import moved
from osint_kit.case import Authority, Case, CaseSummary, create_case, list_cases, open_case
from osint_kit.disclosure.bundle.build import ExportResult
from osint_kit.disclosure.bundle.plan import ExportPlan
from osint_kit.disclosure.bundle.verify import verify_bundle
from osint_kit.disclosure.report.document import ProvenanceReport
from osint_kit.errors import OsintKitError, exit_status
from osint_kit.folder.checkpoint import Checkpoint
from osint_kit.folder.read import CATEGORIES
from osint_kit.folder.read import resolve_root as cases_root
from osint_kit.integrity.repair import RepairReport
from osint_kit.lifecycle import (
    DispositionPlan,
    DispositionReport,
    RecordsState,
    RetentionSchedule,
    cases_due,
)
from osint_kit.record.events import Event
from osint_kit.record.examiner import Examiner
from osint_kit.record.exhibits import Capture, CaptureList, Exhibit, ExhibitList
from osint_kit.record.findings import Problem, VerificationReport
from osint_kit.record.timestamp import TsaConfig
from osint_kit.version import __version__
from osint_kit.workbench.notebook import install as _install_notebook_errors

__all__ = [
    "CATEGORIES",
    "MEDIA_FORMAT",
    "Authority",
    "Capture",
    "CaptureList",
    "CaptureOptions",
    "Case",
    "CaseSummary",
    "Checkpoint",
    "CollectSettings",
    "DispositionPlan",
    "DispositionReport",
    "Event",
    "Examiner",
    "Exhibit",
    "ExhibitList",
    "ExportPlan",
    "ExportResult",
    "OsintKitError",
    "Problem",
    "ProvenanceReport",
    "RecordsState",
    "RepairReport",
    "RetentionSchedule",
    "TsaConfig",
    "VerificationReport",
    "__version__",
    "cases_due",
    "cases_root",
    "create_case",
    "exit_status",
    "list_cases",
    "open_case",
    "verify_bundle",
]

#: The public module each name that left ``osint_kit.__all__`` went to.
MOVED_TO: dict[str, str] = {
    **dict.fromkeys(
        (
            "EXIT_INTERRUPTED EXIT_MEANING EXIT_STATUS AccountNotFound BagFailed "
            "BrowserUnavailable CannotOpen CaptureNotRecorded CaseExists CaseNotFound "
            "CollectionFailed CorruptCaseFile CorruptLog ExaminerNotConfigured ExportRefused "
            "ImportSourceError InvalidCaseField InvalidCaseId InvalidExaminer InvalidKey "
            "InvalidOption InvalidSchedule InvalidTarget InvalidTime InvalidTrustStore "
            "InvalidURL KeyUnavailable LogNeedsRepair MediaUnreadable OutputExists "
            "PlatformError PlatformRetired PlatformUnreachable PluginError RateLimited "
            "RecordedNotPublished RecordsRefused SigningKeyRequired SourceChanged StorageError "
            "TimedOut TimestampError ToolMissing UnderLegalHold UnexpectedResponse "
            "UnknownExhibit UnsafeBundle UnsupportedFormatVersion VerificationFailed "
            "WriteRefused"
        ).split(),
        "osint_kit.errors",
    ),
    **dict.fromkeys(
        (
            "ACCOUNTS_SCHEMA CLUSTERS_SCHEMA IMAGE_HASHES_SCHEMA INTERACTIONS_SCHEMA "
            "POSTS_SCHEMA SEARCH_PATTERNS SEARCH_SCHEMA TIMELINE_SCHEMA AccountList "
            "ImageHashList InteractionList PostList RepeatedImages SearchHits TimelineList "
            "describe_difference"
        ).split(),
        "osint_kit.analysis",
    ),
    **dict.fromkeys(
        (
            "EventDraft KeyUse NewExhibit SigningKey Subject TrustStore TrustedKey "
            "canonical_json create_signing_key event_digest examiner_config_path label_runs "
            "link_hash parse_time resolve_examiner resolve_trust save_examiner "
            "save_trust_path trust_store_path tsa_config"
        ).split(),
        "osint_kit.record",
    ),
    **dict.fromkeys(
        "Due DueList Hold RetentionRule default_schedule".split(), "osint_kit.lifecycle"
    ),
    **dict.fromkeys(
        (
            "Author Media Post CollectionRun Collector CollectorOption Target "
            "broken_collectors collectors"
        ).split(),
        "osint_kit.plugin",
    ),
    "run_lab": "osint_kit.workbench",
}


def __getattr__(name: str) -> Any:
    """A name that moved (``MOVED_TO``): found in its new module, with a warning."""
    where = MOVED_TO.get(name)
    if where is None:
        raise AttributeError(f"module 'osint_kit' has no attribute {name!r}")
    moved(f"osint_kit.{name}", f"{where}.{name}")
    return getattr(importlib.import_module(where), name)


# In a notebook, an osint-kit error shows as one readable message (workbench/notebook.py).
_install_notebook_errors()
