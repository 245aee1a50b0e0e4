"""``verify_bundle`` reads a bundle in place (issue 18, "Verify in place").

It streams each entry of the zip once, hashing as it reads, and writes nothing: no
temporary folder, no unpacked copy (only an age-encrypted bundle is decrypted to a
private temporary file first). What it finds must be what it found when it unpacked
the bag and ran bagit-python on it: the same kinds for each defect, and the same
verdict on the bag as bagit-python's own validation of the unpacked bag.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bagit  # type: ignore[import-untyped]
import pytest

from bundles import edited, export, unpack
from conftest import EXAMINER
from osint_kit import Case
from osint_kit.disclosure.bundle import sealed
from osint_kit.disclosure.bundle.verify import verify_bundle

MARK = b"STORED-EXHIBIT-MARK"
PHOTO = "data/exhibits/E0002/photo.jpg"


@pytest.fixture
def bundle(case: Case, tmp_path: Path) -> Path:
    """Two exhibits (stored in the zip, as exports store them): a text, and a binary one
    carrying a marker to find it in the zip's raw bytes."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "tip.txt").write_text("Seen near the station at 21:40.\n")
    (src / "photo.jpg").write_bytes(os.urandom(4096) + MARK + os.urandom(4096))
    case.import_files([src / "tip.txt", src / "photo.jpg"], handed_over_by="W", examiner=EXAMINER)
    return export(case, tmp_path / "b.zip").path


def bagit_says_valid(zipped: Path, where: Path) -> bool:
    """bagit-python's own verdict on the bag, unpacked (the independent check)."""
    top = unpack(zipped, where)
    try:
        return bool(bagit.Bag(str(top)).is_valid())
    except bagit.BagError:
        return False


# -- nothing is written ------------------------------------------------------------


@pytest.fixture
def fresh_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, empty TMPDIR that tempfile really uses, and a record of every temporary
    folder or file asked for."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert tempfile.gettempdir() == str(tmp)
    yield tmp
    tempfile.tempdir = None


