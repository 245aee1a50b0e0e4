"""A throw-away certificate authority and a server certificate for 127.0.0.1, made with openssl."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TestCA:
    ca_pem: Path
    server_chain: Path  # server certificate followed by the CA certificate
    server_key: Path
    server_pem: Path

    __test__ = False  # not a pytest test class

    def der(self, pem: Path) -> bytes:
        return subprocess.run(
            ["openssl", "x509", "-in", str(pem), "-outform", "DER"], capture_output=True, check=True
        ).stdout


def make_ca(folder: Path) -> TestCA:
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=osint-kit test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=127.0.0.1",
    )
    (folder / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "extendedKeyUsage=serverAuth\n"
    )
    run(
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.pem",
        "-days",
        "30",
        "-extfile",
        "ext.cnf",
    )
    chain = folder / "chain.pem"
    chain.write_bytes((folder / "srv.pem").read_bytes() + (folder / "ca.pem").read_bytes())
    return TestCA(folder / "ca.pem", chain, folder / "srv.key", folder / "srv.pem")
