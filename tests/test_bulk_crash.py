"""A folder hand-over (``import --from DIR``) killed at any moment, and run beside another
writer (issue 23): a hand-over is on the record whole (every file listed, every blob
there with its hash) or not at all; one that exited 0 is on the record; what a kill
leaves is crash residue that repair removes or finishes; another process appending to
the case meanwhile loses nothing and the numbering stays one sequence."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMINER
from osint_kit import Case, Event

CASE_ID = "MP-2026-001"  # conftest's new_case
WITNESS = "W. Bulk"
WHO = ["--examiner-name", EXAMINER.name, "--examiner-id", EXAMINER.id]
WHO += ["--examiner-agency", EXAMINER.agency]
#: The folder: this many small files (32 to 96 KB, read whole by worker threads into one
#: batch) and one over the 8 MiB above which a worker streams a file in pieces.
SMALL_FILES = 400
BIG = "d1/video.bin"  # sorted into the middle of the walk, not first or last
#: What a killed folder import may leave: nothing a person did, only what repair handles.
IMPORT_RESIDUE = {"torn-line", "interrupted-import", "interrupted-checkpoint"}
#: When each round's import is killed, measured on an uncrashed run of the same folder:
#: ("start", f): f x its start-up (nothing staged yet); ("work", f): f x its work (first
#: staged file to exit) after this run's first staged file is seen; ("publish", 0): as
#: soon as a staged file is seen to leave blobs/.incoming (publishing has begun, a window
#: of milliseconds that fixed delays would hit by luck only); ("after", f): f x the whole
#: run from the start, when it has finished. Fixed, so that a failure reproduces.
KILLS = (
    ("start", 0.5),
    ("work", 0.05),
    ("work", 0.2),
    ("work", 0.35),
    ("work", 0.55),
    ("publish", 0.0),
    ("work", 0.8),
    ("after", 1.2),
)


def fill_folder(folder: Path, seed: int) -> dict[str, str]:
    """(Re)write the witness's folder with new random bytes (from ``seed``): the same
    paths, new content, so a round's blobs are never in the store yet. Returns the
    SHA-256 of each file by its path relative to the folder."""
    rng = random.Random(seed)
    made = {}
    for n in range(SMALL_FILES):
        rel = f"d{n % 4}/f{n:03d}.bin"
        made[rel] = rng.randbytes(rng.randint(32 << 10, 96 << 10))
    made[BIG] = rng.randbytes(9 << 20)
    for rel, data in made.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in made.items()}


def cli_env(root: Path) -> dict[str, str]:
    """The test's environment (conftest's isolated config and ledger), the case root
    given, no proxy."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return {**env, "OSINT_KIT_CASES": str(root)}


def import_command(folder: Path, note: str) -> list[str]:
    return [
        sys.executable, "-m", "osint_kit", "import", CASE_ID, "--from", str(folder),
        "--handed-over-by", WITNESS, "--note", note, *WHO, "--quiet",
    ]  # fmt: skip


def staging_started(incoming: Path) -> bool:
    try:
        return bool(os.listdir(incoming))
    except FileNotFoundError:
        return False


def publishing_started(incoming: Path) -> Callable[[], bool]:
    """A condition: has a part left ``incoming`` (published, so after its event) since
    the condition was made? It keeps the most parts seen there at once."""
    most = 0

    def check() -> bool:
        nonlocal most
        try:
            now = len(os.listdir(incoming))
        except FileNotFoundError:
            now = 0
        most = max(most, now)
        return now < most

    return check


def wait_for(condition: Callable[[], bool], run: subprocess.Popen[bytes]) -> None:
    """Poll ``condition`` about every millisecond until it holds or ``run`` has exited."""
    deadline = time.monotonic() + 240  # a hang ceiling, generous on a busy machine
    while not condition() and run.poll() is None:
        assert time.monotonic() < deadline, "the import never got there"
        time.sleep(0.001)


def sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def handovers(case: Case) -> list[Event]:
    """The witness's folder hand-overs on the record (one ``file.import`` event each)."""
    return [
        e
        for e in case.events()
        if e.capture is not None
        and e.capture.get("method") == "file.import"
        and e.capture.get("handed_over_by") == WITNESS
    ]


def assert_whole(case: Case, event: Event, expected: Mapping[str, str]) -> None:
    """The hand-over's event lists exactly the folder's files with their hashes, and each
    is an exhibit whose blob is in the store with those bytes."""
    capture: Mapping[str, Any] = event.capture or {}
    files = capture["files"]
    assert capture["status"] == "complete", capture.get("reason")
    assert capture["source"]["files"] == len(files) == len(expected), event.seq
    assert {f["relative_path"]: f["sha256"] for f in files} == dict(expected), event.seq
    assert {s.source: s.sha256 for s in event.subjects} == dict(expected), event.seq
    assert len(event.subjects) == len(expected) and all(s.exhibit for s in event.subjects)
    for s in event.subjects:
        blob = case.path / "blobs" / "sha256" / s.sha256[:2] / s.sha256
        assert blob.is_file(), f"{s.exhibit} ({s.source}): its blob is missing"
        assert sha256_of(blob) == s.sha256, f"{s.exhibit} ({s.source}): blob altered"


