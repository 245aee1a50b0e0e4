"""Shared fixtures: an isolated examiner config, a case root, a fresh case."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from osint_kit import Authority, Case, Event, Examiner
from osint_kit_sandbox.platforms import FakePlatforms
from osint_kit_sandbox.site import Site, serve
from osint_kit_sandbox.tsa import LocalTSA, make_tsa_files, serve_tsa

EXAMINER = Examiner(name="Jane Doe", id="B-1234", agency="Example PD")
AUTHORITY = Authority.of("APP-2026-0117", "Lt. A. Ray", "2026-11-20")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the developer's own config or examiner, or writes under ./cases."""
    monkeypatch.setenv("OSINT_KIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("OSINT_KIT_CASES", str(tmp_path / "cases"))
    monkeypatch.setenv("OSINT_KIT_DATA_DIR", str(tmp_path / "data"))  # the head ledger
    for var in ("OSINT_KIT_TRUST", "OSINT_KIT_TSA_URL", "OSINT_KIT_TSA_CA"):
        monkeypatch.delenv(var, raising=False)  # never the developer's trust store or TSA
    for var in ("OSINT_KIT_EXAMINER_NAME", "OSINT_KIT_EXAMINER_ID", "OSINT_KIT_EXAMINER_AGENCY"):
        monkeypatch.delenv(var, raising=False)
    for var in list(os.environ):
        if var.lower().endswith("_proxy"):
            monkeypatch.delenv(var, raising=False)
    yield


@pytest.fixture
def examiner_env(monkeypatch: pytest.MonkeyPatch) -> Examiner:
    monkeypatch.setenv("OSINT_KIT_EXAMINER_NAME", EXAMINER.name)
    monkeypatch.setenv("OSINT_KIT_EXAMINER_ID", EXAMINER.id)
    monkeypatch.setenv("OSINT_KIT_EXAMINER_AGENCY", EXAMINER.agency)
    return EXAMINER


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "cases"


def new_case(
    root: Path,
    case_id: str = "MP-2026-001",
    title: str = "Missing: J. Smith, 15",
    category: str = "missing-person",
) -> Case:
    """A case under ``root``, opened by EXAMINER under AUTHORITY."""
    return Case.create(
        case_id, title=title, category=category, authority=AUTHORITY, root=root, examiner=EXAMINER
    )


@pytest.fixture
def case(root: Path) -> Case:
    return new_case(root)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The fixture web site (osint_kit_sandbox.site) on 127.0.0.1, one per test module."""
    with serve() as s:
        yield s


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A few files as a witness might hand them over."""
    src = tmp_path / "handed-over"
    src.mkdir()
    made = {
        "tip.txt": b"Seen near the station at 21:40.\n",
        "photo.jpg": bytes(range(256)) * 40,
        "clip.mp4": os.urandom(300_000),
    }
    out = {}
    for name, data in made.items():
        p = src / name
        p.write_bytes(data)
        out[name] = p
    return out


@pytest.fixture(scope="session")
def tsa_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalTSA, LocalTSA]:
    """A department TSA and a rogue one (another CA), made once with openssl."""
    root = tmp_path_factory.mktemp("tsa")
    return make_tsa_files(root / "good", "department"), make_tsa_files(root / "rogue", "rogue")


@pytest.fixture
def tsa(tsa_files: tuple[LocalTSA, LocalTSA]) -> Iterator[LocalTSA]:
    """The department TSA, answering on 127.0.0.1 for the test."""
    with serve_tsa(tsa_files[0]) as running:
        yield running


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    """The sandbox's fake platforms on 127.0.0.1; a bug in the fake itself fails the test."""
    with FakePlatforms() as platforms:
        yield platforms
        assert not platforms.errors, platforms.errors


# Every import, capture, collection and export run that wrote to the log (also one that
# failed on the record) ends with a ``log.checkpoint`` of the run's last event. These
# helpers let a test look at what the run itself recorded, and check the checkpoint.

CHECKPOINT = "log.checkpoint"


def events_without_checkpoints(case: Case) -> list[Event]:
    """The case's events in order, the ``log.checkpoint`` events left out."""
    return [e for e in case.events() if e.action != CHECKPOINT]


def last_event(case: Case, action: str | None = None) -> Event:
    """The last event with ``action``, or (no action) the last that is not a checkpoint."""
    for event in reversed(case.events()):
        wanted = event.action == action if action is not None else event.action != CHECKPOINT
        if wanted:
            return event
    raise AssertionError(f"no {action or 'non-checkpoint'} event in {case.id}")


def assert_ends_with_checkpoint(case: Case) -> Event:
    """The log ends with one ``log.checkpoint`` of the event just before it; returns that
    event (the last the run itself recorded)."""
    *_, before, checkpoint = case.events()
    assert checkpoint.action == CHECKPOINT, checkpoint.action
    assert before.action != CHECKPOINT, "two checkpoints in a row"
    assert checkpoint.details["seq"] == before.seq == checkpoint.seq - 1
    assert checkpoint.details["hash"] == before.hash
    return before
