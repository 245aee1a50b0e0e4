"""The certificates the recording proxy shows the browser, and what it learns of the real ones.

The browser talks TLS to the proxy, never to the site: the proxy makes the real
connection, checks the site's certificate itself (the examiner's
``--ignore-tls-errors`` decides what a failure means) and records its chain.
Towards the browser it presents a certificate for the same host, issued on the
spot by a throwaway authority that exists only in this process and is never
written anywhere; the browser context is told to accept it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import ssl
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

#: The DER encoding constant of ``_ssl`` (``ssl`` re-exports it only from 3.13).
_ENCODING_DER = 2


class Authority:
    """Issues a leaf per host on demand; the server-side TLS contexts are cached."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "osint-kit capture proxy")])
        now = datetime.now(UTC)
        self._name = name
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())
        self._dir = tempfile.TemporaryDirectory(prefix="osint-kit-proxy-")
        self._contexts: dict[str, ssl.SSLContext] = {}

    def context_for(self, host: str) -> ssl.SSLContext:
        found = self._contexts.get(host)
        if found is None:
            found = self._contexts[host] = self._make_context(host)
        return found

    def _make_context(self, host: str) -> ssl.SSLContext:
        now = datetime.now(UTC)
        try:
            alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
        except ValueError:
            alt = x509.DNSName(host)
        leaf = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64] or "-")]))
            .issuer_name(self._name)
            .public_key(self._leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        stem = hashlib.sha256(host.encode("utf-8", "replace")).hexdigest()[:16]
        cert_path = Path(self._dir.name) / f"{stem}.pem"
        key_path = Path(self._dir.name) / "leaf.key"
        cert_path.write_bytes(
            leaf.public_bytes(serialization.Encoding.PEM)
            + self._cert.public_bytes(serialization.Encoding.PEM)
        )
        if not key_path.exists():
            key_path.write_bytes(
                self._leaf_key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        context.set_alpn_protocols(["http/1.1"])
        return context

    def close(self) -> None:
        self._dir.cleanup()


def upstream_context(*, verify: bool) -> ssl.SSLContext:
    """How the proxy connects to the site: the system's trusted roots, or no checks at all."""
    if verify:
        context = ssl.create_default_context()
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context


def connection_facts(ssl_object: Any) -> dict[str, Any]:
    """Protocol, cipher, and the chain the site sent (leaf first) with SHA-256s."""
    facts: dict[str, Any] = {"protocol": ssl_object.version()}
    cipher = ssl_object.cipher()
    if cipher:
        facts["cipher"] = cipher[0]
    ders = _chain(ssl_object)
    if ders:
        leaf = x509.load_der_x509_certificate(ders[0])
        facts.update(
            {
                "subjectName": _common_name(leaf.subject) or leaf.subject.rfc4514_string(),
                "issuer": _common_name(leaf.issuer) or leaf.issuer.rfc4514_string(),
                "validFrom": leaf.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "validTo": leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "chain_pem": [ssl.DER_cert_to_PEM_cert(d) for d in ders],
                "chain_sha256": [hashlib.sha256(d).hexdigest() for d in ders],
                "leaf_sha256": hashlib.sha256(ders[0]).hexdigest(),
            }
        )
    else:
        facts["chain_error"] = "the site sent no certificate"
    return facts


def _chain(ssl_object: Any) -> list[bytes]:
    """Every certificate the site sent; Python 3.13 has this public, 3.11 privately."""
    getter = getattr(ssl_object, "get_unverified_chain", None)
    if getter is None:
        inner = getattr(ssl_object, "_sslobj", None)
        getter = getattr(inner, "get_unverified_chain", None)
    if getter is not None:
        try:
            chain = getter() or []
            return [c if isinstance(c, bytes) else c.public_bytes(_ENCODING_DER) for c in chain]
        except (ssl.SSLError, ValueError, AttributeError):
            pass
    leaf = ssl_object.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def _common_name(name: x509.Name) -> str:
    found = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(found[0].value) if found else ""
