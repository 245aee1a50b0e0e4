"""RFC 3161 time stamps from a local openssl TSA, verified only against the configured CA."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from osint_kit.fakes.tsa import LocalTSA, make_tsa_files, serve_tsa
from osint_kit.timestamp import TimestampError, TsaConfig, request_token, verify_token

CHECKPOINT = b'{"case":"MP-2026-001","seq":42,"hash":"' + b"ab" * 32 + b'"}'


@pytest.fixture(scope="module")
def tsas(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalTSA, LocalTSA]:
    root = tmp_path_factory.mktemp("tsa")
    return make_tsa_files(root / "good", "department"), make_tsa_files(root / "rogue", "rogue")


@pytest.fixture
def good(tsas: tuple[LocalTSA, LocalTSA]) -> Iterator[LocalTSA]:
    with serve_tsa(tsas[0]) as running:
        yield running


def test_a_stamp_verifies_with_openssl_against_the_configured_ca(
    good: LocalTSA, tmp_path: Path
) -> None:
    token = request_token(CHECKPOINT, TsaConfig(good.url, good.ca_pem))
    check = verify_token(token, CHECKPOINT, good.ca_pem)
    assert check.ok and check.gen_time is not None
    assert abs(check.gen_time - datetime.now(UTC)) < timedelta(minutes=2)
    # the standard tool agrees
    (tmp_path / "t.tsr").write_bytes(token)
    (tmp_path / "d").write_bytes(CHECKPOINT)
    r = subprocess.run(
        ["openssl", "ts", "-verify", "-in", "t.tsr", "-data", "d", "-CAfile", str(good.ca_pem)],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 0 and "Verification: OK" in r.stdout


def test_changed_data_and_a_rogue_tsa_are_rejected(
    good: LocalTSA, tsas: tuple[LocalTSA, LocalTSA]
) -> None:
    token = request_token(CHECKPOINT, TsaConfig(good.url, good.ca_pem))
    assert not verify_token(token, CHECKPOINT.replace(b"42", b"41"), good.ca_pem).ok
    rogue = tsas[1]
    # a token from a TSA that does not chain to the configured CA proves nothing
    assert not verify_token(token, CHECKPOINT, rogue.ca_pem).ok
    with serve_tsa(rogue) as running, pytest.raises(TimestampError, match="does not verify"):
        request_token(CHECKPOINT, TsaConfig(running.url, good.ca_pem))


def test_a_changed_gen_time_is_rejected(good: LocalTSA) -> None:
    token = request_token(CHECKPOINT, TsaConfig(good.url, good.ca_pem))
    year = str(datetime.now(UTC).year).encode()
    at = token.find(year)  # GeneralizedTime: YYYYMMDDhhmmssZ inside the signed TSTInfo
    assert at > 0
    forged = token[:at] + str(int(year) - 1).encode() + token[at + 4 :]
    assert not verify_token(forged, CHECKPOINT, good.ca_pem).ok


def test_no_tsa_means_no_stamp(tsas: tuple[LocalTSA, LocalTSA]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/"
    with pytest.raises(TimestampError, match="could not be reached"):
        request_token(CHECKPOINT, TsaConfig(closed, tsas[0].ca_pem, timeout_s=5))
