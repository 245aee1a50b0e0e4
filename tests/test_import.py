"""file.import: what is kept about a handed-over file, and every refusal."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import EXAMINER, assert_ends_with_checkpoint
from osint_kit import Case
from osint_kit.errors import ImportSourceError, SourceChanged, StorageError


def blobs(case: Case) -> list[Path]:
    return sorted(p for p in (case.path / "blobs").rglob("*") if p.is_file())


def test_import_keeps_the_handover_facts(case: Case, files: dict[str, Path]) -> None:
    clip = files["clip.mp4"]
    os.utime(clip, ns=(1_700_000_000_123_456_789, 1_700_000_000_123_456_789))
    cap = case.import_file(
        clip,
        handed_over_by="Witness W1 (mother)",
        note="AirDrop at the front desk",
        examiner=EXAMINER,
    )
    assert cap.method == "file.import" and cap.status == "complete" and cap.id == "C0001"
    assert cap.exhibits == ("E0001",)
    [entry] = cap.record["files"]
    assert entry["relative_path"] == entry["original_name"] == "clip.mp4"
    assert entry["original_path"] == str(clip.absolute())
    assert entry["size"] == clip.stat().st_size
    assert entry["modified"] == "2023-11-14T22:13:20.123456789Z"
    assert entry["modified_ns"] == "1700000000123456789"
    assert cap.record["source"] == {
        "folder": str(clip.parent.absolute()),
        "listed": 1,
        "files": 1,
        "bytes": clip.stat().st_size,
    }
    assert cap.record["handed_over_by"] == "Witness W1 (mother)"
    assert cap.record["note"] == "AirDrop at the front desk"
    ex = case.exhibit("E0001")
    assert ex.sha256 == entry["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert ex.media_type == "video/mp4" and ex.name == "clip.mp4"
    assert ex.read_bytes() == clip.read_bytes()
    assert ex.path == case.path / "blobs" / "sha256" / ex.sha256[:2] / ex.sha256
    assert not stat.S_IMODE(ex.path.stat().st_mode) & 0o222
    assert not (case.path / "blobs" / ".incoming").exists() or not any(
        (case.path / "blobs" / ".incoming").iterdir()
    )
    assert case.verify().ok


def test_files_named_one_by_one_are_one_hand_over_with_their_paths(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    other = tmp_path / "second-stick" / "DCIM"
    other.mkdir(parents=True)
    (other / "IMG_0001.JPG").write_bytes(b"\xff\xd8 a picture")
    listed = [files["tip.txt"], files["photo.jpg"], other / "IMG_0001.JPG"]
    events = len(case.events())
    cap = case.import_files(listed, handed_over_by="W1", examiner=EXAMINER, progress=False)
    assert len(case.events()) == events + 2  # the hand-over and its checkpoint
    assert cap.exhibits == ("E0001", "E0002", "E0003")
    paths = [f["relative_path"] for f in cap.record["files"]]
    assert paths == [
        "handed-over/tip.txt",
        "handed-over/photo.jpg",
        "second-stick/DCIM/IMG_0001.JPG",
    ]
    assert cap.record["source"]["folder"] == str(tmp_path.absolute())
    assert [e.source for e in case.exhibits()] == paths
    assert [e.name for e in case.exhibits()] == paths
    with pytest.raises(ImportSourceError, match="listed more than once"):
        case.import_files([listed[0], listed[0]], handed_over_by="W1", examiner=EXAMINER)
    assert len(case.events()) == events + 2


def test_identical_content_is_stored_once_but_numbered_twice(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    copy = tmp_path / "from-second-witness.jpg"
    copy.write_bytes(files["photo.jpg"].read_bytes())
    cap = case.import_files(
        [files["photo.jpg"], copy], handed_over_by="W1 and W2", examiner=EXAMINER, progress=False
    )
    assert cap.exhibits == ("E0001", "E0002")
    assert len(blobs(case)) == 1
    first, second = cap.record["files"]
    assert "same_content_as" not in first
    assert second["same_content_as"] == first["relative_path"] == "handed-over/photo.jpg"
    again = case.import_file(copy, handed_over_by="W2", examiner=EXAMINER, progress=False)
    assert again.exhibits == ("E0003",) and len(blobs(case)) == 1
    assert again.record["files"][0]["same_content_as"] == "E0001"
    assert assert_ends_with_checkpoint(case).capture == {**again.record, "id": again.id}
    assert case.verify().ok


def test_exhibit_list_views(case: Case, files: dict[str, Path]) -> None:
    case.import_files(files.values(), handed_over_by="W1", examiner=EXAMINER, progress=False)
    exhibits = case.exhibits()
    frame = exhibits.to_frame()
    assert list(frame.index) == ["E0001", "E0002", "E0003"]
    assert set(frame["name"]) == set(files)
    assert "E0002" in exhibits._repr_html_()
    assert [c.id for c in case.captures()] == ["C0001"]  # one hand-over


def _fifo(tmp_path: Path) -> Path:
    p = tmp_path / "pipe"
    os.mkfifo(p)
    return p


def _symlink(tmp_path: Path) -> Path:
    target = tmp_path / "real.txt"
    target.write_text("x")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    return link


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: t / "absent.mp4", "no such file"),
        (lambda t: t, "a directory"),
        (_symlink, "a symbolic link"),
        (_fifo, "a FIFO"),
        (lambda t: Path("/dev/null"), "a character device"),
    ],
    ids=["missing", "directory", "symlink", "fifo", "device"],
)
@pytest.mark.timeout(20)  # a FIFO must be refused, not read until a writer comes
def test_refused_sources_store_nothing(
    case: Case, files: dict[str, Path], tmp_path: Path, make: object, message: str
) -> None:
    bad = make(tmp_path)  # type: ignore[operator]
    log_before = (case.path / "custody.jsonl").read_bytes()
    with pytest.raises(ImportSourceError, match=message) as err:
        case.import_files([files["tip.txt"], bad], handed_over_by="W1", examiner=EXAMINER)
    assert "nothing was stored" in str(err.value)
    # The whole batch is refused before a byte is copied.
    assert (case.path / "custody.jsonl").read_bytes() == log_before
    assert blobs(case) == []


def _growing(path: Path, stop: threading.Event) -> threading.Thread:
    """A recording still being written: 64 MiB (streamed, not batched), then growing."""
    path.write_bytes(os.urandom(64 << 20))
    growing = threading.Event()

    def keep_writing() -> None:
        with open(path, "ab") as f:
            while not stop.is_set():
                f.write(b"x" * 4096)
                f.flush()
                growing.set()
                time.sleep(0.001)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    assert growing.wait(240), "the writer never wrote"
    return writer


def test_source_changing_during_copy_is_refused(case: Case, tmp_path: Path) -> None:
    growing = tmp_path / "live-recording.mp4"
    stop = threading.Event()
    writer = _growing(growing, stop)
    try:
        cap = case.import_file(growing, handed_over_by="W1", examiner=EXAMINER)
    finally:
        stop.set()
        writer.join()
    assert cap.failed and cap.exhibits == ()
    with pytest.raises(SourceChanged, match="changed while it was being copied"):
        cap.raise_for_status()
    assert blobs(case) == []
    failed = assert_ends_with_checkpoint(case)
    assert failed.action == "collection.failed"
    assert failed.capture is not None and failed.capture["status"] == "failed"
    assert "live-recording.mp4: it changed while" in failed.capture["reason"]
    assert failed.capture["not_taken"] == [
        {"relative_path": "live-recording.mp4", "why": cap.error.reason}  # type: ignore[union-attr]
    ]
    assert case.verify().ok


def test_one_file_changing_does_not_cost_the_others(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    growing = tmp_path / "live-recording.mp4"
    stop = threading.Event()
    writer = _growing(growing, stop)
    try:
        cap = case.import_files(
            [files["tip.txt"], growing, files["photo.jpg"]],
            handed_over_by="W1",
            examiner=EXAMINER,
            progress=False,
        )
    finally:
        stop.set()
        writer.join()
    assert cap.status == "partial" and not cap.failed
    assert cap.raise_for_status() is cap  # partial: what was taken is evidence
    assert [f["relative_path"] for f in cap.record["files"]] == [
        "handed-over/tip.txt",
        "handed-over/photo.jpg",
    ]
    [missed] = cap.record["not_taken"]
    assert missed["relative_path"] == "live-recording.mp4" and "changed while" in missed["why"]
    assert "1 of 3 file(s) not taken (live-recording.mp4" in cap.reason  # type: ignore[operator]
    assert [e.read_bytes() for e in case.exhibits()] == [
        files["tip.txt"].read_bytes(),
        files["photo.jpg"].read_bytes(),
    ]
    assert len(blobs(case)) == 2 and case.verify().ok


def test_handed_over_by_is_required(case: Case, files: dict[str, Path]) -> None:
    from osint_kit.errors import InvalidCaseField

    with pytest.raises(InvalidCaseField, match="handed_over_by"):
        case.import_file(files["tip.txt"], handed_over_by=" ", examiner=EXAMINER)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_disk_full_mid_import_leaves_nothing_half_written(tmp_path: Path) -> None:
    """A real ENOSPC: the case lives on a 4 MiB tmpfs and the file is 8 MiB."""
    script = f"""