def _spy_temp(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []
    for name in ("mkdtemp", "mkstemp", "NamedTemporaryFile", "TemporaryDirectory"):
        real = getattr(tempfile, name)

        def spy(*a: Any, _real: Any = real, _name: str = name, **k: Any) -> Any:
            asked.append(_name)
            return _real(*a, **k)

        monkeypatch.setattr(tempfile, name, spy)
    return asked


def test_verify_writes_nothing_to_tmpdir(
    bundle: Path, fresh_tmpdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _spy_temp(monkeypatch)
    seen: list[list[str]] = []
    stop = threading.Event()

    def watch() -> None:  # what TMPDIR holds while the bundle is verified
        while not stop.is_set():
            seen.append(os.listdir(fresh_tmpdir))
            stop.wait(0.001)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        report = verify_bundle(bundle)
    finally:
        stop.set()
        watcher.join()
    assert report.ok, report.text()
    assert asked == [] and not any(seen) and os.listdir(fresh_tmpdir) == []


def test_free_space_does_not_drop_by_the_bundle_size(
    case: Case, tmp_path: Path, fresh_tmpdir: Path
) -> None:
    """A 50 MiB exhibit: unpacking it would take 50 MiB of the disk while verifying."""
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(50 * 2**20))
    case.import_files([src], handed_over_by="W", examiner=EXAMINER, progress=False)
    src.unlink()
    zipped = export(case, tmp_path / "big.zip").path
    size = zipped.stat().st_size

    def free() -> int:
        st = os.statvfs(fresh_tmpdir)
        return st.f_bavail * st.f_frsize

    lowest = [free()]
    before = lowest[0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            lowest[0] = min(lowest[0], free())
            stop.wait(0.001)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        report = verify_bundle(zipped)
    finally:
        stop.set()
        watcher.join()
    assert report.ok and report.bytes_checked >= 50 * 2**20, report.text()
    assert before - lowest[0] < size // 2, (before, lowest[0], size)
    assert os.listdir(fresh_tmpdir) == []


def test_an_encrypted_bundle_is_decrypted_to_a_private_file_then_removed(
    case: Case, tmp_path: Path, fresh_tmpdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyrage import x25519

    identity = x25519.Identity.generate()
    key = tmp_path / "key.txt"
    key.write_text(f"{identity}\n")
    (tmp_path / "tip.txt").write_text("a tip\n")
    case.import_files([tmp_path / "tip.txt"], handed_over_by="W", examiner=EXAMINER)
    locked = export(case, tmp_path / "b.zip.age", encrypt_to=[str(identity.to_public())]).path
    modes: list[tuple[int, int]] = []
    real = sealed.decrypt

    def spy(path: Path, out: Path, identities: Any) -> None:
        real(path, out, identities)
        modes.append((stat.S_IMODE(out.parent.stat().st_mode), stat.S_IMODE(out.stat().st_mode)))

    monkeypatch.setattr(sealed, "decrypt", spy)
    report = verify_bundle(locked, identities=[key])
    assert report.ok, report.text()
    assert modes == [(0o700, 0o600)]
    assert os.listdir(fresh_tmpdir) == []


# -- each defect, the kinds found before -------------------------------------------


def _flip_stored_byte(zipped: Path, work: Path) -> Path:
    raw = bytearray(zipped.read_bytes())
    at = raw.find(MARK)
    assert at > 0
    raw[at] ^= 0x01
    out = work / "flipped.zip"
    out.write_bytes(bytes(raw))
    return out


def _edit_exhibit(top: Path) -> None:
    p = top / PHOTO
    p.write_bytes(p.read_bytes().replace(MARK, MARK.lower()))


def _drop_manifest_line(top: Path) -> None:
    p = top / "manifest-sha256.txt"
    p.write_text("".join(x for x in p.read_text().splitlines(True) if "photo.jpg" not in x))


def _extra_file(top: Path) -> None:
    (top / "data/exhibits/E0002/planted.txt").write_text("planted\n")


def _missing_file(top: Path) -> None:
    (top / PHOTO).unlink()


def _wrong_oxum(top: Path) -> None:
    p = top / "bag-info.txt"
    lines = []
    for line in p.read_text().splitlines(True):
        if line.startswith("Payload-Oxum:"):
            size, count = line.split(":", 1)[1].strip().split(".")
            line = f"Payload-Oxum: {int(size) + 1}.{count}\n"
        lines.append(line)
    p.write_text("".join(lines))


def _edit_tag_file(top: Path) -> None:
    with open(top / "bag-info.txt", "a") as f:
        f.write("Contact-Name: Someone Else\n")


def _bagit_097(top: Path) -> None:
    (top / "bagit.txt").write_text("BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")


def _duplicate_manifest_line(top: Path) -> None:
    p = top / "manifest-sha256.txt"
    lines = p.read_text().splitlines(True)
    p.write_text("".join(lines + lines[:1]))


def _drop_tagmanifest_line(top: Path) -> None:
    p = top / "tagmanifest-sha256.txt"
    p.write_text("".join(x for x in p.read_text().splitlines(True) if "bag-info" not in x))


def _tagmanifest_names_a_missing_file(top: Path) -> None:
    with open(top / "tagmanifest-sha256.txt", "a") as f:
        f.write(f"{'0' * 64}  gone.txt\n")


def _no_bagit_txt(top: Path) -> None:
    (top / "bagit.txt").unlink()


def _no_manifest(top: Path) -> None:
    (top / "manifest-sha256.txt").unlink()


# name, change, re-bag after, kinds exactly, a fragment of the report
DEFECTS: list[tuple[str, Callable[[Path], None], bool, set[str], str]] = [
    (
        "exhibit edited",
        _edit_exhibit,
        False,
        {"bag-invalid", "exhibit-hash", "exhibit-unrecorded"},
        "photo.jpg sha256 validation failed",
    ),
    ("exhibit edited, bag redone", _edit_exhibit, True, {"exhibit-hash", "exhibit-unrecorded"}, ""),
    (
        "manifest line missing",
        _drop_manifest_line,
        False,
        {"bag-invalid"},
        "photo.jpg exists on filesystem but is not in the manifest",
    ),
    ("extra file", _extra_file, False, {"bag-invalid"}, "Payload-Oxum validation failed"),
    ("missing file", _missing_file, False, {"bag-invalid", "exhibit-missing"}, "Payload-Oxum"),
    ("wrong Payload-Oxum", _wrong_oxum, False, {"bag-invalid"}, "Payload-Oxum validation failed"),
    (
        "tag file changed",
        _edit_tag_file,
        False,
        {"bag-invalid"},
        "bag-info.txt sha256 validation failed",
    ),
    ("BagIt 0.97", _bagit_097, False, {"bag-invalid"}, "not 1.0"),
    ("manifest line twice", _duplicate_manifest_line, False, {"bag-invalid"}, "multiple times"),
    ("no bagit.txt", _no_bagit_txt, False, {"bag-invalid"}, "bagit.txt does not exist"),
    ("no manifest", _no_manifest, False, {"bag-invalid"}, "No manifest files found"),
]


def test_a_flipped_byte_in_a_stored_exhibit_is_a_bad_crc(bundle: Path, tmp_path: Path) -> None:
    report = verify_bundle(_flip_stored_byte(bundle, tmp_path))
    assert report.kinds() == {"bundle-damaged"}, report.text()
    assert "Bad CRC-32" in report.text() and "photo.jpg" in report.text()


@pytest.mark.parametrize(
    ("change", "redo", "kinds", "says"), [d[1:] for d in DEFECTS], ids=[d[0] for d in DEFECTS]
)
def test_each_defect_is_found_with_the_kinds_found_before(
    bundle: Path,
    tmp_path: Path,
    change: Callable[[Path], None],
    redo: bool,
    kinds: set[str],
    says: str,
) -> None:
    assert verify_bundle(bundle).ok
    report = verify_bundle(edited(bundle, tmp_path, change, redo))
    assert report.kinds() == kinds, report.text()
    assert says in report.text()


def test_each_exhibit_is_counted_once(bundle: Path) -> None:
    report = verify_bundle(bundle)
    assert report.ok and report.blobs_checked == 2
    with zipfile.ZipFile(bundle) as zf:
        exhibits = [i for i in zf.infolist() if "/data/exhibits/" in i.filename]
    assert report.bytes_checked == sum(i.file_size for i in exhibits)


# -- the same verdict as bagit-python on the unpacked bag ----------------------------


# name, change, re-bag after, whether the bag is valid (the chain and exhibits aside)
AGREEMENT: list[tuple[str, Callable[[Path], None] | None, bool, bool]] = [
    ("as exported", None, False, True),
    *((d[0], d[1], d[2], "bag-invalid" not in d[3]) for d in DEFECTS),
    ("tag manifest without bag-info.txt", _drop_tagmanifest_line, False, True),
    ("tag manifest names a missing file", _tagmanifest_names_a_missing_file, False, False),
    ("extra file, bag redone", _extra_file, True, True),
]


@pytest.mark.parametrize(
    ("change", "redo", "valid"), [a[1:] for a in AGREEMENT], ids=[a[0] for a in AGREEMENT]
)
def test_the_verdict_on_the_bag_is_bagit_pythons(
    bundle: Path, tmp_path: Path, change: Callable[[Path], None] | None, redo: bool, valid: bool
) -> None:
    zipped = bundle if change is None else edited(bundle, tmp_path, change, redo)
    report = verify_bundle(zipped)
    theirs = bagit_says_valid(zipped, tmp_path / "independent")
    assert ("bag-invalid" not in report.kinds()) == theirs == valid, report.text()


def test_nothing_is_left_behind_when_the_zip_is_refused(
    bundle: Path, tmp_path: Path, fresh_tmpdir: Path
) -> None:
    out = tmp_path / "big.zip"
    shutil.copy(bundle, out)
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("b/data/planted.bin", os.urandom(8 * 2**20))
    assert verify_bundle(out).kinds() == {"unsafe-bundle"}
    assert os.listdir(fresh_tmpdir) == []
