"""Examiners' Ed25519 signatures on custody events: registration, checks, forgeries."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AUTHORITY
from osint_kit import Case, Examiner
from osint_kit.record.builtin_actions import KEY_REGISTERED
from osint_kit.record.chain import event_digest, link_hash
from osint_kit.record.examiner import config_dir
from osint_kit.record.signing import generate_key

ALICE = Examiner(name="Alice Ray", id="A-1", agency="Example PD")
BOB = Examiner(name="Bob Lee", id="B-2", agency="Example PD")


@pytest.fixture
def keys() -> dict[str, str]:
    """Alice and Bob each have a key in the (isolated) config directory."""
    return {
        who.id: generate_key(config_dir(), who.id, None, force=False).key_id for who in (ALICE, BOB)
    }


@pytest.fixture
def signed_case(root: Path, keys: dict[str, str], tmp_path: Path) -> Case:
    case = Case.create(
        "SIG-1", title="t", category="other", authority=AUTHORITY, root=root, examiner=ALICE
    )
    (tmp_path / "tip.txt").write_text("a tip\n")
    case.import_files([tmp_path / "tip.txt"], handed_over_by="W", examiner=ALICE)
    case.add_note("Bob's note", examiner=BOB)
    return case


def _lines(case: Case) -> list[dict]:
    return [json.loads(x) for x in case.log.path.read_text().splitlines()]


def _write(case: Case, events: list[dict]) -> None:
    from osint_kit.record.chain import canonical_json

    case.log.path.chmod(0o644)
    case.log.path.write_bytes(b"".join(canonical_json(e) + b"\n" for e in events))


def test_every_event_is_signed_and_each_key_registered_once(signed_case: Case, keys: dict) -> None:
    events = _lines(signed_case)
    actions = [e["action"] for e in events]
    assert actions == [
        "case.created",
        KEY_REGISTERED,
        "evidence.acquired",
        "log.checkpoint",  # after every acquisition run
        "note.added",
        KEY_REGISTERED,
    ]
    assert all(e["signature"]["alg"] == "Ed25519" for e in events)
    by_examiner = {e["actor"]["id"]: e["signature"]["key_id"] for e in events}
    assert by_examiner == keys
    registered = [e["details"] for e in events if e["action"] == KEY_REGISTERED]
    assert [r["examiner"] for r in registered] == ["A-1", "B-2"]
    for r in registered:
        pem = signed_case.path / "examiners" / f"{r['key_id'].replace(':', '-')}.pem"
        assert pem.read_text() == r["public_key"]
    report = signed_case.verify()
    assert report.ok and not [n for n in report.notes if "no signature" in n]


def test_a_signature_verifies_with_openssl(signed_case: Case, tmp_path: Path) -> None:
    event = _lines(signed_case)[2]
    key = next(e for e in _lines(signed_case) if e["action"] == KEY_REGISTERED)["details"]
    (tmp_path / "pub.pem").write_text(key["public_key"])
    (tmp_path / "msg").write_bytes(bytes.fromhex(event["hash"]))
    (tmp_path / "sig").write_bytes(base64.b64decode(event["signature"]["value"]))
    r = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
         "-in", "msg", "-sigfile", "sig"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 0 and "Signature Verified Successfully" in r.stdout


def test_unsigned_events_are_noted_not_failed(case: Case) -> None:
    report = case.verify()
    assert report.ok and any("carry no signature" in n for n in report.notes)


def test_an_event_forged_with_another_examiners_key_id(signed_case: Case) -> None:
    events = _lines(signed_case)
    note = events[4]  # Bob's note, signed by Bob
    alice_key = events[1]["details"]["key_id"]
    note["signature"]["key_id"] = alice_key  # claims Alice's key; Bob's event
    _write(signed_case, events)
    report = signed_case.verify()
    assert report.kinds() == {"signature-wrong-examiner"}
    assert "the key of examiner 'A-1', but the event names 'B-2'" in report.text()


def test_a_bad_signature(signed_case: Case) -> None:
    events = _lines(signed_case)
    sig = bytearray(base64.b64decode(events[2]["signature"]["value"]))
    sig[0] ^= 1
    events[2]["signature"]["value"] = base64.b64encode(bytes(sig)).decode()
    _write(signed_case, events)
    report = signed_case.verify()
    assert report.kinds() == {"signature-bad"} and report.problems[0].seq == 3


def test_a_rewritten_log_resigned_with_an_unregistered_key(
    signed_case: Case, tmp_path: Path
) -> None:
    """The chain can be recomputed by a forger; the examiners' signatures cannot."""
    forger = generate_key(tmp_path / "forger", "A-1", None, force=False)
    events = _lines(signed_case)
    events[4]["details"]["text"] = "a different note"
    prev = events[3]["hash"]
    for e in events[4:]:
        body = {k: v for k, v in e.items() if k not in ("digest", "prev", "hash", "signature")}
        e["digest"] = event_digest(body)
        e["prev"] = prev
        e["hash"] = prev = link_hash(prev, e["digest"])
        e["signature"] = forger.sign(e["hash"])
    _write(signed_case, events)
    report = signed_case.verify()
    # Bob's registration, re-signed by the forger, no longer proves possession; the head
    # ledger of this machine still holds the real seq 5.
    assert report.kinds() == {"signature-unknown-key", "key-registration", "head-mismatch"}
    assert f"signed with key {forger.key_id}, which no examiner registered" in report.text()


