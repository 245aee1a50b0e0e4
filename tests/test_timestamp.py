"""RFC 3161 time stamps from a local openssl TSA, verified only against the configured CA."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from osint_kit.record.timestamp import TimestampError, TsaConfig, request_token, verify_token
from osint_kit_sandbox.tsa import LocalTSA, serve_tsa

CHECKPOINT = b'{"case":"MP-2026-001","seq":42,"hash":"' + b"ab" * 32 + b'"}'


def test_a_stamp_verifies_with_openssl_against_the_configured_ca(
    tsa: LocalTSA, tmp_path: Path
) -> None:
    token = request_token(CHECKPOINT, TsaConfig(tsa.url, tsa.ca_pem))
    check = verify_token(token, CHECKPOINT, tsa.ca_pem)
    assert check.ok and check.gen_time is not None
    assert abs(check.gen_time - datetime.now(UTC)) < timedelta(minutes=2)
    # the standard tool agrees
    (tmp_path / "t.tsr").write_bytes(token)
    (tmp_path / "d").write_bytes(CHECKPOINT)
    r = subprocess.run(
        ["openssl", "ts", "-verify", "-in", "t.tsr", "-data", "d", "-CAfile", str(tsa.ca_pem)],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 0 and "Verification: OK" in r.stdout


def test_changed_data_and_a_rogue_tsa_are_rejected(
    tsa: LocalTSA, tsa_files: tuple[LocalTSA, LocalTSA]
) -> None:
    token = request_token(CHECKPOINT, TsaConfig(tsa.url, tsa.ca_pem))
    assert not verify_token(token, CHECKPOINT.replace(b"42", b"41"), tsa.ca_pem).ok
    rogue = tsa_files[1]
    # a token from a TSA that does not chain to the configured CA proves nothing
    assert not verify_token(token, CHECKPOINT, rogue.ca_pem).ok
    with serve_tsa(rogue) as running, pytest.raises(TimestampError, match="does not verify"):
        request_token(CHECKPOINT, TsaConfig(running.url, tsa.ca_pem))


def test_a_changed_gen_time_is_rejected(tsa: LocalTSA) -> None:
    token = request_token(CHECKPOINT, TsaConfig(tsa.url, tsa.ca_pem))
    year = str(datetime.now(UTC).year).encode()
    at = token.find(year)  # GeneralizedTime: YYYYMMDDhhmmssZ inside the signed TSTInfo
    assert at > 0
    forged = token[:at] + str(int(year) - 1).encode() + token[at + 4 :]
    assert not verify_token(forged, CHECKPOINT, tsa.ca_pem).ok


def test_no_tsa_means_no_stamp(tsa_files: tuple[LocalTSA, LocalTSA]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/"
    with pytest.raises(TimestampError, match="could not be reached"):
        request_token(CHECKPOINT, TsaConfig(closed, tsa_files[0].ca_pem, timeout_s=5))
