"""Export without hashing an exhibit twice: the bag's manifest is written from the
recorded SHA-256 of each exhibit, in bagit-python's format, and each exhibit is read
once, while it is zipped, and checked against that record on the way."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import bagit
import pytest

from bundles import export, unpack
from conftest import EXAMINER
from osint_kit import Case
from osint_kit.errors import ExportRefused

#: What the export used to do: bagit-python makes the bag, then it is declared 1.0.
REFERENCE = """
import json, sys, bagit
path, info = sys.argv[1], json.loads(sys.argv[2])
bagit.make_bag(path, info, checksums=["sha256"])
with open(path + "/bagit.txt", "w", encoding="utf-8") as f:
    f.write("BagIt-Version: 1.0\\nTag-File-Character-Encoding: UTF-8\\n")
bagit.Bag(path).save()
"""


@pytest.fixture
def filled(case: Case, files: dict[str, Path]) -> Case:
    case.import_files(
        [files["tip.txt"], files["photo.jpg"]], handed_over_by="Witness A", examiner=EXAMINER
    )
    case.import_files([files["clip.mp4"]], handed_over_by="Witness B", examiner=EXAMINER)
    return case


def test_bag_validates_with_bagit_python_and_matches_its_format(
    filled: Case, tmp_path: Path
) -> None:
    # a purpose with a line break and spaces around it: bag-info.txt as bagit-python has it
    result = export(filled, tmp_path / "b.zip", purpose="  charging\ndecision  ")
    top = unpack(result.path, tmp_path / "x")
    bag = bagit.Bag(str(top))
    bag.validate()  # every payload file against the manifest, Payload-Oxum, tag manifest
    assert bag.version_info == (1, 0)
    manifest = (top / "manifest-sha256.txt").read_text(encoding="utf-8")
    for ex in filled.exhibits():
        assert f"{ex.sha256}  data/exhibits/{ex.label}/" in manifest

    # bagit-python, given the same payload and bag-info, writes the same tag files
    ours = {p.name: p.read_bytes() for p in top.iterdir() if p.is_file()}
    theirs_top = tmp_path / "ref" / top.name
    shutil.copytree(top / "data", theirs_top)
    for p in theirs_top.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    info = dict(bag.info)
    del info["Payload-Oxum"]
    subprocess.run([sys.executable, "-c", REFERENCE, str(theirs_top), json.dumps(info)], check=True)
    theirs = {p.name: p.read_bytes() for p in theirs_top.iterdir() if p.is_file()}
    assert (
        set(ours)
        == set(theirs)
        == {
            "bagit.txt",
            "bag-info.txt",
            "manifest-sha256.txt",
            "tagmanifest-sha256.txt",
        }
    )
    for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt"):
        assert ours[name] == theirs[name], name
    # bagit-python lists tag files in directory order; ours are sorted
    assert sorted(ours["tagmanifest-sha256.txt"].splitlines()) == sorted(
        theirs["tagmanifest-sha256.txt"].splitlines()
    )
    assert b"Purpose: chargingdecision\n" in ours["bag-info.txt"]


def test_a_blob_changed_on_disk_is_refused_at_export(filled: Case, tmp_path: Path) -> None:
    blob = filled.exhibit("E0002").path
    os.chmod(blob, 0o644)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))
    os.chmod(blob, 0o444)
    problems = {p.kind for p in filled.verify().problems}
    assert "blob-altered" in problems

    before = len(filled.events())
    dest = tmp_path / "out" / "b.zip"
    dest.parent.mkdir()
    with pytest.raises(ExportRefused, match="E0002 does not match its recorded hash"):
        export(filled, dest)
    assert len(filled.events()) == before  # nothing recorded
    assert list(dest.parent.iterdir()) == []  # no bundle, no partial
    work = filled.path / ".exports-in-progress"
    assert not work.exists() or list(work.iterdir()) == []


def _rchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/self/io")
def test_each_exhibit_is_read_once(case: Case, tmp_path: Path) -> None:
    size = 200 * 1000 * 1000
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        block = os.urandom(1 << 20)
        left = size
        while left:
            n = f.write(block[: min(left, len(block))])
            left -= n
    case.import_files([big], handed_over_by="Witness A", examiner=EXAMINER, progress=False)
    big.unlink()

    before = _rchar()
    result = export(case, tmp_path / "b.zip")
    read = _rchar() - before
    print(f"read {read / size:.3f}x the exhibit")
    assert result.size > size
    assert read < 1.3 * size, f"read {read} bytes to export a {size}-byte exhibit"