import os, subprocess, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
mnt = {str(tmp_path / "mnt")!r}
os.makedirs(mnt)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt], check=True)
try:
    from conftest import AUTHORITY, EXAMINER
    from osint_kit import Case
    from osint_kit.errors import StorageError
    case = Case.create("FULL-1", title="t", category="other", authority=AUTHORITY,
                       root=mnt, examiner=EXAMINER)
    big = {str(tmp_path / "big.bin")!r}
    with open(big, "wb") as f:
        f.write(os.urandom(8 << 20))
    try:
        case.import_file(big, handed_over_by="W1", examiner=EXAMINER)
    except StorageError as exc:
        print("REFUSED:", exc)
    leftovers = [p for p in os.listdir(os.path.join(case.path, "blobs", ".incoming"))]
    print("LEFTOVERS:", leftovers)
    stored = [f for _, _, fs in os.walk(os.path.join(case.path, "blobs", "sha256")) for f in fs]
    print("BLOBS:", stored)
    *_, ev, checkpoint = case.events()
    print("LAST:", ev.action, ev.capture and ev.capture["status"])
    print("THEN:", checkpoint.action, checkpoint.details.get("seq") == ev.seq)
    print("VERIFY:", case.verify().ok)
finally:
    subprocess.run(["umount", "-l", mnt])
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    if "Operation not permitted" in out.stderr or "permission denied" in out.stderr.lower():
        pytest.skip(f"cannot mount tmpfs here: {out.stderr.strip()[-200:]}")
    assert out.returncode == 0, out.stderr
    assert "REFUSED:" in out.stdout and "No space left on device" in out.stdout
    assert "LEFTOVERS: []" in out.stdout
    assert "BLOBS: []" in out.stdout
    assert "LAST: collection.failed failed" in out.stdout
    assert "THEN: log.checkpoint True" in out.stdout  # the failure on the record, checkpointed
    assert "VERIFY: True" in out.stdout