def assert_numbering(case: Case) -> None:
    """Events, exhibits and captures each numbered once, in one unbroken sequence."""
    seqs = [e.seq for e in case.events()]
    assert seqs == list(range(1, len(seqs) + 1))
    labels = [s.exhibit for e in case.events() for s in e.subjects if s.exhibit]
    introduced = list(dict.fromkeys(labels))  # a note names an exhibit again
    assert introduced == [f"E{n:04d}" for n in range(1, len(introduced) + 1)]
    assert [x.label for x in case.exhibits()] == introduced
    ids = [c.id for c in case.captures()]
    assert ids == [f"C{n:04d}" for n in range(1, len(ids) + 1)]


def leftovers(case: Case) -> list[str]:
    incoming = case.path / "blobs" / ".incoming"
    return sorted(os.listdir(incoming)) if incoming.is_dir() else []


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_folder_import_killed_at_any_moment_is_recorded_whole_or_not_at_all(
    case: Case, root: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "usb"
    env = cli_env(root)
    incoming = case.path / "blobs" / ".incoming"
    expected: dict[str, dict[str, str]] = {}  # note -> the folder's files as that run saw them
    exited_0: set[str] = set()
    residue: Counter[str] = Counter()

    # The uncrashed run that times the others: start-up, then the work.
    expected["round 0"] = fill_folder(folder, 0)
    begun = time.monotonic()
    run = subprocess.Popen(
        import_command(folder, "round 0"), env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    staged_at = None
    while run.poll() is None:
        if staged_at is None and staging_started(incoming):
            staged_at = time.monotonic()
        time.sleep(0.001)
    total = time.monotonic() - begun
    assert run.returncode == 0, run.communicate()[1].decode()
    assert staged_at is not None, "the uncrashed run was not seen staging"
    exited_0.add("round 0")
    startup, work = staged_at - begun, total - (staged_at - begun)

    for n, (when, fraction) in enumerate(KILLS, start=1):
        note = f"round {n}"
        expected[note] = fill_folder(folder, n)
        errors = tmp_path / f"stderr-{n}.txt"
        with open(errors, "wb") as stderr:
            begun = time.monotonic()
            run = subprocess.Popen(
                import_command(folder, note), env=env, stdout=subprocess.DEVNULL, stderr=stderr
            )
            if when == "work":
                wait_for(lambda: staging_started(incoming), run)
                time.sleep(fraction * work)
            elif when == "publish":
                wait_for(publishing_started(incoming), run)
            else:
                time.sleep(max(0.0, begun + fraction * (startup if when == "start" else total)
                               - time.monotonic()))  # fmt: skip
            run.send_signal(signal.SIGKILL)  # nothing when it has exited already
            run.wait()
        assert run.returncode in (0, -signal.SIGKILL), errors.read_text()
        if run.returncode == 0:
            exited_0.add(note)

        case = Case.open(CASE_ID, root=root)
        report = case.verify(progress=False)
        found = {p.kind for p in report.problems}
        assert found <= IMPORT_RESIDUE, f"{when} {fraction}: {report.text()}"
        assert all(p.crash_residue for p in report.problems), report.text()
        if run.returncode == 0:
            assert report.ok, f"a run that exited 0 left problems: {report.text()}"
        residue.update(found)
        case.repair(examiner=EXAMINER)
        after = case.verify(progress=False)
        assert after.ok, f"{when} {fraction}, after repair: {after.text()}"
        assert leftovers(case) == [], f"{when} {fraction}: repair left {leftovers(case)}"

        recorded = handovers(case)
        notes = Counter(str((e.capture or {}).get("note")) for e in recorded)
        assert all(count == 1 for count in notes.values()), notes  # one event per run
        assert set(notes) <= set(expected), notes  # only runs that were started
        assert exited_0 <= set(notes), f"acknowledged but not recorded: {exited_0 - set(notes)}"
        if when == "publish":  # a blob was moved into place: its event was written before
            assert note in notes, "a blob was published before its hand-over was recorded"
        assert len(recorded) == len(notes)
        for event in recorded:
            assert_whole(case, event, expected[str((event.capture or {})["note"])])
        assert_numbering(case)
    # The rounds did stop imports part way: repair had copies to deal with.
    assert residue["interrupted-import"] >= 1, residue


@pytest.mark.timeout(60)
def test_a_folder_import_beside_another_writer_loses_nothing(
    case: Case, root: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "usb"
    expected = fill_folder(folder, 100)
    singles = tmp_path / "singles"
    singles.mkdir()
    incoming = case.path / "blobs" / ".incoming"
    notes: list[str] = []
    imported: dict[str, str] = {}  # file name -> sha256

    def write_some(n: int) -> None:
        """One note, and every other time one file imported alone; one of them holds the
        same bytes as a file of the folder."""
        text = f"concurrent note {n}"
        case.add_note(text, examiner=EXAMINER)
        notes.append(text)
        if n % 2:
            return
        path = singles / f"tip-{n:03d}.txt"
        if n == 4:
            path.write_bytes((folder / "d2/f002.bin").read_bytes())
        else:
            path.write_bytes(f"tip {n}: ".encode() + os.urandom(2000))
        case.import_files([path], handed_over_by="W2", examiner=EXAMINER, progress=False)
        imported[path.name] = sha256_of(path)

    bulk = subprocess.Popen(
        import_command(folder, "bulk"), env=cli_env(root), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    wait_for(lambda: staging_started(incoming), bulk)
    # Held still as it begins to stage its files (it holds no lock of the log then, and
    # nothing of it is numbered yet): these writes come between its start and its event,
    # whatever the machine's speed.
    bulk.send_signal(signal.SIGSTOP)
    try:
        for n in range(6):
            write_some(n)
        between = (set(notes), set(imported))
    finally:
        bulk.send_signal(signal.SIGCONT)
    n = 6
    while bulk.poll() is None:
        write_some(n)
        n += 1
    _, stderr = bulk.communicate()
    assert bulk.returncode == 0, stderr.decode()
    write_some(n)  # and after it

    case = Case.open(CASE_ID, root=root)
    report = case.verify(progress=False)
    assert report.ok, report.text()
    assert leftovers(case) == []
    (handover,) = handovers(case)
    assert_whole(case, handover, expected)
    events = case.events()
    written = [e for e in events if e.action == "note.added"]
    assert [e.details["text"] for e in written] == notes  # every note, once, in order
    started = datetime.fromisoformat((handover.capture or {})["started"])
    alone = {
        str(e.capture["target"]): e
        for e in events
        if e.capture is not None and e.capture.get("handed_over_by") == "W2"
    }
    held = [e for e in written if e.details["text"] in between[0]]
    held += [alone[name] for name in between[1]]
    assert len(held) == 6 + 3
    for event in held:
        assert started < datetime.fromisoformat(event.time) and event.seq < handover.seq
    acquired = [e for e in events if e.action == "evidence.acquired"]
    assert len(alone) == len(imported) == len(acquired) - 1  # and the hand-over
    for name, sha in imported.items():
        (subject,) = alone[name].subjects
        assert subject.sha256 == sha and subject.exhibit, name
    # The folder's file imported alone meanwhile: stored once, named as the same content.
    copy = alone["tip-004.txt"].subjects[0]
    assert copy.sha256 == expected["d2/f002.bin"]
    assert f'"{copy.exhibit}"' in json.dumps(handover.to_json()["details"]), "same content not said"
    assert_numbering(case)
    for exhibit in case.exhibits():
        assert sha256_of(exhibit.path) == exhibit.sha256, exhibit.label
        assert exhibit.path.stat().st_size == exhibit.size, exhibit.label


@pytest.mark.timeout(60)
def test_ctrl_c_while_publishing_leaves_the_recorded_hand_over_to_repair(
    case: Case, root: Path, tmp_path: Path
) -> None:
    """SIGINT once blobs are being moved into place (the event is written): the parts not
    yet moved must stay, for repair to finish the move, not be cleaned away."""
    folder = tmp_path / "usb"
    expected = fill_folder(folder, 7)
    incoming = case.path / "blobs" / ".incoming"
    run = subprocess.Popen(
        import_command(folder, "interrupted"), env=cli_env(root), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    wait_for(publishing_started(incoming), run)
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=30)
    assert b"Traceback" not in err
    [event] = handovers(case)  # the event was written before any blob was moved
    report = case.verify()
    assert report.kinds() <= IMPORT_RESIDUE, report.text()  # never blob-missing
    case.repair(examiner=EXAMINER)
    assert case.verify().ok and leftovers(case) == []
    assert_whole(case, event, expected)


def test_a_blob_published_while_verify_lists_the_store_is_judged_not_missing(
    case: Case, tmp_path: Path
) -> None:
    """Verification lists and hashes the store while it reads the log: a writer that
    records and publishes in between (its event read, its blob not listed) must not make
    its blob look missing. Driven through verify's own steps, in that order."""
    from osint_kit.integrity.store_check import BlobHashes, check_blobs
    from osint_kit.integrity.verify import _check_log
    from osint_kit.record.findings import VerificationReport

    first, later = tmp_path / "first.bin", tmp_path / "later.bin"
    first.write_bytes(os.urandom(1000))
    later.write_bytes(os.urandom(2000))
    case.import_file(first, handed_over_by=WITNESS, examiner=EXAMINER, progress=False)
    report = VerificationReport(target=f"case {case.id}")
    with BlobHashes(case.writer, report) as hashes:  # the store as it was: one blob
        assert len(hashes.present) == 1
        case.import_file(later, handed_over_by=WITNESS, examiner=EXAMINER, progress=False)
        _, _, referenced, disposals = _check_log(case.writer, report, None, None, False)
        check_blobs(case.writer, referenced, report, hashes, disposals=disposals)
    assert report.ok, report.text()
    assert report.blobs_checked == 2 and report.bytes_checked == 3000
