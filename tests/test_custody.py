"""The custody log under load: numbering, batches, two writers, SIGKILL, torn lines, repair."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import CHECKPOINT, EXAMINER, assert_ends_with_checkpoint
from osint_kit import Case
from osint_kit.errors import LogNeedsRepair
from osint_kit.record import EventDraft, NewExhibit
from osint_kit.record.findings import CRASH_RESIDUE

TESTS = Path(__file__).parent
HANG = 240  # seconds: a ceiling that only catches a hang, however busy the machine


def run_child(code: str, *args: str) -> subprocess.Popen[str]:
    """A fresh Python process running ``code`` with the tests folder importable."""
    prelude = f"import sys; sys.path.insert(0, {str(TESTS)!r})\n"
    return subprocess.Popen(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # its own process group: a kill takes the tools it started with it (exiftool,
        # ffprobe), which would otherwise hold our pipes open after it died
        start_new_session=True,
    )


def test_events_are_sealed_and_numbered(case: Case, files: dict[str, Path]) -> None:
    first, *others = files.values()
    case.import_file(first, handed_over_by="W1", examiner=EXAMINER, progress=False)
    case.import_files(others, handed_over_by="W2", examiner=EXAMINER, progress=False)
    events = case.events()
    # the case, two hand-overs, each with the checkpoint that ends its run
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [e.action for e in events] == ["case.created", *["evidence.acquired", CHECKPOINT] * 2]
    assert_ends_with_checkpoint(case)
    assert events[0].prev == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.prev == before.hash
    assert [e.exhibits for e in events[1::2]] == [("E0001",), ("E0002", "E0003")]
    assert events[1].tool["name"] == "osint-kit" and "rfc8785" in events[1].tool["libraries"]
    assert events[1].time.endswith("Z") and len(events[1].time) == len(
        "2026-11-25T01:02:03.000004Z"
    )


def test_batch_append_writes_once(case: Case) -> None:
    actor = EXAMINER.actor()
    drafts = [EventDraft("note.added", details={"text": f"n{i}"}) for i in range(50)]
    size_before = case.log.path.stat().st_size
    events = case.log.append_batch(drafts, actor)
    assert [e.seq for e in events] == list(range(2, 52))
    assert case.log.path.stat().st_size > size_before
    assert case.verify().ok


def test_batch_numbers_exhibits_and_captures(case: Case) -> None:
    sha = "ab" * 32
    drafts = [
        EventDraft(
            "evidence.acquired",
            subjects=[NewExhibit(sha, 3, "original")],
            capture={"method": "test", "target": str(i), "status": "complete"},
        )
        for i in range(3)
    ]
    events = case.log.append_batch(drafts, EXAMINER.actor())
    assert [e.exhibits for e in events] == [("E0001",), ("E0002",), ("E0003",)]
    assert [e.capture["id"] for e in events if e.capture] == ["C0001", "C0002", "C0003"]


@pytest.mark.parametrize("action", ["", "Note", "note", "note..added", "note.added!"])
def test_actions_are_dotted_verbs(case: Case, action: str) -> None:
    with pytest.raises(ValueError, match="dotted verb"):
        case.log.append(EventDraft(action), EXAMINER.actor())


def test_floats_are_refused_before_anything_is_written(case: Case) -> None:
    before = case.log.path.read_bytes()
    with pytest.raises(ValueError, match="no floats"):
        case.log.append(EventDraft("note.added", details={"ratio": 0.5}), EXAMINER.actor())
    assert case.log.path.read_bytes() == before


@pytest.mark.slow
def test_two_processes_appending_lose_nothing(case: Case, tmp_path: Path) -> None:
    n = 150
    code = f"""
    import os, sys
    from conftest import EXAMINER
    from osint_kit import Case
    from osint_kit.record import EventDraft
    case = Case.open({case.id!r}, root={str(case.path.parent)!r})
    who = sys.argv[1]
    src = os.path.join({str(tmp_path)!r}, who)
    os.makedirs(src)
    for i in range({n}):
        case.log.append(EventDraft("note.added", details={{"text": f"{{who}} {{i}}"}}),
                        EXAMINER.actor())
        if i % 10 == 0:
            p = os.path.join(src, f"f{{i}}.bin")
            with open(p, "wb") as f:
                f.write(os.urandom(20000))
            case.import_file(p, handed_over_by=who, examiner=EXAMINER, progress=False)
    case.log.append_batch([EventDraft("note.added", details={{"text": f"{{who}} b{{i}}"}})
                           for i in range({n})], EXAMINER.actor())
    """
    procs = [run_child(code, who) for who in ("A", "B")]
    for p in procs:
        _, err = p.communicate(timeout=HANG)
        assert p.returncode == 0, err
    events = case.events()
    per_writer = n + 2 * (n // 10) + n  # each import run also appends its checkpoint
    assert len(events) == 1 + 2 * per_writer
    assert sum(e.action == CHECKPOINT for e in events) == 2 * (n // 10)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for who in ("A", "B"):
        texts = [
            e.details["text"]
            for e in events
            if e.action == "note.added" and e.details["text"].startswith(who)
        ]
        assert texts == [f"{who} {i}" for i in range(n)] + [f"{who} b{i}" for i in range(n)]
    labels = [x for e in events for x in e.exhibits]
    assert labels == [f"E{i:04d}" for i in range(1, 2 * (n // 10) + 1)]
    report = case.verify()
    assert report.ok, report.text()


CRASH_CHILD = """
import os, random, sys
from conftest import EXAMINER
from osint_kit import Case
from osint_kit.record import EventDraft
case = Case.open(sys.argv[1], root=sys.argv[2])
print("ready", flush=True)
src, rnd = sys.argv[3], random.Random(int(sys.argv[4]))
i = 0
while True:
    i += 1
    if rnd.random() < 0.5:
        p = os.path.join(src, f"{sys.argv[4]}-{i}.bin")
        with open(p, "wb") as f:
            f.write(os.urandom(rnd.randrange(1, 1_000_000)))
        cap = case.import_file(p, handed_over_by="crash test", examiner=EXAMINER, progress=False)
        *_, ev, cp = case.events()  # the import, then the checkpoint that ended its run
        ours = ev.capture and ev.capture["id"] == cap.id
        checkpointed = cp.action == "log.checkpoint" and cp.details["seq"] == ev.seq
        acked = [ev, cp] if ours and checkpointed else []
    else:
        acked = case.log.append_batch(
            [EventDraft("note.added", details={"text": f"{i}/{k}"})
             for k in range(rnd.randrange(1, 20))],
            EXAMINER.actor())
    for e in acked:
        print(e.seq, e.id, flush=True)