def test_file_size_limit_mid_append_leaves_no_torn_event(case: Case) -> None:
    """RLIMIT_FSIZE stops a write part-way, as a full disk does, without root."""
    log = case.path / "custody.jsonl"
    limit = log.stat().st_size + 100  # the next event is longer than this
    script = f"""
import resource, signal, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from conftest import EXAMINER
from osint_kit import Case
from osint_kit.errors import StorageError
case = Case.open({case.id!r}, root={str(case.path.parent)!r})
try:
    case.add_note("a note too long to fit under the limit " * 5, examiner=EXAMINER)
except StorageError as exc:
    print("REFUSED:", exc)
"""
    before = log.read_bytes()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "REFUSED:" in out.stdout and "File too large" in out.stdout
    assert log.read_bytes() == before  # the partial line was cut back
    assert case.verify().ok
    assert case.add_note("after the failure", examiner=EXAMINER).seq == 2


def test_storage_error_type_is_public() -> None:
    assert issubclass(StorageError, Exception)


def test_an_exhibit_table_in_a_notebook_is_a_page_with_roles_and_thumbnails(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    import dataclasses

    from osint_kit_sandbox.demo import make_png

    picture = tmp_path / "poster.png"
    make_png(picture, 40, 30)
    case.import_files(
        [picture, files["tip.txt"]], handed_over_by="W1", examiner=EXAMINER, progress=False
    )
    exhibits = case.exhibits()
    page = exhibits._repr_html_()
    assert "<p>2 exhibit(s)," in page and ">role</th>" in page and "(2 original)" in page
    assert page.count("<img class='osint-kit-thumb'") == 1  # the picture only
    assert "data:image/png;base64," in page
    assert f"<code>{exhibits[0].sha256[:12]}…</code>" in page
    # Thousands of rows: one page, the rest counted, and a slice is the next page.
    many = type(exhibits)(
        dataclasses.replace(exhibits[1], label=f"E{n:04d}") for n in range(1, 251)
    )
    shown = many._repr_html_()
    assert shown.count("<tr>") == 101 and "… 150 more" in shown
    assert "<p>100 exhibit(s)," in many[100:200]._repr_html_()
