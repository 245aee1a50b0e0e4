"""Progress bars: on stderr with the right total when asked for, and nothing otherwise.

Each long operation's library function takes ``progress`` (off by default); ``Case`` and
the CLI turn it on. The totals are checked as tqdm prints them: bytes under 1,000 print
exactly ("60.0/60.0"), larger ones with three significant digits.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from tqdm import tqdm

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.base.marking import MARKING
from osint_kit.disclosure.bundle.build import export_bundle
from osint_kit.disclosure.bundle.verify import verify_bundle
from osint_kit.disclosure.report.page import render
from osint_kit.formats.pdf import STAGES, print_pdf
from osint_kit.integrity.verify import verify_case

#: Three small files: the blob store then holds 60 bytes, printed exactly.
SMALL = {"a.txt": b"x" * 10, "b.txt": b"y" * 20, "c.txt": b"z" * 30}


@pytest.fixture
def small(case: Case, tmp_path: Path) -> Case:
    folder = tmp_path / "handed-over"
    folder.mkdir()
    for name, data in SMALL.items():
        (folder / name).write_bytes(data)
    case.import_files(
        sorted(folder.iterdir()), handed_over_by="Front desk", examiner=EXAMINER, progress=False
    )
    return case


def _sized(n: int) -> str:
    """A byte count as the bars print it (unit_scale, 1024: "60.0", "303k")."""
    return str(tqdm.format_sizeof(n, divisor=1024))


def _final(err: str, desc: str) -> str:
    """The bar's last state (tqdm redraws the line with \\r)."""
    lines = [part for part in re.split(r"[\r\n]", err) if part.startswith(f"{desc}:")]
    assert lines, f"no {desc!r} bar on stderr: {err!r}"
    return lines[-1]


def _blob_bytes(case: Case) -> int:
    return sum(p.stat().st_size for p in case.store.iter_files())


def test_case_verification_counts_every_blob_and_byte(
    small: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    total = _blob_bytes(small)
    assert total == sum(map(len, SMALL.values())) == 60
    report = verify_case(small.writer, progress=True)
    assert report.ok and report.bytes_checked == total  # what it returns is unchanged
    err = capsys.readouterr().err
    bar = _final(err, "verify blobs")
    assert "100%" in bar and f"{_sized(total)}/{_sized(total)}" in bar, bar
    assert "60.0/60.0" in bar and "3/3 blobs" in bar, bar
    events = len(small.events())
    assert f"{events}/{events}" in _final(err, "verify log")
    verify_case(small.writer)
    assert capsys.readouterr().err == ""


def test_case_verification_total_is_the_store_in_bytes(
    case: Case, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    case.import_files(list(files.values()), handed_over_by="Mother", examiner=EXAMINER)
    capsys.readouterr()
    total = _blob_bytes(case)
    assert total > 300_000
    verify_case(case.writer, progress=True)
    bar = _final(capsys.readouterr().err, "verify blobs")
    assert f"{_sized(total)}/{_sized(total)}" in bar and f"{len(files)}/{len(files)} blobs" in bar


def test_export_and_bundle_verification_count_the_bundle_bytes(
    small: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    result = export_bundle(
        small.writer,
        tmp_path / "b.zip",
        exhibits=None,
        authorization="DA-7",
        recipient="Prosecutor",
        purpose="",
        examiner=EXAMINER,
        progress=True,
    )
    with zipfile.ZipFile(result.path) as zf:
        total = sum(i.file_size for i in zf.infolist() if not i.is_dir())
    bar = _final(capsys.readouterr().err, "export")
    assert "100%" in bar and f"{_sized(total)}/{_sized(total)}" in bar, bar
    assert verify_bundle(result.path, progress=True).ok
    bar = _final(capsys.readouterr().err, "verify bundle")
    assert "100%" in bar and f"{_sized(total)}/{_sized(total)}" in bar, bar
    assert verify_bundle(result.path).ok
    export_bundle(
        small.writer,
        tmp_path / "quiet.zip",
        exhibits=None,
        authorization="DA-7",
        recipient="Prosecutor",
        purpose="",
        examiner=EXAMINER,
    )
    assert capsys.readouterr().err == ""


def test_the_report_counts_its_exhibits_and_printing_its_stages(
    small: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    exhibits = list(small.exhibits())
    report = render(small.identity, small.events(), exhibits, marking=MARKING, progress=True)
    bar = _final(capsys.readouterr().err, "report")
    assert f"{len(exhibits)}/{len(exhibits)}" in bar and "100%" in bar, bar
    quiet = render(small.identity, small.events(), exhibits, marking=MARKING)
    assert capsys.readouterr().err == ""
    strip = re.compile(r"<tr><th>Report made</th><td>[^<]*</td></tr>")
    assert strip.sub("", quiet.html) == strip.sub("", report.html)  # the same report

    pdf = print_pdf(
        report.html, tmp_path / "r.pdf", case_id=small.id, marking=MARKING, progress=True
    )
    bar = _final(capsys.readouterr().err, "print PDF")
    assert f"{len(STAGES)}/{len(STAGES)}" in bar and "100%" in bar, bar
    assert pdf.read_bytes().startswith(b"%PDF")
    print_pdf(report.html, tmp_path / "q.pdf", case_id=small.id, marking=MARKING)
    assert capsys.readouterr().err == ""


def test_a_hand_over_counts_its_bytes_and_files(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "roll"
    (folder / "DCIM").mkdir(parents=True)
    sizes = [1000 * n for n in range(1, 8)]
    for n, size in enumerate(sizes):
        (folder / "DCIM" / f"IMG_{n}.bin").write_bytes(bytes([n]) * size)
    capsys.readouterr()
    cap = case.import_folder(folder, handed_over_by="W", examiner=EXAMINER, progress=True)
    bar = _final(capsys.readouterr().err, "import")
    total = sum(sizes)
    assert "100%" in bar and f"{_sized(total)}/{_sized(total)}" in bar, bar
    assert f"{len(sizes)}/{len(sizes)} files" in bar, bar
    assert len(cap.exhibits) == len(sizes)
    case.import_folder(folder, handed_over_by="W", examiner=EXAMINER, progress=False)
    assert capsys.readouterr().err == ""
