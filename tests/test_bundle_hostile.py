"""Hostile bundles: whatever a bundle holds, ``verify_bundle`` answers with a report.

A bundle comes from outside, so every defect found by hand (issue 18) is a case here,
as data: damaged zips, names that collide, JSON of the wrong shape or nested too deep,
a zip bomb; then a bounded fuzz over real exports; then bundles checked against a
trust store and a TSA.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundles import edited, export, rebag, rezip, unpack
from conftest import AUTHORITY, EXAMINER
from osint_kit import Case
from osint_kit.disclosure.bundle.verify import verify_bundle
from osint_kit.record import TrustStore, create_signing_key
from osint_kit.record.builtin_actions import KEY_REGISTERED
from osint_kit.record.chain import GENESIS, canonical_json, event_digest, link_hash
from osint_kit.record.examiner import config_dir
from osint_kit.record.findings import VerificationReport
from osint_kit.record.signing import generate_key
from osint_kit.record.timestamp import TsaConfig
from osint_kit_sandbox.tsa import LocalTSA

EVENTS = "data/custody/events.jsonl"
HEAD = "data/custody/head.json"
EXHIBITS = "data/exhibits.json"


# -- a real bundle, and the ways a forger or a bad disk changes it ---------------------


@pytest.fixture
def bundle(case: Case, tmp_path: Path) -> Path:
    """A small valid bundle: one exhibit, exported from a real case."""
    (tmp_path / "tip.txt").write_text("Seen near the station at 21:40.\n")
    case.import_files([tmp_path / "tip.txt"], handed_over_by="Witness A", examiner=EXAMINER)
    case.add_note("called the witness back", exhibits=["E0001"], examiner=EXAMINER)
    return export(case, tmp_path / "b.zip").path


def _patch_sizes(raw: bytearray, name: str, extra: int) -> None:
    """Add ``extra`` to the sizes both headers of entry ``name`` declare (no zip64)."""
    # signature; offsets of the name's length, the name, the two sizes
    headers = ((b"PK\x01\x02", 28, 46, 20), (b"PK\x03\x04", 26, 30, 18))
    for signature, length_at, name_at, sizes_at in headers:
        at = raw.find(signature)
        while at >= 0:
            (length,) = struct.unpack_from("<H", raw, at + length_at)
            if raw[at + name_at : at + name_at + length] == name.encode():
                csize, usize = struct.unpack_from("<II", raw, at + sizes_at)
                struct.pack_into("<II", raw, at + sizes_at, csize + extra, usize + extra)
            at = raw.find(signature, at + 4)


def _plain_zip(top: Path, out: Path) -> Path:
    """Zip a bag with the standard library's defaults (no zip64 extras), exhibits stored."""
    with zipfile.ZipFile(out, "w") as zf:
        for p in sorted(top.rglob("*")):
            if p.is_file():
                rel = f"{top.name}/{p.relative_to(top).as_posix()}"
                kind = zipfile.ZIP_STORED if "exhibits/" in rel else zipfile.ZIP_DEFLATED
                zf.write(p, rel, compress_type=kind)
    return out


def bad_crc(zipped: Path, work: Path) -> Path:
    raw = bytearray(zipped.read_bytes())
    at = raw.find(b"Seen near the station")
    raw[at] ^= 0x01
    out = work / "crc.zip"
    out.write_bytes(bytes(raw))
    return out


def shorter_than_declared(zipped: Path, work: Path) -> Path:
    top = unpack(zipped, work / "x")
    plain = _plain_zip(top, work / "plain.zip")
    raw = bytearray(plain.read_bytes())
    _patch_sizes(raw, f"{top.name}/data/exhibits/E0001/tip.txt", 40)
    plain.write_bytes(bytes(raw))
    return plain


def file_and_folder(zipped: Path, work: Path) -> Path:
    out = work / "both.zip"
    shutil.copy(zipped, out)
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("b/data/exhibits/E0001", b"a file where a folder is")
    return out


