"""A witness's folder handed over (``import --from DIR``): one acquisition listing every file
with its relative path, times and hash; pictures and videos with their metadata, their
own time compared with the file time; links and FIFOs listed, never read; a hand-over
killed half way leaves nothing recorded, and repair cleans up."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.analysis import describe_difference
from osint_kit.errors import ImportSourceError
from osint_kit_sandbox.camera_roll import make_witness_folder

pytestmark = pytest.mark.skipif(
    not all(map(shutil.which, ("ffmpeg", "ffprobe", "exiftool"))),
    reason="ffmpeg and exiftool are not installed (make setup installs them)",
)
CLI = str(Path(sys.executable).parent / "osint-kit")
WHO = ["--examiner-name", EXAMINER.name, "--examiner-id", EXAMINER.id]
WHO += ["--examiner-agency", EXAMINER.agency]


def test_a_camera_roll_is_one_acquisition_with_paths_times_and_metadata(
    case: Case, tmp_path: Path
) -> None:
    usb = make_witness_folder(tmp_path / "usb")
    (usb.root / "shortcut").symlink_to("/etc/hostname")
    os.mkfifo(usb.root / "DCIM" / "pipe")
    events = len(case.events())
    cap = case.import_folder(usb.root, handed_over_by="W. Smith", examiner=EXAMINER, progress=False)
    assert cap.status == "complete" and len(case.events()) == events + 2  # + checkpoint
    files = {f["relative_path"]: f for f in cap.record["files"]}
    assert set(files) == set(usb.files)
    for rel, made in usb.files.items():
        entry = files[rel]
        assert (entry["sha256"], entry["size"]) == (made.sha256, made.size)
        assert entry["modified"].startswith(made.mtime.strftime("%Y-%m-%dT%H:%M:%S"))
    by_source = {e.source: e for e in case.exhibits() if e.capture == cap.id}
    assert set(by_source) == set(usb.files)  # one exhibit per file, named by its path
    assert (
        by_source["Notes/statement.txt"].read_bytes()
        == (usb.root / "Notes/statement.txt").read_bytes()
    )
    skipped = {s["path"]: s["why"] for s in cap.record["skipped"]}
    assert "symbolic link" in skipped["shortcut"] and "FIFO" in skipped["DCIM/pipe"]
    photo = files["DCIM/100APPLE/IMG_0001.JPG"]
    made = usb.files["DCIM/100APPLE/IMG_0001.JPG"]
    assert made.gps is not None and made.exif_time is not None
    assert abs(float(photo["facts"]["gps"][0]) - made.gps[0]) < 1e-4
    assert photo["facts"]["make"] == made.make and photo["facts"]["model"] == made.model
    assert not photo["time_check"]["differs"]
    copied = files["DCIM/100APPLE/IMG_0002.JPG"]["time_check"]
    assert copied["differs"] and float(copied["difference_s"]) == pytest.approx(19860, abs=1)
    assert describe_difference(19860) == "5 h 31 min later"
    assert cap.record["times_differ"] == ["DCIM/100APPLE/IMG_0002.JPG"]
    assert "time_check" not in files["DCIM/100APPLE/IMG_0004.JPG"]  # no EXIF: nothing said
    assert case.verify().ok


def test_a_folder_import_refuses_what_is_not_a_folder(case: Case, tmp_path: Path) -> None:
    with pytest.raises(ImportSourceError, match="No such file"):
        case.import_folder(tmp_path / "nothing", handed_over_by="W", examiner=EXAMINER)
    (tmp_path / "one.txt").write_text("x")
    with pytest.raises(ImportSourceError, match="not a folder"):
        case.import_folder(tmp_path / "one.txt", handed_over_by="W", examiner=EXAMINER)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ImportSourceError, match="no regular file"):
        case.import_folder(tmp_path / "empty", handed_over_by="W", examiner=EXAMINER)
    assert len(case.events()) == 1


def new_case_from_the_cli(root: Path, case_id: str) -> dict[str, str]:
    """A case made with ``osint-kit case new`` under ``root``; the environment to use."""
    env = {**os.environ, "OSINT_KIT_CASES": str(root)}
    subprocess.run(
        [CLI, "case", "new", case_id, "--title", "t", "--category", "crime-footage", *WHO,
         "--authority", "A-1", "--approved-by", "Lt. X", "--approved-at", "2026-11-01"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    return env


def test_the_cli_shows_the_hand_over_and_a_killed_one_is_repaired(
    root: Path, tmp_path: Path
) -> None:
    env = new_case_from_the_cli(root, "W-1")
    usb = make_witness_folder(tmp_path / "usb")
    done = subprocess.run(
        [CLI, "import", "W-1", "--from", str(usb.root), "--handed-over-by", "W. Smith", *WHO],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "FILE TIME DIFFERS: 5 h 31 min later" in done.stdout
    assert "DCIM/100APPLE/IMG_0003.MOV" in done.stdout
    # A big hand-over killed half way: nothing of it recorded; repair removes the copies.
    big = tmp_path / "big"
    for n in range(60):
        (big / f"d{n % 3}").mkdir(parents=True, exist_ok=True)
        (big / f"d{n % 3}" / f"f{n:03d}.bin").write_bytes(os.urandom(4 << 20))
    case = Case.open("W-1", root=root)
    events = len(case.events())
    slow = subprocess.Popen(
        [CLI, "import", "W-1", "--from", str(big), "--handed-over-by", "W", *WHO, "--quiet"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    incoming = root / "W-1" / "blobs" / ".incoming"
    deadline = time.monotonic() + 240  # a hang ceiling, generous on a busy machine
    while time.monotonic() < deadline and len(list(incoming.glob("*.part"))) < 3:
        time.sleep(0.01)
    slow.send_signal(signal.SIGKILL)
    slow.wait()
    assert len(case.events()) == events  # not half recorded
    report = case.verify()
    assert report.kinds() <= {"interrupted-import"}, report.text()
    case.repair(examiner=EXAMINER)
    assert case.verify().ok and not list(incoming.glob("*.part"))
    # Ctrl-C half way: the workers stop, every copy goes, nothing is left to repair.
    events = len(case.events())
    stopped = subprocess.Popen(
        [CLI, "import", "W-1", "--from", str(big), "--handed-over-by", "W", *WHO, "--quiet"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(list(incoming.glob("*.part"))) < 3:
        time.sleep(0.01)
    stopped.send_signal(signal.SIGINT)
    _, err = stopped.communicate(timeout=60)
    assert stopped.returncode == 130, err
    assert "Traceback" not in err
    assert len(case.events()) == events and case.verify().ok
    assert not [p for p in incoming.iterdir() if p.is_file()]  # no part, no batch lock


def test_media_facts_for_every_picture_and_video_whatever_its_source(
    case: Case, tmp_path: Path
) -> None:
    """Recorded by the hand-over (of a folder or of one file), or read from the blob once
    (an acquisition that recorded none) and kept in derived/; shown in case.analysis.media() and
    the exhibit table."""
    from osint_kit.acquire.handover.intake import import_files

    usb = make_witness_folder(tmp_path / "usb")
    case.import_folder(usb.root, handed_over_by="W", examiner=EXAMINER, progress=False)
    photo = (usb.root / "DCIM/100APPLE/IMG_0001.JPG").read_bytes()
    alone = tmp_path / "alone.jpg"
    alone.write_bytes(photo + b"\0")  # new bytes
    one = case.import_file(alone, handed_over_by="W2", examiner=EXAMINER, progress=False)
    assert one.record["files"][0]["facts"]["make"]  # recorded at intake
    bare = tmp_path / "bare.jpg"
    bare.write_bytes(photo + b"\0\0")
    import_files(  # as acquisitions that recorded no facts (older cases) did
        case.writer, [bare], handed_over_by="W3", note="", examiner=EXAMINER, progress=False,
        metadata=False,
    )  # fmt: skip
    assert not (case.path / "derived" / "tables" / "media_facts.json").exists()
    media = {(m["source"] or m["name"]): m for m in case.analysis.media()}
    video = media["DCIM/100APPLE/IMG_0003.MOV"]
    assert video["duration_s"] == pytest.approx(3.0, abs=0.2) and video["video_codec"] == "h264"
    assert media["alone.jpg"]["gps_lat"] == pytest.approx(51.50072, abs=1e-4)
    single = media["bare.jpg"]  # not recorded: read from the blob, then cached
    assert single["gps_lat"] == pytest.approx(51.50072, abs=1e-4) and single["make"]
    assert (case.path / "derived" / "tables" / "media_facts.json").is_file()
    page = case.exhibits()._repr_html_()
    assert "3.0 s" in page and "file time differs" in page
    assert "2026-11-20T21:38:12Z" in case.analysis.media()._repr_html_()


def test_the_report_shows_paths_metadata_and_time_differences(case: Case, tmp_path: Path) -> None:
    usb = make_witness_folder(tmp_path / "usb")
    case.import_folder(usb.root, handed_over_by="W", examiner=EXAMINER, progress=False)
    page = case.disclosure.report().html
    assert "Path in the hand-over" in page and "DCIM/100APPLE/IMG_0002.JPG" in page
    assert "DIFFERS: file time 2026-11-21T03:10:47" in page and "5 h 31 min later" in page
    assert "Technical metadata" in page and "Apple iPhone 14" in page


def test_a_large_hand_over_prints_its_flagged_files_and_counts_the_rest(
    root: Path, tmp_path: Path
) -> None:
    env = new_case_from_the_cli(root, "W-2")
    usb = make_witness_folder(tmp_path / "usb")
    for n in range(60):
        (usb.root / "Backup" / f"doc{n:02d}.txt").parent.mkdir(exist_ok=True)
        (usb.root / "Backup" / f"doc{n:02d}.txt").write_text(f"note {n}")
    done = subprocess.run(
        [CLI, "import", "W-2", "--from", str(usb.root), "--handed-over-by", "W", *WHO],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    total = 60 + len(usb.files)
    lines = done.stdout.splitlines()
    shown = [line for line in lines if line.startswith("  E")]
    assert "FILE TIME DIFFERS" in done.stdout  # a flagged file is never folded away
    assert len(shown) == 20 + sum("FILE TIME DIFFERS" in line for line in shown)
    assert f"  … {total - len(shown)} more file(s), each in the report" in done.stdout
    assert lines[-1] == f"imported {total} file(s) into W-2 as C0001"