def test_a_passphrase_protects_the_key(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    from osint_kit.record.signing import KeyUnavailable

    generate_key(config_dir(), ALICE.id, "correct horse", force=False)
    with pytest.raises(KeyUnavailable, match="OSINT_KIT_KEY_PASSPHRASE"):
        ALICE.actor()
    monkeypatch.setenv("OSINT_KIT_KEY_PASSPHRASE", "correct horse")
    case = Case.create(
        "SIG-2", title="t", category="other", authority=AUTHORITY, root=root, examiner=ALICE
    )
    assert all("signature" in e for e in _lines(case)) and case.verify().ok


def test_a_bundle_carries_the_keys_and_its_signatures_are_checked(
    signed_case: Case, tmp_path: Path
) -> None:
    import zipfile

    from osint_kit.disclosure.bundle.bag import zip_folder
    from osint_kit.disclosure.bundle.verify import verify_bundle

    result = signed_case.disclosure.export(
        tmp_path / "b.zip", authorization="DA-1", recipient="DA", exhibits=["E0001"], examiner=ALICE
    )
    assert verify_bundle(result.path).ok
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(tmp_path / "x")
    events = tmp_path / "x" / "b" / "data" / "custody" / "events.jsonl"
    lines = [json.loads(x) for x in events.read_text().splitlines()]
    assert [e.get("action") for e in lines if "action" in e][:2] == ["case.created", KEY_REGISTERED]
    sig = next(e for e in lines if e.get("action") == "evidence.acquired")["signature"]
    sig["value"] = base64.b64encode(bytes(64)).decode()
    events.chmod(0o644)
    events.write_text("".join(json.dumps(e) + "\n" for e in lines))
    subprocess.run(
        [sys.executable, "-c", "import bagit,sys; bagit.Bag(sys.argv[1]).save(manifests=True)",
         str(tmp_path / "x" / "b")], check=True,
    )  # fmt: skip
    zip_folder(tmp_path / "x" / "b", tmp_path / "forged.zip", "b")
    assert verify_bundle(tmp_path / "forged.zip").kinds() == {"signature-bad"}


def test_cli_examiner_init_makes_a_private_key_only_its_owner_reads(examiner_env: object) -> None:
    import os
    import stat

    from osint_kit.record.signing import key_path

    cmd = [str(Path(sys.executable).parent / "osint-kit"), "examiner", "init"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0 and "ed25519:" in r.stdout
    path = key_path(config_dir(), "B-1234")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"PRIVATE KEY" in path.read_bytes()
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 4 and "--force" in again.stderr