def _rewrite(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(top: Path) -> None:
        path = top / name
        path.write_bytes(change(path.read_bytes()))

    return apply


def _events(change: Callable[[list[dict[str, Any]]], None]) -> Callable[[bytes], bytes]:
    def apply(data: bytes) -> bytes:
        lines = [json.loads(x) for x in data.splitlines()]
        change(lines)
        return b"".join(json.dumps(e).encode() + b"\n" for e in lines)

    return apply


def _non_hex_digest(lines: list[dict[str, Any]]) -> None:
    stub = next(e for e in lines if set(e) == {"seq", "digest"})
    stub["digest"] = "z" * 64


def _subjects_x(lines: list[dict[str, Any]]) -> None:
    next(e for e in lines if e.get("action") == "evidence.acquired")["subjects"] = ["x"]


def _nested_details(data: bytes) -> bytes:
    """A value 1,000 lists deep in an event: within orjson's 1,024 levels, so it parses;
    too deep to write back with the interpreter's recursion limit (written as bytes here
    for that reason)."""
    lines = [json.loads(x) for x in data.splitlines()]
    next(e for e in lines if e.get("action") == "evidence.acquired")["details"]["x"] = "DEEP"
    text = "".join(json.dumps(e) + "\n" for e in lines)
    return text.replace('"DEEP"', "[" * 1000 + "1" + "]" * 1000).encode()


def _deep(data: bytes) -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


def _deep_line(data: bytes) -> bytes:
    first, rest = data.split(b"\n", 1)
    return first + b"\n" + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"\n" + rest


def _drop_data(top: Path) -> None:
    shutil.rmtree(top / "data")


def _json(value: Any) -> Callable[[bytes], bytes]:
    return lambda _: json.dumps(value).encode()


def _head_of_wrong_types(data: bytes) -> bytes:
    head = json.loads(data)
    head.update(case=7, seq="one", hash=12345)
    return json.dumps(head).encode()


def _record_of_wrong_types(data: bytes) -> bytes:
    records = json.loads(data)
    records[0].update(sha256=5, path=["data"])
    return json.dumps(records).encode()


# name, how the bundle is broken, expected kinds (exactly), a fragment of the report
ZIP_DEFECTS: list[tuple[str, Callable[[Path, Path], Path], set[str], str]] = [
    ("bad CRC", bad_crc, {"bundle-damaged"}, "Bad CRC-32"),
    ("entry shorter than declared", shorter_than_declared, {"bundle-damaged"}, "tip.txt"),
    ("a file and a folder of one name", file_and_folder, {"unsafe-bundle"}, "file and a folder"),
]

# name, change to the unpacked bag, re-bag afterwards, kinds that must be among those found
CONTENT_DEFECTS: list[tuple[str, Callable[[Path], None], bool, set[str]]] = [
    ("non-hex digest", _rewrite(EVENTS, _events(_non_hex_digest)), True, {"chain-unreadable"}),
    ("exhibits.json is [1]", _rewrite(EXHIBITS, _json([1])), True, {"bundle-malformed"}),
    (
        'subjects ["x"]',
        _rewrite(EVENTS, _events(_subjects_x)),
        True,
        {"chain-unreadable", "chain-digest"},
    ),
    ("deep head.json", _rewrite(HEAD, _deep), True, {"bundle-incomplete"}),
    ("deep events line", _rewrite(EVENTS, _deep_line), True, {"chain-unreadable"}),
    (
        "deep value in an event",
        _rewrite(EVENTS, _nested_details),
        True,
        {"chain-unreadable"},
    ),
    ("head.json is a list", _rewrite(HEAD, _json([1, 2])), True, {"bundle-malformed"}),
    ("numbers in head.json", _rewrite(HEAD, _head_of_wrong_types), True, {"chain-head"}),
    (
        "numbers in exhibits.json",
        _rewrite(EXHIBITS, _record_of_wrong_types),
        True,
        {"bundle-malformed"},
    ),
    ("no data folder", _drop_data, False, {"bag-invalid", "bundle-incomplete"}),
]


@pytest.mark.parametrize(
    ("damage", "kinds", "says"), [d[1:] for d in ZIP_DEFECTS], ids=[d[0] for d in ZIP_DEFECTS]
)
def test_a_damaged_zip_is_reported_not_raised(
    bundle: Path,
    tmp_path: Path,
    damage: Callable[[Path, Path], Path],
    kinds: set[str],
    says: str,
) -> None:
    assert verify_bundle(bundle).ok
    report = verify_bundle(damage(bundle, tmp_path))
    assert report.kinds() == kinds, report.text()
    assert says in report.text()


@pytest.mark.parametrize(
    ("change", "redo", "kinds"),
    [d[1:] for d in CONTENT_DEFECTS],
    ids=[d[0] for d in CONTENT_DEFECTS],
)
def test_malformed_content_is_reported_not_raised(
    bundle: Path, tmp_path: Path, change: Callable[[Path], None], redo: bool, kinds: set[str]
) -> None:
    report = verify_bundle(edited(bundle, tmp_path, change, redo=redo))
    assert not report.ok
    assert kinds <= report.kinds(), report.text()


# -- zip bombs ----------------------------------------------------------------------


BOMB = 200 * 2**20


@pytest.fixture
def bomb(bundle: Path, tmp_path: Path) -> Path:
    """200 MiB of zeros in an otherwise valid bag (bagit itself declares it in the
    manifest and Payload-Oxum), deflated to about 200 KiB."""
    top = unpack(bundle, tmp_path / "x")
    with open(top / "data" / "zeros", "wb") as f:
        f.truncate(BOMB)  # sparse: nothing is written to make it
    rebag(top)
    out = tmp_path / "bomb.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(top.rglob("*")):
            if p.is_file():
                zf.write(p, f"b/{p.relative_to(top).as_posix()}")
    assert out.stat().st_size < 1_000_000
    return out


def test_a_zip_bomb_inside_a_valid_bag_is_refused(bomb: Path) -> None:
    # "before anything is inflated" is proven below, by a file-size limit, not by a clock
    report = verify_bundle(bomb)
    assert report.kinds() == {"unsafe-bundle"}, report.text()
    assert "zip bomb" in report.text() and "b/data/zeros" in report.text()


def test_a_zip_bomb_is_refused_before_anything_large_is_written(bomb: Path) -> None:
    """In a child whose files may not grow past 16 MiB (RLIMIT_FSIZE): unpacking the bomb
    would kill it (SIGXFSZ); refusing it from the sizes declared does not."""
    limit = 16 * 2**20

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    script = (
        "import json, sys; from osint_kit import verify_bundle; "
        "print(json.dumps(verify_bundle(sys.argv[1]).to_json()))"
    )
    r = subprocess.run(
        [sys.executable, "-c", script, str(bomb)], capture_output=True, text=True, preexec_fn=cap
    )
    assert r.returncode == 0, r.stderr
    assert {p["kind"] for p in json.loads(r.stdout)["problems"]} == {"unsafe-bundle"}


def test_an_entry_larger_than_the_bag_declares_is_refused(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "big.zip"
    shutil.copy(bundle, out)
    with zipfile.ZipFile(out, "a") as zf:  # stored: no ratio gives it away, only the bag
        zf.writestr("b/data/planted.bin", os.urandom(8 * 2**20))
    report = verify_bundle(out)
    assert report.kinds() == {"unsafe-bundle"}, report.text()
    assert "Payload-Oxum" in report.text() and "b/data/planted.bin" in report.text()


def test_a_small_extra_file_is_still_bagits_to_report(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "extra.zip"
    shutil.copy(bundle, out)
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("b/data/planted.txt", b"planted\n")
    assert verify_bundle(out).kinds() == {"bag-invalid"}


# -- the fuzz -----------------------------------------------------------------------


def _payload(zipped: Path) -> dict[str, bytes] | None:
    """The payload (``data/``) as the zip gives it, or None if the zip will not give it."""
    try:
        with zipfile.ZipFile(zipped) as zf:
            return {
                i.filename: zf.read(i) for i in zf.infolist() if i.filename.split("/")[1] == "data"
            }
    except Exception:  # any failure to read means the payload is not what it was
        return None


def _retype(value: Any, pick: int, replacement: Any) -> Any:
    """``value`` with one of its JSON values (the ``pick``-th, depth first) replaced."""
    count = 0

    def walk(v: Any) -> Any:
        nonlocal count
        count += 1
        if count == pick:
            return replacement
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(value)


OTHER_TYPES = st.sampled_from([None, 0, -1, 2**60, "", "x" * 64, [], {}, [1], {"a": 1}, True])
MEMBER_OPS = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 10_000)),
    st.tuples(st.just("retype"), st.integers(1, 200), OTHER_TYPES),
    st.tuples(st.just("duplicate"), st.integers(0, 50)),
    st.tuples(st.just("delete")),
)


