"""Checkpoints of the log head: truncation caught, trusted time checked against the set CA."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.record.timestamp import TsaConfig
from osint_kit_sandbox.tsa import LocalTSA

BIN = Path(sys.executable).parent


@pytest.fixture
def noted(case: Case) -> Case:
    case.add_note("first", examiner=EXAMINER)
    case.add_note("second", examiner=EXAMINER)
    return case


def _cut_last(case: Case, n: int) -> None:
    path = case.log.path
    lines = path.read_bytes().splitlines(keepends=True)
    path.chmod(0o644)
    path.write_bytes(b"".join(lines[:-n]))


def test_a_log_cut_short_after_a_checkpoint_is_caught(noted: Case) -> None:
    point = noted.stamp(examiner=EXAMINER)  # no TSA: signed by no one, but kept
    assert point.seq == 3 and not point.stamped
    report = noted.verify()
    assert report.ok and any("no trusted time" in n for n in report.notes)
    _cut_last(noted, 2)  # the checkpoint's event and the last note, cleanly
    report = noted.verify()
    # the file vouches for a head the log no longer reaches, and its own event is gone
    assert report.kinds() == {"log-truncated", "checkpoint-unrecorded"}
    assert "vouches for seq 3, but the log ends at seq 2" in report.text()


def test_a_stamped_checkpoint_is_trusted_time(
    noted: Case, tsa: LocalTSA, monkeypatch: pytest.MonkeyPatch
) -> None:
    point = noted.stamp(tsa=TsaConfig(tsa.url, tsa.ca_pem), examiner=EXAMINER)
    assert point.stamped and point.gen_time
    token = point.path.with_suffix(".tsr")
    r = subprocess.run(
        ["openssl", "ts", "-verify", "-in", str(token), "-data", str(point.path),
         "-CAfile", str(tsa.ca_pem)], capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 0 and "Verification: OK" in r.stdout
    event = noted.events()[-1]
    assert event.action == "log.checkpoint" and event.details["trusted_time"] is True
    report = noted.verify()  # no CA configured here: said so, not trusted
    assert report.ok and any("no TSA CA is configured" in n for n in report.notes)
    monkeypatch.setenv("OSINT_KIT_TSA_CA", str(tsa.ca_pem))
    report = noted.verify()
    assert report.ok and any(n.startswith("trusted time: seq 3 existed at") for n in report.notes)


def test_a_rogue_ca_or_a_changed_checkpoint_is_not_trusted(
    noted: Case,
    tsa: LocalTSA,
    tsa_files: tuple[LocalTSA, LocalTSA],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    point = noted.stamp(tsa=TsaConfig(tsa.url, tsa.ca_pem), examiner=EXAMINER)
    monkeypatch.setenv("OSINT_KIT_TSA_CA", str(tsa_files[1].ca_pem))  # the wrong CA
    assert noted.verify().kinds() == {"timestamp-invalid"}
    monkeypatch.setenv("OSINT_KIT_TSA_CA", str(tsa.ca_pem))
    point.path.chmod(0o644)
    point.path.write_bytes(point.path.read_bytes().replace(b'"seq":3', b'"seq":2'))
    kinds = noted.verify().kinds()
    assert "timestamp-invalid" in kinds and "checkpoint-mismatch" in kinds


def test_cli_stamp(noted: Case, tsa: LocalTSA, examiner_env: object) -> None:
    env = {**os.environ, "OSINT_KIT_CASES": str(noted.path.parent)}
    r = subprocess.run(
        [str(BIN / "osint-kit"), "stamp", noted.id, "--tsa", tsa.url, "--tsa-ca", str(tsa.ca_pem)],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "checkpoint of" in r.stdout and "trusted time from" in r.stdout
    r = subprocess.run(
        [str(BIN / "osint-kit"), "stamp", noted.id], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0 and "no trusted time" in r.stdout


def test_an_export_is_stamped_and_the_bundle_carries_its_trusted_time(
    noted: Case, tsa: LocalTSA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from osint_kit.disclosure.bundle.verify import verify_bundle

    (tmp_path / "tip.txt").write_text("a tip\n")
    noted.import_files([tmp_path / "tip.txt"], handed_over_by="W", examiner=EXAMINER)
    monkeypatch.setenv("OSINT_KIT_TSA_URL", tsa.url)
    monkeypatch.setenv("OSINT_KIT_TSA_CA", str(tsa.ca_pem))
    result = noted.disclosure.export(
        tmp_path / "b.zip", authorization="DA-1", recipient="DA", examiner=EXAMINER
    )
    actions = [e.action for e in noted.events()][-3:]
    # stamped before (the bundle carries it) and after (it covers export.created)
    assert actions == ["log.checkpoint", "export.created", "log.checkpoint"]
    stamped = [e for e in noted.events() if e.action == "log.checkpoint"][-2].details["seq"]
    assert result.head_seq == stamped + 1  # the bundle holds the checkpoint event too
    report = verify_bundle(result.path)
    assert report.ok and any(
        n.startswith(f"trusted time: seq {stamped} existed at") for n in report.notes
    )
    monkeypatch.delenv("OSINT_KIT_TSA_CA")
    report = verify_bundle(result.path, tsa_ca=tsa.ca_pem)
    assert report.ok and any("trusted time" in n for n in report.notes)
    unchecked = verify_bundle(result.path)
    assert unchecked.ok and any("no TSA CA given" in n for n in unchecked.notes)


def test_a_log_cut_below_a_bundles_head_is_caught(noted: Case, tmp_path: Path) -> None:
    (tmp_path / "tip.txt").write_text("a tip\n")
    noted.import_files([tmp_path / "tip.txt"], handed_over_by="W", examiner=EXAMINER)
    bundle = noted.disclosure.export(
        tmp_path / "b.zip", authorization="DA-1", recipient="DA", examiner=EXAMINER
    ).path
    report = noted.verify(against=[bundle])
    assert report.ok and any("still holds the head of bundle b.zip" in n for n in report.notes)
    head = noted.events()[-3].seq  # then export.created and its checkpoint
    # The checkpoints after the export and after the import, the export, the import:
    _cut_last(noted, 4)
    report = noted.verify(against=[bundle])
    # the tip lost its record; the checkpoint files lost their events; the ledger and the
    # bundle both reach further than the log now does
    assert report.kinds() == {"log-truncated", "blob-unrecorded", "checkpoint-unrecorded"}
    assert f"bundle b.zip was cut at seq {head}, but the log ends at seq {head - 2}" in (
        report.text()
    )


def test_a_signed_checkpoint_is_checked_against_the_registered_key(root: Path) -> None:
    from conftest import AUTHORITY
    from osint_kit import Examiner
    from osint_kit.record.examiner import config_dir
    from osint_kit.record.signing import generate_key

    ann = Examiner(name="Ann", id="K-9", agency="PD")
    generate_key(config_dir(), ann.id, None, force=False)
    case = Case.create(
        "CP-1", title="t", category="other", authority=AUTHORITY, root=root, examiner=ann
    )
    point = case.stamp(examiner=ann)
    sig = point.path.with_name(point.path.name.removesuffix(".json") + ".sig.json")
    assert sig.exists() and case.verify().ok
    sig.chmod(0o644)
    sig.write_text(sig.read_text().replace('"value": "', '"value": "AAAA'))
    assert case.verify().kinds() == {"checkpoint-signature"}


def test_a_checkpoint_stopped_by_a_crash_is_crash_residue_and_repair_deals_with_it(
    noted: Case,
) -> None:
    """Files are written under pending names, the event appended, then the files moved:
    a crash leaves pending files, never a checkpoint file without its event (which is
    what removing the event looks like)."""
    from osint_kit.folder.checkpoint import pending_name

    point = noted.stamp(examiner=EXAMINER)
    # A crash after the event, before the move:
    os.replace(point.path, pending_name(point.path))
    # A crash before the event, in another checkpoint:
    stray = point.path.with_name("00000099-0123456789abcdef-00000000.json")
    pending_name(stray).write_bytes(b'{"seq": 99}')
    report = noted.verify()
    assert report.kinds() == {"interrupted-checkpoint"}, report.text()
    assert all(p.crash_residue for p in report.problems) and len(report.problems) == 2
    repaired = noted.repair(examiner=EXAMINER)
    assert sorted(c["action"] for c in repaired.checkpoints) == ["moved", "removed"]
    assert point.path.is_file() and not pending_name(stray).exists()
    assert noted.verify().ok
