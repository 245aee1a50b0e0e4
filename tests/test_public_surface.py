"""The public surface: ``import osint_kit`` gives the case, its results and the error base
(about 30 names); the analysis, record, records-management, error, notebook and plugin
APIs are modules of their own. What moved keeps working for one release, saying where
it went, and nothing of osint-kit's own uses an old name (pytest turns ``Moved`` into an
error everywhere but here)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pytest

import osint_kit
from osint_kit import Case
from osint_kit.base.deprecation import Moved
from osint_kit.case.core import MOVED

PUBLIC = (
    "osint_kit",
    "osint_kit.analysis",
    "osint_kit.errors",
    "osint_kit.lifecycle",
    "osint_kit.plugin",
    "osint_kit.record",
    "osint_kit.workbench",
)

#: ``osint_kit.__all__`` before the public surface was made small (issue 30).
BEFORE = (
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
)


def test_the_package_exports_about_thirty_names() -> None:
    assert 25 <= len(osint_kit.__all__) <= 36, len(osint_kit.__all__)
    assert len(set(osint_kit.__all__)) == len(osint_kit.__all__)


@pytest.mark.parametrize("module", PUBLIC)
def test_every_public_name_is_there(module: str) -> None:
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", None) or [
        n for n in vars(mod) if n[:1].isupper() and not n.startswith("_")
    ]
    assert names
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in names:
            assert getattr(mod, name) is not None, f"{module}.{name}"


@pytest.mark.parametrize("name", [n for n in BEFORE if n not in osint_kit.__all__])
def test_a_name_that_moved_still_answers_once_saying_where(name: str) -> None:
    where = osint_kit.MOVED_TO[name]
    with pytest.warns(Moved, match=rf"osint_kit\.{name} is now {where}\.{name}"):
        old = getattr(osint_kit, name)
    assert old is getattr(importlib.import_module(where), name)
    assert name in importlib.import_module(where).__all__


def test_every_name_that_was_public_still_is_somewhere() -> None:
    lost = [n for n in BEFORE if n not in osint_kit.__all__ and n not in osint_kit.MOVED_TO]
    assert lost == []
    with pytest.raises(AttributeError, match="no attribute 'nothing_like_this'"):
        _ = osint_kit.nothing_like_this  # type: ignore[attr-defined]


def test_from_import_of_an_old_name_warns() -> None:
    with pytest.warns(Moved, match="osint_kit.errors.CaseNotFound"):
        from osint_kit import CaseNotFound  # type: ignore[attr-defined]  # noqa: F401


@pytest.mark.parametrize("old", sorted(MOVED))
def test_a_case_method_that_moved_still_works_saying_where(case: Case, old: str) -> None:
    area, new = MOVED[old]
    with pytest.warns(Moved, match=rf"case\.{old} is now case\.{area}\.{new}"):
        found = getattr(case, old)
    assert found == getattr(getattr(case, area), new)


def test_the_old_calls_that_are_now_areas_still_answer(case: Case) -> None:
    with pytest.warns(Moved, match=r"case\.records\(\) is now case\.records\.state\(\)"):
        state = case.records()
    assert state.status == "open"
    with pytest.warns(Moved, match=r"case\.media\(\) is now case\.analysis\.media\(\)"):
        media = case.media()
    assert len(media) == 0
    with pytest.warns(Moved):
        assert len(case.posts()) == 0  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="no attribute 'nothing_like_this'"):
        case.nothing_like_this  # type: ignore[attr-defined]  # noqa: B018


def test_an_old_name_in_our_own_code_fails_the_tests(case: Case) -> None:
    """The suite's filter (pyproject.toml) makes Moved an error: a test, a notebook or the
    demo that used an old name would fail, not just warn."""
    with pytest.raises(Moved):
        warnings.warn("x", Moved, stacklevel=1)


def test_the_areas_read_well(case: Case) -> None:
    for area in ("analysis", "media", "records", "disclosure"):
        assert case.id in repr(getattr(case, area))
    assert "status <b>open</b>" in case.records._repr_html_()


def test_import_osint_kit_stays_free_of_the_notebook_extras() -> None:
    code = (
        "import sys, osint_kit, osint_kit.workbench; "
        "assert 'ipywidgets' not in sys.modules; "
        "from osint_kit.workbench import capture_form; assert 'ipywidgets' in sys.modules"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