def _mutate_member(data: bytes, op: tuple[Any, ...]) -> bytes | None:
    if op[0] == "truncate":
        return data[: op[1] % max(len(data.rstrip(b"\n")), 1)]
    if op[0] == "duplicate":
        lines = data.splitlines(keepends=True) or [b""]
        at = op[1] % len(lines)
        return b"".join(lines[: at + 1] + lines[at:])
    if op[0] == "retype":
        lines = data.splitlines(keepends=True)
        for i, line in enumerate(lines):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            changed = _retype(value, op[1], op[2])
            if changed != value:
                lines[i] = json.dumps(changed).encode() + (b"\n" if line.endswith(b"\n") else b"")
                return b"".join(lines)
        return data + b"x"  # not JSON: one byte more instead
    return None  # delete


#: Members whose every byte the chain seals: changed and re-bagged, still not ok.
SEALED = ("data/custody/events.jsonl", "data/exhibits/")


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    # the bundle is made once per test and only read: it is safe to share across examples
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    how=st.one_of(
        st.tuples(
            st.just("flip"),
            st.lists(st.tuples(st.integers(0, 2**31), st.integers(1, 255)), min_size=1, max_size=4),
        ),
        st.tuples(st.just("member"), st.integers(0, 100), MEMBER_OPS, st.booleans()),
    )
)
def test_fuzz_nothing_escapes_but_a_report(bundle: Path, how: tuple[Any, ...]) -> None:
    before = _payload(bundle)
    assert before is not None
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        must_fail = False
        if how[0] == "flip":
            raw = bytearray(bundle.read_bytes())
            for at, xor in how[1]:
                raw[at % len(raw)] ^= xor
            mutated = work / "flipped.zip"
            mutated.write_bytes(bytes(raw))
            must_fail = _payload(mutated) != before
        else:
            _, pick, op, redo = how
            top = unpack(bundle, work / "x")
            files = sorted(p for p in top.rglob("*") if p.is_file())
            target = files[pick % len(files)]
            rel = target.relative_to(top).as_posix()
            old = target.read_bytes()
            new = _mutate_member(old, op)
            if new is None:
                target.unlink()
            else:
                target.write_bytes(new)
            if redo:
                rebag_in_process(top)
            mutated = rezip(top, work / "mutated.zip")
            changed = new != old
            in_payload = rel.startswith("data/")
            must_fail = changed and in_payload and (not redo or rel.startswith(SEALED))
        report = verify_bundle(mutated)
    assert isinstance(report, VerificationReport)
    if must_fail:
        assert not report.ok, f"{how}: {report.text()}"


