"""Trusted time: RFC 3161 time stamps from a configured time-stamping authority (TSA).

The request carries only a SHA-256 of the data (a log checkpoint), never case
material. Requests are made and tokens verified with the ``openssl ts`` command
(OpenSSL is already a requirement), and a token counts only if it verifies
against the **configured** CA certificate: the certificate inside a token proves
nothing by itself. With no TSA configured there is no stamp, never a fake one.

``tsa_config`` is the one place the TSA settings are read: arguments first,
then ``OSINT_KIT_TSA_URL`` and ``OSINT_KIT_TSA_CA``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests

from osint_kit.base.dates import parse_openssl_time
from osint_kit.base.files import read_regular
from osint_kit.errors import InvalidOption, TimestampError

ENV_TSA_URL = "OSINT_KIT_TSA_URL"
ENV_TSA_CA = "OSINT_KIT_TSA_CA"

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


@dataclass(frozen=True)
class TsaConfig:
    """The department's TSA: where to ask, and the CA its certificates must chain to."""

    url: str
    ca_file: Path
    timeout_s: int = 20


def tsa_config(url: str | None = None, ca: Path | str | None = None) -> TsaConfig | None:
    """The TSA to stamp with: ``url`` and ``ca`` if given, else the environment; None
    when no TSA is configured. A URL without the CA its tokens chain to is refused:
    a stamp that nothing can check proves nothing."""
    if url:
        if not ca:
            raise InvalidOption("--tsa-ca", "give the CA certificate the TSA chains to")
        return TsaConfig(url, Path(ca))
    env_url, env_ca = os.environ.get(ENV_TSA_URL), os.environ.get(ENV_TSA_CA)
    return TsaConfig(env_url, Path(env_ca)) if env_url and env_ca else None


def trusted_tsa_ca(ca: Path | str | None = None) -> Path | None:
    """The CA time stamps are checked against: ``ca`` if given, else ``OSINT_KIT_TSA_CA``."""
    chosen = ca or os.environ.get(ENV_TSA_CA)
    return Path(chosen) if chosen else None


@dataclass(frozen=True)
class StampCheck:
    ok: bool
    reason: str
    gen_time: datetime | None = None
    #: Who stamped (the token's TSA name, ``DirName:/CN=…``) and its serial number, as
    #: the verified token says (None when the token names no TSA).
    tsa_name: str | None = None
    serial: str | None = None


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)


def request_token(data: bytes, tsa: TsaConfig) -> bytes:
    """Ask ``tsa`` to stamp ``data`` (only its SHA-256 is sent); return the verified token.

    The token is the TSA's whole TimeStampResp (DER), as ``openssl ts -reply`` and
    ``openssl ts -verify -in`` read it.
    """
    with tempfile.TemporaryDirectory(prefix="osint-kit-tsa-") as tmp:
        folder = Path(tmp)
        (folder / "data").write_bytes(data)
        made = _openssl(
            "ts", "-query", "-data", "data", "-sha256", "-cert", "-out", "query.tsq", cwd=folder
        )
        if made.returncode != 0:
            raise TimestampError(f"openssl could not make the request: {made.stderr.strip()}")
        query = (folder / "query.tsq").read_bytes()
        try:
            answer = requests.post(
                tsa.url,
                data=query,
                headers={"Content-Type": QUERY_TYPE},
                timeout=tsa.timeout_s,
            )
        except requests.RequestException as exc:
            raise TimestampError(f"the TSA at {tsa.url} could not be reached ({exc})") from None
        if answer.status_code != 200:
            raise TimestampError(f"the TSA at {tsa.url} answered HTTP {answer.status_code}")
        check = verify_token(answer.content, data, tsa.ca_file)
        if not check.ok:
            raise TimestampError(f"the TSA at {tsa.url} returned a token that {check.reason}")
        return answer.content


def verify_token(token: bytes, data: bytes, ca_file: Path) -> StampCheck:
    """Does ``token`` stamp exactly ``data``, signed by a TSA that chains to ``ca_file``?"""
    with tempfile.TemporaryDirectory(prefix="osint-kit-tsa-") as tmp:
        folder = Path(tmp)
        (folder / "data").write_bytes(data)
        (folder / "token.tsr").write_bytes(token)
        try:  # copied, so that openssl never opens a FIFO or device given as the CA
            (folder / "ca.pem").write_bytes(read_regular(ca_file))
        except OSError as exc:
            why = f"cannot be checked: the TSA CA {ca_file} is unreadable ({exc.strerror or exc})"
            return StampCheck(False, why)
        checked = _openssl(
            "ts", "-verify", "-in", "token.tsr", "-data", "data", "-CAfile", "ca.pem", cwd=folder
        )
        if checked.returncode != 0 or "Verification: OK" not in checked.stdout:
            detail = (checked.stderr.strip().splitlines() or ["verification failed"])[-1]
            return StampCheck(False, f"does not verify against {ca_file} ({detail})")
        facts = _token_facts(folder)
        gen_time = facts.get("Time stamp")
        return StampCheck(
            True,
            "verified",
            parse_openssl_time(gen_time) if gen_time else None,
            facts.get("TSA") or None,
            facts.get("Serial number") or None,
        )


def _token_facts(folder: Path) -> dict[str, str]:
    """The token's own lines (``openssl ts -reply -text``): time, serial number, TSA name."""
    shown = _openssl("ts", "-reply", "-in", "token.tsr", "-text", cwd=folder)
    facts = {}
    for line in shown.stdout.splitlines():
        key, sep, value = line.partition(":")
        if sep and key in ("Time stamp", "Serial number", "TSA"):
            facts[key] = value.strip()
    return facts
