"""Custody event types are declared once (record/builtin_actions.py), and what shows or
judges events reads the declaration: `osint-kit log` prints no empty line for any type,
docs/format.md lists every one, the writer refuses a type nobody declares, a bundle
carries each as its disclosure rule says; a plugin declares its own the same way, and
without the plugin its events still read and verify."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import plugins
from conftest import AUTHORITY, EXAMINER
from osint_kit import Case
from osint_kit.errors import UndeclaredAction
from osint_kit.plugin import ActionType, Disclosure
from osint_kit.record import EventDraft, action_types
from osint_kit.record.builtin_actions import BUILTIN
from osint_kit.record.examiner import config_dir
from osint_kit.record.signing import generate_key
from osint_kit_sandbox.platforms import FakePlatforms
from social_helpers import settings_for

FORMAT_DOC = Path(__file__).resolve().parents[1] / "docs" / "format.md"


def test_every_builtin_type_is_whole() -> None:
    names = [t.name for t in BUILTIN]
    assert len(names) == len(set(names)) == 17
    doc = FORMAT_DOC.read_text(encoding="utf-8")
    for t in BUILTIN:
        assert t.meaning.strip() and t.written_by.strip(), t.name
        assert isinstance(t.disclosure, Disclosure), t.name
        assert callable(t.summary), t.name
        assert f"#### `{t.name}`" in doc, f"docs/format.md does not describe {t.name}"
    assert {t.name for t in action_types()} >= set(names)


def test_a_type_must_say_what_it_is() -> None:
    with pytest.raises(ValueError, match="dotted verb"):
        ActionType("Watch", "m", "w", lambda e: "")
    with pytest.raises(ValueError, match="who writes it"):
        ActionType("watch.run", "a run", " ", lambda e: "")


@pytest.fixture
def every_type(root: Path, tmp_path: Path) -> Case:
    """A case whose log holds an event of every built-in type, each made the way a user
    makes it (the examiner signs: a key registration too)."""
    generate_key(config_dir(), EXAMINER.id, None, force=False)
    case = Case.create(
        "ALL-1", title="Every type", category="other", authority=AUTHORITY, root=root,
        examiner=EXAMINER,
    )  # fmt: skip
    tip = tmp_path / "tip.txt"
    tip.write_text("seen at the bus stop\n")
    photo = tmp_path / "photo.png"
    photo.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    )
    imported = case.import_files([tip, photo], handed_over_by="Mother", examiner=EXAMINER)
    with FakePlatforms() as fake, socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"
        settings = settings_for(fake, connect_to={"t.me": nowhere})
        case.collect("telegram:nobody", settings=settings, examiner=EXAMINER, progress=False)
    case.analysis.export_repeated_images(examiner=EXAMINER)
    photo_label = imported.exhibits[1]
    case.add_note("the photo shows the bus stop", exhibits=[photo_label], examiner=EXAMINER)
    case.disclosure.export(
        tmp_path / "out.zip",
        authorization="DA-1",
        recipient="Prosecutor",
        exhibits=[imported.exhibits[0]],
        examiner=EXAMINER,
        progress=False,
    )
    case.verify(record=True, examiner=EXAMINER, progress=False)
    os.chmod(case.log.path, 0o644)
    with open(case.log.path, "ab") as log:
        log.write(b'{"seq": 99, "torn')  # a write a crash cut short
    case.repair(examiner=EXAMINER)
    case.records.close(reason="found", approved_by="Lt. Ray", no_schedule=True, examiner=EXAMINER)
    hold = case.records.place_hold(authority="COURT-1", reason="appeal", examiner=EXAMINER)
    case.records.lift_hold(
        hold.details["hold"], authority="COURT-1", reason="appeal over", examiner=EXAMINER
    )
    case.records.reopen(reason="new lead", approved_by="Lt. Ray", examiner=EXAMINER)
    case.records.close(reason="done", approved_by="Lt. Ray", no_schedule=True, examiner=EXAMINER)
    case.records.review(
        extend_by="P8Y", reason="appeal likely", approved_by="Lt. Ray", examiner=EXAMINER
    )
    case.records.dispose(
        [imported.exhibits[1]],
        authorization="RET-1",
        approved_by="Records officer",
        reason="schedule",
        early_authority="DPO-7",
        early_reason="erasure request upheld",
        examiner=EXAMINER,
    )
    return case


def test_log_prints_a_summary_for_every_type(every_type: Case, root: Path) -> None:
    assert {e.action for e in every_type.events()} == {t.name for t in BUILTIN}
    env = {**os.environ, "OSINT_KIT_CASES": str(root)}
    out = subprocess.run(
        [sys.executable, "-m", "osint_kit", "log", every_type.id],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line[:6].strip().isdigit()]
    assert len(lines) == len(every_type.events())
    for event, line in zip(every_type.events(), lines, strict=True):
        said = line.split(event.action, 1)[1].strip()
        assert said and said == event.summary(), line
    verified = next(e for e in every_type.events() if e.action == "case.verified")
    assert verified.summary().startswith("verified ") and "OK" in verified.summary()
    assert every_type.verify(progress=False).ok


def test_the_writer_refuses_a_type_nobody_declares(case: Case) -> None:
    before = case.log.path.read_bytes()
    with pytest.raises(UndeclaredAction, match="no installed package declares"):
        case.writer.append(EventDraft("watch.run"), EXAMINER.actor())
    with pytest.raises(UndeclaredAction, match="only the custody log itself"):
        case.writer.append(EventDraft("case.created", details={}), EXAMINER.actor())
    assert case.log.path.read_bytes() == before


COLLECTORS_DOC = FORMAT_DOC.parent / "collectors.md"
#: The entry point docs/collectors.md tells the example's package to declare.
WATCH = {"osint_kit.actions": {"watch-run": "osint_watch:WATCH_RUN"}}


def plugin_source() -> str:
    """The example of docs/collectors.md#event-types, as written there."""
    text = COLLECTORS_DOC.read_text(encoding="utf-8").split("## Event types", 1)[1]
    match = re.search(r"```python\n(.*?)```", text, re.S)
    assert match, "docs/collectors.md has no example event type"
    return match.group(1)


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package declaring an event type through the entry point, on sys.path."""
    site = plugins.install(tmp_path / "site", "osint_watch", plugin_source(), WATCH)
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("osint_watch", None)


def test_a_plugins_type_is_declared_once_and_read_everywhere(
    plugin: Path,
    case: Case,
    files: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert action_types().get("watch.run") is not None
    imported = case.import_files([files["tip.txt"]], handed_over_by="W", examiner=EXAMINER)
    run = case.writer.append(
        EventDraft("watch.run", details={"source": "telegram:x", "new": 3}), EXAMINER.actor()
    )
    assert run.summary() == "watch run of telegram:x: 3 new"
    plan = case.disclosure.plan(exhibits=[imported.exhibits[0]])
    assert run.seq in [seq for seq, _, _ in plan.in_full]  # its rule: always
    report = case.verify(progress=False)
    assert report.ok and not [n for n in report.notes if "watch.run" in n]
    # Without the plugin, the event still reads and verifies; the reader is told.
    monkeypatch.syspath_prepend(str(tmp_path / "elsewhere"))
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(plugin)])
    sys.modules.pop("osint_watch", None)
    assert action_types().get("watch.run") is None
    again = next(e for e in case.events() if e.action == "watch.run")
    assert again.summary() == ""  # no exhibits, no capture: nothing to say but the type
    report = case.verify(progress=False)
    assert report.ok
    assert [n for n in report.notes if "'watch.run'" in n and f"seq {run.seq}" in n]
    plan = case.disclosure.plan(exhibits=[imported.exhibits[0]])
    assert run.seq not in [seq for seq, _, _ in plan.in_full]  # it names no exported exhibit


def test_a_plugin_installed_while_running_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry points are read once and kept, but a package installed into a folder of
    sys.path afterwards (pip install in a notebook's kernel) is seen at once."""
    site = tmp_path / "site-later"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    assert action_types().get("watch.run") is None  # read and kept, without the plugin
    plugins.install(site, "osint_watch", plugin_source(), WATCH)
    os.utime(site, ns=(0, 10**18))  # the folder changed, whatever the clock's resolution
    try:
        assert action_types().get("watch.run") is not None
    finally:
        sys.modules.pop("osint_watch", None)