def rebag_in_process(top: Path) -> None:
    """``rebag`` of a bag that may be too broken for bagit-python (it raises anything at
    all then): such a bag is zipped as it is."""
    with contextlib.suppress(Exception):
        rebag(top)


# -- trust and time -----------------------------------------------------------------


@pytest.fixture
def signed_bundle(root: Path, tmp_path: Path) -> Path:
    """A bundle from a case whose examiner signs (so the case requires signatures)."""
    create_signing_key(EXAMINER)
    case = Case.create(
        "SIG-1",
        title="t",
        category="other",
        authority=AUTHORITY,
        root=root,
        examiner=EXAMINER,
    )
    (tmp_path / "tip.txt").write_text("a tip\n")
    case.import_files([tmp_path / "tip.txt"], handed_over_by="W", examiner=EXAMINER)
    return export(case, tmp_path / "s.zip").path


def _store(tmp_path: Path, *examiners: str) -> TrustStore:
    store = TrustStore(tmp_path / "trusted")
    for who in examiners:
        pub = config_dir() / "keys" / f"{who}.pub"
        store.add(pub, who)
    return store


def test_a_signed_bundle_passes_with_a_store_that_holds_its_key(
    signed_bundle: Path, tmp_path: Path
) -> None:
    report = verify_bundle(signed_bundle, trust=_store(tmp_path, EXAMINER.id))
    assert report.ok, report.text()
    assert report.keys[0].trusted is True and report.signatures_required


def test_a_key_outside_the_trust_store_fails(signed_bundle: Path, tmp_path: Path) -> None:
    generate_key(config_dir(), "OTHER-1", None, force=False)
    report = verify_bundle(signed_bundle, trust=_store(tmp_path, "OTHER-1"))
    assert report.kinds() == {"key-untrusted"}, report.text()
    assert report.keys[0].trusted is False