"""


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_acknowledged(case: Case, tmp_path: Path) -> None:
    rnd = random.Random(20261125)
    src = tmp_path / "src"
    src.mkdir()
    acknowledged: dict[int, str] = {}
    residue_seen: set[str] = set()
    kills = 30
    for round_ in range(kills):
        child = run_child(CRASH_CHILD, case.id, str(case.path.parent), str(src), str(round_))
        # the kill comes while the child works, not while Python starts (about 0.8 s here)
        assert child.stdout is not None
        ready = child.stdout.readline()
        if ready != "ready\n":  # it died starting: say why rather than "'' != 'ready'"
            _, err = child.communicate(timeout=HANG)
            pytest.fail(f"the child did not start (said {ready!r}): {err}")
        # the moment of the kill is the random part of the test, not a wait for an event
        time.sleep(rnd.uniform(0.0, 0.6))
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate(timeout=HANG)
        assert child.returncode == -signal.SIGKILL, err
        lines = out.splitlines()
        if out and not out.endswith("\n"):
            lines = lines[:-1]  # the kill cut the child's last print: not acknowledged
        for line in lines:
            seq, event_id = line.split()
            acknowledged[int(seq)] = event_id
        report = case.verify()
        # A crash may leave residue, never damage.
        assert report.kinds() <= CRASH_RESIDUE, report.text()
        residue_seen |= report.kinds()
        on_disk = {e.seq: e.id for e in case.events()}
        for seq, event_id in acknowledged.items():
            assert on_disk.get(seq) == event_id, f"acknowledged event seq {seq} lost"
        if not report.ok:
            repaired = case.repair(examiner=EXAMINER)
            assert repaired.repaired
            assert case.verify().ok, case.verify().text()
        for f in src.iterdir():
            f.unlink()
    print(f"residue seen after {kills} kills: {sorted(residue_seen) or 'none'}")
    assert len(acknowledged) > kills  # the children did real work between kills
    assert case.verify().ok


def test_torn_last_line_blocks_appends_until_repaired(case: Case, files: dict[str, Path]) -> None:
    case.import_file(files["tip.txt"], handed_over_by="W1", examiner=EXAMINER)
    torn = b'{"action":"note.added","actor":{"agency":"Exa'
    with open(case.log.path, "ab") as f:
        f.write(torn)
    report = case.verify()
    assert report.kinds() == {"torn-line"}
    assert "osint-kit repair" in report.text()
    with pytest.raises(LogNeedsRepair, match=f"torn line of {len(torn)} bytes"):
        case.add_note("more", examiner=EXAMINER)
    fixed = case.repair(examiner=EXAMINER)
    assert fixed.torn_tail is not None and fixed.torn_tail["size"] == len(torn)
    assert fixed.event is not None and fixed.event.action == "log.repaired"
    # The torn bytes are kept, byte for byte, as a blob the repair event names.
    [subject] = fixed.event.subjects
    assert subject.role == "torn-log-tail"
    assert case.store.path_for(subject.sha256).read_bytes() == torn
    assert case.verify().ok
    assert case.add_note("after repair", examiner=EXAMINER).seq == fixed.event.seq + 1
    assert case.repair(examiner=EXAMINER).text() == "nothing to repair"


def test_interrupted_import_is_reported_and_repaired(case: Case, files: dict[str, Path]) -> None:
    """Stop an import after its event, before its blob is moved into place."""
    with open(files["clip.mp4"], "rb") as source:
        staged = case.store.stage(source)
    case.log.append(
        EventDraft(
            "evidence.acquired",
            subjects=[NewExhibit(staged.sha256, staged.size, "original")],
            capture={"method": "file.import", "target": "clip.mp4", "status": "complete"},
        ),
        EXAMINER.actor(),
    )
    leftover = case.store.stage_bytes(b"partial copy that never reached the log")
    report = case.verify()  # live writers hold their locks: work in progress, not damage
    assert report.ok, report.text()
    notes = "\n".join(report.notes)
    assert "E0001: import finishing" in notes and "in progress" in notes
    staged.release()
    leftover.release()  # the writer "dies"
    report = case.verify()
    assert report.kinds() == {"interrupted-import"} and len(report.problems) == 2
    fixed = case.repair(examiner=EXAMINER)
    assert [c["exhibits"] for c in fixed.completed] == ["E0001"]
    assert [d["size"] for d in fixed.discarded] == [39]
    assert case.verify().ok
    assert case.exhibit("E0001").read_bytes() == files["clip.mp4"].read_bytes()


def test_verify_is_read_only(case: Case, files: dict[str, Path]) -> None:
    case.import_files(files.values(), handed_over_by="W1", examiner=EXAMINER, progress=False)

    def snapshot() -> dict[str, tuple[int, int]]:
        return {
            str(p): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in case.path.rglob("*")
            if p.is_file() and "derived" not in p.parts
        }

    before = snapshot()
    assert case.verify().ok
    assert snapshot() == before


def test_log_json_lines_parse(case: Case) -> None:
    for line in case.log.path.read_text().splitlines():
        assert json.loads(line)["case"] == case.id
    os.environ.get("HOME")


def test_a_missing_log_is_never_recreated_by_a_writer(case: Case) -> None:
    from osint_kit.errors import CorruptLog

    case.log.path.unlink()
    with pytest.raises(CorruptLog, match="the custody log is missing"):
        case.add_note("would start a new chain", examiner=EXAMINER)
    assert not case.log.path.exists()
