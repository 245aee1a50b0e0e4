"""Examiners' Ed25519 keys, and the signatures they put on custody events.

Each examiner may hold one key pair, made by ``osint-kit examiner init``: the
private key in the user's config directory (``keys/<examiner id>.pem``, mode
0600, encrypted when a passphrase is given), the public key beside it. When an
examiner with a key first writes to a case, an ``examiner.key.registered`` event
(signed with that key: proof of possession) puts the public key on the record,
and ``examiners/<key id>.pem`` holds a copy. From then on every event they write
carries ``signature``: Ed25519 over the 32 bytes of the event's ``hash``, with the
key id. Any Ed25519 tool can check one (docs/format.md shows openssl).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .errors import KeyUnavailable, OutputExists

ALGORITHM = "Ed25519"
ENV_PASSPHRASE = "OSINT_KIT_KEY_PASSPHRASE"
REGISTERED = "examiner.key.registered"


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:32]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def key_path(config: Path, examiner_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", examiner_id)
    return config / "keys" / f"{safe}.pem"


@dataclass(frozen=True)
class Signer:
    key_id: str
    public_pem: str
    _key: Ed25519PrivateKey

    def sign(self, event_hash: str) -> dict[str, str]:
        value = self._key.sign(bytes.fromhex(event_hash))
        return {"alg": ALGORITHM, "key_id": self.key_id, "value": base64.b64encode(value).decode()}


def generate_key(config: Path, examiner_id: str, passphrase: str | None, *, force: bool) -> Signer:
    """A new key pair for ``examiner_id``; refuses to replace one unless ``force``."""
    path = key_path(config, examiner_id)
    if path.exists() and not force:
        raise OutputExists(path, "use --force to make a new key")
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    public = key.public_key()
    path.with_suffix(".pub").write_text(public_pem(public), encoding="utf-8")
    return Signer(key_id(public), public_pem(public), key)


def load_signer(config: Path, examiner_id: str) -> Signer | None:
    """The examiner's signer, or None when they have no key (their events go unsigned)."""
    path = key_path(config, examiner_id)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _load(str(path), stat.st_mtime_ns, os.environ.get(ENV_PASSPHRASE))


@lru_cache(maxsize=8)  # a passphrase-protected key costs a scrypt run to open
def _load(path: str, mtime_ns: int, passphrase: str | None) -> Signer:
    try:
        data = Path(path).read_bytes()
        key = serialization.load_pem_private_key(data, passphrase.encode() if passphrase else None)
    except (TypeError, ValueError) as exc:
        hint = f" (set {ENV_PASSPHRASE})" if b"ENCRYPTED" in data else ""
        raise KeyUnavailable(Path(path), f"{exc}{hint}") from None
    except OSError as exc:
        raise KeyUnavailable(Path(path), exc.strerror or str(exc)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyUnavailable(Path(path), "not an Ed25519 key")
    public = key.public_key()
    return Signer(key_id(public), public_pem(public), key)


class Actor(dict[str, Any]):
    """An event's ``actor`` member, carrying (not recording) the examiner's signer."""

    signer: Signer | None = None


def check_signature(public_key_pem: str, event_hash: str, signature: dict[str, Any]) -> bool:
    try:
        public = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(public, Ed25519PublicKey):
            return False
        public.verify(base64.b64decode(str(signature.get("value", ""))), bytes.fromhex(event_hash))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def key_of(public_key_pem: str) -> str | None:
    try:
        public = serialization.load_pem_public_key(public_key_pem.encode())
    except ValueError:
        return None
    return key_id(public) if isinstance(public, Ed25519PublicKey) else None