def test_a_bundle_re_signed_with_another_key_fails(signed_bundle: Path, tmp_path: Path) -> None:
    mallory = generate_key(config_dir(), "MALLORY", None, force=False)

    def resign(lines: list[dict[str, Any]]) -> None:
        for e in lines:
            if "signature" in e:
                e["signature"] = mallory.sign(e["hash"])

    forged = edited(signed_bundle, tmp_path, _rewrite(EVENTS, _events(resign)))
    report = verify_bundle(forged)  # no trust store needed: the bundle's own keys say no
    assert {"signature-unknown-key", "key-registration"} <= report.kinds(), report.text()


def test_a_bundle_re_keyed_and_resealed_fails_only_against_the_trust_store(
    signed_bundle: Path, tmp_path: Path
) -> None:
    """The forgery of issue 18: the examiner's key registration replaced by one for a
    key the forger holds, every event re-signed, the chain and head recomputed, the bag
    redone. Self-consistent: only a trust store can tell."""
    mallory = generate_key(config_dir(), "MALLORY", None, force=False)

    def rekey(top: Path) -> None:
        path = top / EVENTS
        lines = [json.loads(x) for x in path.read_bytes().splitlines()]
        prev = GENESIS
        for e in lines:
            if set(e) != {"seq", "digest"}:
                if e["action"] == KEY_REGISTERED:
                    e["details"].update(key_id=mallory.key_id, public_key=mallory.public_pem)
                e["prev"] = prev
                e["digest"] = event_digest(e)
                e["hash"] = link_hash(prev, e["digest"])
                e["signature"] = mallory.sign(e["hash"])
            prev = link_hash(prev, e["digest"])
        path.write_bytes(b"".join(canonical_json(e) + b"\n" for e in lines))
        head = json.loads((top / HEAD).read_text())
        old, head["hash"] = head["hash"], prev
        (top / HEAD).write_text(json.dumps(head))
        info = top / "bag-info.txt"
        info.write_text(info.read_text().replace(old, prev))

    forged = edited(signed_bundle, tmp_path, rekey)
    assert verify_bundle(forged).ok  # nothing in the bundle itself gives it away
    report = verify_bundle(forged, trust=_store(tmp_path, EXAMINER.id))
    assert report.kinds() == {"key-untrusted"}, report.text()
    assert mallory.key_id in report.text()


def test_signatures_stripped_from_a_bundle_that_requires_them_fail(
    signed_bundle: Path, tmp_path: Path
) -> None:
    def strip(lines: list[dict[str, Any]]) -> None:
        for e in lines:
            e.pop("signature", None)

    forged = edited(signed_bundle, tmp_path, _rewrite(EVENTS, _events(strip)))
    report = verify_bundle(forged)
    assert "signature-missing" in report.kinds(), report.text()
    assert "requires signed events" in report.text()


def test_the_first_event_must_be_the_case_creation_in_full(
    signed_bundle: Path, tmp_path: Path
) -> None:
    """Stubbing the creation (it says signatures are required) is not a way around it."""

    def stub(lines: list[dict[str, Any]]) -> None:
        lines[0] = {"seq": 1, "digest": lines[0]["digest"]}

    report = verify_bundle(edited(signed_bundle, tmp_path, _rewrite(EVENTS, _events(stub))))
    assert "chain-start" in report.kinds(), report.text()


def test_a_bundle_stripped_of_its_time_stamp_fails_when_time_is_expected(
    case: Case, tsa: LocalTSA, tmp_path: Path
) -> None:
    (tmp_path / "tip.txt").write_text("a tip\n")
    case.import_files([tmp_path / "tip.txt"], handed_over_by="W", examiner=EXAMINER)
    stamped = export(case, tmp_path / "t.zip", tsa=TsaConfig(tsa.url, tsa.ca_pem)).path
    assert verify_bundle(stamped, tsa_ca=tsa.ca_pem).ok

    def strip(top: Path) -> None:
        (top / "data/custody/checkpoint.json").unlink()
        (top / "data/custody/checkpoint.tsr").unlink()

    stripped = edited(stamped, tmp_path, strip)
    assert verify_bundle(stripped).ok  # no time asked for: a note, as before
    report = verify_bundle(stripped, tsa_ca=tsa.ca_pem)
    assert report.kinds() == {"timestamp-missing"}, report.text()
    assert "expected trusted time, found none" in report.text()

    def strip_token(top: Path) -> None:
        (top / "data/custody/checkpoint.tsr").unlink()

    no_token = edited(stamped, tmp_path / "2", strip_token)
    assert verify_bundle(no_token, tsa_ca=tsa.ca_pem).kinds() == {"timestamp-missing"}
