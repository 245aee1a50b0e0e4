"""Evidence bundles: export, then verify without the case; refusals; tampered bundles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

import bundles
from bundles import rebag, rezip, unpack
from conftest import EXAMINER, assert_ends_with_checkpoint
from osint_kit import Case, ExportResult
from osint_kit.disclosure.bundle.bag import zip_folder
from osint_kit.disclosure.bundle.verify import verify_bundle
from osint_kit.errors import ExportRefused, OutputExists, UnknownExhibit

BIN = Path(sys.executable).parent


@pytest.fixture
def filled(case: Case, files: dict[str, Path]) -> Case:
    case.import_files(
        [files["tip.txt"], files["photo.jpg"]], handed_over_by="Witness A", examiner=EXAMINER
    )
    case.import_files([files["clip.mp4"]], handed_over_by="Witness B", examiner=EXAMINER)
    case.add_note("E0003 is about another person", exhibits=["E0003"], examiner=EXAMINER)
    return case


def export(case: Case, dest: Path, **kwargs: object) -> ExportResult:
    """Exhibit E0002 unless told otherwise."""
    return bundles.export(case, dest, **{"exhibits": ["E0002"], **kwargs})


def test_round_trip_reveals_only_what_concerns_the_exhibits(filled: Case, tmp_path: Path) -> None:
    before = len(filled.events())
    result = export(filled, tmp_path / "to-da.zip")

    report = verify_bundle(result.path)
    assert report.ok, report.text()
    assert report.head_seq == before and report.blobs_checked == 1
    event = assert_ends_with_checkpoint(filled)  # the export, then its checkpoint
    assert event.action == "export.created" and event.seq == before + 1
    assert event.details["bundle"]["sha256"] == result.sha256
    assert event.details["authorization"] == "DA-2026-0042"
    assert event.details["recipient"] == "County Prosecutor"
    assert [s.exhibit for s in event.subjects] == ["E0002"]
    top = unpack(result.path, tmp_path / "x")
    lines = [json.loads(x) for x in (top / "data/custody/events.jsonl").read_text().splitlines()]
    full = [e["seq"] for e in lines if set(e) != {"seq", "digest"}]
    assert full == [1, 2]  # the case's creation, and the hand-over of E0001 and E0002
    assert len(lines) == before
    assert "another person" not in (top / "data/custody/events.jsonl").read_text()
    assert (top / "data/exhibits/E0002/photo.jpg").read_bytes() == filled.exhibit(
        "E0002"
    ).read_bytes()
    info = (top / "bag-info.txt").read_text()
    assert "LAW ENFORCEMENT SENSITIVE - NOT FOR PUBLIC DISSEMINATION" in info
    assert "Authorization: DA-2026-0042" in info and f"External-Identifier: {filled.id}" in info
    assert (top / "bagit.txt").read_text().startswith("BagIt-Version: 1.0")
    assert filled.verify().ok


def test_bagit_itself_accepts_the_bundle_and_rejects_a_changed_one(
    filled: Case, tmp_path: Path
) -> None:
    result = export(filled, tmp_path / "b.zip", exhibits=None)
    top = unpack(result.path, tmp_path / "x")
    r = subprocess.run(
        [str(BIN / "bagit.py"), "--validate", str(top)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    target = top / "data/exhibits/E0001/tip.txt"
    os.chmod(target, 0o644)
    target.write_bytes(b"Seen near the church.\n")
    r = subprocess.run(
        [str(BIN / "bagit.py"), "--validate", str(top)], capture_output=True, text=True
    )
    assert r.returncode != 0


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ({"authorization": ""}, "no authorisation reference"),
        ({"authorization": "   "}, "no authorisation reference"),
        ({"recipient": ""}, "no recipient"),
    ],
)
def test_no_authorisation_no_export(filled: Case, tmp_path: Path, how: dict, why: str) -> None:
    before = len(filled.events())
    with pytest.raises(ExportRefused, match=why):
        export(filled, tmp_path / "b.zip", **how)
    assert len(filled.events()) == before and not list(tmp_path.glob("*.zip"))


def test_existing_path_and_unknown_exhibit_are_refused(filled: Case, tmp_path: Path) -> None:
    taken = tmp_path / "taken.zip"
    taken.write_bytes(b"someone else's file")
    before = len(filled.events())
    with pytest.raises(OutputExists, match="already exists"):
        export(filled, taken)
    assert taken.read_bytes() == b"someone else's file"
    with pytest.raises(UnknownExhibit, match="E0099"):
        export(filled, tmp_path / "b.zip", exhibits=["E0002", "E0099"])
    assert len(filled.events()) == before
    assert not (tmp_path / "b.zip").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _edit_exhibit(top: Path) -> None:
    p = top / "data/exhibits/E0002/photo.jpg"
    os.chmod(p, 0o644)
    p.write_bytes(b"x" + p.read_bytes()[1:])


def _edit_event(top: Path) -> None:
    p = top / "data/custody/events.jsonl"
    os.chmod(p, 0o644)
    p.write_text(p.read_text().replace("Witness A", "Witness Z", 1))


def _drop_stub(top: Path) -> None:
    p = top / "data/custody/events.jsonl"
    os.chmod(p, 0o644)
    lines = p.read_text().splitlines(keepends=True)
    p.write_text("".join(lines[:-1]))


def _swap_exhibit(top: Path) -> None:
    p = top / "data/exhibits/E0002/photo.jpg"
    os.chmod(p, 0o644)
    p.write_bytes(b"other bytes")
    records = json.loads((top / "data/exhibits.json").read_text())
    import hashlib

    records[0]["sha256"] = hashlib.sha256(b"other bytes").hexdigest()
    os.chmod(top / "data/exhibits.json", 0o644)
    (top / "data/exhibits.json").write_text(json.dumps(records))


def _extra_file(top: Path) -> None:
    (top / "data/exhibits/E0002/planted.txt").write_text("planted\n")


def _missing_file(top: Path) -> None:
    (top / "data/exhibits/E0002/photo.jpg").unlink()


def _edit_manifest(top: Path) -> None:
    p = top / "manifest-sha256.txt"
    os.chmod(p, 0o644)
    text = p.read_text()
    p.write_text(("0" * 64) + text[64:])


BUNDLE_TAMPERS: list[tuple[str, Callable[[Path], None], bool, set[str]]] = [
    # name, change, re-bag afterwards (a forger fixing the manifests), expected kinds
    ("exhibit edited", _edit_exhibit, False, {"bag-invalid", "exhibit-hash", "exhibit-unrecorded"}),
    ("exhibit edited, bag redone", _edit_exhibit, True, {"exhibit-hash", "exhibit-unrecorded"}),
    ("exhibit swapped with its record", _swap_exhibit, True, {"exhibit-unrecorded"}),
    ("event edited, bag redone", _edit_event, True, {"chain-digest"}),
    ("event edited", _edit_event, False, {"bag-invalid", "chain-digest"}),
    ("last stub removed, bag redone", _drop_stub, True, {"chain-head"}),
    ("extra file", _extra_file, False, {"bag-invalid"}),
    ("missing file", _missing_file, False, {"bag-invalid", "exhibit-missing"}),
    ("manifest edited", _edit_manifest, False, {"bag-invalid"}),
]


@pytest.mark.parametrize(
    ("change", "rebag_after", "kinds"),
    [t[1:] for t in BUNDLE_TAMPERS],
    ids=[t[0] for t in BUNDLE_TAMPERS],
)
def test_tampered_bundles_are_caught(
    filled: Case,
    tmp_path: Path,
    change: Callable[[Path], None],
    rebag_after: bool,
    kinds: set[str],
) -> None:
    result = export(filled, tmp_path / "b.zip", exhibits=["E0002", "E0003"])
    top = unpack(result.path, tmp_path / "x")
    change(top)
    if rebag_after:
        rebag(top)
    report = verify_bundle(rezip(top, tmp_path / "tampered.zip"))
    assert report.kinds() == kinds, report.text()


def _zip_with(out: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return out


def test_unsafe_zips_are_refused_and_nothing_escapes(tmp_path: Path) -> None:
    escape = f"osint-kit-escape-{uuid.uuid4().hex}"
    outside = Path(tempfile.gettempdir()) / escape
    traversal = _zip_with(tmp_path / "t.zip", [("b/bagit.txt", b"x"), (f"b/../../{escape}", b"x")])
    absolute = _zip_with(tmp_path / "a.zip", [(f"/tmp/{escape}", b"x")])
    link = zipfile.ZipInfo("b/data/link")
    link.external_attr = (0o120777) << 16
    symlink = _zip_with(tmp_path / "l.zip", [("b/bagit.txt", b"x"), (link, b"/etc/passwd")])
    for bundle, why in ((traversal, "outside"), (absolute, "outside"), (symlink, "symbolic link")):
        report = verify_bundle(bundle)
        assert report.kinds() == {"unsafe-bundle"} and why in report.text()
    assert not outside.exists()


def test_a_zip_bomb_is_stopped_at_the_bound(tmp_path: Path) -> None:
    bomb = _zip_with(tmp_path / "bomb.zip", [("b/data/zeros", bytes(20 * 2**20))])
    assert bomb.stat().st_size < 100_000
    report = verify_bundle(bomb, max_bytes=2**20)
    assert report.kinds() == {"unsafe-bundle"} and "more than 1048576" in report.text()
    assert not list(tmp_path.glob("**/zeros"))  # nothing was unpacked next to it


def test_cli_export_and_bundle_verify(filled: Case, tmp_path: Path, examiner_env: object) -> None:
    env = {**os.environ, "OSINT_KIT_CASES": str(filled.path.parent)}
    out = tmp_path / "cli.zip"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "osint-kit"), *args], capture_output=True, text=True, env=env
        )

    r = cli(
        "export",
        filled.id,
        "--to",
        str(out),
        "--authorization",
        "DA-1",
        "--recipient",
        "DA",
        "--exhibit",
        "E0001",
    )
    assert r.returncode == 0, r.stderr
    assert "exported E0001" in r.stdout and "export.created" in r.stdout
    r = cli("bundle", "verify", str(out))
    assert r.returncode == 0 and "OK: no problems found" in r.stdout
    r = cli("export", filled.id, "--to", str(out), "--authorization", "DA-1", "--recipient", "DA")
    assert r.returncode == 4 and "already exists" in r.stderr
    r = cli(
        "export",
        filled.id,
        "--to",
        str(tmp_path / "n.zip"),
        "--authorization",
        "",
        "--recipient",
        "DA",
    )
    assert r.returncode == 2 and "authorisation" in r.stderr  # bad input
    bad = tmp_path / "bad"
    top = unpack(out, bad)
    _edit_event(top)
    r = cli("bundle", "verify", str(rezip(top, tmp_path / "bad.zip")), "--json")
    assert r.returncode == 1
    assert {p["kind"] for p in json.loads(r.stdout)["problems"]} >= {"chain-digest"}
    shutil.rmtree(bad)


def test_case_validate_accepts_the_graph_and_rejects_a_broken_one(
    filled: Case, tmp_path: Path
) -> None:
    result = export(filled, tmp_path / "b.zip", exhibits=None)
    top = unpack(result.path, tmp_path / "x")
    graph_path = top / "data/case-uco.jsonld"
    graph = json.loads(graph_path.read_text())
    kinds = [n["@type"] for n in graph["@graph"]]
    assert kinds.count("case-investigation:ProvenanceRecord") == 3
    assert kinds.count("uco-observable:File") == 3
    assert kinds.count("case-investigation:InvestigativeAction") == 2 + 1  # 2 hand-overs, 1 export
    numbers = {
        n["case-investigation:exhibitNumber"]
        for n in graph["@graph"]
        if n["@type"] == "case-investigation:ProvenanceRecord"
    }
    assert numbers == {"E0001", "E0002", "E0003"}
    hashes = json.dumps(graph)
    assert all(filled.exhibit(x).sha256 in hashes for x in numbers)
    # case_validate: trust its exit code, not its "Conforms" line
    ok = subprocess.run(
        [str(BIN / "case_validate"), str(graph_path)], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stdout[-2000:]
    for node in graph["@graph"]:
        if node["@type"] == "uco-observable:File":
            node["uco-core:hasFacet"][0]["uco-observable:fileName"] = 42
    broken = tmp_path / "broken.jsonld"
    broken.write_text(json.dumps(graph))
    bad = subprocess.run([str(BIN / "case_validate"), str(broken)], capture_output=True, text=True)
    assert bad.returncode != 0


def _age_key(where: Path) -> tuple[Path, str]:
    key = where / "recipient-key.txt"
    r = subprocess.run(["age-keygen", "-o", str(key)], capture_output=True, text=True, check=True)
    public = r.stderr.strip().rsplit(" ", 1)[-1]
    assert public.startswith("age1")
    return key, public


@pytest.mark.skipif(shutil.which("age") is None, reason="the age command is not installed")
def test_an_encrypted_bundle_opens_with_age_and_verifies_with_the_key(
    filled: Case, tmp_path: Path
) -> None:
    key, public = _age_key(tmp_path)
    (tmp_path / "other").mkdir()
    other_key, _ = _age_key(tmp_path / "other")
    result = export(filled, tmp_path / "sealed.zip.age", encrypt_to=[public])

    assert result.path.read_bytes().startswith(b"age-encryption.org/v1")
    assert not list(tmp_path.glob("*.zip")) and not list(tmp_path.glob(".*tmp*"))
    event = assert_ends_with_checkpoint(filled)
    assert event.action == "export.created"
    assert event.details["encrypted_to"] == [public]
    assert event.details["bundle"]["sha256"] == result.sha256
    # the age command itself opens it: interoperable
    plain = tmp_path / "opened.zip"
    subprocess.run(["age", "-d", "-i", str(key), "-o", str(plain), str(result.path)], check=True)
    import hashlib

    assert hashlib.sha256(plain.read_bytes()).hexdigest() == event.details["zip_sha256"]
    assert verify_bundle(plain).ok
    assert verify_bundle(result.path, identities=[key]).ok
    locked = verify_bundle(result.path)
    assert locked.kinds() == {"bundle-encrypted"} and "--identity" in locked.text()
    wrong = verify_bundle(result.path, identities=[other_key])
    assert wrong.kinds() == {"bundle-encrypted"} and "could not be decrypted" in wrong.text()


def test_bad_recipient_keys_and_names_are_refused(filled: Case, tmp_path: Path) -> None:
    before = len(filled.events())
    from osint_kit.errors import InvalidKey, InvalidOption

    with pytest.raises(InvalidKey, match="not an age public key"):
        export(filled, tmp_path / "x.zip.age", encrypt_to=["age1notakey"])
    with pytest.raises(InvalidOption, match=r"should end in \.zip\.age"):
        export(filled, tmp_path / "x.zip", encrypt_to=["age1notakey"])
    assert len(filled.events()) == before and not list(tmp_path.glob("x.*"))


def test_the_same_folder_zips_to_the_same_bytes(tmp_path: Path) -> None:
    folder = tmp_path / "bag"
    (folder / "data" / "exhibits" / "E0001").mkdir(parents=True)
    (folder / "data" / "exhibits" / "E0001" / "clip.mp4").write_bytes(os.urandom(50_000))
    (folder / "bagit.txt").write_text("BagIt-Version: 1.0\n")
    first = zip_folder(folder, tmp_path / "one.zip", "bag")
    os.utime(folder / "bagit.txt", (0, 0))  # times on disk do not leak into the zip
    second = zip_folder(folder, tmp_path / "two.zip", "bag")
    assert first == second
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as zf:
        kinds = {i.filename: i.compress_type for i in zf.infolist()}
    assert kinds["bag/data/exhibits/E0001/clip.mp4"] == zipfile.ZIP_STORED
    assert kinds["bag/bagit.txt"] == zipfile.ZIP_DEFLATED