def test_a_broken_plugin_does_not_stop_the_log_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Case
) -> None:
    site = plugins.install(
        tmp_path / "broken",
        "osint_broken",
        "raise RuntimeError('a bug in the plugin')\n",
        {"osint_kit.actions": {"x": "osint_broken:X"}},
    )
    monkeypatch.syspath_prepend(str(site))
    found = action_types()
    assert "a bug in the plugin" in found.broken["x"]
    assert case.events()[0].summary().startswith("case created: ")
    assert case.verify(progress=False).ok


def test_a_case_created_event_anywhere_but_first_is_a_problem(case: Case) -> None:
    from forgeries import append_forged

    append_forged(case, "case.created", dict(case.identity))
    report = case.verify(progress=False)
    assert "event-out-of-place" in {p.kind for p in report.problems}


def test_the_json_log_keeps_its_shape(every_type: Case, root: Path) -> None:
    env = {**os.environ, "OSINT_KIT_CASES": str(root)}
    out = subprocess.run(
        [sys.executable, "-m", "osint_kit", "log", every_type.id, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["seq"] for r in rows] == [e.seq for e in every_type.events()]


class Said:
    """An event as a summary reads it (``Described``), with the details given."""

    def __init__(self, action: str, details: dict[str, object]) -> None:
        self.action, self.details = action, details
        self.exhibits: tuple[str, ...] = ()
        self.capture = None

    def exhibit_roles(self) -> str:
        return ""


@pytest.mark.parametrize(
    ("details", "says"),
    [
        ({"ok": True, "events": 9, "head": {"seq": 9, "hash": "ab" * 32}}, ": OK; 9 events up"),
        (
            {"ok": False, "problems": [{"kind": "blob-missing"}, {"kind": "chain-broken"}]},
            ": 2 problem(s) (blob-missing, chain-broken);",
        ),
        ({"ok": "yes", "problems": "many", "head": 3}, ": result unreadable; ? events up to seq ?"),
    ],
)
def test_a_recorded_verification_says_what_it_found(details: dict[str, object], says: str) -> None:
    verified = next(t for t in BUILTIN if t.name == "case.verified")
    assert says in verified.summary(Said("case.verified", details))
